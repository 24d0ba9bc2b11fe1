"""Update rules: first steps against hand-computed values, then convergence on test functions."""

import numpy as np
import pytest

import sgdteach
from sgdteach import optimizers as O
from sgdteach.functions import as_finite_sum, quadratic, rosenbrock

G1, G2, LR = np.array([1.0, 2.0]), np.array([3.0, -1.0]), 0.1


def two_steps(opt):
    state = opt.init(np.zeros(2))
    s1, state = opt.update(G1, state, LR)
    s2, state = opt.update(G2, state, LR)
    return s1, s2


def test_sgd():
    s1, s2 = two_steps(O.sgd())
    np.testing.assert_allclose(s1, [0.1, 0.2])
    np.testing.assert_allclose(s2, [0.3, -0.1])


def test_heavy_ball():
    s1, s2 = two_steps(O.momentum(0.9))
    np.testing.assert_allclose(s1, [0.1, 0.2])          # v = g1
    np.testing.assert_allclose(s2, [0.39, 0.08])        # v = 0.9 g1 + g2 = (3.9, 0.8)


def test_nesterov():
    s1, s2 = two_steps(O.nesterov(0.9))
    np.testing.assert_allclose(s1, [0.19, 0.38])        # lr (g1 + 0.9 g1)
    np.testing.assert_allclose(s2, [0.651, -0.028])     # lr (g2 + 0.9 (3.9, 0.8))


def test_adagrad():
    s1, s2 = two_steps(O.adagrad(eps=1e-150))
    np.testing.assert_allclose(s1, [0.1, 0.1])          # lr g / |g|
    np.testing.assert_allclose(s2, [0.3 / np.sqrt(10), -0.1 / np.sqrt(5)])


def test_rmsprop():
    s1, s2 = two_steps(O.rmsprop(decay=0.9, eps=1e-150))
    np.testing.assert_allclose(s1, [0.1 / np.sqrt(0.1)] * 2)          # s = 0.1 g^2
    s = np.array([0.09 * 1 + 0.1 * 9, 0.09 * 4 + 0.1 * 1])           # 0.9 s1 + 0.1 g2^2
    np.testing.assert_allclose(s2, 0.1 * G2 / np.sqrt(s))


def test_adam_with_bias_correction():
    s1, s2 = two_steps(O.adam(0.9, 0.999, eps=1e-150))
    np.testing.assert_allclose(s1, [0.1, 0.1])          # m_hat = g, v_hat = g^2 at t = 1
    m = np.array([0.39, 0.08])                          # 0.9 * 0.1 g1 + 0.1 g2
    v = np.array([0.000999 * 1 + 0.001 * 9, 0.000999 * 4 + 0.001 * 1])
    m_hat, v_hat = m / (1 - 0.81), v / (1 - 0.998001)
    np.testing.assert_allclose(s2, 0.1 * m_hat / np.sqrt(v_hat))


def test_state_is_explicit_and_not_shared():
    opt = O.adam()
    a = opt.init(np.zeros(2))
    _, b = opt.update(G1, a, LR)
    assert a.count == 0 and b.count == 1 and np.all(a.m == 0)


SETTINGS = {  # lr (constant or inverse-time) per rule, tuned once; tolerance 1e-3 below
    "quadratic": {"sgd": 0.15, "momentum": 0.05, "nesterov": 0.05, "adagrad": 1.0,
                  "rmsprop": ("decay", 0.01), "adam": ("decay", 0.1)},
    "rosenbrock": {"sgd": 1.5e-3, "momentum": 5e-4, "nesterov": 5e-4, "adagrad": 0.5,
                   "rmsprop": ("decay", 0.01), "adam": ("decay", 0.02)},
}


@pytest.mark.parametrize("fn", [quadratic(10.0), rosenbrock()], ids=["quadratic", "rosenbrock"])
@pytest.mark.parametrize("name", list(O.OPTIMIZERS))
def test_every_rule_reaches_the_minimiser(fn, name):
    lr = SETTINGS["quadratic" if fn.name.startswith("quadratic") else "rosenbrock"][name]
    if isinstance(lr, tuple):  # adaptive rules with a constant rate hover at a distance ~ lr
        lr = sgdteach.inverse_time(lr[1], k=0.01)
    loss, C, y = as_finite_sum(fn, n=1, noise=0.0)
    h = sgdteach.minimize(C, y, fn.start, loss=loss, lr=lr, batch_size=1, epochs=20000,
                          optimizer=name, record_loss=False, record_every=20000)
    assert np.linalg.norm(h.theta - fn.minimizers[0]) < 1e-3
    assert np.linalg.norm(fn.start - fn.minimizers[0]) > 1.0


def test_bad_hyperparameters():
    with pytest.raises(ValueError,
                       match=r"momentum: 'beta' must be a finite number in \[0, 1\); got 1.0"):
        O.momentum(beta=1.0)
    with pytest.raises(ValueError, match=r"get_optimizer: 'optimizer' must be one of 'sgd', "
                                         r"'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'"):
        O.get_optimizer("adamw")


def test_only_plain_sgd_lets_the_loop_fold_the_learning_rate():
    """The loop folds lr only for ``update is sgd_update``, i.e. ``(lr * g, state)``: only sgd."""
    assert [name for name, make in O.OPTIMIZERS.items() if make().update is O.sgd_update] == ["sgd"]
    g = np.array([0.3, -2.0])
    step, _ = O.sgd().update(g, O.sgd().init(g), 0.25)
    np.testing.assert_array_equal(step, 0.25 * g)
