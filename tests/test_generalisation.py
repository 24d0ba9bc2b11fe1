"""course.generalisation: the three-way split, the grid scores, the range test,
reduce-on-plateau and the max-margin separator, each against an independent reference."""

import numpy as np
import pytest

from sgdteach import datasets, losses, minimize
from sgdteach.course import generalisation as gen


def test_three_way_split_is_a_partition_of_the_rows():
    X = np.arange(40.0).reshape(20, 2)
    y = np.arange(20.0)
    held = gen.three_way_split(X, y, val=0.2, test=0.25, seed=3)
    assert (len(held.y_fit), len(held.y_val), len(held.y_test)) == (11, 4, 5)
    together = np.sort(np.concatenate([held.y_fit, held.y_val, held.y_test]))
    np.testing.assert_array_equal(together, y)                 # every row once
    np.testing.assert_array_equal(held.X_val[:, 1] // 2, held.y_val)   # rows stay with labels
    with pytest.raises(ValueError, match="'test' must be"):
        gen.three_way_split(X, y, test=0.95)


def test_grid_losses_are_the_mean_over_seeds_of_separate_runs():
    X, y, _ = datasets.make_classification(n=120, d=3, seed=1)
    held = gen.three_way_split(X, y, seed=0)
    scores = gen.grid_losses(held, [0.05, 0.5], batch_size=4, epochs=1, seeds=(0, 1))
    for k, lr in enumerate([0.05, 0.5]):
        runs = [minimize(held.X_fit, held.y_fit, loss="logistic", lr=lr, batch_size=4, epochs=1,
                         sampling="shuffle", seed=s).theta for s in (0, 1)]
        by_seed = [losses.logistic.value(t, held.X_val, held.y_val) for t in runs]
        val = np.mean(by_seed)
        test = np.mean([losses.logistic.value(t, held.X_test, held.y_test) for t in runs])
        np.testing.assert_allclose(scores.val_by_seed[:, k], by_seed, rtol=1e-12)
        assert scores.val[k] == pytest.approx(val, rel=1e-12)
        assert scores.test[k] == pytest.approx(test, rel=1e-12)


def test_range_test_rate_is_geometric_and_stops_at_divergence():
    X, y, _ = datasets.make_regression(n=100, d=3, seed=0)
    rt = gen.range_test(X, y, lr_min=1e-4, lr_max=10.0, epochs=5, batch_size=10)
    ratios = rt.lr[1:] / rt.lr[:-1]
    np.testing.assert_allclose(ratios, (10.0 / 1e-4) ** (1 / 49), rtol=1e-12)
    assert np.isfinite(rt.loss).all()
    assert len(rt.lr) < 50                      # least squares diverges before lr reaches 10
    assert rt.lr[-1] > 1.0 / losses.smoothness(X)
    assert rt.lowest < 2.0 / losses.smoothness(X)


def test_reduce_on_plateau_cuts_exactly_when_the_validation_loss_did_not_improve():
    X, y, _ = datasets.make_regression(n=200, d=4, noise=1.0, seed=2)
    p = gen.reduce_on_plateau(X[:150], y[:150], X[150:], y[150:], lr=0.05, epochs=8,
                              factor=0.5, patience=1, seed=4)
    # replay the rule from the recorded validation losses
    alpha, best = 0.05, p.val_loss[0]
    for e in range(8):
        assert p.lr[e] == pytest.approx(alpha)
        if p.val_loss[e + 1] < best:
            best = p.val_loss[e + 1]
        else:
            alpha *= 0.5
    assert (np.diff(p.lr) < 0).any()            # the rule did fire in this run
    # and the final theta is the epoch-by-epoch run by hand
    theta = np.zeros(4)
    for e in range(8):
        theta = minimize(X[:150], y[:150], theta, lr=p.lr[e], epochs=1, sampling="shuffle",
                         seed=4 + e + 1, record_loss=False).theta
    np.testing.assert_allclose(p.theta, theta, rtol=1e-12)


def test_hard_margin_is_scikit_learns_svm_on_notebook_12s_data():
    """max_margin.hard_margin (used by notebook 12) against scikit-learn's linear SVM: mirrored
    rows (-x_i, -y_i) keep every margin and make SVC's unpenalised intercept 0."""
    from sklearn.svm import SVC

    from sgdteach.course.max_margin import hard_margin
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 2))
    y = np.where(X @ np.array([1.0, -0.6]) > 0, 1.0, -1.0)
    X = X + 0.5 * y[:, None] * np.array([1.0, -0.6])
    svm = SVC(kernel="linear", C=1e8, tol=1e-10).fit(np.vstack([X, -X]), np.r_[y, -y])
    assert abs(svm.intercept_[0]) < 1e-6
    np.testing.assert_allclose(hard_margin(X, y), svm.coef_.ravel(), atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_box_least_squares_is_scipys_bounded_least_squares(seed):
    from scipy.optimize import lsq_linear
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((50, 4)) * np.array([1.0, 5.0, 1.0, 0.2])
    y = X @ rng.uniform(-4, 4, size=4) + rng.standard_normal(50)
    ours = gen.box_least_squares(X, y, 1.5)
    theirs = lsq_linear(X, y, bounds=(-1.5, 1.5), tol=1e-12).x
    np.testing.assert_allclose(ours, theirs, atol=1e-8)
    assert np.abs(ours).max() == pytest.approx(1.5)         # the box does bind here
