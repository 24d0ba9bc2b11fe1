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

from collections.abc import Callable, Iterator

import numpy as np

from .. import schedules
from .._types import Array
from ._check import Check
from ._core import SCHEDULE_FROM_ZERO, CheckError, RecordError, compare, returned
from ._record import observe

STEPS = np.arange(0, 30)


def _probe_settings(fn: Callable, settings: list[tuple]) -> list[dict]:
    """For each setting: the factory call, then (when it returned a function) steps 0..29."""
    calls = []
    for args in settings:
        made = observe(fn, args)
        calls.append(made)
        schedule = made.get("_value")
        if made["status"] == "ok" and callable(schedule):
            calls.extend(observe(schedule, (step,)) for step in STEPS.tolist())
    return calls


def _values(check: str, name: str, calls: Iterator, where: str) -> Array:
    """The recorded schedule's values at steps 0..29, or a named mistake."""
    made = returned(check, name, next(calls, None) or _missing(), where)
    if not made.callable:
        raise CheckError(check, "returns a number, not a schedule", name,
                         f"On {where}: received {made.text}.",
                         "Return a function: def schedule(step): return ...; return schedule.")
    values = []
    for step in STEPS.tolist():
        obs = next(calls, None) or _missing()
        if step == 0 and obs.status == "raised" and obs.type == "ZeroDivisionError":
            raise CheckError(check, SCHEDULE_FROM_ZERO, name,
                             f"On {where}: dividing by zero at step 0.",
                             "The first update is t = step + 1 = 1: use (step + 1).") from obs.exc
        values.append(returned(check, name, obs, f"{where}, step = {step}"))
    try:
        if any(v.array is None for v in values):
            raise ValueError("not numbers")
        return np.array([v.array for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(check, "returns a non-number", name,
                         f"On {where}: the schedule returned {values[0].text} at step 0.",
                         "Return a float learning rate.") from None


def _missing():
    raise RecordError("a schedule call was not recorded")


def _inv_settings(seed: int) -> list[tuple[float, float]]:
    if seed == 0:
        return [(0.5, 0.5), (0.1, 1.0), (1.0, 0.25)]
    rng = np.random.default_rng(seed)
    return [(2.0, 1.0), (0.3, 0.5), (round(float(rng.uniform(0.05, 2.0)), 3),
                                     round(float(rng.uniform(0.2, 1.2)), 2))]


def _decay_settings(seed: int) -> list[tuple[float, float, int]]:
    if seed == 0:
        return [(0.1, 0.5, 10), (1.0, 0.9, 3)]
    rng = np.random.default_rng(seed)
    return [(1.0, 0.5, 4), (round(float(rng.uniform(0.05, 1.0)), 3),
                            round(float(rng.uniform(0.3, 0.95)), 2), int(rng.integers(2, 9)))]


def _judge_inv(name: str, calls: list, seed: int) -> str:
    check, todo = INV.name, iter(calls)
    for lr0, power in _inv_settings(seed):
        where = f"lr0 = {lr0}, power = {power}, steps 0..29"
        got = _values(check, name, todo, where)
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
    return "lr0 / (step + 1)^power, right at steps 0..29 for 3 settings."


def _judge_decay(name: str, calls: list, seed: int) -> str:
    check, todo = DECAY.name, iter(calls)
    for lr0, drop, every in _decay_settings(seed):
        where = f"lr0 = {lr0}, drop = {drop}, every = {every}, steps 0..29"
        got = _values(check, name, todo, where)
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
    return "lr0 · drop^⌊step/every⌋, right at steps 0..29 for 2 settings."


# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.schedules", "sgdteach.checking.schedule", "sgdteach.grading")
INV = Check("check_invscaling", "invscaling",
            lambda fn, seed: _probe_settings(fn, _inv_settings(seed)), _judge_inv,
            forbidden=FORBIDDEN, implements=(schedules.invscaling,))
DECAY = Check("check_step_decay", "step_decay",
              lambda fn, seed: _probe_settings(fn, _decay_settings(seed)), _judge_decay,
              forbidden=FORBIDDEN, implements=(schedules.step_decay,))


def check_invscaling(invscaling: Callable[[float, float], Callable[[int], float]], *,
                     seed: int = 0) -> None:
    r"""Check ``invscaling(lr0, power)`` returns ``schedule(step) = lr0 / (step + 1) ** power``
    at steps 0..29 for 3 settings (``seed`` 0: fixed ones; another seed: other settings).

    Names the mistakes: schedule counted from 0 instead of 1 (``lr0 / step ** power``, infinite
    or a division by zero at step 0), off by one the other way, a growing rate (power's sign),
    a constant rate.
    """
    INV(invscaling, seed)


def check_step_decay(step_decay: Callable[[float, float, int], Callable[[int], float]], *,
                     seed: int = 0) -> None:
    r"""Check ``step_decay(lr0, drop, every)`` returns
    ``schedule(step) = lr0 * drop ** (step // every)``: the first drop after ``every`` updates
    (2 settings; ``seed`` 0: fixed ones; another seed: other settings).

    Names the mistakes: drops one step early (counted from 1), every step (exponential),
    without flooring (smooth), drop subtracted instead of multiplied.
    """
    DECAY(step_decay, seed)
