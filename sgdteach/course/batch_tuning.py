r"""Each batch size at its own learning rate: a grid search on the training objective.

Comparing batch GD, SGD and mini-batch SGD at one shared :math:`\alpha` favours whichever method
that :math:`\alpha` suits. :func:`tune_batch_sizes` gives every batch size its own
:math:`\alpha` from a grid, by the mean final excess training loss over a few seeds:

.. math::

    \alpha^\star_b = \arg\min_{\alpha\in G}\ \frac1S\sum_{s=1}^{S}
    \big(J(\theta_T^{(b,\alpha,s)}) - J^*\big),

where :math:`\theta_T^{(b,\alpha,s)}` is the iterate after ``epochs`` epochs of
:func:`sgdteach.minimize` with batch size :math:`b`, rate :math:`\alpha` and seed :math:`s`. The
criterion is the training objective itself because the question is how fast each method
*optimises* it (not how well the result generalises: that would need a validation split). A run
that raises :class:`~sgdteach.DivergenceError` or ends above its starting loss scores
:math:`\infty`. The search is trustworthy only when the best :math:`\alpha` is not at either end of
the grid (``Tuned.grid_index``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._types import Array
from .._validation import COUNT, check_choice, check_data, check_number, check_vector, fail
from ..descent import minimize
from ..history import DivergenceError
from ..losses import least_squares_solution, mse
from ..sampling import SAMPLINGS


class Tuned(NamedTuple):
    """One batch size's best ``lr``, its index in the grid, and the mean excess at every grid
    point (``inf`` where a run diverged or ended above its start)."""

    lr: float
    grid_index: int
    excess: Array


def final_excess(X: Array, y: Array, theta0: Array, *, lr: float, batch_size: int, epochs: int,
                 seeds: Sequence[int], sampling: str = "shuffle") -> float:
    r"""Mean over ``seeds`` of :math:`J(\theta_T) - J^*` (mean squared error) after ``epochs``
    epochs of :func:`sgdteach.minimize` from ``theta0``; ``inf`` if any run diverged or ended
    above :math:`J(\theta_0)`.

    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> final_excess(X, y, np.zeros(2), lr=0.1, batch_size=3, epochs=200, seeds=[0]) < 1e-6
    True
    """
    star = mse(least_squares_solution(X, y), X, y)
    start = mse(theta0, X, y)
    out = []
    for seed in seeds:
        try:
            h = minimize(X, y, theta0, lr=lr, batch_size=batch_size, epochs=epochs,
                         sampling=sampling, seed=seed, record_loss=False)
        except DivergenceError:
            return math.inf
        with np.errstate(over="ignore", invalid="ignore"):
            loss = mse(h.theta, X, y) if np.isfinite(h.theta).all() else np.inf
        if not np.isfinite(loss) or loss > start:
            return math.inf
        out.append(max(loss - star, 0.0))
    return float(np.mean(out))


def tune_batch_sizes(X: Array, y: Array, theta0: Array, batch_sizes: Sequence[int],
                     grid: Sequence[float], *, epochs: int, seeds: Sequence[int] = (0, 1, 2),
                     sampling: str = "shuffle") -> dict[int, Tuned]:
    r"""For every batch size :math:`b`, the learning rate of ``grid`` with the lowest mean final
    excess training loss (:func:`final_excess`) after ``epochs`` epochs.

    Parameters
    ----------
    X : array of shape (m, d)
    y : array of shape (m,)
    theta0 : array of shape (d,)
        The common start.
    batch_sizes : sequence of int
        Each in :math:`[1, m]`.
    grid : sequence of float
        At least 3 increasing positive rates, e.g. ``0.01 * 2.0 ** np.arange(-4, 6)``.
    epochs : int
        The budget, the same for every method.
    seeds : sequence of int
        Seeds averaged over (batch GD, :math:`b = m`, is the same for every seed).
    sampling : str
        As :func:`sgdteach.minimize`.

    Returns
    -------
    dict
        ``{b: Tuned(lr, grid_index, excess)}``; ``excess`` has one entry per grid point.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> t = tune_batch_sizes(X, y, np.zeros(2), [3], [0.01, 0.1, 1.0], epochs=20, seeds=[0])
    >>> t[3].lr, t[3].grid_index
    (0.1, 1)
    """
    func = "tune_batch_sizes"
    X, y = check_data(func, X, y)
    theta0 = check_vector(func, "theta0", theta0, X.shape[1], length_name="one per column of X")
    lrs = check_vector(func, "grid", grid)
    if len(lrs) < 3 or (lrs <= 0).any() or (np.diff(lrs) <= 0).any():
        fail(func, "grid", "at least 3 increasing positive learning rates", lrs,
             "Pass e.g. 0.01 * 2.0 ** np.arange(-4, 6).")
    epochs = check_number(func, "epochs", epochs, COUNT)
    check_choice(func, "sampling", sampling, SAMPLINGS)
    if len(seeds) < 1:
        fail(func, "seeds", "at least one seed", seeds, "Pass e.g. seeds=(0, 1, 2).")
    out = {}
    for b in batch_sizes:
        check_number(func, "batch_sizes", b, COUNT)
        if b > len(y):
            fail(func, "batch_sizes", f"at most m = {len(y)}", b)
        excess = np.array([final_excess(X, y, theta0, lr=float(lr), batch_size=b, epochs=epochs,
                                        seeds=seeds, sampling=sampling) for lr in lrs])
        i = int(np.argmin(excess))
        out[b] = Tuned(float(lrs[i]), i, excess)
    return out
