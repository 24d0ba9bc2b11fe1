"""course.regularisation: the L2-penalised loss, its norm bound, and the separability test."""

import numpy as np
import pytest

import sgdteach
from sgdteach import losses
from sgdteach.course.regularisation import l2_norm_bound, l2_penalised, separating_theta


def _data(seed=0, m=60, d=4, separable=True):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(m), rng.normal(size=(m, d - 1))])
    y = np.sign(X[:, 1] + 0.3 * X[:, 2])
    if not separable:
        y[:5] = -y[:5]
    return X, y


@pytest.mark.parametrize("name", ["logistic", "hinge", "squared_error"])
def test_value_and_gradient_are_the_loss_plus_the_penalty(name):
    X, y = _data()
    theta = np.random.default_rng(1).normal(size=X.shape[1])
    nu = 0.3
    pen, base = l2_penalised(name, nu), losses.get_loss(name)
    assert pen.value(theta, X, y) == pytest.approx(base.value(theta, X, y)
                                                   + 0.5 * nu * theta @ theta, rel=1e-12)
    if name != "hinge":   # smooth: compare with central differences
        err = sgdteach.check_gradient(lambda t: pen.value(t, X, y), lambda t: pen.grad(t, X, y),
                                      theta, verbose=False)
        assert err < 1e-6
    for i in range(3):
        np.testing.assert_allclose(pen.grad_one(theta, X[i], y[i], 0.1),
                                   0.1 * pen.grad(theta, X[i:i + 1], y[i:i + 1]), rtol=1e-12)


@pytest.mark.parametrize("sk_loss, ours", [("log_loss", "logistic"), ("hinge", "hinge")])
def test_one_cyclic_epoch_is_scikit_learns_l2_sgd(sk_loss, ours):
    from sklearn.linear_model import SGDClassifier
    X, y = _data(seed=2, m=200, separable=False)
    for nu in (1e-4, 0.05):
        run = sgdteach.minimize(X, y, loss=l2_penalised(ours, nu), lr=0.02, batch_size=1,
                                sampling="cyclic", epochs=1)
        sk = SGDClassifier(loss=sk_loss, penalty="l2", alpha=nu, learning_rate="constant",
                           eta0=0.02, fit_intercept=False, shuffle=False)
        sk.partial_fit(X, y, classes=np.array([-1.0, 1.0]))
        np.testing.assert_allclose(run.theta, sk.coef_.ravel(), rtol=0, atol=1e-12)


def test_the_penalised_minimiser_obeys_the_norm_bound_and_the_penalty_bounds_theta():
    X, y = _data()                                   # separable: no penalty, no minimiser
    nu = 0.05
    run = sgdteach.minimize(X, y, loss=l2_penalised("logistic", nu), lr=0.5,
                            batch_size=len(y), epochs=3000)
    pen = l2_penalised("logistic", nu)
    assert np.linalg.norm(pen.grad(run.theta, X, y)) < 1e-8         # at the minimiser
    assert np.linalg.norm(run.theta) <= l2_norm_bound(np.log(2), nu)
    # the bound is attained in the limit where the data pull nowhere: J constant = J(0)
    assert l2_norm_bound(np.log(2), nu) == pytest.approx(np.sqrt(2 * np.log(2) / nu))
    free = sgdteach.minimize(X, y, loss="logistic", lr=0.5, batch_size=len(y), epochs=3000)
    assert np.linalg.norm(free.theta) > 3 * np.linalg.norm(run.theta)


def test_separating_theta_separates_or_says_none():
    X, y = _data()
    theta = separating_theta(X, y)
    assert theta is not None and np.min(y * (X @ theta)) >= 1 - 1e-7
    X, y = _data(separable=False)
    assert separating_theta(X, y) is None
    xor = np.array([[1, 1, 1], [1, -1, -1], [1, 1, -1], [1, -1, 1.0]])
    assert separating_theta(xor, np.array([1, 1, -1, -1.0])) is None


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="l2_penalised: 'nu' must be"):
        l2_penalised("logistic", 0.0)
    with pytest.raises(ValueError, match="l2_penalised: 'loss'"):
        l2_penalised("nonsense", 0.1)
    with pytest.raises(ValueError, match="l2_norm_bound: 'nu' must be"):
        l2_norm_bound(1.0, -1)
    with pytest.raises(ValueError, match="separating_theta: 'y' must be labels"):
        separating_theta(np.ones((2, 2)), np.array([0.0, 1.0]))
