r"""The gradient checker: central finite differences, and a check that compares an analytic
gradient with them."""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np

from .._types import Array
from .._validation import (
    NON_NEGATIVE,
    Interval,
    check_callable,
    check_flag,
    check_number,
    check_vector,
    fail,
)

__all__ = ["check_gradient", "numerical_gradient"]



def numerical_gradient(f: Callable[[Array], float], theta: Array, eps: float = 1e-6) -> Array:
    r"""Central finite differences :math:`\frac{f(\theta + \epsilon e_j) - f(\theta -
    \epsilon e_j)}{2\epsilon}` for every coordinate :math:`j`. Error :math:`O(\epsilon^2)`.

    >>> numerical_gradient(lambda t: float(t @ t), np.array([1.0, -2.0])).round(6)
    array([ 2., -4.])
    """
    return _numerical_gradient("numerical_gradient", f, theta, eps)


def _numerical_gradient(func: str, f: Callable[[Array], float], theta: Array, eps: float
                        ) -> Array:
    check_callable(func, "f", f, "a function theta -> number")
    theta = check_vector(func, "theta", theta)
    eps = check_number(func, "eps", eps, Interval(0, 1, closed="right"),
                       fix="Use e.g. eps=1e-6: a large step cancels in f(theta + eps) - "
                           "f(theta - eps).")
    if ((theta + eps) == theta).any() or ((theta - eps) == theta).any():
        fail(func, "eps", "large enough to change every coordinate of theta", eps,
             "Use e.g. eps=1e-6 (relative to the size of theta).")
    out = np.empty_like(theta)
    step = np.zeros_like(theta)
    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(len(theta)):
            step[j] = eps
            ends: list[float] = []
            for point in (theta + step, theta - step):
                value = f(point)
                if not isinstance(value, (numbers.Real, np.ndarray)) or np.ndim(value) != 0:
                    fail(func, "f", "a function returning one number", value, kind=TypeError)
                ends.append(float(value))
            out[j] = (ends[0] - ends[1]) / (2.0 * eps)
            step[j] = 0.0
    if not np.isfinite(out).all():
        fail(func, "eps", f"small enough that f stays finite at theta +- eps (f gave {ends})",
             eps, "Use a smaller eps, or check that f is finite near theta.")
    return out


def check_gradient(f: Callable[[Array], float], grad: Callable[[Array], Array], theta: Array,
                   *, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-8,
                   verbose: bool = True) -> float:
    r"""Compare ``grad(theta)`` with central finite differences of ``f``; raise when they differ.

    Passes when :math:`|g - \hat g| \le \text{atol} + \text{rtol} \cdot |\hat g|` in every
    coordinate. Returns the largest relative error
    :math:`\max_j |g_j - \hat g_j| / \max(|g_j|, |\hat g_j|, 10^{-12})`.

    Examples
    --------
    >>> import numpy as np
    >>> from sgdteach.losses import squared_error
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> err = check_gradient(lambda t: squared_error.value(t, X, y),
    ...                      lambda t: squared_error.grad(t, X, y), np.zeros(2))
    gradient OK: largest relative error ...
    """
    func = "check_gradient"
    check_callable(func, "f", f, "a function theta -> number")
    check_callable(func, "grad", grad, "a function theta -> array")
    theta = check_vector(func, "theta", theta)
    rtol = check_number(func, "rtol", rtol, NON_NEGATIVE, fix="Use e.g. rtol=1e-5.")
    atol = check_number(func, "atol", atol, NON_NEGATIVE, fix="Use e.g. atol=1e-8.")
    verbose = check_flag(func, "verbose", verbose)
    g = check_vector(func, "grad(theta)", grad(theta.copy()))
    if g.shape != theta.shape:
        fail(func, "grad(theta)", f"an array of shape {theta.shape}", g,
             "The gradient has one entry per parameter.")
    g_hat = _numerical_gradient(func, f, theta, eps)
    rel = np.abs(g - g_hat) / np.maximum(np.maximum(np.abs(g), np.abs(g_hat)), 1e-12)
    worst = int(np.argmax(rel))
    with np.errstate(over="ignore"):   # rtol * |g_hat| beyond float64: an infinite tolerance
        close = np.allclose(g, g_hat, rtol=rtol, atol=atol)
    if not close:
        ratio = g[worst] / g_hat[worst] if g_hat[worst] != 0 else np.inf
        raise AssertionError(
            f"check_gradient: gradient differs from finite differences in coordinate {worst}: "
            f"yours {g[worst]:.6g}, numerical {g_hat[worst]:.6g} (ratio {ratio:.3g}). "
            f"A ratio of -1 is a sign error, 2 or 0.5 a missing or extra factor 2.")
    if verbose:
        print(f"gradient OK: largest relative error {rel[worst]:.1e}")
    return float(rel[worst])
