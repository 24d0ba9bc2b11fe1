"""course.svrg_moments: the exact expected factor of one SVRG outer iteration (option I) on least
squares agrees with many simulated outer iterations of sgdteach.variance_reduced; and
course.beyond_floor.saga_rates reproduces variance_reduced's SAGA runs."""

import numpy as np
import pytest

from sgdteach._validation import ValidationError
from sgdteach.course.beyond_floor import saga_rates, svrg_outer_excess
from sgdteach.course.svrg_moments import svrg_expected_factor
from sgdteach.datasets import make_regression
from sgdteach.losses import least_squares_solution
from sgdteach.variance_reduction import variance_reduced


def _problem():
    X, y, _ = make_regression(6, 2, noise=1.0, seed=3)
    return X, y


def test_expected_factor_matches_simulated_outer_iterations():
    X, y = _problem()
    m = len(y)
    L_max = 2 * np.max(np.sum(X**2, axis=1))
    lr, k = 1 / (4 * L_max), 12
    star = least_squares_solution(X, y)
    H = 2 / m * X.T @ X
    theta0 = star + np.array([1.0, -0.5])
    f = svrg_expected_factor(X, y, lr, k)
    e0 = theta0 - star
    expected = e0 @ f.form @ e0
    excess = []
    for seed in range(600):
        h = variance_reduced(X, y, theta0, method="svrg", lr=lr, epochs=1, inner_steps=k,
                             seed=seed)
        e = h.theta - star
        excess.append(0.5 * e @ H @ e)
    excess = np.array(excess)
    se = excess.std(ddof=1) / np.sqrt(len(excess))
    assert abs(excess.mean() - expected) < 3.5 * se
    assert se < 0.1 * expected                       # the test can tell a wrong form
    assert f.smallest <= f.factor(theta0) <= f.largest
    assert f.factor(theta0) == pytest.approx(expected / (0.5 * e0 @ H @ e0))


def test_one_feature_factor_is_the_deterministic_contraction():
    X = np.array([[1.0], [1.0]])
    y = np.array([1.0, -1.0])
    f = svrg_expected_factor(X, y, 0.1, 5)
    assert f.smallest == pytest.approx(0.8**10) and f.largest == pytest.approx(0.8**10)


def test_factor_validates():
    X, y = _problem()
    with pytest.raises(ValidationError):
        svrg_expected_factor(X, y, -0.1, 5)
    with pytest.raises(ValidationError):
        svrg_expected_factor(X, y, 0.01, 0)


def test_saga_rates_reproduce_variance_reduced_runs():
    X, y = _problem()
    L_max = 2 * np.max(np.sum(X**2, axis=1))
    lr, T = 1 / (3 * L_max), 300
    rates = saga_rates(X, y, lr, T, [0, 1, 2])
    star = least_squares_solution(X, y)
    for seed, rate in zip([0, 1, 2], rates, strict=True):
        m = len(y)
        h = variance_reduced(X, y, method="saga", lr=lr, epochs=T // m, seed=seed,
                             record_every=1)
        t = h.step
        keep = (t >= T // 5) & (t <= T)
        direct = np.polyfit(t[keep], np.log10(np.sum((h.path[keep] - star) ** 2, axis=1)), 1)[0]
        assert rate == pytest.approx(direct, rel=1e-6)
    assert np.all(rates < 0)
    with pytest.raises(ValidationError):
        saga_rates(X, y, lr, 5, [0, 1])


def test_svrg_outer_excess_reproduces_variance_reduced_and_the_exact_mean():
    X, y = _problem()
    m = len(y)
    L_max = 2 * np.max(np.sum(X**2, axis=1))
    lr, k = 1 / (4 * L_max), 12
    star = least_squares_solution(X, y)
    H = 2 / m * X.T @ X
    theta0 = star + np.array([1.0, -0.5])
    got = svrg_outer_excess(X, y, theta0, lr, k, [0, 1, 2])
    for seed, value in zip([0, 1, 2], got, strict=True):
        h = variance_reduced(X, y, theta0, method="svrg", lr=lr, epochs=1, inner_steps=k,
                             seed=seed)
        e = h.theta - star
        assert value == pytest.approx(0.5 * e @ H @ e, rel=1e-9)
    many = svrg_outer_excess(X, y, theta0, lr, k, range(4000))
    e0 = theta0 - star
    exact = e0 @ svrg_expected_factor(X, y, lr, k).form @ e0
    se = many.std(ddof=1) / np.sqrt(len(many))
    assert abs(many.mean() - exact) < 3.5 * se and se < 0.05 * exact
