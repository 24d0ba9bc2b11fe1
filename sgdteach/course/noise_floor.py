r"""The exact noise floor of constant-rate mini-batch SGD on least squares (batches drawn with
replacement), from the second-moment map of :mod:`sgdteach.course.stability`.

For :math:`J(\theta) = \frac1m\sum_i (x_i^\top\theta - y_i)^2` the error
:math:`e_t = \theta_t - \theta^*` obeys :math:`e_{t+1} = (I - \alpha G_t)e_t - \alpha\xi_t` with
:math:`G_t = \frac1b\sum_{i\in B_t}2x_ix_i^\top` and :math:`\xi_t = \frac1b\sum_{i\in B_t}g_i`,
:math:`g_i = 2x_i(x_i^\top\theta^* - y_i)`. The batch is independent of :math:`e_t`,
:math:`\mathbb E\xi = 0` and the mean error tends to 0, so at stationarity the second moment
:math:`P = \mathbb E[ee^\top]` solves

.. math::

    \operatorname{vec}P = \mathcal M_\alpha\operatorname{vec}P
      + \frac{\alpha^2}{b}\operatorname{vec}\Sigma, \qquad
    \Sigma = \frac1m\sum_i g_ig_i^\top ,

and the floor is :math:`\mathbb E[J - J^*] = \frac12\operatorname{tr}(HP)`. Unlike the
first-order formula :math:`\alpha\operatorname{tr}\Sigma/4b` it keeps the part of the noise that
grows with the error (the spread of the :math:`2x_ix_i^\top` around :math:`H`).
"""

from __future__ import annotations

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, check_data, check_number, fail
from .stability import second_moment_map


def exact_noise_floor(X: Array, y: Array, lr: float, batch_size: int) -> float:
    r"""Stationary :math:`\mathbb E[J(\theta) - J^*]` of constant-rate SGD with batches of
    ``batch_size`` rows drawn with replacement (mean squared error, no approximation):

    .. math::

        \tfrac12\operatorname{tr}(HP), \qquad
        \operatorname{vec}P = (I - \mathcal M_\alpha)^{-1}\,\tfrac{\alpha^2}{b}
        \operatorname{vec}\Sigma .

    Parameters
    ----------
    X : array of shape (m, d)
    y : array of shape (m,)
    lr : float
        :math:`\alpha > 0`, below the mean-square limit
        (:func:`~sgdteach.course.stability.mean_square_threshold`), else a ``ValidationError``.
    batch_size : int
        :math:`b \ge 1`.

    Returns
    -------
    float

    Examples
    --------
    One feature, both rows 1, labels 1 and -1 (so :math:`\theta^* = 0`, :math:`G = H = 2`,
    :math:`g_i = \mp 2`): :math:`P = (1 - 2\alpha)^2P +
    4\alpha^2`, and the floor is :math:`P = \alpha/(1 - \alpha)`; at :math:`\alpha = 0.25`, 1/3.

    >>> X = np.array([[1.0], [1.0]]); y = np.array([1.0, -1.0])
    >>> round(exact_noise_floor(X, y, 0.25, 1), 6)
    0.333333
    """
    func = "exact_noise_floor"
    X, y = check_data(func, X, y)
    lr = check_number(func, "lr", lr, POSITIVE)
    b = check_number(func, "batch_size", batch_size, COUNT)
    m, d = X.shape
    M = second_moment_map(X, lr, b)
    if np.max(np.abs(np.linalg.eigvalsh(M))) >= 1.0:
        fail(func, "lr", "below the mean-square limit of these rows", lr,
             "Pick a smaller lr (see mean_square_threshold(X, batch_size)).")
    theta_star = np.linalg.lstsq(X, y, rcond=None)[0]
    g = 2.0 * X * (X @ theta_star - y)[:, None]                 # per-example gradients at theta*
    sigma = g.T @ g / m
    P = np.linalg.solve(np.eye(d * d) - M, lr**2 / b * sigma.ravel()).reshape(d, d)
    H = 2.0 / m * X.T @ X
    return 0.5 * float(np.trace(H @ P))
