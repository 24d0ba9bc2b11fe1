"""course.max_margin.hard_margin against an independent solver (SLSQP) and the KKT conditions."""

import numpy as np
import pytest
from scipy.optimize import minimize

from sgdteach.course.max_margin import hard_margin


def _data(seed, m=40, d=4):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    X = rng.normal(size=(m, d))
    y = np.sign(X @ w)
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_slsqp(seed):
    X, y = _data(seed)
    G = y[:, None] * X
    ref = minimize(lambda w: w @ w, np.linalg.lstsq(G, np.ones(len(y)), rcond=None)[0] * 10,
                   jac=lambda w: 2 * w, method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda w: G @ w - 1, "jac": lambda w: G}],
                   options={"ftol": 1e-14, "maxiter": 500})
    w = hard_margin(X, y)
    assert np.min(G @ w) == pytest.approx(1.0, abs=1e-8)
    np.testing.assert_allclose(w, ref.x, rtol=1e-5, atol=1e-6)


def test_kkt_support_vectors():
    X, y = _data(3)
    w = hard_margin(X, y)
    G = y[:, None] * X
    active = np.abs(G @ w - 1) < 1e-8
    # w is a non-negative combination of the active rows
    coef, *_ = np.linalg.lstsq(G[active].T, w, rcond=None)
    np.testing.assert_allclose(G[active].T @ coef, w, atol=1e-8)
    assert coef.min() > -1e-8


def test_not_separable():
    X = np.array([[1.0], [1.0]])
    with pytest.raises(ValueError, match="separable"):
        hard_margin(X, np.array([1.0, -1.0]))
