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
from .parallel_runs import grid_excess


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


class CoarseToFine(NamedTuple):
    """One batch size tuned in two passes and scored on other seeds (:func:`coarse_to_fine`).

    ``coarse_lr`` and ``lr``: the best rate of the coarse and of the fine grid; ``coarse_index``
    and ``fine_index``: their positions (a search brackets its best rate when neither is at an
    end); ``score`` and ``coarse_score``: the mean final excess over the scoring seeds at ``lr``
    and at ``coarse_lr``."""

    coarse_lr: float
    lr: float
    coarse_index: int
    fine_index: int
    score: float
    coarse_score: float


def coarse_to_fine(X: Array, y: Array, theta0: Array, coarse: Sequence[float], *,
                   batch_size: int, epochs: int, pick_seeds: Sequence[int],
                   score_seeds: Sequence[int], fine_points: int = 17) -> CoarseToFine:
    r"""Tune one batch size's rate in two passes on ``pick_seeds``, then score it on
    ``score_seeds``.

    The coarse pass takes :math:`\alpha_c = \arg\min_{\alpha\in G}\bar E_P(\alpha)`, with
    :math:`\bar E_P(\alpha)` the mean final excess :math:`J(\theta_T) - J^*` over the picking
    seeds (``grid_excess``, reshuffled); the fine pass takes the argmin over
    :math:`\alpha_c\,r^{k}`, :math:`k` from :math:`-1` to :math:`1` in ``fine_points`` equal
    steps, with :math:`r` the coarse grid's ratio (one coarse step either side of
    :math:`\alpha_c`). Both picks are then scored by :math:`\bar E_S`, the mean over the scoring
    seeds, so that a rate that was merely lucky on the seeds it was picked with does not flatter
    its method. Batch GD (``batch_size`` :math:`= m`) has no randomness: one run per rate.

    Parameters
    ----------
    X : array of shape (m, d)
    y : array of shape (m,)
    theta0 : array of shape (d,)
    coarse : sequence of float
        At least 3 rates in geometric progression, increasing.
    batch_size, epochs : int
    pick_seeds, score_seeds : sequence of int
        Non-empty; the scoring seeds should differ from the picking ones.
    fine_points : int
        Odd, at least 3.

    Returns
    -------
    CoarseToFine

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> t = coarse_to_fine(X, y, np.zeros(2), [0.05, 0.1, 0.2, 0.4, 0.8], batch_size=3,
    ...                    epochs=5, pick_seeds=[0], score_seeds=[1])
    >>> 0 < t.coarse_index < 4 and t.score <= t.coarse_score
    True
    """
    func = "coarse_to_fine"
    X, y = check_data(func, X, y)
    theta0 = check_vector(func, "theta0", theta0, X.shape[1], length_name="one per column of X")
    lrs = check_vector(func, "coarse", coarse)
    ratios = lrs[1:] / lrs[:-1] if len(lrs) > 1 else lrs
    if len(lrs) < 3 or (lrs <= 0).any() or not np.allclose(ratios, ratios[0]) or ratios[0] <= 1:
        fail(func, "coarse", "at least 3 increasing positive rates in geometric progression", lrs,
             "Pass e.g. 0.01 * 2.0 ** np.arange(-3, 5.5, 0.5).")
    batch_size = check_number(func, "batch_size", batch_size, COUNT)
    epochs = check_number(func, "epochs", epochs, COUNT)
    fine_points = check_number(func, "fine_points", fine_points, COUNT)
    if fine_points < 3 or fine_points % 2 == 0:
        fail(func, "fine_points", "an odd number of at least 3", fine_points, "Pass e.g. 17.")
    for arg, seeds in (("pick_seeds", pick_seeds), ("score_seeds", score_seeds)):
        if len(seeds) < 1:
            fail(func, arg, "at least one seed", seeds, "Pass e.g. range(3).")
    deterministic = batch_size >= len(y)
    pick = list(pick_seeds)[:1] if deterministic else list(pick_seeds)
    score = list(score_seeds)[:1] if deterministic else list(score_seeds)
    c = grid_excess(X, y, theta0, lrs.tolist(), seeds=pick, batch_size=batch_size, epochs=epochs)
    i = int(np.argmin(c))
    fine = lrs[i] * ratios[0] ** np.linspace(-1.0, 1.0, fine_points)
    f = grid_excess(X, y, theta0, fine.tolist(), seeds=pick, batch_size=batch_size, epochs=epochs)
    k = int(np.argmin(f))
    scored = grid_excess(X, y, theta0, [float(fine[k]), float(lrs[i])], seeds=score,
                         batch_size=batch_size, epochs=epochs)
    return CoarseToFine(float(lrs[i]), float(fine[k]), i, k, float(scored[0]), float(scored[1]))


def seed_blocks(X: Array, y: Array, theta0: Array, coarse: Sequence[float],
                batch_sizes: Sequence[int], *, epochs: int, starts: Sequence[int],
                n_pick: int = 3, n_score: int = 10) -> Array:
    r"""Repeat :func:`coarse_to_fine` on blocks of seeds: the scores of every batch size.

    For each start :math:`s`, every batch size is tuned on seeds :math:`s, \dots, s + n_p - 1`
    and scored on the next :math:`n_s` seeds, so that the comparison can be repeated on seeds
    that did not choose the rates.

    Parameters
    ----------
    X : array of shape (m, d)
    y : array of shape (m,)
    theta0 : array of shape (d,)
    coarse : sequence of float
        The coarse grid (see :func:`coarse_to_fine`).
    batch_sizes : sequence of int
    epochs : int
    starts : sequence of int
        The first seed of each block.
    n_pick, n_score : int
        Seeds per block that pick the rate, and that score it.

    Returns
    -------
    array of shape (len(starts), len(batch_sizes))
        ``CoarseToFine.score`` of each batch size on each block.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> seed_blocks(X, y, np.zeros(2), [0.05, 0.1, 0.2, 0.4, 0.8], [1, 3], epochs=5,
    ...             starts=[0, 4], n_pick=1, n_score=2).shape
    (2, 2)
    """
    return np.array([[coarse_to_fine(X, y, theta0, coarse, batch_size=b, epochs=epochs,
                                     pick_seeds=range(s, s + n_pick),
                                     score_seeds=range(s + n_pick, s + n_pick + n_score)).score
                      for b in batch_sizes] for s in starts])
