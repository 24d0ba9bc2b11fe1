"""The vectorised runs are minimize's runs: same rows, same iterates, same records."""

import numpy as np
import pytest

import sgdteach
from sgdteach import functions
from sgdteach.course import experiments
from sgdteach.course.parallel_runs import (escape_fractions, first_below, least_squares_runs,
                                           row_indices)
from sgdteach.course.widgets.methods import START, course_problem


@pytest.mark.parametrize("b, sampling", [(1, "shuffle"), (10, "shuffle"), (32, "shuffle"),
                                         (100, "shuffle"), (1, "replacement"),
                                         (4, "replacement"), (3, "cyclic")])
def test_least_squares_runs_are_minimize_runs(b, sampling):
    X, y, _, _ = course_problem()
    rates = [0.01, sgdteach.inverse_time(0.05, k=0.01)]
    r = least_squares_runs(X, y, START, lrs=rates, seeds=[0, 3], batch_size=b, epochs=4,
                           sampling=sampling, record_every=7)
    for i, lr in enumerate(rates):
        for j, seed in enumerate([0, 3]):
            h = sgdteach.minimize(X, y, START, lr=lr, batch_size=b, epochs=4, sampling=sampling,
                                  seed=seed, record_every=7)
            np.testing.assert_allclose(r.theta[i, j], h.theta, rtol=1e-10, atol=1e-12)
            np.testing.assert_array_equal(r.step, h.step)
            np.testing.assert_allclose(r.loss[i, j], h.loss, rtol=1e-10)
    star = sgdteach.losses.least_squares_solution(X, y)
    j_star = sgdteach.losses.mse(star, X, y)
    np.testing.assert_allclose(r.excess, r.loss[..., -1] - j_star)


def test_row_indices_match_the_sampler_stream():
    rng = np.random.default_rng(5)
    expected = np.concatenate([rng.permutation(7) for _ in range(3)])
    np.testing.assert_array_equal(row_indices(7, 2, 3, "shuffle", 5), expected)
    assert len(row_indices(7, 2, 3, "replacement", 5)) == 3 * 4 * 2


def test_blow_up_and_the_divergence_rule_are_told_apart():
    X, y, _, _ = course_problem()
    r = least_squares_runs(X, y, START, lrs=[0.01, 0.5], seeds=[0], batch_size=1, epochs=20,
                           record_every=100)
    assert not r.blew_up[0, 0] and not r.passed_limit[0, 0] and r.excess[0, 0] < 1
    assert r.passed_limit[1, 0] and r.excess[1, 0] > 1e6
    with pytest.raises(sgdteach.DivergenceError):
        sgdteach.minimize(X, y, START, lr=0.5, batch_size=1, epochs=20, sampling="shuffle",
                          seed=0, record_every=100)


def test_escape_fractions_equal_the_loop():
    fn = functions.shallow_and_deep(0.3)
    loop = experiments.escape_fraction(fn, [1, 2], [0.05, 0.1], seeds=range(8), steps=150)
    fast = escape_fractions(fn, [1, 2], [0.05, 0.1], seeds=range(8), steps=150)
    np.testing.assert_array_equal(fast, loop)
    assert 0 < fast.sum() < fast.size


def test_first_below():
    assert first_below([[5.0, 1.0, 0.5]], 2.0).tolist() == [1]
    assert first_below([[5.0, 4.0]], 2.0).tolist() == [-1]


def test_validation_messages():
    X, y, _, _ = course_problem()
    with pytest.raises(Exception, match="least_squares_runs"):
        least_squares_runs(X, y, START, lrs=[-1.0], seeds=[0], batch_size=1, epochs=1)
    with pytest.raises(TypeError, match="escape_fractions"):
        escape_fractions(functions.saddle(), [1], [0.1], [0])


def test_grid_excess_is_final_excess_on_each_rate():
    from sgdteach.course.batch_tuning import final_excess
    from sgdteach.course.parallel_runs import grid_excess
    X, y, _, _ = course_problem()
    grid = [0.003, 0.03, 0.3]
    fast = grid_excess(X, y, START, grid, seeds=[0, 1], batch_size=10, epochs=5)
    loop = [final_excess(X, y, START, lr=a, batch_size=10, epochs=5, seeds=[0, 1]) for a in grid]
    np.testing.assert_allclose(fast, loop, rtol=1e-9)
    assert np.isinf(fast[-1]) and np.isfinite(fast[:2]).all()
