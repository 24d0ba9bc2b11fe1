r"""Many SGD runs at once: every learning rate (or schedule) and every seed in one array.

A notebook that averages SGD over seeds, tunes a learning rate on a grid or counts how often runs
escape a basin repeats :func:`sgdteach.minimize` hundreds of times, and each step of each run
pays numpy's per-call cost. The functions here advance all runs together, one vectorised update
per step, and draw for every seed **the very rows** ``minimize(..., seed=s)`` draws (the same
generator, the same calls), so their runs are ``minimize``'s runs up to rounding:

.. math::

    \theta^{(r)}_{t+1} = \theta^{(r)}_t - \alpha^{(r)}_t\,\frac1{|B^{(r)}_t|}
    \sum_{i\in B^{(r)}_t}\nabla J_i\big(\theta^{(r)}_t\big), \qquad r = 1, \dots, R,

for :math:`R` = (number of rates) :math:`\times` (number of seeds) runs. Unlike ``minimize``,
nothing stops a run whose loss grows: a run that overflows ends with non-finite parameters
(:attr:`Runs.blew_up`), and :attr:`Runs.passed_limit` says where ``minimize``'s divergence rule
(loss above ``EXPLODE_FACTOR`` times the start at a record point) would have stopped it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .._types import Array
from .._validation import (
    COUNT,
    POSITIVE,
    Interval,
    check_choice,
    check_data,
    check_number,
    check_vector,
    fail,
)
from ..functions import TestFunction, as_finite_sum, barrier
from ..history import EXPLODE_FACTOR
from ..sampling import DRAW_CHUNK, SAMPLINGS, steps_per_epoch


class Runs(NamedTuple):
    """The runs of :func:`least_squares_runs`, indexed ``[rate, seed]``.

    ``theta`` (L, S, d): the final parameters. ``step`` (K,): the record points (0, every
    ``record_every`` steps, the end). ``loss`` (L, S, K): the full-data mean squared error there
    (``inf`` once it overflows). ``excess`` (L, S): final loss minus :math:`J^*` (``inf`` for a
    run that blew up). ``blew_up`` (L, S): the parameters are not finite at the end.
    ``passed_limit`` (L, S): some recorded loss exceeded ``EXPLODE_FACTOR`` times max(first one, 1),
    where ``minimize`` would have raised ``DivergenceError``.
    """

    theta: Array
    step: Array
    loss: Array
    excess: Array
    blew_up: Array
    passed_limit: Array


def row_indices(n: int, batch_size: int, epochs: int, sampling: str, seed: int) -> Array:
    """The row indices ``minimize(..., batch_size, epochs, sampling, seed=seed)`` uses, in order:
    one permutation per epoch (``"shuffle"``), ``0..n-1`` per epoch (``"cyclic"``), or whole
    batches drawn with replacement in chunks of ``DRAW_CHUNK`` (``"replacement"``).

    >>> row_indices(3, 1, 2, "cyclic", 0).tolist()
    [0, 1, 2, 0, 1, 2]
    """
    rng = np.random.default_rng(seed)
    if sampling == "shuffle":
        return np.concatenate([rng.permutation(n) for _ in range(epochs)])
    if sampling == "cyclic":
        return np.tile(np.arange(n), epochs)
    total = epochs * steps_per_epoch(n, batch_size) * batch_size
    per_call = max(1, DRAW_CHUNK // batch_size) * batch_size
    return np.concatenate([rng.integers(0, n, size=min(per_call, total - s))
                           for s in range(0, total, per_call)])


def _batch_slices(n: int, batch_size: int, epochs: int, sampling: str) -> list[slice]:
    """Where each step's batch sits in :func:`row_indices`' output."""
    if sampling == "replacement":
        return [slice(k * batch_size, (k + 1) * batch_size)
                for k in range(epochs * steps_per_epoch(n, batch_size))]
    return [slice(e * n + s, e * n + min(s + batch_size, n))
            for e in range(epochs) for s in range(0, n, batch_size)]


def _rates(func: str, lrs: Sequence[Any], steps: int) -> Array:
    """(L, steps) array: row l is ``lrs[l]`` (a number, or a schedule called at t = 0..steps-1)."""
    rows = []
    for lr in lrs:
        if callable(lr):
            rows.append(np.array([float(lr(t)) for t in range(steps)]))
        else:
            rows.append(np.full(steps, check_number(func, "lrs", lr, POSITIVE)))
    return np.array(rows)


def least_squares_runs(X: Array, y: Array, theta0: Array, *, lrs: Sequence[Any],
                       seeds: Sequence[int], batch_size: int, epochs: int,
                       sampling: str = "shuffle", record_every: int | None = None) -> Runs:
    r"""SGD on the mean squared error :math:`J(\theta) = \frac1m\lVert X\theta - y\rVert^2` for
    every rate of ``lrs`` and every seed of ``seeds`` at once, from ``theta0``.

    Parameters
    ----------
    X : array of shape (m, d)
    y : array of shape (m,)
    theta0 : array of shape (d,)
    lrs : sequence
        Learning rates (positive numbers) or schedules ``t -> alpha_t`` (as
        :mod:`sgdteach.schedules` makes), ``L`` of them.
    seeds : sequence of int
        ``S`` seeds; run ``[l, s]`` draws the rows ``minimize(..., seed=seeds[s])`` draws.
    batch_size, epochs, sampling
        As :func:`sgdteach.minimize`; ``batch_size = m`` is batch GD (every step all rows).
    record_every : int, optional
        Steps between loss records; ``None`` records only the start and the end.

    Returns
    -------
    Runs

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> r = least_squares_runs(X, y, np.zeros(2), lrs=[0.05, 0.1], seeds=[0, 1], batch_size=1,
    ...                        epochs=5)
    >>> r.theta.shape, r.excess.shape
    ((2, 2, 2), (2, 2))
    """
    func = "least_squares_runs"
    X, y = check_data(func, X, y)
    m, d = X.shape
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one per column of X")
    batch_size = check_number(func, "batch_size", batch_size, Interval(1, m, integer=True))
    epochs = check_number(func, "epochs", epochs, COUNT)
    check_choice(func, "sampling", sampling, SAMPLINGS)
    seeds = [int(s) for s in seeds]
    if not seeds or not len(lrs):
        fail(func, "lrs, seeds", "at least one rate and one seed", (lrs, seeds))
    full = batch_size == m
    slices = ([slice(0, m)] * epochs if full
              else _batch_slices(m, batch_size, epochs, sampling))
    steps = len(slices)
    every = steps if record_every is None else check_number(func, "record_every",
                                                            record_every, COUNT)
    rates = _rates(func, lrs, steps)                                  # (L, T)
    L, S = len(rates), len(seeds)
    idx = (None if full else
           np.stack([row_indices(m, batch_size, epochs, sampling, s) for s in seeds]))  # (S, N)
    theta = np.broadcast_to(theta0, (L, S, d)).copy()
    rows_by_step = None if idx is None else np.ascontiguousarray(idx.T)     # (N, S)
    two_rates = 2.0 * rates
    star = np.linalg.lstsq(X, y, rcond=None)[0]
    j_star = float(np.mean((X @ star - y) ** 2))
    record_steps, losses = [], []

    def record(t: int) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            r = np.einsum("lsd,md->lsm", theta, X) - y
            loss = np.mean(r * r, axis=-1)
        record_steps.append(t)
        losses.append(np.where(np.isfinite(loss), loss, np.inf))

    with np.errstate(over="ignore", invalid="ignore"):
        for t, sl in enumerate(slices):
            if t % every == 0:
                record(t)
            if batch_size == 1 and rows_by_step is not None:           # one row per run
                row = rows_by_step[sl.start]                            # (S,)
                xr = X[row]                                             # (S, d)
                resid = (theta * xr).sum(axis=-1) - y[row]              # (L, S)
                theta -= two_rates[:, t, None, None] * resid[..., None] * xr
                continue
            if full:
                Xb, yb = X[None, None], y[None, None]                   # (1, 1, m, d)
            else:
                assert idx is not None
                rows = idx[:, sl]                                       # (S, b)
                Xb, yb = X[rows][None], y[rows][None]                   # (1, S, b, d)
            resid = np.einsum("lsbd,lsd->lsb", np.broadcast_to(Xb, (L, S) + Xb.shape[2:]),
                              theta) - yb
            grad = (2.0 / Xb.shape[2]) * np.einsum("lsb,lsbd->lsd", resid,
                                                   np.broadcast_to(Xb, (L, S) + Xb.shape[2:]))
            theta -= rates[:, t, None, None] * grad
        record(steps)
    loss = np.stack(losses, axis=-1)                                    # (L, S, K)
    blew_up = ~np.isfinite(theta).all(axis=-1)
    excess = np.where(blew_up, np.inf, loss[..., -1] - j_star)
    passed = (loss > EXPLODE_FACTOR * np.maximum(loss[..., :1], 1.0)).any(axis=-1)
    return Runs(theta, np.array(record_steps), loss, excess, blew_up, passed)


def escape_fractions(fn: TestFunction, batch_sizes: Sequence[int], lrs: Sequence[float],
                     seeds: Sequence[int], *, steps: int = 400, noise: float = 3.0,
                     n: int = 400, data_seed: int = 0) -> Array:
    r""":func:`sgdteach.course.experiments.escape_fraction`, all seeds of a cell at once.

    ``fn`` (made by :func:`~sgdteach.functions.shallow_and_deep`) is written as a finite sum of
    ``n`` terms, :math:`J_i(\theta) = J(\theta) + c_i^\top\theta` (``noise`` is the spread
    :math:`\sigma_g` of the :math:`c_i`); for each batch size :math:`b` and rate :math:`\alpha`,
    every seed's run takes ``steps`` updates with batches drawn with replacement (the rows
    ``minimize(..., seed=s)`` draws) from the shallow minimum, and *escapes* when some iterate has
    :math:`\theta_1` below the barrier's.

    Returns
    -------
    (len(batch_sizes), len(lrs)) array of fractions in [0, 1].

    Examples
    --------
    >>> from sgdteach import functions
    >>> f = escape_fractions(functions.shallow_and_deep(0.3), [1], [0.1], range(10), steps=50)
    >>> f.shape
    (1, 1)
    """
    from .experiments import escape_arguments

    batch_sizes, lrs, seeds, steps, n = escape_arguments("escape_fractions", fn, batch_sizes,
                                                         lrs, seeds, steps, n)
    _, C, _ = as_finite_sum(fn, n=n, noise=noise, seed=data_seed)
    edge = barrier(fn)
    out = np.empty((len(batch_sizes), len(lrs)))
    for i, b in enumerate(batch_sizes):
        epochs = math.ceil(steps / math.ceil(n / b))
        idx = np.stack([row_indices(n, b, epochs, "replacement", s) for s in seeds])
        kicks = C[idx[:, :steps * b]].reshape(len(seeds), steps, b, 2).mean(axis=2)  # (S, T, 2)
        rate = np.array(lrs)[:, None]                                   # (L, 1)
        w = np.broadcast_to(fn.minimizers[1], (len(lrs), len(seeds), 2)).copy()
        escaped = np.zeros((len(lrs), len(seeds)), dtype=bool)
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(steps):
                g = fn.grad(np.moveaxis(w, -1, 0))                      # (2, L, S)
                w -= rate[..., None] * (np.moveaxis(g, 0, -1) + kicks[None, :, t])
                escaped |= w[..., 0] < edge
        out[i] = escaped.mean(axis=1)
    return out


def grid_excess(X: Array, y: Array, theta0: Array, grid: Sequence[float], *, seeds: Sequence[int],
                batch_size: int, epochs: int, sampling: str = "shuffle") -> Array:
    r"""Mean final excess :math:`J(\theta_T) - J^*` over ``seeds`` at every rate of ``grid``: the
    vectorised twin of :func:`sgdteach.course.batch_tuning.final_excess` (``inf`` where any run
    blew up or ended above its starting loss).

    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]); y = np.array([0.0, 1.0, 3.0])
    >>> np.isinf(grid_excess(X, y, np.zeros(2), [0.1, 10.0], seeds=[0], batch_size=3, epochs=50))
    array([False,  True])
    """
    runs = least_squares_runs(X, y, theta0, lrs=list(grid), seeds=seeds, batch_size=batch_size,
                              epochs=epochs, sampling=sampling)
    bad = np.logical_or(runs.blew_up, runs.loss[..., -1] > runs.loss[..., 0])
    return np.where(bad.any(axis=1), np.inf, np.maximum(runs.excess, 0.0).mean(axis=1))


def first_below(curves: Array, target: float) -> Array:
    """Index of the first entry of each row of ``curves`` below ``target`` (-1 where none is).

    >>> first_below(np.array([[3.0, 2.0, 1.0], [3.0, 3.0, 3.0]]), 2.5).tolist()
    [1, -1]
    """
    curves = np.asarray(curves, dtype=np.float64)
    below = curves < target
    return np.where(below.any(axis=-1), np.argmax(below, axis=-1), -1)


__all__ = ["Runs", "escape_fractions", "first_below", "grid_excess", "least_squares_runs",
           "row_indices"]
