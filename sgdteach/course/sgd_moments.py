r"""Exact mean and second moment of single-example SGD on least squares: the expected excess loss
after ``t`` steps, split into bias and noise, and its stationary value (the noise floor).

For :math:`J(\theta) = \frac1m\sum_i (x_i^\top\theta - y_i)^2` write the error
:math:`e = \theta - \theta^*`. One example's gradient is affine in :math:`e`,

.. math::

    \nabla J_i(\theta) = A_i e + g_i, \qquad A_i = 2x_ix_i^\top, \qquad
    g_i = \nabla J_i(\theta^*) = 2x_i(x_i^\top\theta^* - y_i),

so one step with an index :math:`i` drawn uniformly, with replacement, is
:math:`e \leftarrow (I - \alpha A_i)e - \alpha g_i`. Its mean
:math:`\mu_t = \mathbb E[e_t]` and second moment :math:`S_t = \mathbb E[e_te_t^\top]` obey
closed recursions (the index is independent of :math:`e_t`, and :math:`\frac1m\sum_i g_i = 0`):

.. math::

    \mu_{t+1} &= (I - \alpha H)\mu_t, \qquad H = \tfrac2m X^\top X,\\
    S_{t+1} &= \tfrac1m\textstyle\sum_i \big[(I - \alpha A_i)S_t(I - \alpha A_i)^\top
        - \alpha (I - \alpha A_i)\mu_t g_i^\top - \alpha g_i\mu_t^\top(I - \alpha A_i)^\top
        + \alpha^2 g_ig_i^\top\big].

The expected excess loss is :math:`\mathbb E[J(\theta_t)] - J^* = \frac12\operatorname{tr}(HS_t)`;
its **bias** part :math:`\frac12\mu_t^\top H\mu_t` is the excess of the mean path (batch GD), the
rest is **noise**. Nothing here is approximated or simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import INDEX, check_data, check_number, check_vector, fail
from ..losses import least_squares_solution

__all__ = ["ExcessSplit", "expected_excess", "stationary_excess", "stationary_second_moment"]


@dataclass(frozen=True)
class ExcessSplit:
    """The expected excess loss :math:`\\mathbb E[J(\\theta_t)] - J^*` and its two parts."""

    total: float
    """:math:`\\frac12\\operatorname{tr}(HS_t)`."""
    bias: float
    """:math:`\\frac12\\mu_t^\\top H\\mu_t`, the excess of the mean path."""
    noise: float
    """``total - bias``: the excess due to the spread of the runs around their mean."""


def per_example_terms(func: str, X: Array, y: Array) -> tuple[Array, Array, Array]:
    r"""``A`` (m, d, d), ``g`` (m, d) and ``H`` (d, d) of the module docstring, after checking
    the data (shared with :mod:`.reshuffling`)."""
    X, y = check_data(func, X, y)
    star = least_squares_solution(X, y)
    A = 2.0 * X[:, :, None] * X[:, None, :]
    g = 2.0 * X * (X @ star - y)[:, None]
    return A, g, A.mean(axis=0)


def _check_lr(func: str, lr: float, A: Array) -> float:
    lr = check_number(func, "lr", lr)
    if lr * np.linalg.eigvalsh(A.mean(axis=0))[-1] >= 2:
        fail(func, "lr", "below 2/L (the mean path diverges otherwise)", lr,
             "Pick a smaller step.")
    return lr


def expected_excess(X: Array, y: Array, theta0: Array, lr: float, steps: int) -> ExcessSplit:
    r"""Expected excess loss of single-example SGD with replacement after ``steps`` steps,
    exactly, split into bias and noise (recursions of the module docstring).

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
        The start :math:`\theta_0` (deterministic).
    lr : float
        The constant step :math:`\alpha`, below :math:`2/L`.
    steps : int
        :math:`t \ge 0` (one epoch is ``m`` steps).

    Returns
    -------
    ExcessSplit

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> split = expected_excess(X, y, np.zeros(2), 0.01, 300)
    >>> round(split.total, 3), round(split.bias, 3)
    (1.185, 1.055)
    """
    func = "expected_excess"
    A, g, H = per_example_terms(func, X, y)
    d = H.shape[0]
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one entry per column of X")
    lr = _check_lr(func, lr, A)
    steps = check_number(func, "steps", steps, INDEX)
    star = least_squares_solution(np.asarray(X, float), np.asarray(y, float))
    mu = theta0 - star
    S = np.outer(mu, mu)
    B = np.eye(d) - lr * A                                 # (m, d, d): I - alpha A_i
    Bt = B.transpose(0, 2, 1)
    G = lr**2 * np.einsum("ij,ik->jk", g, g) / len(g)      # alpha^2 mean g_i g_i^T
    step_mean = np.eye(d) - lr * H
    for _ in range(steps):
        Bmu = B @ mu                                       # (m, d)
        cross = -lr * np.einsum("ij,ik->jk", Bmu, g) / len(g)
        S = (B @ S @ Bt).mean(axis=0) + cross + cross.T + G
        mu = step_mean @ mu
    total = 0.5 * float(np.trace(H @ S))
    bias = 0.5 * float(mu @ H @ mu)
    return ExcessSplit(total, bias, total - bias)


def stationary_second_moment(X: Array, y: Array, lr: float,
                             func: str = "stationary_second_moment") -> Array:
    r"""The stationary second moment :math:`S_\infty = \mathbb E[ee^\top]` of single-example SGD
    with replacement (:math:`\mu = 0`), solved exactly as a linear system in its :math:`d^2`
    entries:

    .. math::

        S = \tfrac1m\textstyle\sum_i (I - \alpha A_i)S(I - \alpha A_i)^\top
            + \tfrac{\alpha^2}m\sum_i g_ig_i^\top .

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    lr : float
        :math:`\alpha`; the second moment must be stable (otherwise a ``ValidationError``).
    func : str
        The public function named in an error message.

    Returns
    -------
    array, shape (d, d)

    Examples
    --------
    One feature, rows 1, labels :math:`\pm1`: :math:`S = (1 - 2\alpha)^2S + 4\alpha^2`, so
    :math:`S = \alpha/(1 - \alpha)`.

    >>> X = np.array([[1.0], [1.0]]); y = np.array([1.0, -1.0])
    >>> stationary_second_moment(X, y, 0.25).round(6)
    array([[0.333333]])
    """
    A, g, H = per_example_terms(func, X, y)
    lr = _check_lr(func, lr, A)
    d = H.shape[0]
    B = np.eye(d) - lr * A
    T = np.einsum("ijk,ilm->jlkm", B, B).reshape(d * d, d * d) / len(g)   # vec S -> vec(BSB^T)
    if np.max(np.abs(np.linalg.eigvals(T))) >= 1:
        fail(func, "lr", "small enough for the second moment to stay bounded", lr,
             "Pick a smaller step: at this one the spread of SGD grows without bound.")
    G = lr**2 * np.einsum("ij,ik->jk", g, g) / len(g)
    return np.linalg.solve(np.eye(d * d) - T, G.ravel()).reshape(d, d)


def stationary_excess(X: Array, y: Array, lr: float) -> float:
    r"""The noise floor of single-example SGD with replacement, exactly: the stationary
    :math:`\frac12\operatorname{tr}(HS_\infty)`, :math:`S_\infty` from
    :func:`stationary_second_moment`. To first order in :math:`\alpha` it is
    :math:`\alpha\operatorname{tr}\Sigma/4` with :math:`\Sigma = \frac1m\sum_i g_ig_i^\top`
    (notebook 04).

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    lr : float
        :math:`\alpha`; the second moment must be stable (otherwise a ``ValidationError``).

    Returns
    -------
    float

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> round(stationary_excess(X, y, 0.01), 4)
    0.0066
    """
    S = stationary_second_moment(X, y, lr, "stationary_excess")
    H = per_example_terms("stationary_excess", X, y)[2]
    return 0.5 * float(np.trace(H @ S))
