r"""Small measurements of a problem: the maths toolbox figure, log–log slopes and "converged or
diverged" runs (timings live in :mod:`sgdteach.course.timing`).

Nothing here is new maths: :func:`hessian` and :func:`gradient_covariance` are the two matrices
the course keeps using, written once; :func:`draw_toolbox` pictures them on the reference
example; :func:`excess_or_divergence` runs :func:`sgdteach.minimize` and reports the final excess
loss, or ``inf`` and the step when the run diverged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._types import Array
from .._validation import check_matrix, check_vector, fail
from ..descent import minimize
from ..history import DivergenceError
from ..losses import least_squares_solution, mse


def hessian(X: Array) -> Array:
    r"""Hessian of the mean squared error :math:`J(\theta) = \frac1m\lVert X\theta - y\rVert^2`.

    .. math::

        H = \nabla^2 J = \frac2m X^\top X \qquad ((d, d), \text{ the same at every } \theta)

    >>> hessian(np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])).round(3).tolist()
    [[2.0, 6.0], [6.0, 19.333]]
    """
    X = check_matrix("hessian", "X", X)
    return 2.0 / len(X) * X.T @ X


def gradient_covariance(X: Array, y: Array, theta: Array) -> tuple[Array, Array, Array]:
    r"""Per-example gradients at ``theta``, their mean and their covariance.

    .. math::

        g_i = 2 x_i (x_i^\top\theta - y_i), \qquad \bar g = \frac1m\sum_i g_i = \nabla J(\theta),
        \qquad \Sigma = \frac1m\sum_i (g_i - \bar g)(g_i - \bar g)^\top

    Returns ``(G, mean, Sigma)`` with ``G`` of shape ``(m, d)``; ``trace(Sigma)`` is the mean
    squared distance of one example's gradient from the full gradient.

    >>> X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]); y = np.array([2.0, 5.0, 9.0])
    >>> G, g, S = gradient_covariance(X, y, np.zeros(2))
    >>> g.round(3).tolist(), round(float(np.trace(S)), 1)
    ([-10.667, -36.667], 737.8)
    """
    X = check_matrix("gradient_covariance", "X", X)
    y = check_vector("gradient_covariance", "y", y, len(X))
    theta = check_vector("gradient_covariance", "theta", theta, X.shape[1])
    G = 2.0 * X * (X @ theta - y)[:, None]
    mean = G.mean(axis=0)
    D = G - mean
    return G, mean, D.T @ D / len(X)


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x`: the exponent :math:`p` in
    :math:`y \approx c\,x^p`.

    >>> round(loglog_slope([1, 2, 4], [3, 12, 48]), 6)
    2.0
    """
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1 or len(xs) < 2 or (xs <= 0).any() or (ys <= 0).any():
        fail("loglog_slope", "x, y", "two equally long 1-d sequences of positive numbers",
             (xs, ys), "Pass at least two points with x > 0 and y > 0.")
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def excess_or_divergence(X: Array, y: Array, *, lr: float, batch_size: int, epochs: int,
                         seed: int = 0, theta0: Array | None = None) -> tuple[float, int | None]:
    r"""Run :func:`sgdteach.minimize` (squared error) and return ``(J(theta) - J*, None)``, or
    ``(inf, step)`` when it raised :class:`~sgdteach.DivergenceError` at ``step``.

    The excess is clipped at 0 from below (at the optimum it is a rounding-level number).

    >>> X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]); y = np.array([2.0, 5.0, 9.0])
    >>> excess_or_divergence(X, y, lr=0.1, batch_size=3, epochs=500)
    (inf, 61)
    """
    try:
        h = minimize(X, y, theta0, lr=lr, batch_size=batch_size, epochs=epochs, seed=seed)
    except DivergenceError as err:
        return math.inf, int(err.step)
    star = mse(least_squares_solution(X, y), X, y)
    return max(float(h.final_loss) - star, 0.0), None


def draw_toolbox(X: Array, y: Array):
    r"""Four panels on a two-parameter least-squares problem (the reference example in
    notebook 01): the gradient field on the contours of :math:`J`, the eigenvectors of the
    Hessian at :math:`\theta^*`, :math:`J` along each eigenvector (the condition number), and
    the per-example gradients at :math:`\theta = 0` with their mean and covariance ellipse.
    The two contour panels have equal scales on both axes, so that right angles look right.
    Returns the figure.
    """
    from .._style import OKABE_ITO
    from .plotting import least_squares_surface, new_figure, plot_contours

    X = check_matrix("draw_toolbox", "X", X)
    if X.shape[1] != 2:
        fail("draw_toolbox", "X", "of shape (m, 2)", X, "Draw a two-parameter problem.")
    star = least_squares_solution(X, y)
    H = hessian(X)
    lam, U = np.linalg.eigh(H)
    surface = least_squares_surface(X, y)
    window = ((-9.0, 3.0), (1.0, 6.0))
    fig, axes = new_figure(2, 2, figsize=(10, 7.2))
    a, b, c, d = axes.ravel()

    plot_contours(surface, window, ax=a, levels=14)
    pts = np.array([[x0, x1] for x0 in (-7.0, -3.0, 1.0) for x1 in (2.0, 3.5, 5.0)])
    grads = np.array([2.0 / len(X) * X.T @ (X @ p - y) for p in pts])
    unit = -grads / np.linalg.norm(grads, axis=1, keepdims=True)
    a.quiver(pts[:, 0], pts[:, 1], unit[:, 0], unit[:, 1], color=OKABE_ITO[3], angles="xy",
             scale=9, width=0.006, label="−∇J (direction only)")
    a.plot(*star, "*", color="black", ms=11, label="θ*")
    a.set_title("−∇J points downhill, across the contours")
    a.legend(loc="lower left", fontsize="small")

    plot_contours(surface, window, ax=b, levels=14)
    for k, (name, colour) in enumerate((("flat", OKABE_ITO[0]), ("steep", OKABE_ITO[1]))):
        u = U[:, k] * (4.0 if k == 0 else 1.0)
        b.annotate("", xy=star + u, xytext=star,
                   arrowprops=dict(arrowstyle="->", color=colour, lw=2))
        b.plot([], [], color=colour, lw=2, label=f"u_{name}, λ = {lam[k]:.3g}")
    b.plot(*star, "*", color="black", ms=11)
    b.set_title("Hessian eigenvectors: the ellipses' axes\n(arrow lengths not to scale)")
    b.legend(loc="lower left", fontsize="small")
    for panel in (a, b):          # equal scales: right angles (gradient vs contour) look right
        panel.set(xlabel="θ₁ (intercept)", ylabel="θ₂ (slope)")
        panel.set_aspect("equal", adjustable="box")

    s = np.linspace(-1.0, 1.0, 201)
    for k, (name, colour, ls) in enumerate((("flat", OKABE_ITO[0], "-"),
                                            ("steep", OKABE_ITO[1], "--"))):
        along = surface(star + s[:, None] * U[:, k]) - surface(star)
        c.plot(s, along, color=colour, ls=ls, label=f"along u_{name}: (λ/2)ζ², λ = {lam[k]:.3g}")
    c.set(xlabel="distance ζ from θ*", ylabel="J(θ* + ζ u) − J*", ylim=(0, 3),
          title=f"condition number κ = λmax/λmin = {lam[1] / lam[0]:.0f}")
    c.legend(loc="upper center", fontsize="small")

    G, mean, S = gradient_covariance(X, y, np.zeros(X.shape[1]))
    d.plot(G[:, 0], G[:, 1], "o", color=OKABE_ITO[2], label="∇J_i(0), one per example")
    d.plot(*mean, "X", color="black", ms=9, label="mean = ∇J(0)")
    w, V = np.linalg.eigh(S)
    t = np.linspace(0, 2 * np.pi, 200)
    ellipse = mean[:, None] + V @ (np.sqrt(np.maximum(w, 0))[:, None] * np.stack([np.cos(t),
                                                                                  np.sin(t)]))
    d.plot(ellipse[0], ellipse[1], ":", color="0.3", label="1-σ ellipse of Σ")
    d.set(xlabel="∂J_i/∂θ₁ (intercept)", ylabel="∂J_i/∂θ₂ (slope)",
          title=f"covariance Σ of ∇J_i at θ = 0: tr Σ = {np.trace(S):.0f}")
    d.set_aspect("equal", adjustable="datalim")
    d.legend(loc="upper left", fontsize="small")
    return fig
