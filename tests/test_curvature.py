"""top_hessian_eigenvalue against an independent computation: the full Hessian's eigenvalues."""

import numpy as np
import pytest

from sgdteach.course.curvature import hessian_vector_product, top_hessian_eigenvalue
from sgdteach.networks import MLP


def test_quadratic_matches_eigvalsh():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((8, 8))
    H = A @ A.T + np.diag(np.arange(8.0))
    top = top_hessian_eigenvalue(lambda t: H @ t, rng.standard_normal(8))
    assert top == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-6)


def test_largest_algebraic_not_largest_magnitude():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.standard_normal((30, 30)))
    H = Q @ np.diag(np.r_[-20.0, np.linspace(-1, 3, 29)]) @ Q.T
    assert top_hessian_eigenvalue(lambda t: H @ t, np.ones(30)) == pytest.approx(3.0, rel=1e-6)


def test_small_network_matches_finite_difference_hessian():
    rng = np.random.default_rng(0)
    net = MLP([3, 4, 2], activation="tanh")
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    theta = net.init(seed=1)

    def grad(t):
        return net.grad(t, X, y)

    n = len(theta)
    H = np.array([(grad(theta + 1e-5 * e) - grad(theta - 1e-5 * e)) / 2e-5 for e in np.eye(n)])
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    assert eig[0] < 0   # a non-convex point
    biggest = eig[-1]
    assert top_hessian_eigenvalue(grad, theta) == pytest.approx(biggest, rel=1e-3)
    v = rng.standard_normal(n)
    assert hessian_vector_product(grad, theta, v) == pytest.approx(H @ v, rel=1e-4, abs=1e-7)


def test_bad_arguments():
    with pytest.raises(ValueError, match="top_hessian_eigenvalue: 'h' must be"):
        top_hessian_eigenvalue(lambda t: t, np.zeros(5), h=0)
    with pytest.raises(ValueError, match="hessian_vector_product: 'v' must be a vector"):
        hessian_vector_product(lambda t: t, np.zeros(2), np.zeros(2))
