"""sgdteach.course.toolbox against independent computations: finite differences, numpy.cov,
numpy.linalg.lstsq, a hand-made power law, and a run known to diverge."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sgdteach.course.toolbox import (
    excess_or_divergence,
    gradient_covariance,
    hessian,
    loglog_slope,
)
from sgdteach.datasets import make_regression, reference_data
from sgdteach.losses import squared_error


def test_hessian_is_the_jacobian_of_the_gradient():
    X, y, _ = make_regression(50, 3, seed=0)
    theta, eps = np.array([0.3, -1.0, 2.0]), 1e-5
    numeric = np.column_stack([
        (squared_error.grad(theta + eps * e, X, y) - squared_error.grad(theta - eps * e, X, y))
        / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(hessian(X), numeric, rtol=1e-7, atol=1e-9)


def test_gradient_covariance_matches_numpy_cov():
    X, y = reference_data()
    theta = np.array([0.5, -1.0])
    G, mean, S = gradient_covariance(X, y, theta)
    rows = np.array([squared_error.grad(theta, X[i:i + 1], y[i:i + 1]) for i in range(3)])
    np.testing.assert_allclose(G, rows)
    np.testing.assert_allclose(mean, squared_error.grad(theta, X, y))
    np.testing.assert_allclose(S, np.cov(rows.T, bias=True))


def test_loglog_slope_recovers_an_exponent_and_rejects_bad_input():
    x = np.array([0.01, 0.1, 1.0, 10.0])
    assert loglog_slope(x, 7.0 * x ** -1.5) == pytest.approx(-1.5)
    with pytest.raises(ValueError, match="loglog_slope: 'x, y' must be"):
        loglog_slope([1.0, 2.0], [1.0, 0.0])


def test_excess_or_divergence():
    X, y = reference_data()
    theta_star = np.linalg.lstsq(X, y, rcond=None)[0]
    j_star = squared_error.value(theta_star, X, y)
    excess, step = excess_or_divergence(X, y, lr=0.05, batch_size=3, epochs=20)
    assert step is None
    theta = np.zeros(2)
    for _ in range(20):            # the same batch GD, written out
        theta = theta - 0.05 * 2 / 3 * X.T @ (X @ theta - y)
    assert excess == pytest.approx(squared_error.value(theta, X, y) - j_star)
    excess, step = excess_or_divergence(X, y, lr=0.1, batch_size=3, epochs=500)
    assert math.isinf(excess) and step is not None and step > 0
