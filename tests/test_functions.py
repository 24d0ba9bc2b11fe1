"""2-D test functions: gradients vs finite differences, minimisers are minima, finite sums."""

import numpy as np
import pytest

import sgdteach
from sgdteach.checking import numerical_gradient
from sgdteach.functions import as_finite_sum, barrier, quadratic, rosenbrock, shallow_and_deep

FUNCTIONS = [quadratic(25.0), rosenbrock(), shallow_and_deep(0.3)]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.name)
def test_gradient_matches_finite_differences(fn):
    rng = np.random.default_rng(0)
    for w in rng.uniform(-1.5, 1.5, size=(20, 2)):
        np.testing.assert_allclose(fn.grad(w), numerical_gradient(fn.value, w), rtol=1e-6,
                                   atol=1e-6)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.name)
def test_minimisers_are_local_minima(fn):
    rng = np.random.default_rng(1)
    for m in fn.minimizers:
        np.testing.assert_allclose(fn.grad(m), 0, atol=1e-10)
        around = m + 1e-3 * rng.standard_normal((50, 2))
        assert np.all(fn.value(around) >= fn.value(m))


def test_value_is_vectorised_for_contours():
    fn = rosenbrock()
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3)), axis=-1)
    expected = [[fn.value(p) for p in row] for row in grid]
    np.testing.assert_allclose(fn.value(grid), expected)


def test_shallow_and_deep_has_a_deep_and_a_shallow_basin():
    fn = shallow_and_deep(0.3)
    deep, shallow = fn.minimizers
    assert fn.value(deep) < fn.value(shallow)
    b = barrier(fn)
    assert deep[0] < b < shallow[0]
    assert fn.value(np.array([b, 0.0])) > fn.value(shallow)


def test_gradient_descent_stays_in_the_shallow_basin():
    fn = shallow_and_deep(0.3)
    loss, C, y = as_finite_sum(fn, n=1, noise=0.0)
    h = sgdteach.minimize(C, y, np.array([1.6, 1.0]), loss=loss, lr=0.02, batch_size=1,
                          epochs=3000, record_loss=False)
    np.testing.assert_allclose(h.theta, fn.minimizers[1], atol=1e-6)


def test_finite_sum_mean_is_the_function_and_noise_shrinks_with_batch():
    fn = quadratic(4.0)
    loss, C, y = as_finite_sum(fn, n=400, noise=2.0, seed=0)
    w = np.array([0.3, -0.7])
    np.testing.assert_allclose(loss.grad(w, C, y), fn.grad(w), atol=1e-12)
    np.testing.assert_allclose(loss.value(w, C, y), fn.value(w), atol=1e-12)
    rng = np.random.default_rng(0)

    def spread(b):
        g = [loss.grad(w, C[rng.integers(0, 400, b)], y[:b]) for _ in range(2000)]
        return np.var(g, axis=0).sum()

    ratio = spread(1) / spread(16)
    assert 12 < ratio < 21  # variance of a mean of b draws is sigma^2 / b: 16 up to sampling error
