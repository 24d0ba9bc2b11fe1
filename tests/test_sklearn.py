"""Step-for-step agreement with scikit-learn's SGD (an independent implementation)."""

import numpy as np
import pytest

sklearn_linear = pytest.importorskip("sklearn.linear_model")

import sgdteach  # noqa: E402
from sgdteach import minimize  # noqa: E402


@pytest.fixture
def data():
    X, y, _ = sgdteach.datasets.make_regression(n=300, d=4, noise=0.5, seed=2)
    return X, y


def test_constant_rate_matches_sgdregressor(data):
    X, y = data
    alpha = 0.005
    # scikit-learn minimises (1/2)(p - y)^2, we minimise (p - y)^2: its eta0 is our 2 * alpha.
    sk = sklearn_linear.SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant",
                                     eta0=2 * alpha, fit_intercept=False, shuffle=False, tol=None)
    sk.partial_fit(X, y)
    ours = minimize(X, y, lr=alpha, batch_size=1, epochs=1, sampling="cyclic")
    np.testing.assert_allclose(ours.theta, sk.coef_, rtol=0, atol=1e-10)


def test_invscaling_matches_sgdregressor(data):
    X, y = data
    alpha, power = 0.01, 0.25
    sk = sklearn_linear.SGDRegressor(loss="squared_error", penalty=None,
                                     learning_rate="invscaling", eta0=2 * alpha, power_t=power,
                                     fit_intercept=False, shuffle=False, tol=None)
    sk.partial_fit(X, y)
    ours = minimize(X, y, lr=sgdteach.invscaling(alpha, power), batch_size=1, epochs=1,
                    sampling="cyclic")
    np.testing.assert_allclose(ours.theta, sk.coef_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("ours, theirs, alpha, separation", [
    ("logistic", "log_loss", 0.05, 1.5),
    ("hinge", "hinge", 0.02, 1.0),   # sub-gradient taken on the active side at margin 1, as theirs
])
def test_classification_matches_sgdclassifier(ours, theirs, alpha, separation):
    X, y, _ = sgdteach.datasets.make_classification(n=300, d=4, separation=separation, seed=3)
    # Neither loss carries a factor 1/2, so eta0 equals our alpha.
    sk = sklearn_linear.SGDClassifier(loss=theirs, penalty=None, learning_rate="constant",
                                      eta0=alpha, fit_intercept=False, shuffle=False, tol=None)
    sk.partial_fit(X, y, classes=np.array([-1.0, 1.0]))
    h = minimize(X, y, loss=ours, lr=alpha, batch_size=1, epochs=1, sampling="cyclic")
    np.testing.assert_allclose(h.theta, sk.coef_.ravel(), rtol=0, atol=1e-10)
