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


def test_logistic_matches_sgdclassifier():
    X, y, _ = sgdteach.datasets.make_classification(n=300, d=4, separation=1.5, seed=3)
    alpha = 0.05
    sk = sklearn_linear.SGDClassifier(loss="log_loss", penalty=None, learning_rate="constant",
                                      eta0=alpha, fit_intercept=False, shuffle=False, tol=None)
    sk.partial_fit(X, y, classes=np.array([-1.0, 1.0]))
    ours = minimize(X, y, loss="logistic", lr=alpha, batch_size=1, epochs=1, sampling="cyclic")
    np.testing.assert_allclose(ours.theta, sk.coef_.ravel(), rtol=0, atol=1e-10)


def test_hinge_matches_sgdclassifier():
    X, y, _ = sgdteach.datasets.make_classification(n=300, d=4, separation=1.0, seed=4)
    alpha = 0.02
    sk = sklearn_linear.SGDClassifier(loss="hinge", penalty=None, learning_rate="constant",
                                      eta0=alpha, fit_intercept=False, shuffle=False, tol=None)
    sk.partial_fit(X, y, classes=np.array([-1.0, 1.0]))
    ours = minimize(X, y, loss="hinge", lr=alpha, batch_size=1, epochs=1, sampling="cyclic")
    np.testing.assert_allclose(ours.theta, sk.coef_.ravel(), rtol=0, atol=1e-10)
