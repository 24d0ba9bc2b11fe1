"""scheduled_excess: the constant-rate case is expected_excess; a schedule matches simulation."""

import numpy as np
import pytest

import sgdteach
from sgdteach.course.parallel_runs import least_squares_runs
from sgdteach.course.schedule_moments import scheduled_excess
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
