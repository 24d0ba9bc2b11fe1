"""course.averaged_moments and course.beyond_floor: the exact moments of the averaged SGD iterate
agree with an enumeration of every row sequence and with simulated runs; the simulated runs are
minimize's runs; the 1/t constant is the limit of the exact curve."""

import itertools

import numpy as np
import pytest

import sgdteach
from sgdteach._validation import ValidationError
from sgdteach.course.averaged_moments import averaged_asymptote, averaged_excess
from sgdteach.course.beyond_floor import averaged_runs, log_rate
from sgdteach.course.sgd_moments import expected_excess
from sgdteach.datasets import make_regression, reference_data
from sgdteach.losses import least_squares_solution


def _enumerated(X, y, theta0, lr, steps, start):
    """E[J(average) - J*] and the excess of E[average], over all m**steps row sequences."""
    m = len(y)
    star = least_squares_solution(X, y)
    H = 2 / m * X.T @ X
    total, mean = 0.0, np.zeros(X.shape[1])
    for rows in itertools.product(range(m), repeat=steps):
        theta, acc = np.array(theta0, float), np.zeros(X.shape[1])
        for t, i in enumerate(rows, start=1):
            theta = theta - lr * 2 * X[i] * (X[i] @ theta - y[i])
            if t > start:
                acc += theta
        e = acc / (steps - start) - star
        total += 0.5 * e @ H @ e / m**steps
        mean += e / m**steps
    return total, 0.5 * mean @ H @ mean


@pytest.mark.parametrize("lr, steps, start", [(0.05, 5, 0), (0.05, 6, 3), (0.02, 4, 1)])
def test_exact_average_equals_the_enumeration_of_every_row_sequence(lr, steps, start):
    X, y = reference_data()
    theta0 = np.array([0.5, -1.0])
    total, bias = _enumerated(X, y, theta0, lr, steps, start)
    split = averaged_excess(X, y, theta0, lr, steps, start=start)
    assert split.total == pytest.approx(total, rel=1e-9)
    assert split.bias == pytest.approx(bias, rel=1e-9)


def test_one_update_is_the_last_iterate_and_tail_is_the_last_half():
    X, y = reference_data()
    one = averaged_excess(X, y, np.zeros(2), 0.03, 1)
    last = expected_excess(X, y, np.zeros(2), 0.03, 1)
    assert (one.total, one.bias) == pytest.approx((last.total, last.bias), rel=1e-12)
    curve = averaged_excess(X, y, np.zeros(2), 0.03, [10, 41], start="tail")
    for i, T in enumerate((10, 41)):
        assert curve.total[i] == pytest.approx(
            averaged_excess(X, y, np.zeros(2), 0.03, T, start=T // 2).total, rel=1e-12)
    last = averaged_excess(X, y, np.zeros(2), 0.03, [7, 30], start="last")
    for i, T in enumerate((7, 30)):
        assert last.total[i] == pytest.approx(
            expected_excess(X, y, np.zeros(2), 0.03, T).total, rel=1e-10)
        assert last.bias[i] == pytest.approx(
            expected_excess(X, y, np.zeros(2), 0.03, T).bias, rel=1e-10)


@pytest.mark.parametrize("lr", [0.02, 0.05])
def test_the_constant_is_the_limit_of_t_times_the_exact_curve(lr):
    X, y = reference_data()
    star = least_squares_solution(X, y)
    c = averaged_asymptote(X, y, lr).exact
    ratios = [T * averaged_excess(X, y, star, lr, T).total / c for T in (10**5, 10**6)]
    assert abs(ratios[1] - 1) < 0.01 and abs(ratios[1] - 1) < abs(ratios[0] - 1)


def test_first_order_constant_is_the_small_step_limit():
    X, y, _ = make_regression(200, 2, noise=1.0, seed=3)
    a = [averaged_asymptote(X, y, lr) for lr in (0.04, 0.004, 0.0004)]
    gaps = [p.exact / p.first_order - 1 for p in a]
    assert gaps[0] > gaps[1] > gaps[2] > 0 and gaps[2] < 1e-3


def test_runs_are_minimizes_runs():
    X, y = reference_data()
    runs = averaged_runs(X, y, np.zeros(2), 0.02, [30, 60], [4, 7], beta=0.9)
    star = least_squares_solution(X, y)
    H = 2 / 3 * X.T @ X
    for k, seed in enumerate((4, 7)):
        h = sgdteach.minimize(X, y, np.zeros(2), lr=0.02, epochs=20, seed=seed, record_every=1,
                              record_loss=False)
        path = h.path                                  # theta_0 ... theta_60
        ema = path[0].copy()
        for theta in path[1:31]:
            ema = 0.9 * ema + 0.1 * theta

        def excess(theta):
            return 0.5 * (theta - star) @ H @ (theta - star)

        assert runs.last[k, 1] == pytest.approx(excess(path[60]), rel=1e-12)
        assert runs.average[k, 1] == pytest.approx(excess(path[1:61].mean(axis=0)), rel=1e-12)
        assert runs.tail[k, 0] == pytest.approx(excess(path[16:31].mean(axis=0)), rel=1e-12)
        assert runs.ema[k, 0] == pytest.approx(excess(ema), rel=1e-12)


def test_mean_of_many_runs_matches_the_exact_average():
    X, y, _ = make_regression(100, 2, noise=1.0, seed=2)
    runs = averaged_runs(X, y, np.zeros(2), 0.05, [50, 400], range(400))
    exact = {start: averaged_excess(X, y, np.zeros(2), 0.05, [50, 400], start=start)
             for start in (0, "tail")}
    for name, split in (("average", exact[0]), ("tail", exact["tail"])):
        z = (runs.mean(name) - split.total) / runs.standard_error(name)
        assert np.all(np.abs(z) < 4), (name, z)


def test_log_rate_ignores_the_rounding_floor():
    n = np.arange(0, 1000, 10.0)
    d = np.maximum(10.0 ** (-n / 50), 1e-15)            # a decade per 50 evaluations, then flat
    assert log_rate(n, d, floor=1e-13) == pytest.approx(-1 / 50, rel=1e-9)
    assert log_rate(n, d, floor=1e-16) > -1 / 50        # the flat tail bends the fit


def test_bad_arguments_raise_the_template_message():
    X, y = reference_data()
    with pytest.raises(ValidationError, match=r"averaged_excess: 'start' must be below steps"):
        averaged_excess(X, y, np.zeros(2), 0.01, 5, start=5)
    with pytest.raises(ValidationError, match=r"averaged_excess: 'lr' must be below 2/L"):
        averaged_excess(X, y, np.zeros(2), 0.5, 5)
    with pytest.raises(ValidationError, match=r"averaged_runs: 'steps' must be a non-empty "):
        averaged_runs(X, y, np.zeros(2), 0.01, [5, 5], [0, 1])
    with pytest.raises(ValidationError, match=r"averaged_runs: 'seeds' must be at least two"):
        averaged_runs(X, y, np.zeros(2), 0.01, [5], [0])


def test_averages_are_minimizes_averages():
    """average=True is the Polyak-Ruppert average, average=k+1 the average after k updates."""
    X, y = reference_data()
    runs = averaged_runs(X, y, np.zeros(2), 0.02, [30, 60], [5, 6])
    star = least_squares_solution(X, y)
    H = 2 / 3 * X.T @ X
    for k, seed in enumerate((5, 6)):
        full = sgdteach.minimize(X, y, np.zeros(2), lr=0.02, epochs=20, seed=seed, average=True)
        tail = sgdteach.minimize(X, y, np.zeros(2), lr=0.02, epochs=20, seed=seed, average=31)
        for h, value in ((full, runs.average[k, 1]), (tail, runs.tail[k, 1])):
            assert 0.5 * (h.theta - star) @ H @ (h.theta - star) == pytest.approx(value,
                                                                                 rel=1e-12)


def test_logistic_minimizer_is_scikit_learns():
    linear_model = pytest.importorskip("sklearn.linear_model")
    from sgdteach.course.beyond_floor import logistic_minimizer
    from sgdteach.datasets import make_classification

    X, y, _ = make_classification(300, 3, separation=1.0, seed=4)
    ours = logistic_minimizer(X, y)
    ref = linear_model.LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-12,
                                          max_iter=10_000).fit(X, y).coef_[0]
    assert np.allclose(ours, ref, atol=1e-6)
    g = X.T @ (-y / (1 + np.exp(y * (X @ ours)))) / len(y)    # the gradient vanishes at ours
    assert np.linalg.norm(g) < 1e-12
