r"""The hard-margin (maximum-margin) linear separator, through the origin.

On linearly separable data, gradient descent on the unregularised logistic loss has
:math:`\theta_t = \hat w \log t + O(1)` (Soudry, Hoffer, Nacson, Gunasekar & Srebro, JMLR 2018,
Thm. 3), with :math:`\hat w` the solution of

.. math::

    \hat w = \arg\min_w \|w\| \quad \text{subject to} \quad y_i\, x_i^\top w \ge 1 \ \ (i = 1..m),

so the slope of :math:`\|\theta_t\|` against :math:`\ln t` tends to :math:`\|\hat w\|`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_data, fail

__all__ = ["hard_margin"]


def hard_margin(X: Any, y: Any) -> np.ndarray:
    r"""The minimum-norm :math:`w` with every margin :math:`y_i x_i^\top w \ge 1`.

    Solved as a least-distance program with non-negative least squares (Lawson & Hanson,
    *Solving Least Squares Problems*, 1974, ch. 23): with :math:`G` the rows
    :math:`y_i x_i^\top` (shape ``(m, d)``), find :math:`u \ge 0` minimising
    :math:`\|E u - f\|`, :math:`E = \begin{pmatrix} G^\top \\ \mathbf 1^\top\end{pmatrix}`,
    :math:`f = (0, \dots, 0, 1)`; then :math:`r = Eu - f` and :math:`\hat w = -r_{1..d}/r_{d+1}`.

    Parameters
    ----------
    X : ndarray, shape (m, d)
        Rows (include a column of ones for a bias, which is then penalised like any weight).
    y : ndarray, shape (m,)
        Labels in {-1, +1}.

    Returns
    -------
    ndarray, shape (d,)
        :math:`\hat w`.

    Raises
    ------
    ValueError
        If no :math:`w` separates the data (the residual's last entry is 0).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0]])
    >>> hard_margin(X, np.array([1.0, -1.0, 1.0])).round(6)
    array([1., 0.])
    """
    from scipy.optimize import nnls

    func = "hard_margin"
    X, y = check_data(func, X, y)
    if not np.all(np.isin(y, (-1.0, 1.0))):
        fail(func, "y", "labels in {-1, +1}", y)
    G = y[:, None] * X
    m, d = G.shape
    E = np.vstack([G.T, np.ones((1, m))])
    f = np.zeros(d + 1)
    f[-1] = 1.0
    u, _ = nnls(E, f, maxiter=50 * (m + d))
    r = E @ u - f
    if abs(r[-1]) < 1e-12:
        fail(func, "X", "linearly separable through the origin (with labels y)", X,
             "Add a column of ones, or use regularisation.separating_theta to check.")
    return -r[:d] / r[-1]
