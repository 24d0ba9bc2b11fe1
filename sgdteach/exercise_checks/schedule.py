r"""Exercise 4: learning-rate schedules, functions ``step -> lr`` with ``step`` = 0, 1, 2, ...
counting the updates already done (as every sgdteach loop calls them).

.. math::

    \text{invscaling:}\ \alpha_t = \frac{\alpha_0}{t^{p}},\ t = \text{step} + 1 \qquad
    \text{step decay:}\ \alpha = \alpha_0 \cdot \text{drop}^{\lfloor \text{step} / \text{every}
    \rfloor}

The update number :math:`t` counts from 1 (the first update is :math:`t = 1`, made with
:math:`\alpha_0`), while ``step`` counts from 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import SCHEDULE_FROM_ZERO, CheckError, call, compare, passed, require_callable, show

Array = np.ndarray
STEPS = np.arange(0, 30)


def _values(check: str, name: str, factory: Callable, args: tuple, where: str) -> Array:
    """``factory(*args)`` must return a schedule; evaluate it at steps 0..29."""
    schedule = call(check, name, factory, args, where)
    if not callable(schedule):
        raise CheckError(check, "returns a number, not a schedule", name,
                         f"On {where}: received {show(schedule)}.",
                         "Return a function: def schedule(step): return ...; return schedule.")
    values = []
    for step in STEPS.tolist():
        try:
            value = call(check, name, schedule, (step,), f"{where}, step = {step}")
        except CheckError as err:
            if step == 0 and "ZeroDivisionError" in str(err):
                raise CheckError(check, SCHEDULE_FROM_ZERO, name,
                                 f"On {where}: dividing by zero at step 0.",
                                 "The first update is t = step + 1 = 1: use (step + 1).") from err
            raise
        values.append(value)
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(check, "returns a non-number", name,
                         f"On {where}: the schedule returned {show(values[0])} at step 0.",
                         "Return a float learning rate.") from None


def check_invscaling(invscaling: Callable[[float, float], Callable[[int], float]]) -> None:
    r"""Check ``invscaling(lr0, power)`` returns ``schedule(step) = lr0 / (step + 1) ** power``.

    Names the mistakes: schedule counted from 0 instead of 1 (``lr0 / step ** power``, infinite
    or a division by zero at step 0), off by one the other way, a growing rate (power's sign),
    a constant rate.
    """
    check, name = "check_invscaling", getattr(invscaling, "__name__", "invscaling")
    require_callable(check, "invscaling", invscaling)
    for lr0, power in ((0.5, 0.5), (0.1, 1.0), (1.0, 0.25)):
        where = f"lr0 = {lr0}, power = {power}, steps 0..29"
        got = _values(check, name, invscaling, (lr0, power), where)
        t = STEPS + 1.0
        with np.errstate(divide="ignore"):
            from_zero = lr0 / (t - 1.0) ** power
        if not np.isfinite(got[0]) and np.allclose(got[1:], from_zero[1:]):
            raise CheckError(check, SCHEDULE_FROM_ZERO, name,
                             f"On {where}: expected {lr0} at step 0, received {got[0]}.",
                             "The first update is t = step + 1 = 1: use (step + 1) ** power.")
        compare(check, name, got, lr0 / t**power, [
            (SCHEDULE_FROM_ZERO, np.r_[lr0, from_zero[1:]],
             "Use t = step + 1 for every step, not a special case for step 0."),
            ("schedule off by one step (counted from 2)", lr0 / (t + 1.0) ** power,
             "Step 0 is the first update, t = 1, and must give lr0: use (step + 1)."),
            ("learning rate grows instead of decaying", lr0 * t**power,
             "Divide by (step + 1) ** power."),
            ("learning rate does not change", np.full(len(t), lr0),
             "Use the step argument: lr0 / (step + 1) ** power."),
        ], where, "schedule(step) = lr0 / (step + 1) ** power.")
    passed(name, "lr0 / (step + 1)^power, right at steps 0..29 for 3 settings.")


def check_step_decay(step_decay: Callable[[float, float, int], Callable[[int], float]]) -> None:
    r"""Check ``step_decay(lr0, drop, every)`` returns
    ``schedule(step) = lr0 * drop ** (step // every)``: the first drop after ``every`` updates.

    Names the mistakes: drops one step early (counted from 1), every step (exponential),
    without flooring (smooth), drop subtracted instead of multiplied.
    """
    check, name = "check_step_decay", getattr(step_decay, "__name__", "step_decay")
    require_callable(check, "step_decay", step_decay)
    for lr0, drop, every in ((0.1, 0.5, 10), (1.0, 0.9, 3)):
        where = f"lr0 = {lr0}, drop = {drop}, every = {every}, steps 0..29"
        got = _values(check, name, step_decay, (lr0, drop, every), where)
        compare(check, name, got, lr0 * drop ** (STEPS // every), [
            ("schedule off by one step (drops one step early)",
             lr0 * drop ** ((STEPS + 1) // every),
             f"Steps count from 0: the first drop is at step {every}, after {every} updates."),
            ("drop applied at every step", lr0 * drop**STEPS,
             "Drop only once every `every` steps: drop ** (step // every)."),
            ("exponent not rounded down", lr0 * drop ** (STEPS / every),
             "Use integer division: step // every."),
            ("drop subtracted instead of multiplied",
             np.array([lr0 - drop * (s // every) for s in STEPS.tolist()]),
             "Multiply: lr0 * drop ** (step // every)."),
        ], where, "schedule(step) = lr0 * drop ** (step // every).")
    passed(name, "lr0 · drop^⌊step/every⌋, right at steps 0..29 for 2 settings.")
