"""sgdteach.course.batch_tuning: per-batch-size learning rates chosen on the training objective."""

from __future__ import annotations

import numpy as np
import pytest

import sgdteach
from sgdteach._validation import ValidationError
from sgdteach.course.batch_tuning import final_excess, tune_batch_sizes
from sgdteach.losses import least_squares_solution, mse


def _problem():
    X, y, _ = sgdteach.datasets.make_regression(40, 2, noise=1.0, seed=3)
    return X, y


def test_final_excess_is_the_mean_over_seeds_of_independent_runs():
    X, y = _problem()
    star = mse(least_squares_solution(X, y), X, y)
    direct = [mse(sgdteach.minimize(X, y, np.zeros(2), lr=0.02, batch_size=4, epochs=5,
                                    sampling="shuffle", seed=s).theta, X, y) - star
              for s in (0, 1, 2)]
    got = final_excess(X, y, np.zeros(2), lr=0.02, batch_size=4, epochs=5, seeds=(0, 1, 2))
    assert got == pytest.approx(np.mean(direct), rel=1e-12)


def test_divergence_scores_infinity():
    X, y = _problem()
    L = np.linalg.eigvalsh(2 / len(y) * X.T @ X)[-1]
    assert final_excess(X, y, np.zeros(2), lr=3 / L, batch_size=len(y), epochs=50,
                        seeds=(0,)) == np.inf


def test_tuned_rate_is_the_grid_argmin_and_brackets_batch_gd():
    """For batch GD the best fixed-budget rate of a quadratic lies just below 2/L: a grid that
    straddles 2/L must put its best point inside, and the table must be the per-rate scores."""
    X, y = _problem()
    L = np.linalg.eigvalsh(2 / len(y) * X.T @ X)[-1]
    grid = (2 / L) * 2.0 ** np.arange(-6, 2.0)
    tuned = tune_batch_sizes(X, y, np.zeros(2), [len(y), 1], grid, epochs=10, seeds=(0, 1))
    for b, t in tuned.items():
        expected = [final_excess(X, y, np.zeros(2), lr=g, batch_size=b, epochs=10, seeds=(0, 1))
                    for g in grid]
        np.testing.assert_array_equal(t.excess, expected)
        assert t.lr == grid[np.argmin(expected)] and t.grid_index == np.argmin(expected)
    assert 0 < tuned[len(y)].grid_index < len(grid) - 1
    assert np.isinf(tuned[len(y)].excess[-1])          # 2 * 2/L diverges


def test_validation_messages():
    X, y = _problem()
    with pytest.raises(ValidationError, match="tune_batch_sizes: 'grid' must be at least 3"):
        tune_batch_sizes(X, y, np.zeros(2), [1], [0.1, 0.01, 0.2], epochs=1)
    with pytest.raises(ValidationError, match="'batch_sizes' must be at most m = 40"):
        tune_batch_sizes(X, y, np.zeros(2), [41], [0.01, 0.1, 1.0], epochs=1)
