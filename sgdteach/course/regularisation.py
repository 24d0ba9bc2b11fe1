r"""L2 regularisation: a loss plus :math:`\tfrac{\nu}{2}\|\theta\|^2`, and what it guarantees.

:func:`l2_penalised` turns any linear-model :class:`~sgdteach.losses.Loss` into its L2-penalised
version (one copy of the rule: :func:`sgdteach.losses.penalised`, also ``get_loss(name, l2=nu)``),
which :func:`sgdteach.minimize` accepts like any other loss. Its SGD step is
scikit-learn's ``SGDClassifier(penalty="l2", alpha=nu)`` step (there ``alpha`` is the penalty
strength, our :math:`\nu`; its ``eta0`` is our :math:`\alpha`).
:func:`l2_norm_bound` is the bound on the penalised minimiser's norm that follows from comparing
with :math:`\theta = 0`. :func:`separating_theta` decides whether labelled data are linearly
separable, the case in which the unpenalised logistic loss has no minimiser.
"""

from __future__ import annotations

import math

import numpy as np

from .._types import Array
from .._validation import POSITIVE, check_data, check_number, fail
from ..losses import Loss, get_loss, penalised


def l2_penalised(loss: str | Loss, nu: float) -> Loss:
    r"""``loss`` plus the L2 penalty :math:`\tfrac{\nu}{2}\|\theta\|^2` (every coordinate,
    the bias column included).

    .. math::

        J_\nu(\theta) = J(\theta) + \frac{\nu}{2}\|\theta\|^2, \qquad
        \nabla J_\nu(\theta) = \nabla J(\theta) + \nu\,\theta

    so one SGD step on row :math:`i` is
    :math:`\theta \leftarrow (1 - \alpha\nu)\,\theta - \alpha\nabla J_i(\theta)`: "weight decay"
    by the factor :math:`1 - \alpha\nu`, then the loss's own step, both at the old
    :math:`\theta`. For a convex ``loss`` with :math:`\nu > 0`, :math:`J_\nu` is
    :math:`\nu`-strongly convex and has exactly one minimiser.

    Parameters
    ----------
    loss : str or Loss
        A linear-model loss ("logistic", "hinge", "squared_error", ...): ``theta`` has one entry
        per column of ``X``.
    nu : float
        The penalty strength, > 0.

    Returns
    -------
    Loss
        Named ``"<loss>+l2(<nu>)"``; ``value``, ``grad`` and ``grad_one`` of shapes as the
        loss's, its labels, and smoothness :math:`L + \nu` when the loss has one.

    Examples
    --------
    >>> import numpy as np
    >>> pen = l2_penalised("logistic", 0.5)
    >>> X, y, theta = np.array([[1.0, 0.0]]), np.array([1.0]), np.array([0.0, 2.0])
    >>> float(pen.value(theta, X, y) - np.log(2))          # 0.5/2 * 2**2
    1.0
    >>> pen.grad(theta, X, y)                               # [-1/2, 0] + 0.5 * theta
    array([-0.5,  1. ])
    """
    func = "l2_penalised"
    nu = check_number(func, "nu", nu, POSITIVE, fix="Pass e.g. nu=1e-4 (scikit-learn's default).")
    return penalised(get_loss(loss, func), nu, func)


def l2_norm_bound(value_at_zero: float, nu: float) -> float:
    r"""An upper bound on :math:`\|\theta^\star_\nu\|` for the minimiser of
    :math:`J(\theta) + \tfrac{\nu}{2}\|\theta\|^2` with :math:`J \ge 0`.

    .. math::

        \tfrac{\nu}{2}\|\theta^\star_\nu\|^2 \le J_\nu(\theta^\star_\nu) \le J_\nu(0) = J(0)
        \quad\Longrightarrow\quad \|\theta^\star_\nu\| \le \sqrt{2 J(0)/\nu}

    Parameters
    ----------
    value_at_zero : float
        :math:`J(0) \ge 0` (:math:`\log 2` for the logistic loss, 1 for the hinge loss).
    nu : float
        The penalty strength, > 0.

    Examples
    --------
    >>> round(l2_norm_bound(np.log(2), 0.01), 3)
    11.774
    """
    func = "l2_norm_bound"
    j0 = check_number(func, "value_at_zero", value_at_zero, POSITIVE,
                      fix="It is J(0), e.g. log(2) for the logistic loss.")
    nu = check_number(func, "nu", nu, POSITIVE, fix="Pass e.g. nu=0.01.")
    return math.sqrt(2.0 * j0 / nu)


def separating_theta(X: Array, y: Array) -> Array | None:
    r"""A :math:`\theta` with every margin at least 1, :math:`y_i x_i^\top\theta \ge 1`, or
    ``None`` when there is none (the rows are not linearly separable through the origin).

    Solved as the linear feasibility problem
    :math:`\min_\theta 0 \ \text{s.t.}\ -y_i x_i^\top\theta \le -1` (``scipy.optimize.linprog``,
    HiGHS). Any :math:`\theta` with all margins positive can be scaled to margins :math:`\ge 1`,
    so feasibility is separability. Then the logistic loss has no minimiser:
    :math:`J(c\theta) \le \log(1 + e^{-c}) \to 0` as :math:`c \to \infty`, while
    :math:`J > 0` everywhere.

    Parameters
    ----------
    X : (m, d) array
        The rows (a column of ones for a bias).
    y : (m,) array
        Labels in {-1, +1}.

    Returns
    -------
    (d,) array or None
        The solver's :math:`\theta` (margins :math:`\ge 1` up to the solver's tolerance,
        about :math:`10^{-9}`), or ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [1.0, -1.0]]); y = np.array([1.0, -1.0])
    >>> bool(np.all(y * (X @ separating_theta(X, y)) >= 1 - 1e-9))
    True
    >>> X = np.array([[1.0, 0.0], [1.0, 0.0]]); y = np.array([1.0, -1.0])   # the same row twice
    >>> separating_theta(X, y) is None
    True
    """
    from scipy.optimize import linprog

    func = "separating_theta"
    X, y = check_data(func, X, y)
    if not np.isin(y, (-1.0, 1.0)).all():
        fail(func, "y", "labels in {-1, +1}", np.unique(y)[:5],
             "Map 0/1 labels with y = 2 * y - 1.")
    m, d = X.shape
    res = linprog(np.zeros(d), A_ub=-(y[:, None] * X), b_ub=-np.ones(m),
                  bounds=[(None, None)] * d, method="highs")
    if res.status == 2:      # infeasible: no separating theta
        return None
    if res.status != 0:
        raise RuntimeError(f"{func}: the linear program did not finish ({res.message})")
    theta: Array = np.asarray(res.x, dtype=np.float64)
    return theta
