"""course.race: the tuned rate brackets the best value, and the timings cover every contender."""

import math

import numpy as np
import pytest

import sgdteach
from sgdteach.course import experiments, race


@pytest.fixture(scope="module")
def data():
    X, y, _ = sgdteach.datasets.make_regression(2_000, 3, noise=0.5, seed=3)
    optimum = sgdteach.losses.mse(sgdteach.losses.least_squares_solution(X, y), X, y)
    return X, y, 1.1 * optimum


def test_tuned_rate_is_the_fewest_samples_of_an_independent_scan(data):
    X, y, target = data
    grid = np.geomspace(0.003, 0.2, 7)
    tuned = race.tune_to_target(X, y, target, grid, batch_size=8, epochs=1, record_every=1)
    # independent computation: first record at or below the target, second half below it
    expected = []
    for lr in grid:
        h = sgdteach.minimize(X, y, lr=lr, batch_size=8, epochs=1, record_every=1, seed=0)
        hit = np.flatnonzero(h.loss <= target)
        ok = len(hit) and h.loss[len(h.loss) // 2:].mean() <= target
        expected.append(h.samples_seen[hit[0]] if ok else math.inf)
    np.testing.assert_array_equal(tuned.samples, expected)
    assert tuned.lr == grid[int(np.argmin(expected))]
    assert tuned.bracketed == (0 < int(np.argmin(expected)) < len(grid) - 1)


def test_a_diverging_rate_counts_as_never(data):
    X, y, target = data
    tuned = race.tune_to_target(X, y, target, [0.01, 0.05, 50.0], batch_size=len(y),
                                epochs=200, record_every=1)
    assert tuned.samples[-1] == math.inf and np.isfinite(tuned.samples[:-1]).any()


def test_no_rate_reaching_the_target_is_refused(data):
    X, y, target = data
    with pytest.raises(ValueError, match="tune_to_target: 'grid' must be"):
        race.tune_to_target(X, y, target, [1e-6, 2e-6, 3e-6], batch_size=8)


def test_seconds_to_target_times_every_contender(data):
    X, y, target = data
    kw = dict(lr=0.05, batch_size=8, epochs=1)
    reached = experiments.time_to_target(
        sgdteach.minimize(X, y, seed=0, record_every=1, **kw), target)
    gd = dict(lr=0.5, batch_size=len(y), epochs=200)
    reached_gd = experiments.time_to_target(
        sgdteach.minimize(X, y, seed=0, record_every=1, **gd), target)
    t = race.seconds_to_target({"b = 8": (X, y, reached, kw), "GD": (X, y, reached_gd, gd)},
                               repeats=2)
    assert set(t) == {"b = 8", "GD"} and all(0 < s < 5 for s in t.values())


def test_seconds_to_target_refuses_a_run_that_never_reached(data):
    X, y, _ = data
    never = experiments.Reached(math.nan, math.nan, math.nan)
    with pytest.raises(ValueError, match="seconds_to_target: 'contenders' must be"):
        race.seconds_to_target({"x": (X, y, never, dict(lr=0.1, batch_size=8))})
