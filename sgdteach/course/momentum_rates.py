r"""Convergence factor of heavy-ball momentum on a quadratic, on a grid of :math:`(\alpha, \beta)`.

On :math:`f(w) = \tfrac12 \sum_i \lambda_i w_i^2` the heavy ball

.. math::

    w_{t+1} = w_t - \alpha \nabla f(w_t) + \beta (w_t - w_{t-1})

(``sgdteach.momentum(beta)`` with rate :math:`\alpha`: :math:`v \leftarrow \beta v + g`,
:math:`w \leftarrow w - \alpha v`) acts on each eigen-direction separately, through the
:math:`2 \times 2` matrix

.. math::

    \begin{pmatrix} w_{t+1} \\ w_t \end{pmatrix}
    = \begin{pmatrix} 1 + \beta - \alpha\lambda & -\beta \\ 1 & 0 \end{pmatrix}
      \begin{pmatrix} w_t \\ w_{t-1} \end{pmatrix} .

Its eigenvalues solve :math:`z^2 - (1 + \beta - \alpha\lambda) z + \beta = 0`; the distance to
the minimum shrinks by the largest of their moduli per step (the *convergence factor*
:math:`\rho`), taken over all :math:`\lambda_i`. :func:`rate_map` computes it on a grid in closed
form, :func:`measured_rate` reads it off a run, :func:`plot_rate_map` draws the map (matplotlib
is imported only there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .._types import Array
from .._validation import (
    INDEX,
    POSITIVE,
    UNIT,
    Interval,
    check_array,
    check_matrix,
    check_number,
    fail,
)

LRS = POSITIVE
BETAS = UNIT        # momentum in [0, 1)
HUGE = 1e150        # |a| above this: a * a overflows float64


def _eigenvalues(func: str, eigenvalues: Any, arg: str = "eigenvalues") -> Array:
    fix = "Pass the eigenvalues of the Hessian of a convex quadratic, e.g. [1.0, 25.0]."
    lam = check_array(func, arg, eigenvalues, POSITIVE, fix=fix)
    if lam.ndim > 1:
        fail(func, arg, "a number or a 1-D array", lam, fix)
    return np.atleast_1d(lam)


def _grid(func: str, arg: str, value: Any, interval: Interval) -> Array:
    return check_array(func, arg, value, interval,
                       fix="Pass e.g. np.linspace(...) inside that range.")


def _steps(func: str, lr: Array, lam: Array) -> Array:
    r""":math:`\alpha\lambda_i` for every rate and curvature, shape ``(*lr.shape, len(lam))``."""
    with np.errstate(over="ignore"):
        x = lr[..., None] * lam
    if not np.isfinite(x).all():
        fail(func, "lr", "small enough that lr * eigenvalue is finite", lr,
             "Pass learning rates of the order of 1 / max(eigenvalues).")
    return x


def heavy_ball_rate(lr: Any, beta: Any, eigenvalues: Sequence[float] | Array) -> Array:
    r"""Convergence factor :math:`\rho(\alpha, \beta)` of the heavy ball on a quadratic.

    For each curvature :math:`\lambda` let :math:`a = 1 + \beta - \alpha\lambda` and
    :math:`\Delta = a^2 - 4\beta`. The two roots of :math:`z^2 - a z + \beta` have the largest
    modulus

    .. math::

        \rho_\lambda = \begin{cases}
            \tfrac12\big(|a| + \sqrt{\Delta}\big) & \Delta \ge 0 \text{ (real roots)} \\
            \sqrt\beta & \Delta < 0 \text{ (complex pair, } |z|^2 = \beta)
        \end{cases}
        \qquad \rho = \max_i \rho_{\lambda_i} .

    The run converges when :math:`\rho < 1`, i.e. :math:`0 \le \beta < 1` and
    :math:`0 < \alpha\lambda_{\max} < 2(1 + \beta)`.

    Parameters
    ----------
    lr, beta : float or array
        :math:`\alpha > 0` and :math:`0 \le \beta < 1`, broadcast against each other.
    eigenvalues : sequence of float
        The Hessian's eigenvalues :math:`\lambda_i > 0`.

    Returns
    -------
    array of the broadcast shape of ``lr`` and ``beta``

    >>> float(heavy_ball_rate(0.1, 0.0, [1.0, 10.0]))     # plain GD: max |1 - alpha lambda|
    0.9
    >>> float(heavy_ball_rate(1 / 9, 4 / 9, [1.0, 25.0]))  # the optimum: sqrt(beta)
    0.6666666666666666
    """
    func = "heavy_ball_rate"
    lam = _eigenvalues(func, eigenvalues)
    a_lr = _grid(func, "lr", lr, LRS)
    b = _grid(func, "beta", beta, BETAS)
    a_lr, b = np.broadcast_arrays(a_lr, b)
    a = 1.0 + b[..., None] - _steps(func, a_lr, lam)         # (..., len(lam))
    # where a * a would overflow, sqrt(a^2 - 4 beta) is |a| to double precision
    big = np.abs(a) > HUGE
    small = np.where(big, 0.0, a)
    disc = small * small - 4.0 * b[..., None]
    real = np.where(big, np.abs(a), 0.5 * (np.abs(small) + np.sqrt(np.maximum(disc, 0.0))))
    rho = np.where(big | (disc >= 0.0), real, np.sqrt(b[..., None]))
    return rho.max(axis=-1)


def critical_damping(lr: Any, eigenvalue: float) -> Array:
    r"""The momentum :math:`\beta` at which the direction of curvature :math:`\lambda` is
    critically damped (its two roots coincide, :math:`\Delta = 0`):

    .. math::

        \beta_c = \big(1 - \sqrt{\alpha\lambda}\big)^2 .

    Below the curve (for :math:`\alpha\lambda < 1`) the direction decays without oscillating,
    above it the roots form a complex pair of modulus :math:`\sqrt\beta`; for
    :math:`\alpha\lambda > 1` the same formula gives the other edge of the complex region.

    >>> float(critical_damping(0.04, 25.0))
    0.0
    """
    lam = check_number("critical_damping", "eigenvalue", eigenvalue, POSITIVE)
    a_lr = _grid("critical_damping", "lr", lr, LRS)
    return (1.0 - np.sqrt(_steps("critical_damping", a_lr, np.array([lam]))[..., 0])) ** 2


def complex_region(lr: Any, beta: Any, eigenvalues: Sequence[float] | Array) -> Array:
    r"""True where every direction has a complex pair of roots, so that :math:`\rho = \sqrt\beta`
    exactly: :math:`(1 - \sqrt\beta)^2 < \alpha\lambda_i < (1 + \sqrt\beta)^2` for all
    :math:`i`.

    >>> bool(complex_region(1 / 9, 0.5, [1.0, 25.0]))
    True
    """
    func = "complex_region"
    lam = _eigenvalues(func, eigenvalues)
    a_lr, b = np.broadcast_arrays(_grid(func, "lr", lr, LRS),
                                  _grid(func, "beta", beta, BETAS))
    x = _steps(func, a_lr, lam)
    s = np.sqrt(b)[..., None]
    return ((x > (1 - s) ** 2) & (x < (1 + s) ** 2)).all(axis=-1)


class TunedHeavyBall(NamedTuple):
    """Polyak's best heavy ball for curvatures in :math:`[\\mu, L]`."""

    lr: float
    beta: float
    rate: float


def optimal_heavy_ball(eigenvalues: Sequence[float] | Array) -> TunedHeavyBall:
    r"""The :math:`(\alpha^\star, \beta^\star)` that minimise :math:`\rho` (Polyak, 1964):

    .. math::

        \alpha^\star = \frac{4}{(\sqrt L + \sqrt\mu)^2}, \qquad
        \beta^\star = \Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^2, \qquad
        \rho^\star = \sqrt{\beta^\star}, \qquad \kappa = L / \mu,

    with :math:`L, \mu` the largest and smallest eigenvalue. Both extreme directions then sit on
    their critical-damping curves.

    >>> optimal_heavy_ball([1.0, 25.0])
    TunedHeavyBall(lr=0.1111111111111111, beta=0.4444444444444444, rate=0.6666666666666666)
    """
    lam = _eigenvalues("optimal_heavy_ball", eigenvalues)
    L, mu = float(lam.max()), float(lam.min())
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        rk = np.sqrt(L / mu)
        rate = float((rk - 1) / (rk + 1))
        best = TunedHeavyBall(float(4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2), rate**2, rate)
    if not np.isfinite(best).all():
        fail("optimal_heavy_ball", "eigenvalues", "curvatures for which alpha* and kappa = "
             "max / min are finite in float64", eigenvalues, "Rescale the problem.")
    return best


class RateMap(NamedTuple):
    """:func:`rate_map`'s result: axes ``lr`` (m,), ``beta`` (k,), ``rate`` and ``complex``
    (k, m), and the ``eigenvalues``."""

    lr: Array
    beta: Array
    rate: Array
    complex: Array
    eigenvalues: Array


def rate_map(lrs: Any, betas: Any, eigenvalues: Sequence[float] | Array) -> RateMap:
    r"""The convergence factor :func:`heavy_ball_rate` on the grid ``betas`` × ``lrs``.

    Row ``j``, column ``i`` of ``rate`` is :math:`\rho(\alpha_i, \beta_j)` (so it shows as an
    image with :math:`\alpha` across, :math:`\beta` up); values :math:`\ge 1` diverge.

    >>> m = rate_map([0.05, 0.1], [0.0, 0.5], [1.0, 25.0])
    >>> m.rate.shape
    (2, 2)
    """
    func = "rate_map"
    lr = _grid(func, "lrs", lrs, LRS).ravel()
    beta = _grid(func, "betas", betas, BETAS).ravel()
    lam = _eigenvalues(func, eigenvalues)
    A, B = np.meshgrid(lr, beta)
    return RateMap(lr, beta, heavy_ball_rate(A, B, lam), complex_region(A, B, lam), lam)


def measured_rate(path: Any, start: int, stop: int | None = None) -> float:
    r"""The convergence factor read off a run: :math:`e^{s}` with :math:`s` the least-squares
    slope of :math:`\log\|w_t\|` over steps ``start`` to ``stop`` (minimum at the origin).

    ``path`` is ``(steps + 1, d)``, e.g. ``History.path`` recorded at every step. A fit over many
    steps averages out the oscillation of a complex pair of roots.

    >>> w = 0.5 ** np.arange(20)[:, None] * np.ones((1, 2))
    >>> round(measured_rate(w, 5), 12)
    0.5
    """
    func = "measured_rate"
    P = check_matrix(func, "path", path, finite=False)
    if len(P) < 3:
        fail(func, "path", "an array (steps + 1, d) with at least 3 rows", path,
             "Pass History.path of a run recorded with record_every=1.")
    stop = len(P) if stop is None else stop
    start = check_number(func, "start", start, INDEX)
    stop = check_number(func, "stop", stop, Interval(start + 2, len(P), integer=True),
                        fix="Fit over at least 3 recorded steps of the path.")
    norm = np.linalg.norm(P[start:stop], axis=1)
    if not (np.isfinite(norm).all() and (norm > 0).all()):
        fail(func, "path", "finite and nonzero on the fitted steps", f"{stop - start} rows",
             "Fit before the iterate reaches 0 exactly or diverges (choose smaller stop).")
    t = np.arange(start, stop, dtype=float)
    slope = np.polyfit(t, np.log(norm), 1)[0]
    return float(np.exp(slope))


def plot_rate_map(rmap: RateMap, *, ax=None, cmap: str = "viridis", vmin: float = 0.5,
                  runs: Sequence[tuple[float, float]] = ()):
    r"""Draw ``rmap`` as a heat map of :math:`\rho` over :math:`(\alpha, \beta)`.

    Marks the critical-damping curves :math:`\beta = (1 - \sqrt{\alpha\lambda})^2` of the
    smallest and largest eigenvalue, hatches the region where :math:`\rho = \sqrt\beta` (every
    root complex), greys out :math:`\rho \ge 1` (divergence), puts a star at the optimum
    :func:`optimal_heavy_ball` and a circle at each ``(lr, beta)`` in ``runs``. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(rmap, RateMap):
        fail("plot_rate_map", "rmap", "a RateMap from sgdteach.course.momentum_rates.rate_map",
             rmap, kind=TypeError)
    if ax is None:
        from .plotting import new_figure

        _, ax = new_figure(figsize=(6.4, 4.6))
    lr, beta, lam = rmap.lr, rmap.beta, rmap.eigenvalues
    shown = np.ma.masked_where(rmap.rate >= 1.0, rmap.rate)
    colours = plt.get_cmap(cmap).with_extremes(bad="0.85")
    mesh = ax.pcolormesh(lr, beta, shown, cmap=colours, vmin=vmin, vmax=1.0, shading="nearest")
    ax.figure.colorbar(mesh, ax=ax, label=r"convergence factor $\rho$ per step")
    ax.contourf(lr, beta, rmap.complex.astype(float), levels=[0.5, 1.5], colors="none",
                hatches=["//"])
    ax.contour(lr, beta, rmap.complex.astype(float), levels=[0.5], colors="white",
               linewidths=0.8)
    for lam_i, style, colour in ((lam.min(), "--", "#E69F00"), (lam.max(), ":", "black")):
        fine = np.linspace(lr.min(), lr.max(), 400)
        bc = critical_damping(fine, lam_i)
        keep = bc <= beta.max()
        ax.plot(fine[keep], bc[keep], color=colour, linestyle=style, linewidth=2,
                label=rf"critical damping, $\lambda = {lam_i:g}$")
    best = optimal_heavy_ball(lam)
    ax.plot(best.lr, best.beta, "*", color="#D55E00", markersize=13, markeredgecolor="black",
            label=rf"optimum $\alpha^\star, \beta^\star$ ($\rho = {best.rate:.3f}$)")
    if runs:
        ax.plot(*np.asarray(runs, dtype=float).T, "o", color="white", markeredgecolor="black",
                label="checked against runs")
    ax.plot([], [], " ", label=r"hatched: $\rho = \sqrt{\beta}$ (oscillating)")
    ax.plot([], [], "s", color="0.85", label=r"grey: $\rho \geq 1$ (diverges)")
    ax.set_xlim(lr.min(), lr.max())
    ax.set_ylim(beta.min(), beta.max())
    ax.set_xlabel(r"learning rate $\alpha$")
    ax.set_ylabel(r"momentum $\beta$")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    return ax
