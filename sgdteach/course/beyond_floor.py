r"""Measurements of notebook 11 (beyond the noise floor): averaged iterates over many seeds, and the
linear rate of a run that converges.

:func:`averaged_runs` runs single-example SGD on least squares (rows drawn with replacement, the
rows :func:`sgdteach.minimize` draws for the same seed) for many seeds at once and records, at
chosen steps, the excess loss :math:`J(\theta) - J^*` of four estimates of :math:`\theta^*`: the
last iterate :math:`\theta_t`, the Polyak–Ruppert average :math:`\frac1t\sum_{s=1}^t\theta_s`, the
tail average of the last half :math:`\frac1{t - \lfloor t/2\rfloor}\sum_{s>t/2}\theta_s` and the
exponential moving average :math:`\tilde\theta_t = \beta\tilde\theta_{t-1} + (1 - \beta)\theta_t`
(:math:`\tilde\theta_0 = \theta_0`). Their exact expectations are in :mod:`.averaged_moments`.

:func:`logistic_minimizer` is the reference :math:`\theta^*` of (unpenalised) logistic
regression, by Newton's method. :func:`log_rate` fits the straight line of
:math:`\log_{10}\lVert\theta - \theta^*\rVert` against gradient evaluations: the linear
(geometric) rate of a run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, UNIT, check_data, check_number, check_vector, fail
from ..losses import least_squares_solution

__all__ = ["AveragedRuns", "averaged_runs", "log_rate", "logistic_minimizer"]

ESTIMATES = ("last", "average", "tail", "ema")
CHUNK = 4096            # steps whose rows are gathered at once


@dataclass(frozen=True)
class AveragedRuns:
    """Excess losses :math:`J - J^*` of the four estimates, shape ``(seeds, len(steps))`` each."""

    steps: Array
    last: Array
    average: Array
    tail: Array
    ema: Array

    def mean(self, estimate: str) -> Array:
        """The mean over seeds of ``estimate`` (one of ``last average tail ema``)."""
        return np.asarray(getattr(self, estimate)).mean(axis=0)

    def standard_error(self, estimate: str) -> Array:
        """The standard error of :meth:`mean` (sample standard deviation over sqrt(seeds))."""
        values = np.asarray(getattr(self, estimate))
        return values.std(axis=0, ddof=1) / np.sqrt(len(values))


def averaged_runs(X: Array, y: Array, theta0: Array, lr: float, steps: Sequence[int],
                  seeds: Sequence[int], *, beta: float = 0.99) -> AveragedRuns:
    r"""Single-example SGD, :math:`\theta \leftarrow \theta - 2\alpha x_i(x_i^\top\theta - y_i)`
    with :math:`i` uniform, for every seed at once (seed ``s`` draws the rows of
    ``minimize(X, y, theta0, lr=lr, batch_size=1, seed=s)``); the excess loss of the last iterate
    and of the three averages (module docstring) at each of ``steps``.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
    lr : float
        :math:`\alpha > 0`.
    steps : increasing sequence of int
        The record points :math:`t \ge 1`.
    seeds : sequence of int
        One run per seed (at least 2, for a standard error).
    beta : float
        The EMA's :math:`\beta \in [0, 1)`: a window of about :math:`1/(1 - \beta)` steps.

    Returns
    -------
    AveragedRuns

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> runs = averaged_runs(X, y, np.zeros(2), 0.02, [10, 100], [0, 1])
    >>> runs.last.shape
    (2, 2)
    """
    func = "averaged_runs"
    X, y = check_data(func, X, y)
    m, d = X.shape
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one entry per column of X")
    lr = check_number(func, "lr", lr, POSITIVE)
    beta = check_number(func, "beta", beta, UNIT)
    points = np.array([check_number(func, "steps", t, COUNT) for t in steps], dtype=int)
    if len(points) == 0 or np.any(np.diff(points) <= 0):
        fail(func, "steps", "a non-empty increasing sequence of steps", list(steps),
             "Pass e.g. np.unique(np.geomspace(10, 1e4, 20).astype(int)).")
    if len(seeds) < 2:
        fail(func, "seeds", "at least two seeds", list(seeds), "Pass e.g. range(20).")
    star = least_squares_solution(X, y)
    H = 2.0 / m * X.T @ X
    T = int(points[-1])
    rows = np.stack([np.random.default_rng(s).integers(0, m, size=T) for s in seeds])
    record = set(points.tolist())
    keep = record | set((points // 2).tolist())
    sums: dict[int, Array] = {}
    theta = np.tile(theta0, (len(seeds), 1))
    total = np.zeros_like(theta)
    ema = theta.copy()
    out: dict[str, list[Array]] = {name: [] for name in ESTIMATES}

    def excess(theta_: Array) -> Array:
        e = theta_ - star
        return 0.5 * np.einsum("si,ij,sj->s", e, H, e)

    sums[0] = total.copy()
    for begin in range(0, T, CHUNK):
        idx = rows[:, begin:begin + CHUNK]
        Xc, yc = X[idx], y[idx]                        # (seeds, chunk, d), (seeds, chunk)
        scaled = 2.0 * lr * Xc                         # 2 alpha x_i, the step's one matrix
        for j in range(idx.shape[1]):
            x = Xc[:, j]
            theta -= ((x * theta).sum(axis=1) - yc[:, j])[:, None] * scaled[:, j]
            total += theta
            ema *= beta
            ema += (1.0 - beta) * theta
            t = begin + j + 1
            if t in keep:
                sums[t] = total.copy()
            if t in record:
                half = t // 2
                out["last"].append(excess(theta))
                out["average"].append(excess(total / t))
                out["tail"].append(excess((total - sums[half]) / (t - half)))
                out["ema"].append(excess(ema))
    return AveragedRuns(points, *(np.column_stack(out[name]) for name in ESTIMATES))


def log_rate(samples_seen: Array, distances: Array, *, floor: float = 1e-12) -> float:
    r"""The slope of :math:`\log_{10}\lVert\theta - \theta^*\rVert` against gradient evaluations,
    fitted by least squares over the points where the distance is above ``floor`` (the last
    digits are rounding, not the method): decades gained per gradient evaluation (negative when
    the run converges).

    Parameters
    ----------
    samples_seen : array, shape (k,)
        Gradient evaluations at each record point.
    distances : array, shape (k,)
        :math:`\lVert\theta - \theta^*\rVert` at the same points.
    floor : float
        Points at or below it are left out.

    Returns
    -------
    float

    Examples
    --------
    >>> n = np.arange(0, 500, 50.0)
    >>> round(log_rate(n, 0.5 ** (n / 10)), 4)          # halved every 10 evaluations
    -0.0301
    """
    func = "log_rate"
    n = check_vector(func, "samples_seen", samples_seen)
    dist = check_vector(func, "distances", distances, len(n), length_name="one per record point")
    floor = check_number(func, "floor", floor, POSITIVE)
    used = dist > floor
    if used.sum() < 2:
        fail(func, "distances", "above floor at two record points at least", dist,
             "Record more often, or lower floor.")
    return float(np.polyfit(n[used], np.log10(dist[used]), 1)[0])


def logistic_minimizer(X: Array, y: Array, *, iterations: int = 30) -> Array:
    r"""The minimiser of the mean logistic loss
    :math:`J(\theta) = \frac1m\sum_i\log(1 + e^{-y_ix_i^\top\theta})` (labels :math:`\pm1`,
    data not separable), by Newton's method from :math:`\theta = 0`:

    .. math::

        \theta \leftarrow \theta - \nabla^2J(\theta)^{-1}\nabla J(\theta), \qquad
        \nabla^2J = \tfrac1m X^\top\operatorname{diag}(p_i(1 - p_i))X,

    :math:`p_i = 1/(1 + e^{y_ix_i^\top\theta})`; quadratic convergence near :math:`\theta^*`
    makes ``iterations`` (30) ample when the loss has a minimiser.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,), labels in {-1, +1}

    Returns
    -------
    array, shape (d,)

    Examples
    --------
    Two rows with both labels at the same point: :math:`\theta^* = 0`.

    >>> logistic_minimizer(np.array([[1.0], [1.0]]), np.array([1.0, -1.0]))
    array([0.])
    """
    func = "logistic_minimizer"
    X, y = check_data(func, X, y)
    if not np.isin(y, (-1.0, 1.0)).all():
        fail(func, "y", "labels in {-1, +1}", np.unique(y)[:5], "Map 0/1 labels with 2 * y - 1.")
    iterations = check_number(func, "iterations", iterations, COUNT)
    theta = np.zeros(X.shape[1])
    for _ in range(iterations):
        p = 0.5 * (1.0 - np.tanh(0.5 * y * (X @ theta)))            # 1 / (1 + e^{y x.theta})
        grad = -(X.T @ (y * p)) / len(y)
        hess = (X.T * (p * (1.0 - p))) @ X / len(y)
        theta = theta - np.linalg.solve(hess, grad)
    if not np.all(np.isfinite(theta)):
        fail(func, "X", "data that the logistic loss has a minimiser for (not separable)", X,
             "Check the classes overlap; separable data have no finite minimiser.")
    return theta
