"""sgdteach.networks.MLP against independent references: finite differences, scikit-learn's
MLPClassifier, a hand-computed softmax, and training to 100% on a set no line separates."""

from __future__ import annotations

import numpy as np
import pytest

from sgdteach import check_gradient, minimize, numerical_gradient
from sgdteach.course.network_runs import sklearn_step
from sgdteach.networks import ACTIVATIONS, MLP, log_softmax

RNG = np.random.default_rng(12345)


def problem(sizes, m=9, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, sizes[0]))
    y = rng.integers(0, sizes[-1], m)
    return X, y


# -- gradient: finite differences ----------------------------------------------------------------

@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 4], [4, 5, 3], [3, 6, 4, 5], [2, 3, 3, 3, 2]])
def test_gradient_matches_finite_differences(sizes, activation):
    net = MLP(sizes, activation)
    X, y = problem(sizes)
    for seed in range(3):
        theta = np.random.default_rng(seed).standard_normal(net.n_params)
        f, g = (lambda t: net.value(t, X, y)), (lambda t: net.grad(t, X, y))
        check_gradient(f, g, theta, rtol=1e-5, atol=1e-9, verbose=False)   # raises if not
        g_hat = numerical_gradient(f, theta)
        assert np.abs(g(theta) - g_hat).max() < 1e-7 * max(np.abs(g_hat).max(), 1.0)


def test_gradient_of_one_row_is_grad_one_and_the_batch_gradient_is_the_mean():
    net = MLP([4, 5, 3], "tanh")
    X, y = problem([4, 5, 3], m=6)
    theta = net.init(seed=1)
    rows = np.array([net.grad_one(theta, X[i], float(y[i])) for i in range(6)])
    np.testing.assert_allclose(rows.mean(axis=0), net.grad(theta, X, y), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.grad_one(theta, X[0], y[0], 0.5),
                               0.5 * net.grad(theta, X[:1], y[:1]), rtol=1e-13)


def test_value_is_the_mean_cross_entropy_of_a_hand_written_softmax():
    net = MLP([3, 4, 5], "logistic")
    X, y = problem([3, 4, 5], m=8)
    theta = net.init(seed=2)
    W, b = net.unflatten(theta)
    hidden = 1.0 / (1.0 + np.exp(-(X @ W[0] + b[0])))
    logits = hidden @ W[1] + b[1]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(8), y]))
    assert net.value(theta, X, y) == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(net.predict_proba(theta, X), p, rtol=1e-12)
    np.testing.assert_array_equal(net.predict(theta, X), p.argmax(axis=1))


def test_softmax_is_stable_for_huge_logits():
    Z = np.array([[1e4, 0.0, -1e4], [800.0, 800.0, 800.0]])
    out = log_softmax(Z)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], [0.0, -1e4, -2e4])
    np.testing.assert_allclose(out[1], np.log(1 / 3) * np.ones(3))
    net = MLP([2, 3], "identity")
    theta = net.flatten([np.array([[1e3, 0, -1e3], [0, 0, 0]])], [np.zeros(3)])
    X, y = np.array([[5.0, 0.0]]), np.array([2])
    assert net.value(theta, X, y) == pytest.approx(1e4)      # log-sum-exp, not exp overflow
    assert np.isfinite(net.grad(theta, X, y)).all()


# -- one step against scikit-learn ---------------------------------------------------------------

@pytest.mark.parametrize(("sizes", "activation"), [
    ([5, 7, 3], "relu"), ([4, 6, 5, 4], "tanh"), ([3, 4, 3], "logistic"),
    ([6, 4], "identity"), ([5, 8, 6, 3], "relu")])

def test_one_full_batch_step_equals_scikit_learn(sizes, activation):
    net = MLP(sizes, activation)
    X, y = problem(sizes, m=40, seed=3)
    y[: sizes[-1]] = np.arange(sizes[-1])          # every class present
    theta = net.init(seed=4)
    lr = 0.3
    theirs, clf = sklearn_step(net, theta, X, y, lr)
    np.testing.assert_allclose(clf.predict_proba(X), net.predict_proba(theirs, X), rtol=1e-12,
                               atol=1e-15)                 # the same layout and activation
    ours = theta - lr * net.grad(theta, X, y)
    assert np.abs(ours - theirs).max() < 1e-10
    assert np.abs(theirs - theta).max() > 1e-3    # the step did move the weights
    # and minimize, unchanged, takes the same step
    h = minimize(X, y, theta, loss=net, lr=lr, batch_size=len(y), epochs=1, seed=0)
    assert np.abs(h.theta - theirs).max() < 1e-10
    assert h.loss[0] == pytest.approx(clf.loss_, rel=1e-10)   # sklearn's loss before its step


# -- training --------------------------------------------------------------------------------

def xor_blobs(n_per=12, seed=0):
    """Four tight blobs at the corners of a square, opposite corners sharing a class: no
    straight line separates the two classes (XOR)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    X = np.repeat(corners, n_per, axis=0) + 0.15 * rng.standard_normal((4 * n_per, 2))
    y = np.repeat([0, 0, 1, 1], n_per)
    return X, y


def test_minibatch_sgd_fits_a_set_no_line_separates():
    X, y = xor_blobs()
    linear = MLP([2, 2])                           # softmax regression: a straight boundary
    h_lin = minimize(X, y, linear.init(0), loss=linear, lr=0.5, batch_size=8, epochs=200,
                     sampling="shuffle", seed=0)
    assert linear.accuracy(h_lin.theta, X, y) <= 0.75
    net = MLP([2, 16, 2], "tanh")
    h = minimize(X, y, net.init(0), loss=net, lr=0.5, batch_size=8, epochs=200,
                 sampling="shuffle", seed=0)
    assert net.accuracy(h.theta, X, y) == 1.0
    assert h.final_loss < 0.1 * h.loss[0]


def test_minimize_records_path_of_network_parameters_and_leaves_theta0_alone():
    X, y = xor_blobs(4)
    net = MLP([2, 3, 2])
    theta0 = net.init(1)
    keep = theta0.copy()
    h = minimize(X, y, theta0, loss=net, lr=0.1, batch_size=4, epochs=3, seed=0)
    assert h.path.shape == (4, net.n_params)
    np.testing.assert_array_equal(theta0, keep)
    np.testing.assert_array_equal(h.path[0], keep)


def test_in_loop_is_the_same_loss_bit_for_bit_with_its_checks_done_once():
    net = MLP([4, 5, 3], "tanh")
    X, y = problem([4, 5, 3], m=12, seed=5)
    theta = net.init(seed=5)
    yf = y.astype(float)                           # minimize's batches: rows of a float64 y
    assert net.in_loop.value(theta, X, yf) == net.value(theta, X, y)
    np.testing.assert_array_equal(net.in_loop.grad(theta, X, yf), net.grad(theta, X, y))
    np.testing.assert_array_equal(net.in_loop.grad_one(theta, X[0], yf[0], 0.5),
                                  net.grad_one(theta, X[0], y[0], 0.5))
    assert net.in_loop.n_params == net.n_params and net.in_loop.name == net.name
    for b in (1, 4):
        runs = [minimize(X, y, theta, loss=loss, lr=0.3, batch_size=b, epochs=3,
                         optimizer="adam", sampling="shuffle", seed=1)
                for loss in (net, net.in_loop)]
        np.testing.assert_array_equal(runs[0].path, runs[1].path)
        np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    # the data are still checked, once, before the loop
    with pytest.raises(ValueError, match=r"minimize: 'y' must be integer class labels 0\.\.2"):
        minimize(X, y + 1, theta, loss=net.in_loop, lr=0.1, epochs=1, seed=0)
    with pytest.raises(ValueError, match=r"minimize: 'X' must be a 2-D array with 4 columns"):
        minimize(X[:, :3], y, theta, loss=net.in_loop, lr=0.1, epochs=1, seed=0)
    with pytest.raises(ValueError, match=r"train: 'y' must be integer class labels"):
        net.checked_data("train", X, y + 0.5)


# -- initialisation and layout -----------------------------------------------------------------

def test_init_scales_he_and_glorot():
    big = MLP([400, 300, 200], "relu").init(seed=0)
    W, b = MLP([400, 300, 200], "relu").unflatten(big)
    assert W[0].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert W[1].std() == pytest.approx(np.sqrt(2 / 300), rel=0.02)
    assert all((c == 0).all() for c in b)
    net = MLP([400, 300, 200], "tanh")
    W, _ = net.unflatten(net.init(seed=0))
    r = np.sqrt(6 / 700)
    assert np.abs(W[0]).max() <= r and np.abs(W[0]).max() > 0.99 * r
    np.testing.assert_array_equal(net.init(seed=5), net.init(seed=5))
    assert not np.array_equal(net.init(seed=5), net.init(seed=6))


def test_unflatten_and_flatten_are_inverse_and_follow_sklearn_layout():
    net = MLP([3, 4, 2])
    theta = np.arange(net.n_params, dtype=float)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    W, b = net.unflatten(theta)
    assert [w.shape for w in W] == [(3, 4), (4, 2)] and [c.shape for c in b] == [(4,), (2,)]
    np.testing.assert_array_equal(W[0].ravel(), np.arange(12))
    np.testing.assert_array_equal(b[0], np.arange(12, 16))
    np.testing.assert_array_equal(net.flatten(W, b), theta)
    W[0][0, 0] = -1.0                                   # copies: theta untouched
    assert theta[0] == 0.0


def test_finite_differences_agree_with_numerical_gradient_on_digits_shapes():
    # the notebook's shape, one small batch: an end-to-end check at realistic size
    net = MLP([64, 32, 10])
    rng = np.random.default_rng(7)
    X, y = rng.random((16, 64)), rng.integers(0, 10, 16)
    theta = net.init(seed=7)
    idx = rng.choice(net.n_params, 60, replace=False)
    g = net.grad(theta, X, y)

    def partial(t_sub):
        t = theta.copy()
        t[idx] = t_sub
        return net.value(t, X, y)

    np.testing.assert_allclose(g[idx], numerical_gradient(partial, theta[idx]), rtol=1e-5,
                               atol=1e-9)


# -- bad input: one template -----------------------------------------------------------------

@pytest.mark.parametrize("y", [np.array([0, 1, 3]), np.array([0, -1, 1]),
                               np.array([0.0, 0.5, 1.0]), np.array([0, 1, np.nan])])
def test_labels_outside_0_to_k_minus_1_are_refused(y):
    net = MLP([2, 3, 3])
    X = np.ones((3, 2))
    for call in (net.value, net.grad):
        with pytest.raises(ValueError, match=r"MLP\.(value|grad): 'y' must be integer class "
                                             r"labels 0\.\.2.*np\.unique"):
            call(net.init(0), X, y)
    if np.isfinite(y).all():
        with pytest.raises(ValueError, match=r"minimize: 'y' must be integer class labels"):
            minimize(X, y, net.init(0), loss=net, lr=0.1, batch_size=1, epochs=1, seed=0)


def test_other_bad_input_names_the_argument():
    net = MLP([2, 3, 3])
    X, y = np.ones((3, 2)), np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"minimize: 'theta0' must be of length 21 \(the "
                                         r"parameters of mlp\[2, 3, 3\]\)"):
        minimize(X, y, np.zeros(2), loss=net, lr=0.1, epochs=1, seed=0)
    with pytest.raises(ValueError, match=r"minimize: 'X' must be a 2-D array with 2 columns"):
        minimize(np.ones((3, 5)), y, net.init(0), loss=net, lr=0.1, epochs=1, seed=0)
    with pytest.raises(ValueError, match=r"MLP.grad: 'theta' must be a 1-D array of length 21"):
        net.grad(np.zeros(20), X, y)
    with pytest.raises(ValueError, match=r"MLP: 'layer_sizes' must be a list of at least 2 "):
        MLP([5])
    with pytest.raises(ValueError, match=r"MLP: 'layer_sizes'"):
        MLP([5, 0, 2])
    with pytest.raises(ValueError, match=r"MLP: 'activation' must be one of"):
        MLP([2, 2], activation="gelu")
    with pytest.raises(ValueError, match=r"MLP.flatten: 'weights, biases'"):
        net.flatten([np.zeros((2, 3))], [np.zeros(3)])


def test_linear_losses_keep_their_theta_length_rule():
    X, y = np.ones((3, 2)), np.ones(3)
    with pytest.raises(ValueError, match=r"'theta0' must be of length 2 \(one per column of X\)"):
        minimize(X, y, np.zeros(3), epochs=1, seed=0)
