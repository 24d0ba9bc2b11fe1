r"""Learning-rate schedules: plain functions ``step -> lr``.

``step`` counts updates from 0. Anywhere sgdteach takes an ``lr`` it accepts a number (a constant
schedule) or any callable ``step -> lr``; :func:`as_schedule` does the conversion.

The Robbins–Monro conditions, :math:`\sum_t \alpha_t = \infty` and
:math:`\sum_t \alpha_t^2 < \infty`, are *sufficient* for SGD to converge to the minimiser (under
the usual assumptions on the loss and on the gradient noise), not necessary. :func:`inverse_time`
satisfies both, and so does :func:`invscaling` with ``0.5 < power <= 1``. A constant rate
satisfies the first but not the second: SGD then keeps bouncing in a noise ball around the
minimum, whose size shrinks with the rate.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

from ._validation import COUNT, NON_NEGATIVE, POSITIVE, Interval, check_choice, check_number, fail

Schedule = Callable[[int], float]


def constant(lr: float) -> Schedule:
    r""":math:`\alpha_t = \alpha_0`.

    >>> constant(0.1)(1000)
    0.1
    """
    lr = check_number("constant", "lr", lr, POSITIVE)

    def schedule(step: int) -> float:
        return lr

    schedule.__qualname__ = f"constant(lr={lr:g})"
    return schedule


def step_decay(lr: float, drop: float = 0.5, every: int = 100) -> Schedule:
    r""":math:`\alpha_t = \alpha_0 \cdot \text{drop}^{\lfloor t / \text{every} \rfloor}`.

    >>> step_decay(1.0, drop=0.5, every=10)(25)
    0.25
    """
    lr = check_number("step_decay", "lr", lr, POSITIVE)
    drop = check_number("step_decay", "drop", drop, Interval(0, 1.0, closed="right"))
    every = check_number("step_decay", "every", every, COUNT)

    def schedule(step: int) -> float:
        return lr * drop ** (step // every)

    schedule.__qualname__ = f"step_decay(lr={lr:g}, drop={drop:g}, every={every})"
    return schedule


def exponential(lr: float, decay: float = 0.99) -> Schedule:
    r""":math:`\alpha_t = \alpha_0 \cdot \text{decay}^t`.

    >>> round(exponential(1.0, decay=0.5)(3), 3)
    0.125
    """
    lr = check_number("exponential", "lr", lr, POSITIVE)
    decay = check_number("exponential", "decay", decay, Interval(0, 1.0, closed="right"))

    def schedule(step: int) -> float:
        return lr * decay**step

    schedule.__qualname__ = f"exponential(lr={lr:g}, decay={decay:g})"
    return schedule


def inverse_time(lr: float, k: float = 0.01) -> Schedule:
    r"""Robbins–Monro decay :math:`\alpha_t = \alpha_0 / (1 + k t)`.

    >>> inverse_time(1.0, k=0.5)(2)
    0.5
    """
    lr = check_number("inverse_time", "lr", lr, POSITIVE)
    k = check_number("inverse_time", "k", k, POSITIVE)

    def schedule(step: int) -> float:
        return lr / (1.0 + k * step)

    schedule.__qualname__ = f"inverse_time(lr={lr:g}, k={k:g})"
    return schedule


def invscaling(lr: float, power: float = 0.25) -> Schedule:
    r"""scikit-learn's ``invscaling``: :math:`\alpha_t = \alpha_0 / (t+1)^{p}`.

    scikit-learn counts its ``t`` per sample from 1; our ``step`` counts from 0, hence ``t + 1``.
    With ``batch_size=1`` the two agree step for step.

    >>> invscaling(1.0, power=0.5)(3)
    0.5
    """
    lr = check_number("invscaling", "lr", lr, POSITIVE)
    power = check_number("invscaling", "power", power, NON_NEGATIVE)

    def schedule(step: int) -> float:
        try:
            return float(lr / (step + 1.0) ** power)
        except OverflowError:   # (t + 1)^p beyond float64 (a huge power): the rate is 0
            return 0.0

    schedule.__qualname__ = f"invscaling(lr={lr:g}, power={power:g})"
    return schedule


def cosine(lr: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    r"""Cosine annealing from ``lr`` to ``lr_min`` over ``total_steps``, then ``lr_min``.

    .. math::

        \alpha_t = \alpha_{\min} + \tfrac12(\alpha_0 - \alpha_{\min})
                   \left(1 + \cos\frac{\pi \min(t, T)}{T}\right)

    >>> cosine(1.0, total_steps=10)(5)
    0.5
    """
    lr = check_number("cosine", "lr", lr, POSITIVE)
    total_steps = check_number("cosine", "total_steps", total_steps, COUNT)
    lr_min = check_number("cosine", "lr_min", lr_min, Interval(0, lr, closed="both"),
                          fix="The rate anneals from lr down to lr_min.")

    def schedule(step: int) -> float:
        t = min(step, total_steps)
        return lr_min + 0.5 * (lr - lr_min) * (1.0 + math.cos(math.pi * t / total_steps))

    schedule.__qualname__ = f"cosine(lr={lr:g}, total_steps={total_steps})"
    return schedule


def warmup(lr: float | Schedule, warmup_steps: int) -> Schedule:
    r"""A linear warmup over ``warmup_steps`` steps, then ``lr`` (a number or a schedule).

    .. math::

        \alpha_t = \begin{cases} \alpha_0 \dfrac{t + 1}{W} & t < W \\
                    \beta_{t - W} & t \ge W \end{cases}

    with :math:`W` = ``warmup_steps``, :math:`\beta_s` the schedule ``lr`` (constant when ``lr``
    is a number) started when the warmup ends, and :math:`\alpha_0 = \beta_0`. The rate starts
    at :math:`\alpha_0 / W`, not 0 (a zero step would be wasted). Why warmup helps is debated
    (proposed: the variance of Adam's early second-moment estimates, Liu et al. 2020; a high early
    curvature that small first steps let the network reduce, Gilmer et al. 2022). In notebook 10
    (a small network on the digits, peak :math:`\alpha_0 = 1`, five seeds) the full-batch
    gradient at initialisation was *not* larger than after one epoch in most seeds, while
    :math:`2/\lambda_{\max}` at initialisation was below the peak: what the warmup changed
    there is the first steps' length against the curvature, not large initial gradients.

    >>> [round(warmup(0.1, warmup_steps=4)(t), 3) for t in range(6)]
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1]
    """
    after = as_schedule(lr, "warmup")
    warmup_steps = check_number("warmup", "warmup_steps", warmup_steps, COUNT)
    peak = float(after(0))

    def schedule(step: int) -> float:
        if step < warmup_steps:
            return peak * ((step + 1) / warmup_steps)   # no overflow for any finite peak
        return after(step - warmup_steps)

    name = getattr(lr, "__qualname__", "lr") if callable(lr) else f"{peak:g}"
    schedule.__qualname__ = f"warmup({name}, warmup_steps={warmup_steps})"
    return schedule


def warmup_cosine(lr: float, total_steps: int, warmup_steps: int, lr_min: float = 0.0
                  ) -> Schedule:
    r"""Linear warmup to ``lr`` over ``warmup_steps`` steps, then cosine decay to ``lr_min`` at
    ``total_steps``: :func:`warmup` of :func:`cosine` over the remaining steps.

    .. math::

        \alpha_t = \begin{cases} \alpha_0 \dfrac{t + 1}{W} & t < W \\
                    \alpha_{\min} + \tfrac12(\alpha_0 - \alpha_{\min})
                    \left(1 + \cos\dfrac{\pi \min(t - W,\, T - W)}{T - W}\right) & t \ge W
                    \end{cases}

    with :math:`T` = ``total_steps`` and :math:`W` = ``warmup_steps`` :math:`< T`.

    >>> s = warmup_cosine(1.0, total_steps=12, warmup_steps=2)
    >>> [round(s(t), 3) for t in (0, 1, 2, 7, 12, 50)]
    [0.5, 1.0, 1.0, 0.5, 0.0, 0.0]
    """
    func = "warmup_cosine"
    lr = check_number(func, "lr", lr)
    total_steps = check_number(func, "total_steps", total_steps, Interval(2, None, integer=True))
    warmup_steps = check_number(func, "warmup_steps", warmup_steps,
                                Interval(1, total_steps - 1, integer=True),
                                fix="The warmup must end before total_steps.")
    lr_min = check_number(func, "lr_min", lr_min, Interval(0, lr, closed="both"),
                          fix="The rate anneals from lr down to lr_min.")
    schedule = warmup(cosine(lr, total_steps - warmup_steps, lr_min), warmup_steps)
    schedule.__qualname__ = (f"warmup_cosine(lr={lr:g}, total_steps={total_steps}, "
                             f"warmup_steps={warmup_steps})")
    return schedule


SCHEDULES: dict[str, Callable[..., Schedule]] = {
    "constant": constant,
    "step_decay": step_decay,
    "exponential": exponential,
    "inverse_time": inverse_time,
    "invscaling": invscaling,
    "cosine": cosine,
    "warmup": warmup,
    "warmup_cosine": warmup_cosine,
}


def get_schedule(name: str) -> Callable[..., Schedule]:
    """The schedule factory called ``name``.

    >>> get_schedule("cosine")(0.1, total_steps=500)(0)
    0.1
    """
    return SCHEDULES[check_choice("get_schedule", "name", name, SCHEDULES)]


def as_schedule(lr: float | Schedule, func: str = "as_schedule") -> Schedule:
    """A number becomes a constant schedule; a callable ``step -> lr`` is returned unchanged.

    >>> as_schedule(0.01)(7)
    0.01
    """
    if callable(lr):
        _check_takes_the_step(func, lr)
        first = lr(0)
        if not isinstance(first, numbers.Real) or isinstance(first, bool) or not first > 0 \
                or not math.isfinite(first):
            fail(func, "lr", "a schedule returning positive finite numbers", first,
                 "Check the schedule's parameters.")
        return lr
    if isinstance(lr, str):
        fail(func, "lr", "a positive number or a callable step -> lr", lr,
             "Build a named schedule with get_schedule(name)(...).", kind=TypeError)
    check_number(func, "lr", lr, POSITIVE, fix="Use e.g. lr=0.01, or a schedule such as "
                 "inverse_time(0.1, k=0.01).")
    return constant(lr)


def _check_takes_the_step(func: str, lr: Callable[..., Any]) -> None:
    """Refuse a schedule factory passed uncalled (``lr=cosine``: it *builds* a schedule, it is
    not one) and a callable that cannot be called with the step alone."""
    if any(lr is factory for factory in SCHEDULES.values()):
        needed = [p.name for p in inspect.signature(lr).parameters.values()
                  if p.default is inspect.Parameter.empty][1:]
        call = ", ".join(["0.1", *(f"{name}=..." for name in needed)])
        fail(func, "lr", "a schedule step -> lr, not the factory that builds one", lr,
             f"Call it, e.g. lr={lr.__name__}({call}).", kind=TypeError)
    try:
        inspect.signature(lr).bind(0)
    except TypeError:
        fail(func, "lr", "a callable step -> lr, taking the step number", lr,
             "Give it one argument, e.g. lr=lambda step: 0.1 / (1 + 0.01 * step).",
             kind=TypeError)
    except ValueError:   # no signature to read (some builtins): the call below will tell
        pass
