"""course.sgd_moments: the exact moments of SGD with replacement agree with simulated runs."""

import numpy as np
import pytest

import sgdteach
from sgdteach._validation import ValidationError
from sgdteach.course.sgd_moments import expected_excess, stationary_excess
from sgdteach.datasets import reference_data
from sgdteach.losses import least_squares_solution, squared_error


def _problems():
    X, y = reference_data()
    Xc = X.copy()
    Xc[:, 1] -= X[:, 1].mean()
    return {"raw": (X, y), "centred": (Xc, y)}


def _parallel_sgd(X, y, theta0, lr, steps, runs, seed):
    """``runs`` independent SGD runs (with replacement), advanced side by side."""
    rng = np.random.default_rng(seed)
    thetas = np.tile(np.asarray(theta0, float), (runs, 1))
    for _ in range(steps):
        r = rng.integers(0, len(y), size=runs)
        e = np.einsum("kj,kj->k", X[r], thetas) - y[r]
        thetas -= lr * 2 * X[r] * e[:, None]
    return thetas


def _excess(thetas, X, y):
    star = least_squares_solution(X, y)
    J_star = squared_error.value(star, X, y)
    return np.mean((thetas @ X.T - y) ** 2, axis=1) - J_star


@pytest.mark.parametrize("name, lr, steps", [("raw", 0.01, 300), ("centred", 0.01, 300),
                                             ("centred", 0.3, 60)])
def test_expected_excess_matches_the_mean_of_many_runs(name, lr, steps):
    X, y = _problems()[name]
    split = expected_excess(X, y, np.zeros(2), lr, steps)
    excess = _excess(_parallel_sgd(X, y, np.zeros(2), lr, steps, 20_000, seed=3), X, y)
    se = excess.std() / np.sqrt(len(excess))
    assert abs(split.total - excess.mean()) < 4 * se


@pytest.mark.parametrize("name", ["raw", "centred"])
def test_the_bias_is_the_excess_of_batch_gd(name):
    X, y = _problems()[name]
    gd = sgdteach.batch_gradient_descent(X, y, np.zeros(2), 0.01, 300)
    star = least_squares_solution(X, y)
    gd_excess = squared_error.value(gd, X, y) - squared_error.value(star, X, y)
    split = expected_excess(X, y, np.zeros(2), 0.01, 300)
    assert split.bias == pytest.approx(gd_excess, rel=1e-9)
    assert split.noise == pytest.approx(split.total - split.bias)
    assert split.noise > 0


@pytest.mark.parametrize("name, lr, burn_in", [("raw", 0.05, 2_500), ("centred", 0.1, 300)])
def test_stationary_excess_matches_long_runs(name, lr, burn_in):
    X, y = _problems()[name]
    star = least_squares_solution(X, y)
    thetas = _parallel_sgd(X, y, star, lr, burn_in, 8_000, seed=5)
    excess = _excess(thetas, X, y)
    se = excess.std() / np.sqrt(len(excess))
    assert abs(stationary_excess(X, y, lr) - excess.mean()) < 4 * se
    # and it is where expected_excess settles from theta*
    assert expected_excess(X, y, star, lr, burn_in).total == pytest.approx(
        stationary_excess(X, y, lr), rel=1e-6)


def test_the_floor_is_alpha_tr_sigma_over_4_to_first_order():
    X, y = reference_data()
    star = least_squares_solution(X, y)
    g = np.array([squared_error.grad(star, X[i:i + 1], y[i:i + 1]) for i in range(3)])
    first_order = 1e-4 * np.mean(np.sum(g ** 2, axis=1)) / 4
    assert stationary_excess(X, y, 1e-4) / first_order == pytest.approx(1, abs=2e-3)


def test_bad_arguments_get_the_template_error():
    X, y = reference_data()
    with pytest.raises(ValidationError, match="expected_excess: 'lr' must be below 2/L"):
        expected_excess(X, y, np.zeros(2), 0.1, 3)
    with pytest.raises(ValidationError, match="stationary_excess: 'lr' must be small enough"):
        stationary_excess(X, y, 0.09)
    with pytest.raises(ValidationError, match="'theta0' must be of length 2"):
        expected_excess(X, y, np.zeros(3), 0.01, 3)
    with pytest.raises(ValidationError, match="'steps' must be"):
        expected_excess(X, y, np.zeros(2), 0.01, -1)
