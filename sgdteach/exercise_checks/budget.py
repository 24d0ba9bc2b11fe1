r"""Exercise 6 (open task): choose the learning rate, batch size, schedule and sampling that reach
a target loss within a budget of gradient evaluations. Graded by outcome with
:func:`sgdteach.minimize`.

One gradient evaluation is one row's gradient, so a step on a batch of :math:`b` rows costs
:math:`b`, and an epoch costs :math:`n` whatever the batch size. The target is 1 % above the
least-squares optimum :math:`J(\theta^\star)`, measured on the whole data set at the last
iterate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..descent import DivergenceError, minimize
from ..losses import least_squares_solution, mse
from ..sampling import steps_per_epoch
from ._core import CheckError, call, passed, require_callable, show

Array = np.ndarray
ALLOWED = ("lr", "batch_size", "epochs", "sampling", "optimizer")
BUDGET_EPOCHS = 10
TARGET_FACTOR = 1.01


def budget_problem() -> tuple[Array, Array, int, float]:
    r"""The task's data and limits: ``(X, y, budget, target)``.

    ``X`` is 1000 x 5 (a bias column and four features of very different scales, so the problem
    is ill-conditioned), ``y = X θ* + noise``; ``budget`` is 10 epochs' worth of gradient
    evaluations (10 000) and ``target`` is 1.01 times the least-squares loss.
    """
    rng = np.random.default_rng(2024)
    n = 1000
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 4)) * np.array([3.0, 1.0, 0.5, 0.2])])
    y = X @ np.array([1.0, -2.0, 0.5, 3.0, -1.0]) + 0.5 * rng.normal(size=n)
    target = TARGET_FACTOR * mse(least_squares_solution(X, y), X, y)
    return X, y, BUDGET_EPOCHS * n, float(target)


def planned_evaluations(n: int, batch_size: int, epochs: int, sampling: str) -> int:
    """Gradient evaluations :func:`sgdteach.minimize` will spend with these settings."""
    if sampling == "replacement" and batch_size < n:
        return epochs * steps_per_epoch(n, batch_size) * batch_size
    return epochs * n


def _settings(check: str, name: str, choose: Callable[[], dict]) -> dict[str, Any]:
    settings = call(check, name, choose, (), "no input (it takes no arguments)")
    if not isinstance(settings, dict):
        raise CheckError(check, "settings not a dict", name, f"Received {show(settings)}.",
                         "Return a dict such as dict(lr=0.01, batch_size=10, epochs=5).")
    unknown = sorted(set(settings) - set(ALLOWED))
    if unknown:
        raise CheckError(check, "unknown setting", name,
                         f"Received keys {sorted(settings)}; {unknown} is not allowed.",
                         f"Use only {', '.join(ALLOWED)}: seed and data are fixed by the task.")
    return settings


def check_budget(choose_settings: Callable[[], dict], *, seed: int = 0) -> None:
    r"""Run ``sgdteach.minimize(X, y, **choose_settings(), seed=seed)`` on
    :func:`budget_problem` and check it reaches the target within the budget.

    Names the failures: over the budget of gradient evaluations (checked before running),
    diverged, target loss not reached, invalid settings.
    """
    check, name = "check_budget", getattr(choose_settings, "__name__", "choose_settings")
    require_callable(check, "choose_settings", choose_settings)
    X, y, budget, target = budget_problem()
    settings = _settings(check, name, choose_settings)
    where = f"the task's data with seed = {seed}"
    n = len(y)
    planned = None
    try:
        b = int(settings.get("batch_size", 1))
        planned = planned_evaluations(n, b, int(settings.get("epochs", 10)),
                                      str(settings.get("sampling", "replacement")))
    except (TypeError, ValueError):
        pass  # minimize reports the bad value below, in its own words
    if planned is not None and planned > budget:
        raise CheckError(check, "over the budget of gradient evaluations", name,
                         f"On {where}: at most {budget:,} evaluations allowed, these settings "
                         f"use {planned:,}.",
                         "Each epoch costs n = 1000 evaluations whatever the batch size: use at "
                         f"most {budget // n} epochs.")
    try:
        history = call(check, name, lambda: minimize(X, y, seed=seed, **settings), (), where)
    except CheckError as err:
        cause = err.__cause__
        if isinstance(cause, DivergenceError):
            raise CheckError(check, "diverged", name, f"On {where}: {cause}",
                             "Lower lr (or decay it faster), or use a larger batch.") from cause
        raise
    used, final = int(history.samples_seen[-1]), history.final_loss
    if final > target:
        raise CheckError(check, "target loss not reached", name,
                         f"On {where}: expected a final loss <= {target:.5f}, received "
                         f"{final:.5f} after {used:,} of {budget:,} gradient evaluations.",
                         "A constant lr leaves SGD bouncing around the minimum: decay it "
                         "(sgdteach.cosine, step_decay, inverse_time) or average over larger "
                         "batches.")
    passed(name, f"final loss {final:.5f} <= target {target:.5f} with {used:,} of {budget:,} "
                 f"gradient evaluations (seed {seed}).")
