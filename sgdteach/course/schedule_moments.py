r"""Exact expected excess loss of single-example SGD on least squares under a learning-rate
**schedule**: the recursions of :mod:`sgdteach.course.sgd_moments` with a rate that changes with
the step.

With :math:`e_t = \theta_t - \theta^*`, :math:`A_i = 2x_ix_i^\top`, :math:`g_i = \nabla J_i(\theta^*)`
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
epoch-end excess is lower, :mod:`sgdteach.course.reshuffling`).
"""

from __future__ import annotations

import numpy as np

from .._types import Array
from .._validation import check_vector, fail
from ..losses import least_squares_solution
from .sgd_moments import ExcessSplit, per_example_terms

__all__ = ["scheduled_excess"]


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
    A, g, H = per_example_terms(func, X, y)
    d = H.shape[0]
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one entry per column of X")
    rates = check_vector(func, "rates", rates)
    if (rates < 0).any():
        fail(func, "rates", "non-negative learning rates", rates, "Pass e.g. np.full(100, 0.01).")
    X = np.asarray(X, dtype=np.float64)
    star = least_squares_solution(X, np.asarray(y, dtype=np.float64))
    mu = theta0 - star
    S = np.outer(mu, mu)
    m = len(g)
    gg = g.T @ g / m
    # With A_i = 2 x_i x_i^T: mean_i A_i S A_i = (4/m) X^T diag(x_i^T S x_i) X, and
    # mean_i (I - a A_i) mu g_i^T = -(2a/m) X^T diag(x_i^T mu) g, since mean_i g_i = 0.
    with np.errstate(over="ignore", invalid="ignore"):
        for a in rates:
            HS = H @ S
            q = np.einsum("ij,jk,ik->i", X, S, X)
            ASA = (4.0 / m) * (X.T * q) @ X
            cross = (2.0 * a * a / m) * (X.T * (X @ mu)) @ g
            S = S - a * (HS + HS.T) + a * a * ASA + cross + cross.T + a * a * gg
            mu = mu - a * (H @ mu)
    total = 0.5 * float(np.trace(H @ S))
    bias = 0.5 * float(mu @ H @ mu)
    return ExcessSplit(total, bias, total - bias)
