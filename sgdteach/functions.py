r"""Two-dimensional test functions with gradients and known minimisers, for contour pictures.

Each :class:`TestFunction` has ``value(w)`` (vectorised over leading axes: ``w`` of shape
``(..., 2)``, handy for contour grids), ``grad(w)`` for ``w`` of shape ``(2,)``, its minimisers,
and a plotting window.

:func:`as_finite_sum` turns one into a finite sum :math:`f(w) = \frac1n \sum_i f_i(w)` with
:math:`f_i(w) = f(w) + c_i^\top w` and :math:`\sum_i c_i = 0`, expressed as a
:class:`~sgdteach.losses.Loss` on "data" ``C`` (the rows :math:`c_i`). So
:func:`sgdteach.minimize` runs batch GD, SGD and mini-batch on it unchanged, and the gradient noise
of a batch of size :math:`b` has variance :math:`\propto 1/b`, as with real data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._types import Array
from ._validation import COUNT, NON_NEGATIVE, Interval, check_number, check_rng, fail
from .losses import Loss


class TestFunction(NamedTuple):
    """A 2-D function with its gradient, minimisers and a window ``((x0, x1), (y0, y1))``."""

    name: str
    value: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    minimizers: Array
    window: tuple[tuple[float, float], tuple[float, float]]
    start: Array


def quadratic(condition: float = 10.0) -> TestFunction:
    r"""An ill-conditioned quadratic :math:`f(w) = \tfrac12 (w_1^2 + \kappa w_2^2)`.

    ``condition`` is :math:`\kappa`, the ratio of the largest to the smallest curvature; the
    minimiser is the origin. Gradient descent converges for :math:`\alpha < 2/\kappa` and zig-zags
    across the narrow valley as :math:`\alpha \to 2/\kappa`.

    >>> quadratic(10.0).grad(np.array([1.0, 1.0]))
    array([ 1., 10.])
    """
    kappa = check_number("quadratic", "condition", condition, Interval(1.0, None))
    scale = np.array([1.0, kappa])

    def value(w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        return 0.5 * (w * w) @ scale

    def grad(w: Array) -> Array:
        return scale * np.asarray(w, dtype=np.float64)

    return TestFunction(f"quadratic(condition={kappa:g})", value, grad, np.zeros((1, 2)),
                        ((-3.0, 3.0), (-2.0, 2.0)), np.array([-2.5, 1.5]))


def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    r"""Rosenbrock's banana :math:`f(w) = (a - w_1)^2 + b (w_2 - w_1^2)^2`, minimum at
    :math:`(a, a^2)`.

    >>> rosenbrock().grad(np.array([0.0, 0.0]))
    array([-2.,  0.])
    """
    a = check_number("rosenbrock", "a", a, Interval(0, 1e150, closed="right"),
                     fix="The minimum sits at (a, a^2), which float64 must hold.")
    b = check_number("rosenbrock", "b", b, Interval(0, 1e300, closed="right"),
                     fix="Its gradient, about 4 b w1 (w2 - w1^2), must fit in float64.")

    def value(w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        x, y = w[..., 0], w[..., 1]
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(w: Array) -> Array:
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])

    return TestFunction("rosenbrock", value, grad, np.array([[a, a * a]]),
                        ((-2.0, 2.0), (-1.0, 3.0)), np.array([-1.5, 2.0]))


def shallow_and_deep(tilt: float = 0.3) -> TestFunction:
    r"""A double well: a shallow minimum near :math:`w_1 = +1` and a deep one near :math:`w_1 = -1`.

    .. math::

        f(w) = (w_1^2 - 1)^2 + \text{tilt}\cdot w_1 + \tfrac12 w_2^2

    A barrier near :math:`w_1 \approx 0` separates the basins. Gradient descent started in the
    right basin stays in the shallow minimum; gradient noise can carry SGD over the barrier.
    ``minimizers[0]`` is the deep (global) one, ``minimizers[1]`` the shallow one.
    """
    tilt = check_number("shallow_and_deep", "tilt", tilt, Interval(0, 1.0, closed="right"))

    def value(w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        x, y = w[..., 0], w[..., 1]
        return (x * x - 1.0) ** 2 + tilt * x + 0.5 * y * y

    def grad(w: Array) -> Array:
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([4.0 * x * (x * x - 1.0) + tilt, y])

    # Stationary points in w1 solve 4 w1^3 - 4 w1 + tilt = 0; the outer two are minima.
    roots = np.sort(np.roots([4.0, 0.0, -4.0, tilt]).real)
    mins = np.array([[roots[0], 0.0], [roots[2], 0.0]])
    return TestFunction(f"shallow_and_deep(tilt={tilt:g})", value, grad, mins,
                        ((-2.0, 2.0), (-1.5, 1.5)), np.array([1.6, 1.0]))


def saddle() -> TestFunction:
    r"""A saddle at the origin between two minima at :math:`(0, \pm 1)`.

    .. math::

        f(w) = w_1^2 - w_2^2 + \tfrac12 w_2^4, \qquad
        \nabla f(w) = (2 w_1,\; -2 w_2 + 2 w_2^3)

    Near the origin :math:`f \approx w_1^2 - w_2^2`: the Hessian :math:`\operatorname{diag}(2, -2)`
    has one negative eigenvalue. Gradient descent started on the line :math:`w_2 = 0` (the stable
    manifold) converges to the saddle; the minima have :math:`f = -\tfrac12`.

    >>> saddle().grad(np.array([1.0, 2.0]))
    array([ 2., 12.])
    """

    def value(w: Array) -> Array:
        w = np.asarray(w, dtype=np.float64)
        x, y = w[..., 0], w[..., 1]
        return x * x - y * y + 0.5 * y**4

    def grad(w: Array) -> Array:
        x, y = np.asarray(w, dtype=np.float64)
        return np.array([2.0 * x, -2.0 * y + 2.0 * y**3])

    return TestFunction("saddle", value, grad, np.array([[0.0, -1.0], [0.0, 1.0]]),
                        ((-1.6, 1.6), (-1.6, 1.6)), np.array([1.5, 0.0]))


def barrier(fn: TestFunction) -> float:
    """For :func:`shallow_and_deep`, the position :math:`w_1` of the barrier between the basins."""
    tilt = float(fn.grad(np.zeros(2))[0])
    return float(np.sort(np.roots([4.0, 0.0, -4.0, tilt]).real)[1])


def as_finite_sum(fn: TestFunction, n: int = 100, noise: float = 1.0,
                  seed: int | np.random.Generator | None = None) -> tuple[Loss, Array, Array]:
    r"""Write ``fn`` as a finite sum for :func:`sgdteach.minimize`: returns ``(loss, C, y)``.

    ``C`` has ``n`` rows :math:`c_i` drawn from :math:`\mathcal N(0, \text{noise}^2 I)` and centred
    so that :math:`\sum_i c_i = 0`; the mean over all rows is exactly ``fn``. ``y`` is zeros (not
    used). Use ``minimize(C, y, w0, loss=loss, batch_size=b, ...)``.

    >>> loss, C, y = as_finite_sum(quadratic(), n=10, seed=0)
    >>> np.allclose(loss.grad(np.ones(2), C, y), quadratic().grad(np.ones(2)))
    True
    """
    n = check_number("as_finite_sum", "n", n, COUNT)
    noise = check_number("as_finite_sum", "noise", noise, NON_NEGATIVE)
    rng = check_rng("as_finite_sum", seed)
    with np.errstate(over="ignore", invalid="ignore"):
        C = noise * rng.standard_normal((n, 2))
        C -= C.mean(axis=0)
    if not np.isfinite(C).all():
        fail("as_finite_sum", "noise", "small enough for finite terms", noise,
             "Use a noise level such as 1.0.")

    def value(w: Array, Cb: Array, yb: Array) -> float:
        return float(fn.value(w) + Cb.mean(axis=0) @ w)

    def grad(w: Array, Cb: Array, yb: Array) -> Array:
        return fn.grad(w) + Cb.mean(axis=0)

    return Loss(fn.name, value, grad), C, np.zeros(n)
