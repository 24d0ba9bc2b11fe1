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


def test_coarse_to_fine_is_two_grid_searches_of_minimize_runs_scored_on_other_seeds():
    """Independent check: the two passes redone with minimize-based tune_batch_sizes on the same
    grids, and the score as final_excess on the scoring seeds."""
    from sgdteach.course.batch_tuning import coarse_to_fine

    X, y = _problem()
    coarse = 0.007 * 2.0 ** np.arange(6)          # here the fine best is off the coarse best
    got = coarse_to_fine(X, y, np.zeros(2), coarse, batch_size=4, epochs=3, pick_seeds=(0, 1),
                         score_seeds=(2, 3, 4), fine_points=5)
    first = tune_batch_sizes(X, y, np.zeros(2), [4], coarse, epochs=3, seeds=(0, 1))[4]
    fine = first.lr * 2.0 ** np.linspace(-1, 1, 5)
    second = tune_batch_sizes(X, y, np.zeros(2), [4], fine, epochs=3, seeds=(0, 1))[4]
    assert (got.coarse_index, got.fine_index) == (first.grid_index, second.grid_index) == (4, 1)
    assert got.coarse_lr == pytest.approx(first.lr) and got.lr == pytest.approx(second.lr)
    for lr, score in ((second.lr, got.score), (first.lr, got.coarse_score)):
        assert score == pytest.approx(final_excess(X, y, np.zeros(2), lr=lr, batch_size=4,
                                                   epochs=3, seeds=(2, 3, 4)), rel=1e-9)


def test_coarse_to_fine_rejects_a_grid_that_is_not_geometric():
    from sgdteach.course.batch_tuning import coarse_to_fine

    X, y = _problem()
    with pytest.raises(ValidationError, match="geometric progression"):
        coarse_to_fine(X, y, np.zeros(2), [0.01, 0.02, 0.05], batch_size=4, epochs=2,
                       pick_seeds=[0], score_seeds=[1])


def test_notebook_03_other_seed_blocks_stay_in_the_ranges_it_quotes():
    """Notebook 03 repeats its tuned comparison on five other blocks of seeds (rates picked on
    seeds 13k..13k+2, scored on the next 10, k = 1..5) and quotes the ranges of three ratios."""
    from sgdteach.course.batch_tuning import coarse_to_fine
    from sgdteach.course.widgets.methods import START, course_problem

    X, y, _, _ = course_problem()
    coarse = 0.01 * 2.0 ** np.arange(-3, 5.5, 0.5)
    better, worse, pair = [], [], []
    for k in range(1, 6):
        s = 13 * k
        score = {b: coarse_to_fine(X, y, START, coarse, batch_size=b, epochs=20,
                                   pick_seeds=range(s, s + 3),
                                   score_seeds=range(s + 3, s + 13)).score
                 for b in (len(y), 1, 10)}
        gd, low, high = score[len(y)], min(score[1], score[10]), max(score[1], score[10])
        better.append(gd / low), worse.append(gd / high), pair.append(high / low)
    assert 1.15 < min(better) and max(better) < 1.75      # "1.2-1.7 times above the better"
    assert 1.0 < min(worse) and max(worse) < 1.65         # "1.0-1.6 times above the worse"
    assert max(pair) < 1.3                                # "within a factor 1.3 of each other"


def test_seed_blocks_tunes_on_each_block_and_scores_on_the_seeds_after_it():
    """Independent check: each entry redone with coarse_to_fine on explicitly listed seeds."""
    from sgdteach.course.batch_tuning import coarse_to_fine, seed_blocks

    X, y = _problem()
    coarse = 0.007 * 2.0 ** np.arange(6)
    got = seed_blocks(X, y, np.zeros(2), coarse, [4, 1], epochs=2, starts=[5, 20], n_pick=2,
                      n_score=3)
    want = [[coarse_to_fine(X, y, np.zeros(2), coarse, batch_size=b, epochs=2, pick_seeds=p,
                            score_seeds=s).score for b in (4, 1)]
            for p, s in (([5, 6], [7, 8, 9]), ([20, 21], [22, 23, 24]))]
    np.testing.assert_allclose(got, want, rtol=1e-12)
