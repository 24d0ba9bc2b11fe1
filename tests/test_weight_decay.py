"""Decoupled weight decay (the optimizers' ``weight_decay``) and the L2 penalty on the losses
(``get_loss(name, l2=nu)``), against scikit-learn's ``alpha``, Ridge, and a hand-written AdamW."""

import numpy as np
import pytest

import sgdteach
from sgdteach import losses, minimize, optimizers
from sgdteach.history import DivergenceError

sklearn_linear = pytest.importorskip("sklearn.linear_model")


@pytest.fixture
def data():
    X, y, _ = sgdteach.datasets.make_regression(n=300, d=4, noise=0.5, seed=2)
    return X, y


@pytest.mark.parametrize("sk_alpha", [1e-3, 0.05])
def test_l2_and_sgd_weight_decay_are_sgdregressors_l2_step_for_step(data, sk_alpha):
    """scikit-learn: theta <- (1 - eta * alpha) theta - eta * r x, with eta = 2 * our lr (its loss
    carries 1/2), so its alpha is nu / 2. For plain SGD, decoupled decay and L2 coincide."""
    X, y = data
    lr, nu = 0.005, 2 * sk_alpha
    sk = sklearn_linear.SGDRegressor(loss="squared_error", penalty="l2", alpha=sk_alpha,
                                     learning_rate="constant", eta0=2 * lr, fit_intercept=False,
                                     shuffle=False, tol=None)
    sk.partial_fit(X, y)
    coupled = minimize(X, y, loss=losses.get_loss("squared_error", l2=nu), lr=lr, batch_size=1,
                       epochs=1, sampling="cyclic")
    decayed = minimize(X, y, optimizer=optimizers.sgd(weight_decay=nu), lr=lr, batch_size=1,
                       epochs=1, sampling="cyclic")
    plain = minimize(X, y, lr=lr, batch_size=1, epochs=1, sampling="cyclic")
    np.testing.assert_allclose(coupled.theta, sk.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(decayed.theta, sk.coef_, rtol=0, atol=1e-10)
    assert np.abs(plain.theta - sk.coef_).max() > 1e-4      # the penalty does show


def test_l2_full_batch_converges_to_ridge(data):
    """Ridge minimises ||X theta - y||^2 + a ||theta||^2, i.e. m times ours with a = m nu / 2."""
    X, y = data
    m, nu = len(y), 0.3
    loss = losses.get_loss("squared_error", l2=nu)
    L = loss.smoothness(X)
    assert L == pytest.approx(losses.smoothness(X) + nu, rel=1e-12)
    h = minimize(X, y, loss=loss, lr=1.0 / L, batch_size=m, epochs=400)
    ridge = sklearn_linear.Ridge(alpha=m * nu / 2, fit_intercept=False, solver="cholesky")
    ridge.fit(X, y)
    np.testing.assert_allclose(h.theta, ridge.coef_, rtol=0, atol=1e-9)
    assert np.abs(h.theta - sgdteach.least_squares_solution(X, y)).max() > 1e-3


def _adamw_by_hand(X, y, lr, lam, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Loshchilov & Hutter (2019), Algorithm 2, full batch: decay outside the preconditioner."""
    theta, m, v = np.zeros(X.shape[1]), np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for t in range(1, steps + 1):
        g = 2.0 / len(y) * X.T @ (X @ theta - y)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        theta = theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + lam * theta)
    return theta


def test_adam_weight_decay_is_adamw_and_differs_from_l2_inside_adam(data):
    X, y = data
    lr, lam, steps = 0.05, 0.5, 200
    full = dict(lr=lr, batch_size=len(y), epochs=steps)
    adamw = minimize(X, y, optimizer=optimizers.adam(weight_decay=lam), **full)
    adam_l2 = minimize(X, y, loss=losses.get_loss("squared_error", l2=lam), optimizer="adam",
                       **full)
    np.testing.assert_allclose(adamw.theta, _adamw_by_hand(X, y, lr, lam, steps), rtol=1e-10)
    assert np.abs(adamw.theta - adam_l2.theta).max() > 0.05
    assert optimizers.adam(weight_decay=lam).label == "AdamW"


def test_momentum_weight_decay_bypasses_the_velocity(data):
    X, y = data
    opt = optimizers.momentum(beta=0.5, weight_decay=0.2)
    h = minimize(X, y, optimizer=opt, lr=0.01, batch_size=len(y), epochs=30)
    theta, v = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for _ in range(30):
        v = 0.5 * v + 2.0 / len(y) * X.T @ (X @ theta - y)
        theta = theta - 0.01 * (v + 0.2 * theta)
    np.testing.assert_allclose(h.theta, theta, rtol=1e-12)


def test_divergence_message_quotes_two_over_l_plus_nu(data):
    X, y = data
    nu = 2.0
    loss = losses.get_loss("squared_error", l2=nu)
    bound = 2.0 / (losses.smoothness(X) + nu)
    with pytest.raises(DivergenceError, match=f"2/L={bound:.3g}"):
        minimize(X, y, loss=loss, lr=1.05 * bound, batch_size=len(y), epochs=2000)


@pytest.mark.parametrize("make, arg", [
    (lambda: optimizers.adam(weight_decay=-0.1), "weight_decay"),
    (lambda: optimizers.sgd(weight_decay=float("nan")), "weight_decay"),
    (lambda: losses.get_loss("squared_error", l2=-1.0), "l2"),
    (lambda: losses.penalised(losses.logistic, 0.0), "nu"),
])
def test_bad_strengths_are_named(make, arg):
    with pytest.raises(ValueError, match=f"'{arg}' must be"):
        make()


def test_zero_is_the_plain_rule_and_update_needs_theta():
    assert optimizers.sgd(weight_decay=0.0).update is optimizers.sgd_update
    assert losses.get_loss("logistic", l2=0.0) is losses.logistic
    opt = optimizers.adam(weight_decay=0.1)
    with pytest.raises(TypeError, match="'theta' must be"):
        opt.update(np.ones(2), opt.init(np.zeros(2)), 0.1)
