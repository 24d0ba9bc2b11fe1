r"""Update rules as ``(init, update)`` pairs with explicit state.

``state = opt.init(theta)`` builds the state; ``step, state = opt.update(g, state, lr)`` turns a
gradient ``g`` (shape ``(d,)``) into the step to subtract, :math:`\theta \leftarrow \theta -
\text{step}`. Nothing is hidden: the state is a NamedTuple you can print.

Every factory takes ``weight_decay`` (:math:`\nu \ge 0`, the course's symbol for the L2
strength too), *decoupled* weight decay (Loshchilov & Hutter, 2019): the step becomes
:math:`\alpha(u + \nu\theta)`, with :math:`u` the rule's own step per unit :math:`\alpha`, so the
decay bypasses the rule's momentum and preconditioner (Adam with it is AdamW). Such an optimizer
needs the parameters: ``opt.update(g, state, lr, theta)``, and says so with
``opt.weight_decay > 0``. For plain SGD it is the L2 penalty :math:`\tfrac{\nu}{2}\|\theta\|^2`
on the loss (:func:`sgdteach.losses.penalised`); for the adaptive rules the two differ.

>>> import numpy as np
>>> opt = momentum(beta=0.9)
>>> state = opt.init(np.zeros(2))
>>> step, state = opt.update(np.array([1.0, 2.0]), state, lr=0.1)
>>> step
array([0.1, 0.2])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._types import Array
from ._validation import NON_NEGATIVE, UNIT, Interval, check_choice, check_flag, check_number, fail

# The adaptive rules divide by sqrt(s) + eps. A gradient below 1.5e-154 has a square that
# underflows to 0, and then its step is g / eps: eps >= 1e-150 keeps that step below lr.
EPS = Interval(1e-150, None, closed="left")
EPS_FIX = "eps only keeps the division finite; 1e-8 is the usual choice."


class Optimizer(NamedTuple):
    r"""An update rule: ``init(theta) -> state`` and ``update(g, state, lr) -> (step, state)``;
    ``label`` is its name as a figure's legend writes it; ``weight_decay`` is its decoupled weight
    decay :math:`\nu`, and when it is > 0 ``update`` takes the parameters too,
    ``update(g, state, lr, theta)``."""

    name: str
    init: Callable[[Array], Any]
    update: Callable[..., tuple[Array, Any]]
    label: str = ""
    weight_decay: float = 0.0


def decoupled(opt: Optimizer, weight_decay: float, func: str, label: str = "") -> Optimizer:
    r"""``opt`` with decoupled weight decay :math:`\nu` = ``weight_decay`` (``opt`` itself
    for 0): step :math:`= \text{step}_{\text{opt}} + \alpha\nu\theta`, so
    :math:`\theta \leftarrow (1 - \alpha\nu)\theta - \text{step}_{\text{opt}}`;
    ``label`` names it in legends (default: ``"<opt's label> + weight decay"``).

    >>> import numpy as np
    >>> opt = decoupled(sgd(), 0.5, "sgd")
    >>> opt.update(np.array([1.0]), opt.init(np.zeros(1)), 0.1, np.array([2.0]))[0]  # 0.1*(1+1)
    array([0.2])
    """
    nu = check_number(func, "weight_decay", weight_decay, NON_NEGATIVE,
                       fix="It is the decay rate nu; 0 means none, 1e-4 to 1e-2 is usual.")
    if nu == 0:
        return opt
    inner = opt.update

    def update(g: Array, state: Any, lr: float, theta: Array | None = None) -> tuple[Array, Any]:
        if theta is None:
            fail(f"{opt.name}.update", "theta", "the current parameters (weight decay needs them)",
                 theta, "Call update(g, state, lr, theta).", kind=TypeError)
        step, state = inner(g, state, lr)
        return step + (lr * nu) * theta, state

    return opt._replace(update=update, weight_decay=nu,
                        label=label or f"{opt.label} + weight decay")


class EmptyState(NamedTuple):
    """Plain SGD keeps no state."""


class VelocityState(NamedTuple):
    velocity: Array


class AccumulatorState(NamedTuple):
    sum_sq: Array


class AdamState(NamedTuple):
    count: int  # type: ignore[assignment]  # shadows tuple.count; the maths' t
    m: Array
    v: Array


def _sgd_init(theta: Array) -> EmptyState:
    return EmptyState()


def sgd_update(g: Array, state: EmptyState, lr: float) -> tuple[Array, EmptyState]:
    """Plain SGD's update, ``(lr * g, state)``: one function object, so that the descent loop
    recognises plain SGD by identity (``optimizer.update is sgd_update``) and may fold ``lr``
    into a per-sample gradient (``Loss.grad_one``)."""
    return lr * g, state


def sgd(weight_decay: float = 0.0) -> Optimizer:
    r"""Plain (stochastic) gradient descent: :math:`\theta \leftarrow \theta - \alpha g`
    (:math:`\theta \leftarrow (1 - \alpha\nu)\theta - \alpha g` with ``weight_decay``)."""
    return decoupled(Optimizer("sgd", _sgd_init, sgd_update, "plain"), weight_decay, "sgd")


def momentum(beta: float = 0.9, nesterov: bool = False, weight_decay: float = 0.0) -> Optimizer:
    r"""Heavy-ball momentum, or Nesterov's accelerated gradient with ``nesterov=True``.

    .. math::

        v \leftarrow \beta v + g, \qquad
        \theta \leftarrow \theta - \alpha v \quad\text{(heavy ball)}, \qquad
        \theta \leftarrow \theta - \alpha (g + \beta v) \quad\text{(Nesterov)}

    ``beta`` is :math:`\beta`; :math:`v` starts at 0. The Nesterov form evaluates the gradient at
    the current point (Sutskever et al., 2013), equivalent to the look-ahead form.
    """
    return decoupled(_momentum(beta, nesterov, "momentum"), weight_decay, "momentum")


def _momentum(beta: float, nesterov: bool, func: str) -> Optimizer:
    nesterov = check_flag(func, "nesterov", nesterov)
    beta = check_number(func, "beta", beta, UNIT,
                        fix="Momentum needs 0 <= beta < 1; 0.9 is the usual choice.")
    name = "nesterov" if nesterov else "momentum"

    def init(theta: Array) -> VelocityState:
        return VelocityState(np.zeros_like(theta, dtype=np.float64))

    def update(g: Array, state: VelocityState, lr: float) -> tuple[Array, VelocityState]:
        v = beta * state.velocity + g
        step = lr * (g + beta * v) if nesterov else lr * v
        return step, VelocityState(v)

    return Optimizer(name, init, update, "Nesterov" if nesterov else "momentum")


def nesterov(beta: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov momentum: ``momentum(beta, nesterov=True, weight_decay=weight_decay)``."""
    return decoupled(_momentum(beta, True, "nesterov"), weight_decay, "nesterov")


def adagrad(eps: float = 1e-8, weight_decay: float = 0.0) -> Optimizer:
    r"""AdaGrad: a per-coordinate step that shrinks with the gradients seen so far.

    .. math::

        s \leftarrow s + g^2, \qquad \theta \leftarrow \theta - \frac{\alpha}{\sqrt{s} + \epsilon} g
    """
    eps = check_number("adagrad", "eps", eps, EPS, fix=EPS_FIX)

    def init(theta: Array) -> AccumulatorState:
        return AccumulatorState(np.zeros_like(theta, dtype=np.float64))

    def update(g: Array, state: AccumulatorState, lr: float) -> tuple[Array, AccumulatorState]:
        s = state.sum_sq + g * g
        return lr * g / (np.sqrt(s) + eps), AccumulatorState(s)

    return decoupled(Optimizer("adagrad", init, update, "AdaGrad"), weight_decay, "adagrad")


def rmsprop(decay: float = 0.9, eps: float = 1e-8, weight_decay: float = 0.0) -> Optimizer:
    r"""RMSProp: AdaGrad with a moving average instead of a sum.

    .. math::

        s \leftarrow \gamma s + (1-\gamma) g^2, \qquad
        \theta \leftarrow \theta - \frac{\alpha}{\sqrt{s} + \epsilon} g

    ``decay`` is :math:`\gamma` (notebook 08's symbol; :math:`\rho` is the course's contraction
    factor).
    """
    decay = check_number("rmsprop", "decay", decay, UNIT)
    eps = check_number("rmsprop", "eps", eps, EPS, fix=EPS_FIX)

    def init(theta: Array) -> AccumulatorState:
        return AccumulatorState(np.zeros_like(theta, dtype=np.float64))

    def update(g: Array, state: AccumulatorState, lr: float) -> tuple[Array, AccumulatorState]:
        s = decay * state.sum_sq + (1.0 - decay) * g * g
        return lr * g / (np.sqrt(s) + eps), AccumulatorState(s)

    return decoupled(Optimizer("rmsprop", init, update, "RMSProp"), weight_decay, "rmsprop")


def adam(beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0) -> Optimizer:
    r"""Adam: momentum on the gradient and on its square, with bias correction.

    .. math::

        t \leftarrow t + 1, \quad
        v \leftarrow \beta_1 v + (1-\beta_1) g, \quad
        s \leftarrow \beta_2 s + (1-\beta_2) g^2, \\
        \hat v = \frac{v}{1-\beta_1^t}, \quad \hat s = \frac{s}{1-\beta_2^t}, \quad
        \theta \leftarrow \theta - \alpha \frac{\hat v}{\sqrt{\hat s} + \epsilon}

    (the symbols of notebook 08: :math:`v` the average gradient, :math:`s` the average square;
    ``AdamState`` stores them as ``m`` and ``v``, the names of Kingma & Ba, 2015). The count
    :math:`t` starts at 1 on the first update, so the first step is
    :math:`\alpha\, g / (|g| + \epsilon)`. With ``weight_decay`` :math:`\nu > 0` it is
    AdamW (Loshchilov & Hutter, 2019): the step gains :math:`\alpha\nu\theta`, outside
    :math:`\hat v / (\sqrt{\hat s} + \epsilon)`; an L2 penalty on the loss would instead enter
    :math:`g`, and be divided by :math:`\sqrt{\hat s}` like the rest of the gradient.
    """
    beta1 = check_number("adam", "beta1", beta1, UNIT)
    beta2 = check_number("adam", "beta2", beta2, UNIT)
    eps = check_number("adam", "eps", eps, EPS, fix=EPS_FIX)

    def init(theta: Array) -> AdamState:
        z = np.zeros_like(theta, dtype=np.float64)
        return AdamState(0, z, z.copy())

    def update(g: Array, state: AdamState, lr: float) -> tuple[Array, AdamState]:
        t = state.count + 1
        m = beta1 * state.m + (1.0 - beta1) * g
        v = beta2 * state.v + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        return lr * m_hat / (np.sqrt(v_hat) + eps), AdamState(t, m, v)

    return decoupled(Optimizer("adam", init, update, "Adam"), weight_decay, "adam", "AdamW")


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adam": adam,
}


def get_optimizer(optimizer: str | Optimizer, func: str = "get_optimizer") -> Optimizer:
    """The optimizer called ``optimizer`` with default settings, or ``optimizer`` itself."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    return OPTIMIZERS[check_choice(func, "optimizer", optimizer, OPTIMIZERS)]()
