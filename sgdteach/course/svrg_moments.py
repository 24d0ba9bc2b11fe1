r"""The exact expected progress of one SVRG outer iteration (option I) on least squares.

With :math:`J(\theta) = \frac1m\sum_i(x_i^\top\theta - y_i)^2`, :math:`A_i = 2x_ix_i^\top`,
:math:`H = \frac1m\sum_iA_i`, :math:`e = \theta - \theta^*` and the snapshot's error
:math:`\tilde e = \tilde\theta - \theta^*`, one inner step of SVRG,
:math:`\theta \leftarrow \theta - \alpha(\nabla J_i(\theta) - \nabla J_i(\tilde\theta) +
\nabla J(\tilde\theta))`, is exactly linear in :math:`(e, \tilde e)`: the label noise cancels,

.. math::

    e \leftarrow (I - \alpha A_i)e + \alpha(A_i - H)\tilde e .

So the second moment :math:`Z = \mathbb E[w w^\top]` of :math:`w = (e, \tilde e)` obeys the linear
recursion :math:`Z \leftarrow \frac1m\sum_iM_iZM_i^\top`, and after ``inner_steps`` = :math:`k`
steps from :math:`e = \tilde e` the expected excess of the next snapshot (option I: the last inner
iterate) is a quadratic form in the old snapshot's error,

.. math::

    \mathbb E[J(\tilde\theta_{s+1}) - J^* \mid \tilde\theta_s] = \tilde e_s^\top Q\,\tilde e_s,

with :math:`J(\tilde\theta_s) - J^* = \frac12\tilde e_s^\top H\tilde e_s`. The expected factor per
outer iteration therefore depends on the direction of :math:`\tilde e_s`, between the smallest
and largest generalized eigenvalues of :math:`(Q, \tfrac12H)`. Exact, no simulation; the tests
check it against many simulated outer iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, check_number
from ..losses import least_squares_solution
from .sgd_moments import per_example_terms

__all__ = ["SvrgFactor", "svrg_expected_factor"]


@dataclass(frozen=True)
class SvrgFactor:
    """The quadratic form ``form`` (:math:`Q`, shape ``(d, d)``) and the range of the expected
    factor of :math:`J - J^*` per outer iteration over the directions of the snapshot's error."""

    form: Array
    smallest: float
    largest: float
    hessian: Array
    theta_star: Array

    def factor(self, snapshot: Array) -> Array:
        r"""The expected factor :math:`\tilde e^\top Q\tilde e / (\frac12\tilde e^\top H\tilde e)`
        for the snapshot(s) ``snapshot``, shape ``(d,)`` or ``(n, d)``."""
        e = np.atleast_2d(np.asarray(snapshot, dtype=float)) - self.theta_star
        out = (np.einsum("ni,ij,nj->n", e, self.form, e)
               / np.einsum("ni,ij,nj->n", e, 0.5 * self.hessian, e))
        return out if np.ndim(snapshot) == 2 else out[0]


def svrg_expected_factor(X: Array, y: Array, lr: float, inner_steps: int) -> SvrgFactor:
    r"""The exact expected factor of :math:`J - J^*` per SVRG outer iteration (option I, the last
    inner iterate as the next snapshot; :math:`k` = ``inner_steps`` steps with rows drawn with
    replacement) on least squares (module docstring).

    Parameters
    ----------
    X : array, shape (m, d)
        Full column rank.
    y : array, shape (m,)
    lr : float
        The constant step :math:`\alpha > 0`.
    inner_steps : int
        :math:`k \ge 1`.

    Returns
    -------
    SvrgFactor
        ``form`` :math:`Q`, ``smallest`` and ``largest`` factor over directions, and
        ``factor(snapshot)`` for a given snapshot.

    Examples
    --------
    One feature (so the factor does not depend on a direction), rows 1 and 1: every
    :math:`A_i = H = 2`, the control variate removes all the noise and each inner step multiplies
    :math:`e` by :math:`1 - 2\alpha`:

    >>> X = np.array([[1.0], [1.0]]); y = np.array([1.0, -1.0])
    >>> f = svrg_expected_factor(X, y, 0.25, 3)
    >>> round(f.smallest, 6), round(f.largest, 6)                  # (1 - 0.5)**6
    (0.015625, 0.015625)
    """
    func = "svrg_expected_factor"
    A, _, H = per_example_terms(func, X, y)
    lr = check_number(func, "lr", lr, POSITIVE)
    k = check_number(func, "inner_steps", inner_steps, COUNT)
    m, d = A.shape[0], H.shape[0]
    M = np.zeros((m, 2 * d, 2 * d))
    M[:, :d, :d] = np.eye(d) - lr * A
    M[:, :d, d:] = lr * (A - H)
    M[:, d:, d:] = np.eye(d)
    K = np.einsum("iab,icd->acbd", M, M).reshape(4 * d * d, 4 * d * d) / m   # vec Z -> vec Z'
    Kk = np.linalg.matrix_power(K, k)
    Q = np.zeros((d, d))
    for a in range(d):
        for b in range(d):
            P = np.zeros((d, d))
            P[a, b] = 1.0
            Z = np.kron(np.ones((2, 2)), P)                 # w w^T with e = e~
            Zk = (Kk @ Z.ravel()).reshape(2 * d, 2 * d)
            Q[a, b] = 0.5 * float(np.trace(H @ Zk[:d, :d]))
    Q = 0.5 * (Q + Q.T)
    ratios = np.sort(np.linalg.eigvals(np.linalg.solve(0.5 * H, Q)).real)
    star = least_squares_solution(np.asarray(X, float), np.asarray(y, float))
    return SvrgFactor(Q, float(ratios[0]), float(ratios[-1]), H, star)
