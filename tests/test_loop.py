"""``minimize`` is, bit for bit, the loop that ``sgdteach.descent``'s docstring shows.

The hand loops below draw the same batches (same generator, same seed) and apply the update as
the maths writes it; ``minimize``'s theta must equal theirs exactly, not to a tolerance, for the
folded plain-SGD path and for the general rule ``step, state = update(g, state, alpha)``.
"""

import numpy as np
import pytest

import sgdteach
from sgdteach import optimizers, sampling
from sgdteach.losses import squared_error

EPOCHS, SEED = 3, 7


def rng():
    """The generator ``minimize(..., seed=SEED)`` draws its batches from."""
    return np.random.default_rng(SEED)


@pytest.mark.parametrize("sampling_", sampling.SAMPLINGS)
def test_plain_sgd_is_theta_minus_alpha_times_the_row_gradient(regression, sampling_):
    """θ ← θ − α · 2 (x_iᵀθ − y_i) x_i, one row a step, α from a schedule."""
    X, y, _ = regression
    schedule = sgdteach.inverse_time(0.02, k=0.01)
    h = sgdteach.minimize(X, y, lr=schedule, batch_size=1, epochs=EPOCHS, sampling=sampling_,
                          seed=SEED)
    theta = np.zeros(X.shape[1])
    for t, (x, y_i) in enumerate(sampling.in_memory_rows(X, y, EPOCHS, sampling_, rng())):
        alpha = schedule(t)
        theta -= (alpha * 2.0 * (x.dot(theta) - y_i)) * x
    assert t + 1 == EPOCHS * len(y)
    np.testing.assert_array_equal(h.theta, theta)


@pytest.mark.parametrize(("optimizer", "batch_size"),
                         [("momentum", 1), ("adam", 3), ("sgd", 16), ("nesterov", 200)])
def test_every_rule_is_the_docstring_loop(regression, optimizer, batch_size):
    """state = init(θ); for each batch: step, state = update(∇J_B(θ), state, α); θ ← θ − step."""
    X, y, _ = regression
    h = sgdteach.minimize(X, y, lr=0.01, batch_size=batch_size, epochs=EPOCHS,
                          sampling="shuffle", seed=SEED, optimizer=optimizer)
    opt = optimizers.get_optimizer(optimizer)
    theta = np.zeros(X.shape[1])
    state = opt.init(theta)
    if batch_size == 1:
        batches = ((x[np.newaxis], np.array([y_i]))
                   for x, y_i in sampling.in_memory_rows(X, y, EPOCHS, "shuffle", rng()))
    else:
        batches = sampling.in_memory_batches(X, y, batch_size, EPOCHS, "shuffle", rng())
    for X_B, y_B in batches:
        alpha = 0.01
        step, state = opt.update(squared_error.grad(theta, X_B, y_B), state, alpha)
        theta -= step
    np.testing.assert_array_equal(h.theta, theta)
    assert not np.array_equal(h.theta, h.path[0])
