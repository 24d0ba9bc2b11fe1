r"""Tuning a learning rate on a 2-D test function, and the curvature that limits it.

:func:`best_learning_rates` gives each update rule its own :math:`\alpha`: a log grid, then a finer
grid between the two neighbours of the grid's best. :func:`curvature_ratio` is the condition
number of the Hessian at a point (by central differences of the gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import numpy as np

from .._types import Array
from .._validation import COUNT, INDEX, Interval, check_choice, check_number, check_vector, fail
from ..functions import TestFunction
from ..history import EXPLODE_FACTOR
from ..optimizers import OPTIMIZERS, get_optimizer
from .experiments import METHODS, OptimizerRun, optimizer_paths


class Tuned(NamedTuple):
    """One rule's best ``lr``, its run, and where the coarse grid's best sat (``grid_index``; the
    search is trustworthy only when it is neither 0 nor ``len(grid) - 1``)."""

    lr: float
    run: OptimizerRun
    grid_index: int


def best_learning_rates(fn: TestFunction, grid: Sequence[float], steps: int, *,
                        methods: Sequence[str] = METHODS, refine: int = 7) -> dict[str, Tuned]:
    r"""Per rule, the :math:`\alpha` that ends closest to a minimiser of ``fn`` after ``steps``
    exact-gradient steps (:func:`~sgdteach.course.experiments.optimizer_paths`).

    .. math::

        \alpha^\star = \arg\min_{\alpha \in G \cup G'}
        \operatorname{dist}\big(w_{\text{steps}}(\alpha), \text{minimisers}\big)

    where :math:`G` is ``grid`` (increasing, e.g. ``np.logspace(-5, 1, 25)``: 4 points per decade)
    and :math:`G'` the ``refine`` points spaced geometrically strictly between the two grid
    neighbours of the best point of :math:`G`. A diverged run has distance :math:`\infty`.
    """
    def distances(name: str, lrs: Array) -> Array:
        return final_distances(fn, name, lrs, steps)

    out = {}
    for name, (lr, _, index) in refined_best("best_learning_rates", grid, methods, refine,
                                             distances).items():
        out[name] = Tuned(lr, optimizer_paths(fn, lr, steps, methods=(name,))[name], index)
    return out


def refined_best(func: str, grid: Sequence[float], methods: Sequence[str], refine: int,
                 score: Callable[[str, Array], Array]) -> dict[str, tuple[float, float, int]]:
    r"""Per rule, the :math:`\alpha` of smallest ``score(rule, alphas)`` on ``grid`` and then on
    ``refine`` points spaced geometrically strictly between the two grid neighbours of the grid's
    best (ties to the smaller :math:`\alpha`): ``{rule: (alpha, its score, index of the grid's
    best)}``. The one search behind :func:`best_learning_rates` and
    :func:`~sgdteach.course.robust_tuning.robust_learning_rates`; ``func`` names the caller in
    error messages."""
    lrs = check_vector(func, "grid", grid)
    if len(lrs) < 3 or (lrs <= 0).any() or (np.diff(lrs) <= 0).any():
        fail(func, "grid", "at least 3 increasing positive learning rates", lrs,
             "Pass e.g. np.logspace(-5, 1, 25).")
    refine = check_number(func, "refine", refine, INDEX)
    for name in methods:
        check_choice(func, "methods", name, OPTIMIZERS)
    out = {}
    for name in methods:
        on_grid = score(name, lrs)
        i = int(np.argmin(on_grid))
        lo, hi = lrs[max(i - 1, 0)], lrs[min(i + 1, len(lrs) - 1)]
        extra = np.geomspace(lo, hi, refine + 2)[1:-1] if refine else np.empty(0)
        extra = extra[~np.isclose(extra, lrs[i])]
        tried = np.r_[lrs[i], extra]
        scores = np.r_[on_grid[i], score(name, extra) if len(extra) else np.empty(0)]
        k = int(np.argmin(scores))
        out[name] = (float(tried[k]), float(scores[k]), i)
    return out


def final_distances(fn: TestFunction, method: str, lrs: Sequence[float] | Array,
                    steps: int) -> Array:
    r"""``optimizer_paths(fn, lr, steps, methods=(method,))[method].distance`` for every ``lr``,
    all learning rates at once.

    The iterates of all rates are the rows of one ``(K, 2)`` array, updated with the same
    element-wise arithmetic as one run at a time (so the results are the same numbers), which
    takes one Python loop of ``steps`` instead of ``K``. ``fn.grad`` is called on the ``(2, K)``
    transpose when it broadcasts that way (checked against row-by-row gradients on the first
    step), and row by row otherwise; so is ``fn.value``. A row that diverges by
    :func:`sgdteach.history.diverged`'s rule (``w`` not finite, or :math:`f(w)` above
    ``EXPLODE_FACTOR`` times :math:`\max(f(w_0), 1)`) gets distance :math:`\infty`, as in
    :func:`~sgdteach.course.experiments.optimizer_paths`.
    """
    func = "final_distances"
    if not isinstance(fn, TestFunction):
        fail(func, "fn", "a TestFunction from sgdteach.functions", fn, kind=TypeError)
    steps = check_number(func, "steps", steps, COUNT)
    rates = check_vector(func, "lrs", lrs)
    if (rates <= 0).any():
        fail(func, "lrs", "positive learning rates", rates, "Pass e.g. np.logspace(-5, 1, 25).")
    opt = get_optimizer(check_choice(func, "method", method, OPTIMIZERS))
    if len(rates) == 0:
        return np.empty(0)
    lr = rates.reshape(-1, 1)
    W = np.tile(np.asarray(fn.start, dtype=float), (len(lr), 1))
    grad = _batched(fn.grad, W, lambda g: np.asarray(g).T)
    value = _batched(fn.value, W, np.asarray)
    # minimize's one rule (sgdteach.history.diverged): w not finite, or the loss above
    # EXPLODE_FACTOR times max(loss at the start, 1)
    limit = EXPLODE_FACTOR * max(float(fn.value(fn.start)), 1.0)
    state, alive = opt.init(W), np.ones(len(lr), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            # the rules' arithmetic is element-wise: a (K, 1) column of rates broadcasts
            # against the (K, 2) gradients as one rate does against one (2,) gradient
            step, state = opt.update(grad(W), state, cast(float, lr))
            W = W - step
            alive &= np.isfinite(W).all(axis=1)
            alive &= value(W) <= limit          # NaN compares False: diverged
            W[~alive] = fn.start          # frozen: a dead row must not overflow the others
    dist = np.linalg.norm(W[:, None, :] - fn.minimizers[None], axis=2).min(axis=1)
    return np.where(alive, dist, np.inf)


def _batched(f: Callable[[Array], Any], W: Array, back: Callable[[Any], Array]
             ) -> Callable[[Array], Array]:
    """``f`` on every row of ``W`` at once, in the first layout whose results equal the
    row-by-row ones on three distinct points near ``W[0]``: points as columns,
    ``back(f(W.T))`` (every ``grad`` of :mod:`sgdteach.functions`), or points as rows,
    ``f(W)`` (a ``value`` that reads ``w[..., 0]``); else a loop over the rows. (On ``W`` itself,
    whose rows start equal, a wrong layout could pass the comparison.)"""
    def rows(W: Array) -> Array:
        return np.array([f(w) for w in W])

    def columns(W: Array) -> Array:
        return back(f(W.T))

    def last_axis(W: Array) -> Array:
        return np.asarray(f(W))

    probe = W[0] + np.array([[0.0, 0.0], [1e-3, -2e-3], [-3e-3, 5e-3]])
    for batched in (columns, last_axis):
        try:
            with np.errstate(all="ignore"):
                if np.array_equal(batched(probe), rows(probe)):
                    return batched
        except (ValueError, TypeError):
            pass
    return rows


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
    if not isinstance(fn, TestFunction):
        fail(func, "fn", "a TestFunction from sgdteach.functions", fn, kind=TypeError)
    at = check_vector(func, "w", w, 2)
    h = check_number(func, "h", h, Interval(0, 1, closed="right"),
                     fix="Use e.g. h=1e-5: a large step cancels in the differences.")
    if ((at + h) == at).any():
        fail(func, "h", "large enough to change every coordinate of w", h,
             "Use e.g. h=1e-5 (relative to the size of w).")
    with np.errstate(all="ignore"):
        H = np.column_stack([(fn.grad(at + h * e) - fn.grad(at - h * e)) / (2 * h)
                             for e in np.eye(2)])
    if not np.isfinite(H).all():
        fail(func, "w", "a point where the gradient is finite nearby", at,
             "Pick a point closer to the minimiser.")
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    if lam[0] <= 0:
        fail(func, "w", "a point where the Hessian is positive definite", at,
             f"Its eigenvalues there are {lam.round(4)}.")
    return float(lam[-1] / lam[0])
