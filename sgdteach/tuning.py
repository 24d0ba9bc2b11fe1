r"""Tuning a learning rate on a 2-D test function, and the curvature that limits it.

:func:`best_learning_rates` gives each update rule its own :math:`\alpha`: a log grid, then a finer
grid between the two neighbours of the grid's best. :func:`curvature_ratio` is the condition
number of the Hessian at a point (by central differences of the gradient).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._validation import check_positive, check_vector, fail
from .experiments import BLOWUP, METHODS, OptimizerRun, optimizer_paths
from .functions import TestFunction
from .optimizers import get_optimizer

Array = np.ndarray


class Tuned(NamedTuple):
    """One rule's best ``lr``, its run, and where the coarse grid's best sat (``grid_index``; the
    search is trustworthy only when it is neither 0 nor ``len(grid) - 1``)."""

    lr: float
    run: OptimizerRun
    grid_index: int


def best_learning_rates(fn: TestFunction, grid: Sequence[float], steps: int, *,
                        methods: Sequence[str] = METHODS, refine: int = 7) -> dict[str, Tuned]:
    r"""Per rule, the :math:`\alpha` that ends closest to a minimiser of ``fn`` after ``steps``
    exact-gradient steps (:func:`~sgdteach.experiments.optimizer_paths`).

    .. math::

        \alpha^\star = \arg\min_{\alpha \in G \cup G'}
        \operatorname{dist}\big(w_{\text{steps}}(\alpha), \text{minimisers}\big)

    where :math:`G` is ``grid`` (increasing, e.g. ``np.logspace(-5, 1, 25)``: 4 points per decade)
    and :math:`G'` the ``refine`` points spaced geometrically strictly between the two grid
    neighbours of the best point of :math:`G`. A diverged run has distance :math:`\infty`.
    """
    func = "best_learning_rates"
    grid = check_vector(func, "grid", grid)
    if len(grid) < 3 or (grid <= 0).any() or (np.diff(grid) <= 0).any():
        fail(func, "grid", "at least 3 increasing positive learning rates", grid,
             "Pass e.g. np.logspace(-5, 1, 25).")
    refine = check_positive(func, "refine", refine, integer=True, minimum=0)
    out = {}
    for name in methods:
        dist = final_distances(fn, name, grid, steps)
        i = int(np.argmin(dist))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        extra = np.geomspace(lo, hi, refine + 2)[1:-1] if refine else np.empty(0)
        extra = extra[~np.isclose(extra, grid[i])]
        lrs = np.r_[grid[i], extra]
        k = int(np.argmin(np.r_[dist[i], final_distances(fn, name, extra, steps)]))
        lr = float(lrs[k])
        out[name] = Tuned(lr, optimizer_paths(fn, lr, steps, methods=(name,))[name], i)
    return out


def final_distances(fn: TestFunction, method: str, lrs: Sequence[float] | Array,
                    steps: int) -> Array:
    r"""``optimizer_paths(fn, lr, steps, methods=(method,))[method].distance`` for every ``lr``,
    all learning rates at once.

    The iterates of all rates are the rows of one ``(K, 2)`` array, updated with the same
    element-wise arithmetic as one run at a time (so the results are the same numbers), which
    takes one Python loop of ``steps`` instead of ``K``. ``fn.grad`` is called on the ``(2, K)``
    transpose when it broadcasts that way (checked against row-by-row gradients on the first
    step), and row by row otherwise. A row that blows up (``|w| > 1e6`` or not finite) gets
    distance :math:`\infty`, as in :func:`~sgdteach.experiments.optimizer_paths`.
    """
    func = "final_distances"
    steps = check_positive(func, "steps", steps, integer=True, minimum=1)
    lr = np.asarray(lrs, dtype=float).reshape(-1, 1)
    if len(lr) == 0:
        return np.empty(0)
    opt = get_optimizer(method, func)
    W = np.tile(np.asarray(fn.start, dtype=float), (len(lr), 1))

    def rows(W: Array) -> Array:
        return np.array([fn.grad(w) for w in W])

    grad = rows
    try:
        with np.errstate(all="ignore"):
            if np.array_equal(np.asarray(fn.grad(W.T)).T, rows(W)):
                def grad(W: Array) -> Array:
                    return np.asarray(fn.grad(W.T)).T
    except (ValueError, TypeError):
        pass
    state, alive = opt.init(W), np.ones(len(lr), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            step, state = opt.update(grad(W), state, lr)
            W = W - step
            alive &= np.isfinite(W).all(axis=1) & (np.abs(W).max(axis=1) <= BLOWUP)
            W[~alive] = fn.start          # frozen: a dead row must not overflow the others
    dist = np.linalg.norm(W[:, None, :] - fn.minimizers[None], axis=2).min(axis=1)
    return np.where(alive, dist, np.inf)


def curvature_ratio(fn: TestFunction, w: Sequence[float], h: float = 1e-5) -> float:
    r"""Condition number :math:`\lambda_{\max} / \lambda_{\min}` of the Hessian of ``fn`` at ``w``.

    The Hessian is built from central differences of ``fn.grad``,
    :math:`H_{:, j} \approx (\nabla f(w + h e_j) - \nabla f(w - h e_j)) / 2h`, symmetrised.
    Raises when :math:`H` is not positive definite (``w`` is not in a convex region).

    >>> from sgdteach.functions import quadratic
    >>> round(curvature_ratio(quadratic(25.0), [1.0, 1.0]), 6)
    25.0
    """
    func = "curvature_ratio"
    w = check_vector(func, "w", w, 2)
    h = check_positive(func, "h", h)
    H = np.column_stack([(fn.grad(w + h * e) - fn.grad(w - h * e)) / (2 * h) for e in np.eye(2)])
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    if lam[0] <= 0:
        fail(func, "w", "a point where the Hessian is positive definite", w,
             f"Its eigenvalues there are {lam.round(4)}.")
    return float(lam[-1] / lam[0])
