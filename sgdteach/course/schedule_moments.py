r"""Exact expected excess loss of single-example SGD on least squares under a learning-rate
**schedule**: the recursions of :mod:`sgdteach.course.sgd_moments` with a rate that changes with
the step.

With :math:`e_t = \theta_t - \theta^*`, :math:`A_i = 2x_ix_i^\top`,
:math:`g_i = \nabla J_i(\theta^*)`
and one index drawn uniformly, with replacement, per step, the step
:math:`e_{t+1} = (I - \alpha_tA_i)e_t - \alpha_tg_i` gives for the mean
:math:`\mu_t = \mathbb E[e_t]` and the second moment :math:`S_t = \mathbb E[e_te_t^\top]`

.. math::

    \mu_{t+1} &= (I - \alpha_tH)\mu_t,\\
    S_{t+1} &= \tfrac1m\textstyle\sum_i \big[(I - \alpha_tA_i)S_t(I - \alpha_tA_i)^\top
        - \alpha_t(I - \alpha_tA_i)\mu_tg_i^\top - \alpha_tg_i\mu_t^\top(I - \alpha_tA_i)^\top
        + \alpha_t^2g_ig_i^\top\big],

and :math:`\mathbb E[J(\theta_T)] - J^* = \frac12\operatorname{tr}(HS_T)`, of which
:math:`\frac12\mu_T^\top H\mu_T` is the **bias** (the mean path's excess) and the rest **noise**.
Nothing is approximated or simulated; runs that *reshuffle* each epoch are not covered (their
epoch-end excess is lower, :mod:`sgdteach.course.reshuffling`). :func:`scheduled_excess_many` runs
many rate sequences side by side, and :func:`tune_start_rates` uses it to pick each schedule's start
rate on a grid by this exact excess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import COUNT, check_number, check_vector, fail
from ..losses import least_squares_solution
from .sgd_moments import ExcessSplit, per_example_terms

__all__ = ["StartRateTune", "scheduled_excess", "scheduled_excess_many", "tune_start_rates"]


def scheduled_excess(X: Array, y: Array, theta0: Array, rates: Array) -> ExcessSplit:
    r"""Expected excess loss of single-example SGD with replacement after ``len(rates)`` steps at
    the rates :math:`\alpha_0, \dots, \alpha_{T-1}`, exactly, split into bias and noise.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
        The start (deterministic).
    rates : array, shape (T,)
        Non-negative rates, one per step (e.g. ``[rule(t) for t in range(T)]`` for a schedule).

    Returns
    -------
    ExcessSplit
        ``total``, ``bias`` and ``noise`` after the last step.

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> split = scheduled_excess(X, y, np.zeros(2), np.full(300, 0.01))
    >>> round(split.total, 3), round(split.bias, 3)       # as expected_excess at lr = 0.01
    (1.185, 1.055)
    """
    func = "scheduled_excess"
    rates = check_vector(func, "rates", rates)
    if (rates < 0).any():
        fail(func, "rates", "non-negative learning rates", rates, "Pass e.g. np.full(100, 0.01).")
    total, bias = scheduled_excess_many(X, y, theta0, rates[None, :], func=func)
    return ExcessSplit(float(total[0]), float(bias[0]), float(total[0] - bias[0]))


def scheduled_excess_many(X: Array, y: Array, theta0: Array, rates: Array, *,
                          func: str = "scheduled_excess_many") -> tuple[Array, Array]:
    r""":func:`scheduled_excess` for ``K`` rate sequences at once: the same recursions, run side
    by side.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
    rates : array, shape (K, T)
        Row ``k`` holds the non-negative rates :math:`\alpha_0, \dots, \alpha_{T-1}` of sequence
        ``k``.

    Returns
    -------
    total, bias : arrays, shape (K,)
        :math:`\frac12\operatorname{tr}(HS_T)` and :math:`\frac12\mu_T^\top H\mu_T` of each
        sequence (``inf`` or ``nan`` where a sequence overflows).

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> total, bias = scheduled_excess_many(X, y, np.zeros(2), np.full((2, 300), [[0.01], [0.02]]))
    >>> total.round(3)                   # row 0 as scheduled_excess at 0.01
    array([1.185, 0.657])
    """
    A, g, H = per_example_terms(func, X, y)
    d = H.shape[0]
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one entry per column of X")
    rates = np.asarray(rates, dtype=np.float64)
    if rates.ndim != 2 or rates.shape[1] == 0 or not np.isfinite(rates).all() or (rates < 0).any():
        fail(func, "rates", "a (K, T) array of finite non-negative learning rates", rates,
             "Pass e.g. np.full((1, 100), 0.01).")
    X = np.asarray(X, dtype=np.float64)
    star = least_squares_solution(X, np.asarray(y, dtype=np.float64))
    K, m = len(rates), len(g)
    # The recursions on S written as one row vector s = vec(S) per sequence, so that every term is
    # a product with a fixed (d^2, d^2) or (d, d^2) matrix; with A_i = 2 x_i x_i^T:
    #   vec(HS + SH) = s @ HI,  HI = H^T (x) I + I (x) H
    #   vec(mean_i A_i S A_i) = s @ AA,  AA = (4/m) sum_i vec(x_i x_i^T) vec(x_i x_i^T)^T
    #   vec(mean_i (I - a A_i) mu g_i^T + its transpose) = -a mu @ C,  C = (2/m) X^T vec(x_i g_i^T)
    #   (mean_i g_i = 0 removes the a^1 part of the cross term).
    eye = np.eye(d)
    HI = np.kron(H.T, eye) + np.kron(eye, H)
    xx = (X[:, :, None] * X[:, None, :]).reshape(m, d * d)
    AA = (4.0 / m) * xx.T @ xx
    C = (2.0 / m) * X.T @ (X[:, :, None] * g[:, None, :]).reshape(m, d * d)
    C = C + C.reshape(d, d, d).transpose(0, 2, 1).reshape(d, d * d)
    gg = (g.T @ g / m).reshape(d * d)
    mu = np.tile(theta0 - star, (K, 1))                         # (K, d): E[e_t]
    S = (mu[:, :, None] * mu[:, None, :]).reshape(K, d * d)     # (K, d^2): vec E[e_t e_t^T]
    with np.errstate(over="ignore", invalid="ignore"):
        for a in rates.T:                                       # a: (K,), one step of every row
            a1, a2 = a[:, None], (a * a)[:, None]
            S = S - a1 * (S @ HI) + a2 * (S @ AA + mu @ C + gg)
            mu = mu - a1 * (mu @ H)
    total = 0.5 * S @ H.reshape(d * d)
    bias = 0.5 * np.einsum("kj,jl,kl->k", mu, H, mu)
    return total, bias


@dataclass(frozen=True)
class StartRateTune:
    """One rule's exact expected excess over a grid of start rates :math:`\\alpha_0`."""

    grid: Array
    """The start rates tried, increasing."""
    total: Array
    """Expected excess after the last step at each start rate (``inf`` where it overflows)."""
    bias: Array
    """The mean path's part of ``total``."""

    @property
    def best(self) -> int:
        """Index of the smallest expected excess."""
        return int(np.argmin(np.where(np.isfinite(self.total), self.total, np.inf)))

    @property
    def rate(self) -> float:
        """The best start rate on the grid."""
        return float(self.grid[self.best])

    @property
    def excess(self) -> float:
        """The expected excess at the best start rate."""
        return float(self.total[self.best])

    @property
    def bracketed(self) -> bool:
        """True when the best start rate is not at either end of the grid."""
        return 0 < self.best < len(self.grid) - 1


def tune_start_rates(X: Array, y: Array, theta0: Array,
                     rules: Mapping[str, Callable[[float], Callable[[int], float]]],
                     grid: Array, steps: int) -> dict[str, StartRateTune]:
    r"""Each rule's start rate :math:`\alpha_0` tuned on ``grid`` by the exact expected excess of
    single-example SGD (with replacement) after ``steps`` steps, all sequences in one
    :func:`scheduled_excess_many` call.

    :math:`\hat\alpha_0 = \arg\min_{\alpha_0 \in \text{grid}}
    \mathbb E[J(\theta_T)] - J^*` with :math:`T` = ``steps``; no seeds, no simulation.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
    rules : mapping name -> (start rate -> schedule)
        E.g. ``{"constant": sgdteach.constant, "1/t": lambda a: sgdteach.inverse_time(a, k=0.01)}``.
    grid : array, shape (G,)
        Positive start rates, increasing. Keep them below the mean-square limit
        (:func:`sgdteach.course.stability.mean_square_threshold`): a sequence that stays above it
        for long grows the second moment by many orders of magnitude before shrinking it, and
        rounding then swamps the result (it is reported as ``inf`` when it comes out negative).
    steps : int

    Returns
    -------
    dict name -> StartRateTune

    Examples
    --------
    >>> import sgdteach
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> tuned = tune_start_rates(X, y, np.zeros(2), {"constant": sgdteach.constant},
    ...                          [0.01, 0.03, 0.09], steps=300)
    >>> tuned["constant"].rate, tuned["constant"].bracketed
    (0.03, True)
    """
    func = "tune_start_rates"
    grid = check_vector(func, "grid", grid)
    if (grid <= 0).any() or (np.diff(grid) <= 0).any():
        fail(func, "grid", "positive start rates in increasing order", grid,
             "Pass e.g. np.geomspace(0.001, 0.1, 7).")
    steps = int(check_number(func, "steps", steps, COUNT))
    schedules = [rule(float(a)) for rule in rules.values() for a in grid]
    rates = np.array([[float(schedule(t)) for t in range(steps)] for schedule in schedules])
    total, bias = scheduled_excess_many(X, y, theta0, rates, func=func)
    total = np.where(np.isfinite(total) & (total >= 0), total, np.inf)   # overflow or rounding
    total = total.reshape(len(rules), len(grid))
    bias = bias.reshape(len(rules), len(grid))
    return {name: StartRateTune(grid, total[k], bias[k]) for k, name in enumerate(rules)}

