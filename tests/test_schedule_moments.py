"""scheduled_excess: the constant-rate case is expected_excess; a schedule matches simulation; many
sequences side by side match each alone; the tuned start rate is the argmin of expected_excess."""

import numpy as np
import pytest

import sgdteach
from sgdteach.course.parallel_runs import least_squares_runs
from sgdteach.course.schedule_moments import (
    scheduled_excess,
    scheduled_excess_many,
    tune_start_rates,
)
from sgdteach.course.sgd_moments import expected_excess
from sgdteach.course.widgets.methods import START, course_problem
from sgdteach.datasets import reference_data


def test_constant_rates_are_expected_excess():
    X, y = reference_data()
    for lr in (0.01, 0.05):
        a, b = scheduled_excess(X, y, np.zeros(2), np.full(200, lr)), expected_excess(
            X, y, np.zeros(2), lr, 200)
        assert a.total == pytest.approx(b.total, rel=1e-10)
        assert a.bias == pytest.approx(b.bias, rel=1e-10)


def test_a_schedule_matches_many_simulated_runs():
    X, y, _, _ = course_problem()
    rule = sgdteach.inverse_time(0.05, k=0.02)
    T = 3 * len(y)
    rates = np.array([rule(t) for t in range(T)])
    exact = scheduled_excess(X, y, START, rates).total
    runs = least_squares_runs(X, y, START, lrs=[rule], seeds=range(4000), batch_size=1,
                              epochs=3, sampling="replacement")
    sim = runs.excess[0]
    se = sim.std(ddof=1) / np.sqrt(sim.size)
    assert abs(sim.mean() - exact) < 3 * se
    assert se < 0.1 * exact                      # the test can tell a 30% error


def test_rejects_negative_rates():
    X, y = reference_data()
    with pytest.raises(Exception, match="scheduled_excess"):
        scheduled_excess(X, y, np.zeros(2), [0.01, -0.01])


def test_many_sequences_side_by_side_are_each_sequence_alone():
    X, y, _, _ = course_problem()
    rules = [sgdteach.constant(0.02), sgdteach.inverse_time(0.05, k=0.02),
             sgdteach.exponential(0.1, decay=0.99)]
    rates = np.array([[rule(t) for t in range(250)] for rule in rules])
    total, bias = scheduled_excess_many(X, y, START, rates)
    for k, row in enumerate(rates):
        alone = scheduled_excess(X, y, START, row)
        assert total[k] == pytest.approx(alone.total, rel=1e-10)
        assert bias[k] == pytest.approx(alone.bias, rel=1e-10)
    constant = expected_excess(X, y, START, 0.02, 250)       # independent: sgd_moments
    assert total[0] == pytest.approx(constant.total, rel=1e-10)


def test_tuned_start_rate_is_the_argmin_of_the_constant_rate_excess():
    X, y = reference_data()
    grid = np.geomspace(0.002, 0.07, 9)
    tuned = tune_start_rates(X, y, np.zeros(2), {"constant": sgdteach.constant}, grid, steps=400)
    direct = [expected_excess(X, y, np.zeros(2), a, 400).total for a in grid]
    assert tuned["constant"].total == pytest.approx(direct, rel=1e-10)
    assert tuned["constant"].rate == grid[int(np.argmin(direct))]
    assert tuned["constant"].excess == pytest.approx(min(direct), rel=1e-10)
    assert tuned["constant"].bracketed == (0 < int(np.argmin(direct)) < len(grid) - 1)
    edge = tune_start_rates(X, y, np.zeros(2), {"constant": sgdteach.constant}, grid[:3], 400)
    assert not edge["constant"].bracketed            # the best rate lies above this short grid


def test_tune_start_rates_rejects_a_grid_out_of_order():
    X, y = reference_data()
    with pytest.raises(Exception, match="tune_start_rates: 'grid'"):
        tune_start_rates(X, y, np.zeros(2), {"c": sgdteach.constant}, [0.02, 0.01], 10)
    with pytest.raises(Exception, match="scheduled_excess_many: 'rates'"):
        scheduled_excess_many(X, y, np.zeros(2), np.full(10, 0.01))
