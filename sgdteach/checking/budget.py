r"""Exercise 6 (open task): choose the learning rate, batch size, schedule and sampling that reach
a target loss within a budget of gradient evaluations. Graded by outcome with
:func:`sgdteach.minimize`.

One gradient evaluation is one row's gradient, so a step on a batch of :math:`b` rows costs
:math:`b`. An epoch costs :math:`n` with ``sampling="shuffle"`` or ``"cyclic"``; with the default
``sampling="replacement"`` it is :math:`\lceil n/b \rceil` full batches drawn with replacement,
:math:`\lceil n/b \rceil \, b` evaluations (1 024 for :math:`n = 1000`, :math:`b = 64`). The
target is 1 % above the least-squares optimum :math:`J(\theta^\star)`, measured on the whole
data set at the last iterate.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .._types import Array
from ..descent import minimize
from ..history import DivergenceError
from ..losses import least_squares_solution, mse
from ..sampling import steps_per_epoch
from ._check import Check
from ._core import CheckError, RecordError, returned
from ._record import encode, observe

ALLOWED = ("lr", "batch_size", "epochs", "sampling", "optimizer")
BUDGET_EPOCHS = 10
TARGET_FACTOR = 1.01
N = 1000
MAX_SCHEDULE_STEPS = 20_000


def budget_problem() -> tuple[Array, Array, int, float]:
    r"""The task's data and limits: ``(X, y, budget, target)``.

    ``X`` is 1000 x 5 (a bias column and four features of very different scales, so the problem
    is ill-conditioned), ``y = X θ* + noise``; ``budget`` is 10 epochs' worth of gradient
    evaluations (10 000) and ``target`` is 1.01 times the least-squares loss.
    """
    rng = np.random.default_rng(2024)
    n = N
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 4)) * np.array([3.0, 1.0, 0.5, 0.2])])
    y = X @ np.array([1.0, -2.0, 0.5, 3.0, -1.0]) + 0.5 * rng.normal(size=n)
    target = TARGET_FACTOR * mse(least_squares_solution(X, y), X, y)
    return X, y, BUDGET_EPOCHS * n, float(target)


def planned_evaluations(n: int, batch_size: int, epochs: int, sampling: str) -> int:
    """Gradient evaluations :func:`sgdteach.minimize` will spend with these settings."""
    if sampling == "replacement" and batch_size < n:
        return epochs * steps_per_epoch(n, batch_size) * batch_size
    return epochs * n


def _whole(value: Any) -> int | None:
    """An integer setting as minimize may read it (10 and 10.0 alike), else ``None``."""
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _steps(settings: dict) -> int:
    """The schedule calls minimize makes with these settings (steps 0..T), 0 when unknown."""
    b, epochs = _whole(settings.get("batch_size", 1)), _whole(settings.get("epochs", 10))
    if b is None or epochs is None or not (1 <= b <= N and 1 <= epochs <= MAX_SCHEDULE_STEPS):
        return 0
    total = epochs * steps_per_epoch(N, b)
    return total if total < MAX_SCHEDULE_STEPS else 0


def _probe(fn: Callable, seed: int) -> list[dict]:
    """The settings as plain data and, for a schedule given as lr, its value at every step."""
    made = observe(fn)
    settings = made.get("_value")
    if made["status"] != "ok" or not isinstance(settings, dict) or not callable(
            settings.get("lr")):
        return [made]
    schedule = settings["lr"]
    return [made, observe(lambda: [schedule(s) for s in range(_steps(settings) + 1)],
                          encoder=lambda v: encode(v, limit=MAX_SCHEDULE_STEPS + 1))]


class _Table:
    """A schedule read off a table of the learner's values (step -> lr)."""

    def __init__(self, values: Array):
        self.values = values

    def __call__(self, step: int) -> float:
        return float(self.values[step])


def _settings(check: str, name: str, calls: list, where: str) -> dict[str, Any]:
    """The recorded settings as plain Python values, or a named mistake."""
    if not calls:
        raise RecordError("the choose_settings call was not recorded")
    value = returned(check, name, calls[0], "no input (it takes no arguments)")
    if value.entries is None:
        raise CheckError(check, "settings not a dict", name, f"Received {value.text}.",
                         "Return a dict such as dict(lr=0.01, batch_size=10, epochs=5).")
    unknown = sorted(set(value.entries) - set(ALLOWED))
    if unknown or value.length != len(value.entries):
        raise CheckError(check, "unknown setting", name,
                         f"Received {value.text}; {unknown or 'a key'} is not allowed.",
                         f"Use only {', '.join(ALLOWED)}: seed and data are fixed by the task.")
    settings: dict[str, Any] = {}
    for key, v in value.entries.items():
        if key == "lr" and v.callable:
            if len(calls) != 2:
                raise RecordError("the schedule's values were not recorded")
            table = returned(check, name, calls[1], f"{where}, your lr schedule")
            if table.array is None or table.array.ndim != 1:
                raise CheckError(check, "schedule returns a non-number", name,
                                 f"On {where}: your lr schedule returned {table.text}.",
                                 "Return a float learning rate at every step.")
            settings[key] = _Table(table.array)
        elif v.string is not None:
            settings[key] = v.string
        elif v.shape == () and v.array is not None and not v.callable and not v.tuple:
            number = float(v.array)
            settings[key] = int(number) if v.integer and number.is_integer() else number
        else:
            raise CheckError(check, "setting not a number, a name or a schedule", name,
                             f"On {where}: {key} = {v.text}.",
                             "Give numbers, names such as optimizer='adam', and for lr a number "
                             "or a schedule function step -> lr.")
    return settings


def _budget_fix(n: int, b: int, sampling: str, budget: int) -> str:
    if sampling == "replacement" and b < n:
        per_epoch = steps_per_epoch(n, b) * b
        return (f"With sampling='replacement' (the default) an epoch is ceil(n / batch_size) = "
                f"{steps_per_epoch(n, b)} batches of {b} rows drawn with replacement, "
                f"{per_epoch:,} evaluations: use at most {budget // per_epoch} epochs, or "
                f"sampling='shuffle' (an epoch of n = {n:,}).")
    return (f"With sampling='{sampling}' an epoch costs n = {n:,} evaluations whatever the batch "
            f"size: use at most {budget // n} epochs.")


def _not_reached_fix(settings: dict, n: int) -> str:
    b = settings.get("batch_size", 1)
    if isinstance(b, int) and b >= n:
        return ("Batch gradient descent (batch_size = n) has no sampling noise: it has not "
                "bounced, it has too few steps to converge on this ill-conditioned problem. Use "
                "smaller batches (more steps for the same budget) and a rate up to 2/L.")
    if callable(settings.get("lr")):
        return ("The decayed rate stops the run short of the target: start it higher, or let it "
                "decay more slowly over the steps the budget allows.")
    return ("A constant lr leaves SGD bouncing around the minimum: decay it (sgdteach.cosine, "
            "step_decay, inverse_time) or average over larger batches.")


def _judge(name: str, calls: list, seed: int) -> str:
    check = BUDGET.name
    X, y, budget, target = budget_problem()
    where = f"the task's data with seed = {seed}"
    settings = _settings(check, name, calls, where)
    n = len(y)
    planned = None
    try:
        b = int(settings.get("batch_size", 1))
        sampling = str(settings.get("sampling", "replacement"))
        planned = planned_evaluations(n, b, int(settings.get("epochs", 10)), sampling)
    except (TypeError, ValueError):
        pass  # minimize reports the bad value below, in its own words
    if planned is not None and planned > budget:
        raise CheckError(check, "over the budget of gradient evaluations", name,
                         f"On {where}: at most {budget:,} evaluations allowed, these settings "
                         f"use {planned:,}.", _budget_fix(n, b, sampling, budget))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            history = minimize(X, y, seed=seed, **settings)
    except DivergenceError as cause:
        raise CheckError(check, "diverged", name, f"On {where}: {cause}",
                         "Lower lr (or decay it faster), or use a larger batch.") from cause
    except Exception as exc:
        raise CheckError(check, f"raised {type(exc).__name__}", name,
                         f"On {where}: {type(exc).__name__}: {exc}.",
                         "Run your function on that input yourself to see where it fails."
                         ) from exc
    used, final = int(history.samples_seen[-1]), history.final_loss
    if final > target:
        raise CheckError(check, "target loss not reached", name,
                         f"On {where}: expected a final loss <= {target:.5f}, received "
                         f"{final:.5f} after {used:,} of {budget:,} gradient evaluations.",
                         _not_reached_fix(settings, n))
    return (f"final loss {final:.5f} <= target {target:.5f} with {used:,} of {budget:,} "
            f"gradient evaluations (seed {seed}).")


BUDGET = Check("check_budget", "choose_settings", _probe, _judge,
               forbidden=("sgdteach.checking.budget", "sgdteach.grading"))


def check_budget(choose_settings: Callable[[], dict], *, seed: int = 0) -> None:
    r"""Run ``sgdteach.minimize(X, y, **choose_settings(), seed=seed)`` on
    :func:`budget_problem` and check it reaches the target within the budget.

    The settings must be plain data: numbers, names, and for ``lr`` a number or a schedule (read
    as its values at every step the run takes). Names the failures: over the budget of gradient
    evaluations (checked before running), diverged, target loss not reached, invalid settings.
    """
    BUDGET(choose_settings, seed)
