import numpy as np
import pytest

from sgdteach.course.noise_floor import exact_noise_floor
from sgdteach.course.sgd_moments import stationary_excess
from sgdteach.datasets import make_regression, reference_data


def test_single_example_matches_the_independent_recursion():
    X, y = reference_data()
    for lr in (0.005, 0.02, 0.05):
        assert exact_noise_floor(X, y, lr, 1) == pytest.approx(stationary_excess(X, y, lr),
                                                               rel=1e-9)


def test_batch_floor_matches_simulation():
    X, y, _ = make_regression(200, 2, noise=1.0, seed=3)
    lr, b = 0.1, 4
    star = np.linalg.lstsq(X, y, rcond=None)[0]
    H = 2 / len(y) * X.T @ X
    rng = np.random.default_rng(0)
    chains = 400
    e = np.zeros((chains, 2))
    acc, n = 0.0, 0
    for t in range(3000):
        rows = rng.integers(0, len(y), size=(chains, b))
        Xb, yb = X[rows], y[rows]                                  # (chains, b, d), (chains, b)
        resid = np.einsum("cbd,cd->cb", Xb, e + star) - yb
        e = e - lr * 2 * np.einsum("cb,cbd->cd", resid, Xb) / b
        if t >= 500:
            acc += 0.5 * np.mean(np.einsum("cd,de,ce->c", e, H, e))
            n += 1
    assert acc / n == pytest.approx(exact_noise_floor(X, y, lr, b), rel=0.05)


def test_first_order_formula_at_small_lr():
    X, y, _ = make_regression(300, 2, noise=1.0, seed=1)
    star = np.linalg.lstsq(X, y, rcond=None)[0]
    g = 2 * X * (X @ star - y)[:, None]
    tr = np.mean(np.sum(g ** 2, axis=1))
    assert exact_noise_floor(X, y, 1e-4, 2) == pytest.approx(1e-4 * tr / 8, rel=1e-3)


def test_unstable_rate_is_refused():
    X, y = reference_data()
    with pytest.raises(ValueError, match="exact_noise_floor: 'lr' must be below"):
        exact_noise_floor(X, y, 0.09, 1)
