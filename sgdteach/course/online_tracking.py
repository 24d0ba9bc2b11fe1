r"""Online least-squares SGD on drifting streams, many seeds and learning rates at once.

:func:`stream_runs` replays :func:`sgdteach.datasets.drifting_stream` (the same random draws, so
seed ``s`` gives the very stream that function gives) for several seeds and runs one-pass SGD on
each with several learning rates (constants or schedules) in one vectorised loop over the
batches, instead of one Python loop per (seed, rate). It records what notebook 06 measures: the
squared tracking error :math:`\|\theta_t - \theta^\star_t\|^2` and the progressive loss
:math:`J_{B_t}(\theta_t)` at every batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import COUNT, NON_NEGATIVE, UNIT, check_number, fail

__all__ = ["StreamRuns", "stream_runs"]


@dataclass(frozen=True)
class StreamRuns:
    """Runs of :func:`stream_runs`; axis 0 is the seed, axis 1 the learning rate.

    Attributes
    ----------
    error2 : ndarray, shape (n_seeds, n_rates, n_batches)
        :math:`\\|\\theta_t - \\theta^\\star_t\\|^2`, with :math:`\\theta_t` the iterate used on
        batch :math:`t`.
    loss : ndarray, shape (n_seeds, n_rates, n_batches)
        The progressive loss :math:`J_{B_t}(\\theta_t) = \\frac1b\\|X_t\\theta_t - y_t\\|^2`.
    theta_true : ndarray, shape (n_seeds, n_batches, d)
        :math:`\\theta^\\star_t` of each seed's stream.
    """

    error2: np.ndarray
    loss: np.ndarray
    theta_true: np.ndarray

    def tracking_error(self, burn_in: float = 0.5) -> np.ndarray:
        r"""RMS tracking error over batches :math:`\lceil \text{burn\_in}\,N\rceil, \dots, N-1`,
        shape (n_seeds, n_rates); as :func:`sgdteach.course.experiments.tracking_error`."""
        burn_in = check_number("StreamRuns.tracking_error", "burn_in", burn_in, UNIT)
        n = self.error2.shape[-1]
        start = math.ceil(burn_in * n)
        if start >= n:
            fail("StreamRuns.tracking_error", "burn_in",
                 f"small enough to leave a batch of the {n} after it", burn_in)
        return np.sqrt(self.error2[..., start:].mean(axis=-1))


def _rates(func: str, lrs: Sequence[float | Callable[[int], float]], n: int) -> np.ndarray:
    if isinstance(lrs, (str, bytes)) or not isinstance(lrs, Sequence) or len(lrs) == 0:
        fail(func, "lrs", "a non-empty list of learning rates or schedules", lrs,
             "Pass e.g. [0.1, sgdteach.inverse_time(0.15)].", kind=TypeError)
    steps = np.arange(n)
    table = np.empty((len(lrs), n))
    for i, lr in enumerate(lrs):
        if callable(lr):
            table[i] = [lr(int(t)) for t in steps]
        else:
            table[i] = check_number(func, "lrs", lr, NON_NEGATIVE)
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        fail(func, "lrs", "finite, non-negative rates at every step", lrs)
    return table


def stream_runs(lrs: Sequence[float | Callable[[int], float]], seeds: Sequence[int], *,
                n_batches: int, batch_size: int, d: int, drift: float, noise: float,
                theta0: np.ndarray | None = None) -> StreamRuns:
    r"""One-pass SGD on the squared error, on the streams of ``drifting_stream``, vectorised.

    For every seed :math:`s` and rate :math:`\alpha^{(k)}`, with the batches
    :math:`(X_t, y_t)` of ``datasets.drifting_stream(n_batches, batch_size, d, drift=drift,
    noise=noise, seed=s)``,

    .. math::

        \theta_{t+1} = \theta_t - \alpha^{(k)}_t\,\tfrac{2}{b} X_t^\top (X_t\theta_t - y_t),
        \qquad \theta_0 = \texttt{theta0}\ (\text{default } 0),

    exactly the iterates of ``sgdteach.minimize_stream(batches, theta0, lr=...)`` (to rounding).

    Parameters
    ----------
    lrs : list of float or callable
        Constant rates, or schedules ``step -> rate`` (``step`` counts from 0), e.g.
        ``sgdteach.inverse_time(0.15, k=0.01)``.
    seeds : list of int
        One stream per seed.
    n_batches, batch_size, d, drift, noise
        As in :func:`sgdteach.datasets.drifting_stream`.
    theta0 : ndarray of shape (d,), optional
        The start, zeros by default.

    Returns
    -------
    StreamRuns
        Squared tracking errors and progressive losses, shape (n_seeds, n_rates, n_batches).

    Examples
    --------
    >>> runs = stream_runs([0.1], [0, 1], n_batches=200, batch_size=10, d=2, drift=0.0,
    ...                    noise=0.1)
    >>> runs.error2.shape
    (2, 1, 200)
    >>> bool(runs.tracking_error().max() < 0.05)
    True
    """
    func = "stream_runs"
    n = check_number(func, "n_batches", n_batches, COUNT)
    b = check_number(func, "batch_size", batch_size, COUNT)
    d = check_number(func, "d", d, COUNT)
    drift = check_number(func, "drift", drift, NON_NEGATIVE)
    noise = check_number(func, "noise", noise, NON_NEGATIVE)
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        fail(func, "seeds", "a non-empty list of integer seeds", seeds, "Pass e.g. range(5).",
             kind=TypeError)
    table = _rates(func, lrs, n)
    S, K = len(seeds), len(table)
    start = np.zeros(d) if theta0 is None else np.asarray(theta0, dtype=np.float64)
    if start.shape != (d,):
        fail(func, "theta0", f"an array of shape ({d},)", theta0)

    # the streams, drawn as drifting_stream draws them: steps, start, then per batch X then ε
    truth = np.empty((S, n, d))
    X = np.empty((S, n, b, d))
    eps = np.empty((S, n, b))
    for i, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        steps = drift * rng.standard_normal((n, d))
        steps[0] = rng.uniform(-1.0, 1.0, size=d)
        truth[i] = np.cumsum(steps, axis=0)
        draws = np.random.default_rng(rng.integers(2**63)).standard_normal((n, b * d + b))
        X[i] = draws[:, :b * d].reshape(n, b, d)
        eps[i] = draws[:, b * d:]
    y = np.einsum("snbd,snd->snb", X, truth) + noise * eps

    theta = np.broadcast_to(start, (S, K, d)).copy()
    error2 = np.empty((S, K, n))
    loss = np.empty((S, K, n))
    for t in range(n):
        Xt = X[:, t]                                         # (S, b, d)
        r = np.einsum("sbd,skd->skb", Xt, theta) - y[:, t, None, :]   # residuals (S, K, b)
        loss[:, :, t] = np.mean(r * r, axis=-1)
        e = theta - truth[:, t, None, :]
        error2[:, :, t] = np.einsum("skd,skd->sk", e, e)
        grad = (2.0 / b) * np.einsum("sbd,skb->skd", Xt, r)
        theta -= table[None, :, t, None] * grad
    return StreamRuns(error2=error2, loss=loss, theta_true=truth)
