r"""Mean-square stability of constant-rate SGD on least squares, for the rows actually used.

For the mean squared error :math:`J(\theta) = \frac1m\sum_i (x_i^\top\theta - y_i)^2` the error
:math:`e_t = \theta_t - \theta^*` of SGD with batches :math:`B_t` of :math:`b` rows drawn
**with replacement** obeys

.. math::

    e_{t+1} = (I - \alpha G_t)\,e_t - \alpha\,\xi_t, \qquad
    G_t = \frac1b\sum_{i\in B_t} 2x_ix_i^\top ,

where :math:`\xi_t` is the batch gradient at :math:`\theta^*`. The second moment
:math:`P_t = \mathbb E[e_te_t^\top]` of the noise-free part evolves by the linear map

.. math::

    \mathcal M_\alpha(P) = \mathbb E\big[(I - \alpha G)\,P\,(I - \alpha G)\big],

and :math:`\mathbb E\lVert e_t\rVert^2` stays bounded for every start and every noise
(:math:`\xi \ne 0`) iff the spectral radius :math:`r(\alpha)` of :math:`\mathcal M_\alpha` is
below 1. In vectorised form (:math:`\operatorname{vec}(APB) = (B^\top\otimes A)\operatorname{vec}P`)

.. math::

    \mathcal M_\alpha = I - \alpha\,(H\otimes I + I\otimes H)
      + \alpha^2\Big(\tfrac1b\,\mathbb E[A\otimes A] + (1 - \tfrac1b)\,H\otimes H\Big),

with :math:`A = 2xx^\top` for one row drawn uniformly, :math:`H = \mathbb E A`. The matrix is
symmetric and maps positive semi-definite :math:`P` to positive semi-definite ones, so
:math:`r(\alpha)` is its largest eigenvalue, a convex function of :math:`\alpha` with
:math:`r(0) = 1` and :math:`r'(0) = -2\lambda_{\min}(H) < 0`: the stable rates form one interval
:math:`0 < \alpha < \alpha_{\rm ms}`. :func:`mean_square_threshold` finds :math:`\alpha_{\rm ms}`
by bisection.

For isotropic Gaussian rows :math:`x\sim\mathcal N(0, I_d)` (no intercept) this gives
:math:`\alpha_{\rm ms} = b/(b + d + 1)` (notebook 06); for other rows it is computed here.
"""

from __future__ import annotations

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, Interval, check_matrix, check_number, fail


def _operators(X: Array) -> tuple[Array, Array, Array]:
    """``(K1, EAA, HH)``: :math:`H\\otimes I + I\\otimes H`, :math:`E[A\\otimes A]`,
    :math:`H\\otimes H` for the rows of ``X`` (each ``(d*d, d*d)``)."""
    m, d = X.shape
    outer = 2.0 * np.einsum("ij,ik->ijk", X, X)                 # A_i = 2 x_i x_i^T, (m, d, d)
    H = outer.mean(axis=0)
    eye = np.eye(d)
    K1 = np.kron(H, eye) + np.kron(eye, H)
    EAA = np.einsum("ijk,ilm->jlkm", outer, outer).reshape(d * d, d * d) / m
    return K1, EAA, np.kron(H, H)


def _map(K1: Array, EAA: Array, HH: Array, lr: float, b: int) -> Array:
    """The matrix of the second-moment map from :func:`_operators`' three pieces."""
    return np.eye(len(K1)) - lr * K1 + lr**2 * (EAA / b + (1.0 - 1.0 / b) * HH)


def second_moment_map(X: Array, lr: float, batch_size: int) -> Array:
    r"""The matrix of :math:`P \mapsto \mathbb E[(I - \alpha G)P(I - \alpha G)]` on
    :math:`\operatorname{vec}P`, for batches of ``batch_size`` rows of ``X`` drawn uniformly with
    replacement and the mean squared error (:math:`G = \frac1b\sum_{i\in B}2x_ix_i^\top`).

    .. math::

        \mathcal M = I - \alpha(H\otimes I + I\otimes H)
          + \alpha^2\big(\tfrac1b\,\mathbb E[A\otimes A] + (1-\tfrac1b)H\otimes H\big)

    Parameters
    ----------
    X : array of shape (m, d)
        The rows (an intercept column included, if the model has one).
    lr : float
        The constant learning rate :math:`\alpha > 0`.
    batch_size : int
        :math:`b \ge 1`.

    Returns
    -------
    array of shape (d*d, d*d)
        Symmetric; ``M @ P.ravel()`` is :math:`\operatorname{vec}\mathcal M(P)`.

    Examples
    --------
    >>> M = second_moment_map(np.array([[1.0], [-1.0]]), 0.25, 1)   # A = 2, G = 2 always
    >>> float(M[0, 0])                                             # (1 - 0.25 * 2)^2
    0.25
    """
    func = "second_moment_map"
    X = check_matrix(func, "X", X)
    lr = check_number(func, "lr", lr, POSITIVE)
    b = check_number(func, "batch_size", batch_size, COUNT)
    return _map(*_operators(X), lr, b)


def mean_square_radius(X: Array, lr: float, batch_size: int) -> float:
    r"""Spectral radius :math:`r(\alpha)` of :func:`second_moment_map`: per step,
    :math:`\mathbb E\lVert e_t\rVert^2` of noise-free SGD shrinks (``< 1``) or grows (``> 1``)
    by this factor in the long run.

    ``X`` of shape (m, d), ``lr`` :math:`\alpha > 0`, ``batch_size`` :math:`b \ge 1`.

    >>> round(mean_square_radius(np.array([[1.0], [-1.0]]), 0.25, 1), 6)
    0.25
    """
    M = second_moment_map(X, lr, batch_size)
    return float(np.max(np.abs(np.linalg.eigvalsh(M))))


def mean_square_threshold(X: Array, batch_size: int, *, tol: float = 1e-6) -> float:
    r"""The largest constant :math:`\alpha` for which the mean square of SGD's error stays
    bounded: :math:`\alpha_{\rm ms} = \sup\{\alpha > 0 : r(\alpha) < 1\}`, with
    :math:`r` = :func:`mean_square_radius`, by bisection to relative accuracy ``tol``.

    Batches of ``batch_size`` rows of ``X`` (shape (m, d)) drawn with replacement, mean squared
    error. Requires :math:`H = \frac2m X^\top X` positive definite (else the flat direction is
    never stable, and never unstable). The bracket starts at :math:`(0, 2/\lambda_{\min}(H)]`:
    :math:`r(\alpha) \ge (1 - \alpha\lambda_{\min})^2`, so rates above it are unstable.

    Examples
    --------
    One feature, rows :math:`\pm1` (so :math:`G = 2` always): stable iff
    :math:`|1 - 2\alpha| < 1`, i.e. :math:`\alpha < 1`.

    >>> round(mean_square_threshold(np.array([[1.0], [-1.0]]), 1), 4)
    1.0
    """
    func = "mean_square_threshold"
    X = check_matrix(func, "X", X)
    b = check_number(func, "batch_size", batch_size, COUNT)
    tol = check_number(func, "tol", tol, Interval(0, 0.1, closed="neither"))
    lam_min = float(np.linalg.eigvalsh(2.0 / len(X) * X.T @ X)[0])
    if lam_min <= 1e-12 * max(1.0, float(np.max(np.sum(X**2, axis=1)))):
        fail(func, "X", "of full column rank (H = 2/m X^T X positive definite)", X,
             "Drop columns that are constant zero or linear combinations of others.")
    ops = _operators(X)

    def radius(lr: float) -> float:
        return float(np.max(np.abs(np.linalg.eigvalsh(_map(*ops, lr, b)))))

    lo, hi = 0.0, 2.0 / lam_min
    while hi - lo > tol * hi:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if radius(mid) < 1.0 else (lo, mid)
    return 0.5 * (lo + hi)
