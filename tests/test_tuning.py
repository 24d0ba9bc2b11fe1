"""Learning-rate search and curvature ratio against one-run-at-a-time loops and hand Hessians."""


import numpy as np
import pytest

from sgdteach.course import experiments, tuning
from sgdteach.functions import quadratic, rosenbrock


@pytest.mark.parametrize("method", experiments.METHODS)
def test_final_distances_equal_optimizer_paths_run_by_run(method):
    fn = rosenbrock()
    lrs = np.array([1e-4, 1e-3, 2e-3, 3e-3, 0.05, 1.0])     # includes diverging rates
    got = tuning.final_distances(fn, method, lrs, 300)
    want = [experiments.optimizer_paths(fn, float(a), 300, methods=(method,))[method].distance
            for a in lrs]
    assert np.array_equal(got, want)


def test_final_distances_falls_back_when_grad_does_not_broadcast():
    # quadratic's grad broadcasts over rows, not over the (2, K) transpose: K = 2 would silently
    # give wrong numbers if the vectorised call were trusted without the check
    fn = quadratic(25.0)
    lrs = np.array([0.01, 0.05])
    want = [experiments.optimizer_paths(fn, float(a), 50, methods=("momentum",))["momentum"]
            .distance for a in lrs]
    assert np.array_equal(tuning.final_distances(fn, "momentum", lrs, 50), want)


def test_best_learning_rates_beats_every_grid_point_and_finds_gd_edge():
    fn = quadratic(25.0)
    grid = np.logspace(-3, 0, 13)
    best = tuning.best_learning_rates(fn, grid, 60, methods=("sgd",), refine=7)["sgd"]
    dists = [experiments.optimizer_paths(fn, float(a), 60, methods=("sgd",))["sgd"].distance
             for a in grid]
    assert best.run.distance <= min(dists)
    assert 0 < best.grid_index < len(grid) - 1
    # GD on a quadratic: the best constant step is 2 / (1 + 25) = 0.0769
    assert best.lr == pytest.approx(2 / 26, rel=0.15)


def test_curvature_ratio_matches_the_analytic_hessian():
    fn = rosenbrock()
    for w in ([-1.5, 2.0], [1.0, 1.0], [0.3, 0.5]):
        x, y = w
        H = np.array([[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200.0]])
        lam = np.linalg.eigvalsh(H)
        if lam[0] > 0:
            assert tuning.curvature_ratio(fn, w) == pytest.approx(lam[1] / lam[0], rel=1e-6)
    with pytest.raises(ValueError, match="curvature_ratio: 'w' must be a point where"):
        tuning.curvature_ratio(fn, [0.0, 1.0])          # a saddle-like region of Rosenbrock


def test_bad_grid_is_named():
    with pytest.raises(ValueError, match="best_learning_rates: 'grid' must be at least 3"):
        tuning.best_learning_rates(rosenbrock(), [0.1, 0.01, 0.001], 10)


def test_batched_layout_is_chosen_on_distinct_points():
    """A value that reads points as rows (w[..., 0]) must not be evaluated as columns because the
    starting rows are equal: on a symmetric start both layouts agree there."""
    from sgdteach.course.tuning import _batched

    def value(w):
        w = np.asarray(w, dtype=float)
        return w[..., 0] ** 2 + 3.0 * w[..., 1]

    f = _batched(value, np.tile([0.5, 0.5], (2, 1)), np.asarray)   # two equal rows
    W = np.array([[0.1, 0.2], [0.3, -0.4]])
    np.testing.assert_array_equal(f(W), [value(w) for w in W])
