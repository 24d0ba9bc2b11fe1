"""Worst-of-neighbours learning-rate search against run-by-run optimizer_paths."""

import numpy as np
import pytest

from sgdteach._validation import ValidationError
from sgdteach.course import experiments, robust_tuning
from sgdteach.functions import quadratic, rosenbrock


def _distance(fn, method, lr, steps):
    return experiments.optimizer_paths(fn, float(lr), steps, methods=(method,))[method].distance


def test_worst_of_neighbours_is_the_max_of_three_separate_runs():
    fn = rosenbrock()
    lrs = np.array([1e-3, 1.9e-3, 2.05e-3, 5e-3])
    got = robust_tuning.worst_of_neighbours(fn, "sgd", lrs, 400, spread=0.05)
    want = [max(_distance(fn, "sgd", c * a, 400) for c in (0.95, 1.0, 1.05)) for a in lrs]
    assert np.array_equal(got, want)


def test_a_rate_next_to_the_gd_edge_is_rejected():
    # GD on quadratic(25) diverges for lr > 2/25 = 0.08: 0.078 converges, 1.05 * 0.078 does not
    fn = quadratic(25.0)
    assert np.isfinite(_distance(fn, "sgd", 0.078, 200))
    assert np.isinf(robust_tuning.worst_of_neighbours(fn, "sgd", [0.078, 0.01], 200)[0])


def test_robust_best_has_converging_neighbours_and_beats_the_grid():
    fn = quadratic(25.0)
    grid = np.logspace(-3, 0, 13)
    best = robust_tuning.robust_learning_rates(fn, grid, 60, methods=("sgd",))["sgd"]
    assert 0 < best.grid_index < len(grid) - 1
    assert best.lr * 1.05 < 2 / 25
    scores = robust_tuning.worst_of_neighbours(fn, "sgd", grid, 60)
    assert best.worst <= scores.min()
    assert best.worst == max(_distance(fn, "sgd", c * best.lr, 60) for c in (0.95, 1.0, 1.05))
    assert best.run.distance == _distance(fn, "sgd", best.lr, 60)


@pytest.mark.parametrize("kwargs", [dict(lrs=[-1.0, 0.1]), dict(lrs=[]), dict(spread=0.0),
                                    dict(spread=0.7)])
def test_worst_of_neighbours_validates(kwargs):
    args = dict(fn=quadratic(25.0), method="sgd", lrs=[0.01, 0.02], steps=10) | kwargs
    with pytest.raises(ValidationError, match="^worst_of_neighbours: '"):
        robust_tuning.worst_of_neighbours(**args)


def test_robust_learning_rates_validates_the_grid():
    with pytest.raises(ValidationError, match="^robust_learning_rates: 'grid' must be"):
        robust_tuning.robust_learning_rates(quadratic(25.0), [0.1, 0.01, 0.2], 10)
