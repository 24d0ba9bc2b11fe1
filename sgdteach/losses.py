r"""Loss functions for linear models: value and gradient, averaged over the rows given.

Every loss is called the same way, ``loss.value(theta, X, y)`` and ``loss.grad(theta, X, y)``,
with ``X`` of shape ``(m, d)``, ``y`` of shape ``(m,)`` and ``theta`` of shape ``(d,)``. The
average is over the ``m`` rows passed in: the whole data set for batch gradient descent, one row
for SGD, a mini-batch otherwise. So the SGD direction :math:`\nabla J_i(\theta)` is simply
``loss.grad(theta, X[i:i+1], y[i:i+1])``; ``loss.grad_one(theta, X[i], y[i])`` gives the same
vector from one row of shape ``(d,)`` and a number, in fewer numpy calls (``minimize`` uses it
for ``batch_size=1``, where those calls are the whole cost of a step). For a linear model it is
a number times the row, :math:`\nabla J_i(\theta) = \ell'(x_i^\top\theta, y_i)\, x_i`, so
``grad_one(theta, x, y_i, scale)`` gives ``scale`` times it in the same single multiplication
by the row (plain SGD passes its :math:`\alpha` there).

Classification losses (logistic, hinge) take labels :math:`y_i \in \{-1, +1\}`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._types import Array
from ._validation import (
    NON_NEGATIVE,
    POSITIVE,
    check_choice,
    check_data,
    check_matrix,
    check_number,
    fail,
)


@dataclass(eq=False)
class Loss:
    r"""A loss: its name, ``value(theta, X, y) -> float``, ``grad(theta, X, y) -> (d,)`` and
    ``grad_one(theta, x, y_i, scale=1.0) -> (d,)``, ``scale`` times the gradient on one row ``x``
    of shape ``(d,)`` with target ``y_i`` (a number), i.e. ``scale * grad(theta, x[None],
    [y_i])``. Left out, ``grad_one`` is built from ``grad``.

    What the loss needs and what is known about it:

    ``labels``
        the values ``y`` must take (``(-1.0, 1.0)`` for the classification losses), or ``None``
        for any real target; :meth:`check_targets` enforces it.
    ``smoothness``
        ``X -> L``, a Lipschitz constant of the full-data gradient on ``X`` (``None`` where the
        gradient is not Lipschitz, as for the hinge loss).
    ``quadratic``
        the loss is a quadratic in :math:`\theta` (squared error): its Hessian is constant, so
        batch gradient descent with a constant rate diverges exactly when :math:`\alpha > 2/L`,
        and a divergence message can say so.
    ``n_params``
        the length of ``theta`` when it is not the number of columns of ``X`` (a neural
        network's, :class:`sgdteach.networks.MLP`), else ``None``.
    ``check_inputs``
        ``(func, X, y) -> None``, the loss's own check of the data (a network's integer class
        labels), run once by :func:`~sgdteach.minimize` before its loop; ``None`` for none.
    ``derivative``
        ``(p, y) -> (m,)``, the derivative :math:`\ell'(p_i, y_i)` of the per-example loss in
        the prediction :math:`p = X\theta` of a linear model, so that :math:`\nabla J_i(\theta)
        = \ell'(x_i^\top\theta, y_i)\, x_i` (SAGA stores one such number per example);
        ``None`` where the gradient is not of that form (a network).

    Each instance carries its own docstring with its formula (``help(sgdteach.losses.logistic)``).
    """

    name: str
    value: Callable[[Array, Array, Array], float]
    grad: Callable[[Array, Array, Array], Array]
    grad_one: Callable[..., Array] | None = None
    labels: tuple[float, ...] | None = None
    smoothness: Callable[[Array], float] | None = None
    quadratic: bool = False
    n_params: int | None = None
    check_inputs: Callable[[str, Array, Array], None] | None = None
    derivative: Callable[[Array, Array], Array] | None = None

    def __post_init__(self) -> None:
        if self.grad_one is None:
            grad = self.grad

            def grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
                return scale * grad(theta, x[np.newaxis], np.array([y_i], dtype=np.float64))

            self.grad_one = grad_one

    def check_targets(self, func: str, y: Array, arg: str = "y") -> None:
        """Raise when ``y`` holds a value outside :attr:`labels` (nothing to check without)."""
        if self.labels is not None and not np.isin(y, self.labels).all():
            listed = ", ".join(f"{v:+g}" for v in self.labels)
            fail(func, arg, f"labels in {{{listed}}} for the {self.name} loss", np.unique(y)[:5],
                 "Map 0/1 labels with y = 2 * y - 1.")


# -- squared error -------------------------------------------------------------------------------

def _squared_value(theta: Array, X: Array, y: Array) -> float:
    r = X @ theta - y
    return float(r @ r) / len(y)


def _squared_grad(theta: Array, X: Array, y: Array) -> Array:
    # .dot rather than @: the same product, but on one row (SGD) matmul's call overhead costs
    # more than the arithmetic.
    r = X.dot(theta) - y
    g: Array = (2.0 / len(y)) * X.T.dot(r)
    return g


def _squared_grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
    g: Array = (scale * 2.0 * (x.dot(theta) - y_i)) * x      # 2 x_i (x_i . theta - y_i), scaled
    return g


def _gram_top(X: Array) -> float:
    r""":math:`\lambda_{\max}(X^\top X / m)`, finite for any finite ``X`` that float64 can square.

    Computed directly when that is finite (the usual case, bit for bit the plain formula), else on
    ``X / s`` with ``s = max |X_ij|`` and scaled back by :math:`s^2`.
    """
    m = X.shape[0]
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            top = float(np.linalg.eigvalsh((1.0 / m) * (X.T @ X))[-1])
    except np.linalg.LinAlgError:
        top = math.nan
    if math.isfinite(top):
        return top
    s = float(np.max(np.abs(X)))
    Xs = X / s
    with np.errstate(over="ignore"):
        top = float(np.linalg.eigvalsh((1.0 / m) * (Xs.T @ Xs))[-1]) * s * s
    if not math.isfinite(top):
        fail("smoothness", "X", "data whose X^T X / m float64 can hold", X,
             "Rescale the features (e.g. standardise them).")
    return top


squared_error = Loss("squared_error", _squared_value, _squared_grad, _squared_grad_one,
                     smoothness=lambda X: smoothness(X), quadratic=True,
                     derivative=lambda p, y: 2.0 * (p - y))
squared_error.__doc__ = r"""Mean squared error of a linear model.

.. math::

    J(\theta) = \frac{1}{m} \sum_{i=1}^m (x_i^\top \theta - y_i)^2, \qquad
    \nabla J(\theta) = \frac{2}{m} X^\top (X\theta - y)

The per-sample gradient is :math:`2 x_i (x_i^\top\theta - y_i)`, the reference example's. Note
that scikit-learn's ``squared_error`` carries a factor 1/2, so its ``eta0`` equals our ``2 * lr``.

Examples
--------
>>> import numpy as np
>>> X, y = np.array([[1.0, 2.0]]), np.array([2.0])
>>> squared_error.grad(np.zeros(2), X, y)
array([-4., -8.])
>>> squared_error.grad_one(np.zeros(2), X[0], 2.0)              # the same row, as SGD gets it
array([-4., -8.])
>>> squared_error.grad_one(np.zeros(2), X[0], 2.0, scale=0.01)  # alpha * grad, for plain SGD
array([-0.04, -0.08])
"""


# -- logistic ------------------------------------------------------------------------------------

def _logistic_value(theta: Array, X: Array, y: Array) -> float:
    z = y * (X @ theta)
    return float(np.mean(np.logaddexp(0.0, -z)))


def _logistic_grad(theta: Array, X: Array, y: Array) -> Array:
    z = y * (X @ theta)
    # d/dz log(1 + e^{-z}) = -1 / (1 + e^{z}); written with expit for stability.
    coef = -y * _expit(-z)
    g: Array = (X.T @ coef) / len(y)
    return g


def _expit(z: Array) -> Array:
    """The logistic sigmoid 1 / (1 + e^{-z}), stable for large |z|."""
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _logistic_grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
    z = y_i * x.dot(theta)
    return (scale * -y_i * float(_expit(np.array([-z]))[0])) * x


logistic = Loss("logistic", _logistic_value, _logistic_grad, _logistic_grad_one,
                labels=(-1.0, 1.0), smoothness=lambda X: 0.25 * _gram_top(X),
                derivative=lambda p, y: -y * _expit(-y * p))
logistic.__doc__ = r"""Logistic loss (log loss) for labels :math:`y_i \in \{-1, +1\}`.

.. math::

    J(\theta) = \frac{1}{m} \sum_i \log\left(1 + e^{-y_i x_i^\top \theta}\right), \qquad
    \nabla J(\theta) = -\frac{1}{m} \sum_i \frac{y_i x_i}{1 + e^{y_i x_i^\top\theta}}

This is scikit-learn's ``log_loss`` (no factor 1/2), so its ``eta0`` equals our ``lr``.
"""


# -- hinge ---------------------------------------------------------------------------------------

def _hinge_value(theta: Array, X: Array, y: Array) -> float:
    return float(np.mean(np.maximum(0.0, 1.0 - y * (X @ theta))))


def _hinge_grad(theta: Array, X: Array, y: Array) -> Array:
    active = (y * (X @ theta)) <= 1.0
    g: Array = -(X.T @ (y * active)) / len(y)
    return g


def _hinge_grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
    if y_i * x.dot(theta) <= 1.0:
        return (scale * -y_i) * x
    return np.zeros_like(x, dtype=np.float64)


hinge = Loss("hinge", _hinge_value, _hinge_grad, _hinge_grad_one, labels=(-1.0, 1.0),
             derivative=lambda p, y: -y * (y * p <= 1.0))
hinge.__doc__ = r"""Hinge loss (linear SVM without regularisation), labels in {-1, +1}.

.. math::

    J(\theta) = \frac{1}{m} \sum_i \max(0, 1 - y_i x_i^\top\theta), \qquad
    g(\theta) = -\frac{1}{m} \sum_{i:\, y_i x_i^\top\theta \le 1} y_i x_i

``grad`` returns this sub-gradient (at the kink, margin exactly 1, it takes the active side, as
scikit-learn does).
"""


# -- Huber ---------------------------------------------------------------------------------------

def huber(delta: float = 1.0) -> Loss:
    r"""Huber loss: quadratic for small residuals, linear for large ones (robust to outliers).

    .. math::

        \rho(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
                  \delta (|r| - \tfrac12\delta) & |r| > \delta \end{cases}, \qquad
        J(\theta) = \frac1m \sum_i \rho(x_i^\top\theta - y_i)

    with gradient :math:`\frac1m X^\top \operatorname{clip}(X\theta - y, -\delta, \delta)`.
    ``delta`` is :math:`\delta`.
    """
    delta = check_number("huber", "delta", delta, POSITIVE)

    def value(theta: Array, X: Array, y: Array) -> float:
        a = np.abs(X @ theta - y)
        return float(np.mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))

    def grad(theta: Array, X: Array, y: Array) -> Array:
        g: Array = (X.T @ np.clip(X @ theta - y, -delta, delta)) / len(y)
        return g

    def grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
        return (scale * min(max(float(x.dot(theta)) - y_i, -delta), delta)) * x

    return Loss("huber", value, grad, grad_one, smoothness=_gram_top,
                derivative=lambda p, y: np.clip(p - y, -delta, delta))


LOSSES: dict[str, Loss] = {
    "squared_error": squared_error,
    "logistic": logistic,
    "hinge": hinge,
    "huber": huber(),
}


def get_loss(loss: str | Loss, func: str = "get_loss", *, l2: float = 0.0) -> Loss:
    r"""The :class:`Loss` named ``loss`` (or ``loss`` itself when it already is one), plus the
    L2 penalty :math:`\tfrac{\nu}{2}\|\theta\|^2` when ``l2`` (:math:`\nu \ge 0`) is not 0
    (see :func:`penalised`; ``l2=0`` returns the loss itself).

    >>> get_loss("squared_error", l2=0.1).name
    'squared_error+l2(0.1)'
    """
    nu = check_number(func, "l2", l2, NON_NEGATIVE,
                      fix="It is the penalty strength nu; 0 means no penalty, 1e-4 is small.")
    base = loss if isinstance(loss, Loss) else LOSSES[check_choice(func, "loss", loss, LOSSES)]
    return penalised(base, nu, func) if nu > 0 else base


def penalised(loss: Loss, nu: float, func: str = "penalised") -> Loss:
    r"""``loss`` plus the L2 penalty :math:`\tfrac{\nu}{2}\|\theta\|^2` (every coordinate, the
    bias column included), for a linear-model loss.

    .. math::

        J_\nu(\theta) = J(\theta) + \frac{\nu}{2}\|\theta\|^2, \qquad
        \nabla J_\nu(\theta) = \nabla J(\theta) + \nu\,\theta, \qquad L_\nu = L + \nu

    One SGD step on row :math:`i` is :math:`\theta \leftarrow (1 - \alpha\nu)\theta -
    \alpha\nabla J_i(\theta)`, scikit-learn's ``SGDRegressor``/``SGDClassifier(penalty="l2")``
    step with ``alpha`` :math:`= \nu/2` for the squared error (its loss carries a factor 1/2)
    and :math:`= \nu` for the logistic and hinge losses. The Hessian of a quadratic loss gains
    :math:`\nu I`: every eigenvalue shifts by :math:`\nu` (``quadratic`` is kept, so a
    divergence message quotes :math:`2/(L + \nu)`).

    Returns a :class:`Loss` named ``"<loss>+l2(<nu>)"`` whose ``value``, ``grad``, ``grad_one``
    and ``smoothness`` all include the penalty; labels and ``quadratic`` as ``loss``'s.

    >>> import numpy as np
    >>> pen = penalised(logistic, 0.5)
    >>> X, y, theta = np.array([[1.0, 0.0]]), np.array([1.0]), np.array([0.0, 2.0])
    >>> float(pen.value(theta, X, y) - np.log(2))          # 0.5/2 * 2**2
    1.0
    >>> pen.grad(theta, X, y)                               # [-1/2, 0] + 0.5 * theta
    array([-0.5,  1. ])
    """
    if not isinstance(loss, Loss):
        fail(func, "loss", "a Loss", loss, "Use get_loss(name, l2=nu).", kind=TypeError)
    if loss.n_params is not None:
        fail(func, "loss", "a linear-model loss (theta has one entry per column of X)",
             loss.name, "Penalise a network's weights in its own loss.")
    nu = check_number(func, "nu", nu, POSITIVE, fix="Pass e.g. nu=1e-4 (scikit-learn's default).")
    base_value, base_grad, base_one, smooth = loss.value, loss.grad, loss.grad_one, loss.smoothness
    assert base_one is not None   # set by Loss.__post_init__

    def value(theta: Array, X: Array, y: Array) -> float:
        return base_value(theta, X, y) + 0.5 * nu * float(theta @ theta)

    def grad(theta: Array, X: Array, y: Array) -> Array:
        g: Array = base_grad(theta, X, y) + nu * theta
        return g

    def grad_one(theta: Array, x: Array, y_i: float, scale: float = 1.0) -> Array:
        g: Array = base_one(theta, x, y_i, scale) + (scale * nu) * theta
        return g

    return Loss(f"{loss.name}+l2({nu:g})", value, grad, grad_one, labels=loss.labels,
                smoothness=None if smooth is None else (lambda X: smooth(X) + nu),
                quadratic=loss.quadratic)


# -- least-squares extras ------------------------------------------------------------------------

def least_squares_solution(X: Array, y: Array) -> Array:
    r"""The minimiser :math:`\theta^* = \arg\min \|X\theta - y\|^2`, via ``numpy.linalg.lstsq``.

    Raises ``ValueError`` when :math:`\theta^*` is too large for float64 (rescale the data).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])
    >>> least_squares_solution(X, np.array([2.0, 5.0, 9.0])).round(4)
    array([-5.1667,  3.5   ])
    """
    func = "least_squares_solution"
    X, y = check_data(func, X, y)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            theta = np.linalg.lstsq(X, y, rcond=None)[0]
    except np.linalg.LinAlgError:
        theta = np.full(X.shape[1], np.nan)
    if not np.isfinite(theta).all():
        # Huge entries: solve (X / s) theta = y / s, the same minimiser, with s = max |X, y|.
        s = max(float(np.max(np.abs(X))), float(np.max(np.abs(y))), 1.0)
        with np.errstate(over="ignore", invalid="ignore"):
            theta = np.linalg.lstsq(X / s, y / s, rcond=None)[0]
        if not np.isfinite(theta).all():
            fail(func, "X, y", "data whose least-squares solution float64 can hold", X,
                 "Rescale the features and targets (e.g. standardise them).")
    return np.asarray(theta, dtype=np.float64)   # lstsq's own type says only "floating"


def smoothness(X: Array) -> float:
    r"""The smoothness constant :math:`L = \lambda_{\max}\left(\tfrac{2}{m} X^\top X\right)`.

    The Hessian of the mean squared error is :math:`\tfrac2m X^\top X`, so batch gradient descent
    with a constant step converges for :math:`\alpha < 2/L` and diverges for :math:`\alpha > 2/L`.
    Finite for every finite ``X`` whose :math:`L` float64 can hold (``ValueError`` otherwise).

    >>> smoothness(np.array([[1.0, 0.0], [0.0, 2.0]]))
    4.0
    """
    X = check_matrix("smoothness", "X", X)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            top = float(np.linalg.eigvalsh((2.0 / X.shape[0]) * (X.T @ X))[-1])
    except np.linalg.LinAlgError:
        top = math.nan
    if not math.isfinite(top):
        top = 2.0 * _gram_top(X)
        if not math.isfinite(top):
            fail("smoothness", "X", "data whose L float64 can hold", X, "Rescale the features.")
    return top


def mse(theta: Array, X: Array, y: Array) -> float:
    """Mean squared error of ``theta`` on ``(X, y)``: a convenience for printing."""
    return squared_error.value(theta, X, y)
