"""``average=``: the Polyak–Ruppert averaged iterate, against scikit-learn and a plain loop."""

import numpy as np
import pytest

import sgdteach
from sgdteach import minimize, minimize_memmap, minimize_stream

sklearn_linear = pytest.importorskip("sklearn.linear_model")


@pytest.fixture
def data():
    X, y, _ = sgdteach.datasets.make_regression(n=300, d=4, noise=0.5, seed=2)
    return X, y


def _first_averaged(samples_seen, k):
    """Index of the first iterate averaged: the first one after which k samples were seen."""
    return int(np.argmax(np.asarray(samples_seen) >= k))


# -- the contract: scikit-learn's average, step for step --------------------------------------

@pytest.mark.parametrize("average", [True, 1, 7, 150, 300, 301])
def test_average_matches_sgdregressor(data, average):
    X, y = data
    alpha = 0.005   # scikit-learn's squared_error carries 1/2: its eta0 is our 2 * alpha
    sk = sklearn_linear.SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant",
                                     eta0=2 * alpha, fit_intercept=False, shuffle=False, tol=None,
                                     average=average)
    sk.partial_fit(X, y)
    h = minimize(X, y, lr=alpha, batch_size=1, epochs=1, sampling="cyclic", average=average)
    np.testing.assert_allclose(h.theta, sk.coef_, rtol=0, atol=1e-10)
    if average is True or average < len(y):
        assert np.abs(h.last_iterate - h.theta).max() > 1e-4   # the average is not the iterate


def test_average_over_epochs_matches_sgdregressor_fit(data):
    X, y = data
    alpha = 0.01
    sk = sklearn_linear.SGDRegressor(loss="squared_error", penalty=None, learning_rate="invscaling",
                                     eta0=2 * alpha, power_t=0.25, fit_intercept=False,
                                     shuffle=False, tol=None, max_iter=3, average=400)
    sk.fit(X, y)
    h = minimize(X, y, lr=sgdteach.invscaling(alpha, 0.25), batch_size=1, epochs=3,
                 sampling="cyclic", average=400)
    np.testing.assert_allclose(h.theta, sk.coef_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("average", [True, 50])
def test_average_matches_sgdclassifier(average):
    X, y, _ = sgdteach.datasets.make_classification(n=300, d=4, separation=1.5, seed=3)
    sk = sklearn_linear.SGDClassifier(loss="log_loss", penalty=None, learning_rate="constant",
                                      eta0=0.05, fit_intercept=False, shuffle=False, tol=None,
                                      average=average)
    sk.partial_fit(X, y, classes=np.array([-1.0, 1.0]))
    h = minimize(X, y, loss="logistic", lr=0.05, batch_size=1, epochs=1, sampling="cyclic",
                 average=average)
    np.testing.assert_allclose(h.theta, sk.coef_.ravel(), rtol=0, atol=1e-10)


# -- an independent slow loop: the mean of the raw iterates -------------------------------------

@pytest.mark.parametrize("k", [1, 37])
def test_average_is_mean_of_plain_loop_iterates(data, k):
    X, y = data
    alpha, theta, iterates = 0.004, np.zeros(X.shape[1]), []
    for _ in range(2):
        for x_i, y_i in zip(X, y, strict=True):
            theta = theta - alpha * 2.0 * x_i * (x_i @ theta - y_i)
            iterates.append(theta)            # iterates[s - 1]: after s samples
    expected = np.mean(iterates[k - 1:], axis=0)
    h = minimize(X, y, lr=alpha, batch_size=1, epochs=2, sampling="cyclic", average=k)
    np.testing.assert_allclose(h.theta, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h.last_iterate, iterates[-1], rtol=0, atol=1e-10)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                       "adam"])
@pytest.mark.parametrize("batch_size, sampling", [(1, "replacement"), (16, "shuffle")])
def test_average_of_every_optimizer_is_the_mean_of_its_raw_path(data, optimizer, batch_size,
                                                                  sampling):
    X, y = data
    k = 100
    kw = dict(lr=0.01, batch_size=batch_size, epochs=2, sampling=sampling, optimizer=optimizer,
              seed=5, record_every=1)
    raw = minimize(X, y, **kw)                   # path[t]: the iterate after t steps
    h = minimize(X, y, average=k, **kw)
    t0 = _first_averaged(raw.samples_seen, k)
    assert t0 >= 1
    np.testing.assert_array_equal(h.last_iterate, raw.theta)   # the update rule is untouched
    np.testing.assert_allclose(h.theta, raw.path[t0:].mean(axis=0), rtol=0, atol=1e-12)
    # Record points: the raw iterate before averaging starts, the running mean after.
    np.testing.assert_array_equal(h.path[:t0], raw.path[:t0])
    running = np.cumsum(raw.path[t0:], axis=0) / np.arange(1, len(raw.path) - t0 + 1)[:, None]
    np.testing.assert_allclose(h.path[t0:], running, rtol=0, atol=1e-12)
    loss = [sgdteach.losses.squared_error.value(p, X, y) for p in h.path]
    np.testing.assert_allclose(h.loss, loss, rtol=1e-12)


def test_default_reports_the_last_iterate(data):
    X, y = data
    h = minimize(X, y, lr=0.01, epochs=2, seed=0)
    assert h.last_iterate is h.theta
    off = minimize(X, y, lr=0.01, epochs=2, seed=0, average=False)
    np.testing.assert_array_equal(off.theta, h.theta)
    np.testing.assert_array_equal(off.path, h.path)


# -- the streaming drivers ----------------------------------------------------------------------

def _stream(X, y, size):
    return ((X[i:i + size], y[i:i + size]) for i in range(0, len(y), size))


def test_average_in_minimize_stream(data):
    X, y = data
    raw = minimize_stream(_stream(X, y, 4), np.zeros(4), lr=0.01, record_every=1)
    h = minimize_stream(_stream(X, y, 4), np.zeros(4), lr=0.01, record_every=1, average=20)
    t0 = _first_averaged(raw.samples_seen, 20)
    assert t0 == 5
    np.testing.assert_allclose(h.theta, raw.path[t0:].mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(h.last_iterate, raw.theta)


def test_average_in_minimize_memmap(data, tmp_path):
    X, y = data
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    kw = dict(lr=0.01, batch_size=8, block_rows=64, epochs=2, seed=1, record_every=1)
    raw = minimize_memmap(tmp_path / "X.npy", tmp_path / "y.npy", **kw)
    h = minimize_memmap(tmp_path / "X.npy", tmp_path / "y.npy", average=True, **kw)
    np.testing.assert_allclose(h.theta, raw.path[1:].mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(h.last_iterate, raw.theta)


# -- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, kind", [(0, ValueError), (-3, ValueError), (1.5, TypeError),
                                       (2.0, TypeError), ("yes", TypeError), (None, TypeError)])
def test_average_is_validated(data, bad, kind):
    X, y = data
    with pytest.raises(kind, match=r"^minimize: 'average' must be True, False or an integer >= 1"
                                   r" .*; got .*\. Pass average=True"):
        minimize(X, y, average=bad)
    with pytest.raises(kind, match="minimize_stream: 'average' must be"):
        minimize_stream(_stream(X, y, 4), np.zeros(4), average=bad)


def test_numpy_ints_and_bools_are_accepted(data):
    X, y = data
    a = minimize(X, y, lr=0.01, seed=0, average=np.int64(3))
    b = minimize(X, y, lr=0.01, seed=0, average=3)
    c = minimize(X, y, lr=0.01, seed=0, average=np.bool_(True))
    d = minimize(X, y, lr=0.01, seed=0, average=1)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(c.theta, d.theta)
