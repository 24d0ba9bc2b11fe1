"""sgdteach.course.stability: the mean-square stability map and threshold of SGD on least squares,
checked against exact enumeration of batch sequences, closed forms and the published numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sgdteach._validation import ValidationError
from sgdteach.course.stability import mean_square_radius, mean_square_threshold, second_moment_map
from sgdteach.datasets import make_regression, reference_data


def test_map_matches_exact_enumeration_of_batches():
    """E[e_t e_t^T] of noise-free SGD, by summing over every sequence of batches (drawn with
    replacement, b = 2, 3 rows, 5 steps: 9**5 equally likely sequences), equals M^t applied to
    e_0 e_0^T."""
    X, _ = reference_data()
    lr, b, steps = 0.05, 2, 5
    e0 = np.array([0.7, -0.3])
    batches = list(itertools.product(range(len(X)), repeat=b))
    mats = [np.eye(2) - lr * 2 * X[list(B)].T @ X[list(B)] / b for B in batches]
    P = np.zeros((2, 2))
    for seq in itertools.product(range(len(mats)), repeat=steps):
        e = e0
        for k in seq:
            e = mats[k] @ e
        P += np.outer(e, e)
    P /= len(mats) ** steps
    M = second_moment_map(X, lr, b)
    vecP = np.outer(e0, e0).ravel()
    for _ in range(steps):
        vecP = M @ vecP
    np.testing.assert_allclose(vecP.reshape(2, 2), P, rtol=1e-10, atol=1e-14)


def test_one_feature_closed_form():
    """d = 1: M is the number E[(1 - alpha G)^2], so the threshold is
    E[x^2] / (E[x^4]/b + (1 - 1/b) E[x^2]^2)."""
    x = np.random.default_rng(3).standard_normal(200) * 1.3 + 0.4
    m2, m4 = np.mean(x**2), np.mean(x**4)
    for b in (1, 3, 10):
        exact = m2 / (m4 / b + (1 - 1 / b) * m2**2)
        assert mean_square_threshold(x[:, None], b, tol=1e-9) == pytest.approx(exact, rel=1e-7)


def test_threshold_is_the_generalised_eigenvalue():
    """r(alpha) < 1 iff alpha K2 < K1 (K1 = H(x)I + I(x)H, K2 = E[G(x)G]), so the threshold is
    1 / lambda_max(K1^-1 K2): built here row by row, independently of the module."""
    X, _, _ = make_regression(60, 3, seed=4)
    m, d = X.shape
    H = 2 / m * X.T @ X
    K1 = np.kron(H, np.eye(d)) + np.kron(np.eye(d), H)
    for b in (1, 5):
        EAA = sum(np.kron(2 * np.outer(r, r), 2 * np.outer(r, r)) for r in X) / m
        K2 = EAA / b + (1 - 1 / b) * np.kron(H, H)
        exact = 1 / np.max(np.linalg.eigvals(np.linalg.solve(K1, K2)).real)
        assert mean_square_threshold(X, b, tol=1e-9) == pytest.approx(exact, rel=1e-7)
        assert mean_square_radius(X, 0.99 * exact, b) < 1 < mean_square_radius(X, 1.01 * exact, b)


def test_isotropic_gaussian_rows_give_b_over_b_plus_d_plus_1():
    """Notebook 06's closed form b/(b + d + 1), for many N(0, I_d) rows without intercept."""
    X = np.random.default_rng(0).standard_normal((200_000, 2))
    for b in (1, 4):
        assert mean_square_threshold(X, b) == pytest.approx(b / (b + 3), rel=0.02)


def test_the_numbers_of_the_course():
    """Notebook 04's rows (intercept + one N(0,1) feature) and the reference example."""
    Xn, _, _ = make_regression(500, 2, noise=1.0, seed=1)
    assert mean_square_threshold(Xn, 1) == pytest.approx(0.302, abs=5e-4)
    assert mean_square_threshold(Xn, 4) == pytest.approx(0.632, abs=5e-4)
    X, _ = reference_data()
    assert mean_square_threshold(X, 1) == pytest.approx(0.077, abs=5e-4)


def test_map_matches_simulation_on_many_rows():
    """Monte Carlo over 20,000 noise-free chains on notebook 04's 500 rows (b = 4, 10 steps at
    0.5 times the threshold, where the tail is light enough for 20,000 chains): the average of
    e_t e_t^T matches M^10 applied to e_0 e_0^T."""
    X, _, _ = make_regression(500, 2, noise=1.0, seed=1)
    rng = np.random.default_rng(1)
    lr, b, chains, steps = 0.5 * mean_square_threshold(X, 4), 4, 20_000, 10
    e = np.tile([1.0, -1.0], (chains, 1))
    for _ in range(steps):
        rows = X[rng.integers(0, len(X), size=(chains, b))]           # (chains, b, d)
        e = e - lr * 2 * np.einsum("cbi,cbj,cj->ci", rows, rows, e) / b
    P = e.T @ e / chains
    vecP = np.outer([1.0, -1.0], [1.0, -1.0]).ravel()
    M = second_moment_map(X, lr, b)
    for _ in range(steps):
        vecP = M @ vecP
    np.testing.assert_allclose(P, vecP.reshape(2, 2), rtol=0.1, atol=0.02 * np.trace(P))


def test_validation_messages():
    with pytest.raises(ValidationError, match="mean_square_threshold: 'X' must be of full column"):
        mean_square_threshold(np.ones((5, 2)), 1)
    with pytest.raises(ValidationError, match="second_moment_map: 'lr' must be"):
        second_moment_map(np.eye(2), -0.1, 1)
    with pytest.raises(TypeError, match="'batch_size' must be an integer"):
        mean_square_radius(np.eye(2), 0.1, 1.5)
