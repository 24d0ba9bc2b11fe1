r"""A learning rate that is best *and* not a lucky survivor: the worst of three neighbours.

Near a rule's stability edge the final distance after a fixed number of steps jumps around: one
:math:`\alpha` ends very close, a rate 2% larger diverges, one 2% smaller ends far away. Picking
the single best :math:`\alpha` of a grid then reports an isolated survivor.
:func:`robust_learning_rates` scores every :math:`\alpha` by the *worst* final distance among
:math:`(1-s)\alpha`, :math:`\alpha`, :math:`(1+s)\alpha` and keeps the best score: an
:math:`\alpha` whose neighbours within :math:`\pm s` also converge and end close.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._types import Array
from .._validation import Interval, check_number, check_vector, fail
from ..functions import TestFunction
from .experiments import METHODS, OptimizerRun, optimizer_paths
from .tuning import final_distances, refined_best


class RobustTuned(NamedTuple):
    """One rule's robust best ``lr``, its run (``run.distance`` is the distance at ``lr``),
    ``worst``, the largest final distance among ``lr`` and its two neighbours
    ``lr * (1 ± spread)``, and ``grid_index``, where the coarse grid's best sat (trustworthy only
    when it is neither 0 nor ``len(grid) - 1``)."""

    lr: float
    run: OptimizerRun
    worst: float
    grid_index: int


def worst_of_neighbours(fn: TestFunction, method: str, lrs: Sequence[float] | Array, steps: int,
                        spread: float = 0.05) -> Array:
    r"""For every :math:`\alpha` in ``lrs``, the largest final distance to a minimiser among
    the three runs at :math:`(1-s)\alpha, \alpha, (1+s)\alpha` (``s = spread``).

    .. math::

        W(\alpha) = \max_{c \in \{1-s,\, 1,\, 1+s\}} d\big(\theta_{T}(c\,\alpha)\big)

    with :math:`d(\theta_T)` the distance after :math:`T` = ``steps`` exact-gradient steps
    (:func:`~sgdteach.course.tuning.final_distances`; :math:`\infty` for a run that diverged).

    Parameters
    ----------
    fn : TestFunction
    method : str
        A rule of :data:`sgdteach.optimizers.OPTIMIZERS`.
    lrs : array of shape (K,)
        Positive learning rates.
    steps : int
    spread : float in (0, 0.5]
        The relative distance of the two neighbours.

    Returns
    -------
    array of shape (K,)

    Examples
    --------
    >>> from sgdteach.functions import quadratic
    >>> w = worst_of_neighbours(quadratic(25.0), "sgd", [0.01, 0.079], 100)
    >>> bool(np.isfinite(w[0])), bool(np.isinf(w[1]))   # 1.05 * 0.079 > 2/25 diverges
    (True, True)
    """
    func = "worst_of_neighbours"
    rates = check_vector(func, "lrs", lrs)
    if len(rates) == 0 or (rates <= 0).any():
        fail(func, "lrs", "a non-empty vector of positive learning rates", rates,
             "Pass e.g. np.logspace(-5, 1, 25).")
    s = check_number(func, "spread", spread, Interval(0, 0.5, closed="right"),
                     fix="Use e.g. spread=0.05 (neighbours 5% below and above).")
    d = final_distances(fn, method, np.concatenate([rates * (1 - s), rates, rates * (1 + s)]),
                        steps)
    return d.reshape(3, -1).max(axis=0)


def robust_learning_rates(fn: TestFunction, grid: Sequence[float], steps: int, *,
                          methods: Sequence[str] = METHODS, refine: int = 9,
                          spread: float = 0.05) -> dict[str, RobustTuned]:
    r"""Per rule, the :math:`\alpha` with the smallest worst-of-neighbours distance
    :func:`worst_of_neighbours` after ``steps`` steps.

    .. math::

        \alpha^\star = \arg\min_{\alpha \in G \cup G'} W(\alpha)

    :math:`G` is ``grid`` (increasing, e.g. ``np.logspace(-5, 1, 25)``), :math:`G'` the
    ``refine`` points spaced geometrically strictly between the two grid neighbours of the best
    point of :math:`G`. Ties go to the smaller :math:`\alpha`.

    Examples
    --------
    >>> from sgdteach.functions import quadratic
    >>> best = robust_learning_rates(quadratic(25.0), np.logspace(-3, 0, 13), 60,
    ...                              methods=("sgd",))["sgd"]
    >>> bool(best.lr < 2 / 25 / 1.05)     # its upper neighbour must not diverge
    True
    """
    spread = check_number("robust_learning_rates", "spread", spread,
                          Interval(0, 0.5, closed="right"),
                          fix="Use e.g. spread=0.05 (neighbours 5% below and above).")

    def worst(name: str, lrs: Array) -> Array:
        return worst_of_neighbours(fn, name, lrs, steps, spread)

    out = {}
    for name, (lr, score, index) in refined_best("robust_learning_rates", grid, methods,
                                                 refine, worst).items():
        out[name] = RobustTuned(lr, optimizer_paths(fn, lr, steps, methods=(name,))[name],
                                score, index)
    return out
