"""The reference example, reproduced bit for bit, and the reference loops' behaviour."""

import numpy as np
import pytest

import sgdteach
from sgdteach import batch_gradient_descent, stochastic_gradient_descent


def reference_loop_global(X, y, theta, learning_rate, num_epochs, seed):
    """The reference example exactly as a learner writes it, with the global np.random."""
    np.random.seed(seed)  # noqa: NPY002 - the reference example uses the legacy global API
    m = len(y)
    for _ in range(num_epochs):
        for _ in range(m):
            r = np.random.randint(m)  # noqa: NPY002
            x = X[r:r + 1]
            t = y[r:r + 1]
            e = x.dot(theta) - t
            g = 2 * x.T.dot(e)
            theta = theta - learning_rate * g
    return theta


@pytest.mark.parametrize("seed", [0, 1, 42, 2024])
def test_bit_for_bit_with_global_randint_loop(ref, seed):
    X, y = ref
    expected = reference_loop_global(X, y, np.zeros(2), 0.01, 100, seed)
    got = stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 100,
                                      rng=np.random.RandomState(seed))
    assert np.array_equal(got, expected)  # identical bits, not just close


def test_integer_inputs_as_in_the_reference(ref):
    X, y = np.array([[1, 2], [1, 3], [1, 4]]), np.array([2, 5, 9])
    expected = reference_loop_global(X, y, np.zeros(2), 0.01, 100, 7)
    got = stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 100, rng=np.random.RandomState(7))
    assert np.array_equal(got, expected)


def test_rng_none_uses_global_state(ref):
    X, y = ref
    expected = reference_loop_global(X, y, np.zeros(2), 0.01, 20, 3)
    np.random.seed(3)  # noqa: NPY002
    assert np.array_equal(stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 20), expected)


def test_generator_is_deterministic_and_seed_dependent(ref):
    X, y = ref
    a = stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 50, rng=np.random.default_rng(5))
    b = stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 50, rng=np.random.default_rng(5))
    c = stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 50, rng=np.random.default_rng(6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_theta_not_modified(ref):
    X, y = ref
    theta = np.zeros(2)
    stochastic_gradient_descent(X, y, theta, 0.01, 5, rng=np.random.RandomState(0))
    batch_gradient_descent(X, y, theta, 0.01, 5)
    assert np.array_equal(theta, np.zeros(2))


def test_batch_gd_reaches_least_squares(ref):
    X, y = ref
    star = np.linalg.lstsq(X, y, rcond=None)[0]
    # Contraction per epoch is 1 - lr * lambda_min(2/m X^T X) = 1 - 0.09 * 0.126: after 5000
    # epochs the error is below 1e-20 of the start; 1e-8 leaves room for rounding.
    np.testing.assert_allclose(batch_gradient_descent(X, y, np.zeros(2), 0.09, 5000), star,
                               atol=1e-8)


def test_batch_gd_above_two_over_L_raises_with_bound(ref):
    X, y = ref
    bound = 2 / sgdteach.smoothness(X)
    with pytest.raises(sgdteach.DivergenceError, match=r"2/L=0\.0943"):
        batch_gradient_descent(X, y, np.zeros(2), 1.05 * bound, 1000)


def test_reference_rejects_bad_rng(ref):
    X, y = ref
    with pytest.raises(TypeError, match=r"stochastic_gradient_descent: 'rng' must be None"):
        stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 1, rng=3)
