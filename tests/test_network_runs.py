"""sgdteach.course.network_runs: the notebook-10 measurements against direct computations and
theory."""

from __future__ import annotations

import numpy as np
import pytest

from sgdteach import minimize
from sgdteach.course import network_runs as nr
from sgdteach.networks import MLP


def small_problem(n=30, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, k, n)


def test_digits_split_is_stratified_and_scaled():
    data = nr.digits_split()
    assert data.X_train.shape == (1437, 64) and data.X_test.shape == (360, 64)
    assert data.X_train.min() >= 0 and data.X_train.max() <= 1
    share_train = np.bincount(data.y_train) / len(data.y_train)
    share_test = np.bincount(data.y_test) / len(data.y_test)
    assert np.abs(share_train - share_test).max() < 0.01
    assert nr.digits_split() is data                       # cached
    assert not data.X_train.flags.writeable


def test_train_is_minimize_plus_accuracies_of_the_recorded_parameters():
    data = nr.digits_split()
    net = MLP([64, 8, 10])
    run = nr.train(net, data, lr=0.3, batch_size=64, epochs=3, seed=4, init_seed=2)
    h = minimize(data.X_train, data.y_train, net.init(2), loss=net, lr=0.3, batch_size=64,
                 epochs=3, sampling="shuffle", seed=4)
    np.testing.assert_array_equal(run.history.theta, h.theta)
    assert len(run.test_accuracy) == len(h.path) == 4
    assert "_on_train" not in vars(run)       # each set is measured when first asked for
    for i, theta in enumerate(h.path):
        assert run.test_accuracy[i] == net.accuracy(theta, data.X_test, data.y_test)
        assert run.train_loss[i] == pytest.approx(net.value(theta, data.X_train, data.y_train),
                                                  rel=1e-12)
        assert run.test_loss[i] == pytest.approx(net.value(theta, data.X_test, data.y_test),
                                                 rel=1e-12)
    acc = nr.final_accuracies(net, data, [4, 5], lr=0.3, batch_size=64, epochs=3, init_seed=2)
    assert acc[0] == run.final_test_accuracy and acc.shape == (2,)


def test_gradient_noise_matches_the_sampling_formula():
    """Batches of b rows drawn without replacement from n: the mean squared error of the batch
    mean is (n - b) / (n - 1) * tr(Sigma) / b, Sigma the covariance of one row's gradient."""
    X, y = small_problem(n=30)
    net = MLP([4, 5, 3], "tanh")
    theta = net.init(3)
    G = np.array([net.grad(theta, X[i:i + 1], y[i:i + 1]) for i in range(30)])
    trace = ((G - G.mean(axis=0)) ** 2).sum(axis=1).mean()
    sizes = [1, 5, 15]
    got = nr.gradient_noise(net, theta, X, y, sizes, draws=4000, seed=1)
    want = np.array([(30 - b) / (29 * b) * trace for b in sizes])
    np.testing.assert_allclose(got, want, rtol=0.06)
    assert nr.gradient_noise(net, theta, X, y, [30], draws=3)[0] < 1e-25   # the full batch


def test_line_losses_and_permutations():
    X, y = small_problem()
    net = MLP([4, 6, 5, 3])
    a, b = net.init(0), net.init(1)
    ends = nr.line_losses(net, a, b, X, y, np.array([0.0, 1.0, 0.5]))
    assert ends[0] == net.value(a, X, y) and ends[1] == net.value(b, X, y)
    assert ends[2] == net.value(0.5 * (a + b), X, y)
    for layer, width in ((1, 6), (2, 5)):
        perm = np.random.default_rng(layer).permutation(width)
        twin = nr.permute_hidden(net, a, perm, layer=layer)
        assert not np.array_equal(twin, a)
        np.testing.assert_allclose(net.predict_proba(twin, X), net.predict_proba(a, X),
                                   rtol=1e-12)
    with pytest.raises(ValueError, match=r"permute_hidden: 'perm' must be a permutation of "
                                         r"0\.\.5"):
        nr.permute_hidden(net, a, np.zeros(6, dtype=int))
    with pytest.raises(ValueError, match=r"permute_hidden: 'layer' must be a hidden layer, 1\.\.2"):
        nr.permute_hidden(net, a, np.arange(3), layer=3)


def test_loss_and_accuracy_is_value_and_accuracy():
    X, y = small_problem()
    net = MLP([4, 6, 3])
    theta = net.init(5)
    loss, acc = nr.loss_and_accuracy(net, theta, X, y)
    assert loss == pytest.approx(net.value(theta, X, y), rel=1e-14)
    assert acc == net.accuracy(theta, X, y)


def test_sklearn_step_needs_three_classes():
    X, y = small_problem(k=2)
    with pytest.raises(ValueError, match=r"sklearn_step: 'net' must be a network with at least 3"):
        nr.sklearn_step(MLP([4, 3, 2]), MLP([4, 3, 2]).init(0), X, y, 0.1)
