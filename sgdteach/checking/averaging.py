r"""Exercise 10: Polyak–Ruppert averaging of constant-rate SGD as a running mean (notebook 11).

Single-example SGD with an index drawn with replacement at every step, and the average of the
iterates after steps :math:`1, \dots, t` (:math:`\theta_0` is never averaged), kept as a running
mean, one extra vector:

.. math::

    r_t \sim \mathcal U\{0, \dots, m-1\}, \qquad
    \theta_t = \theta_{t-1} - \alpha\, 2 x_{r_t}(x_{r_t}^\top\theta_{t-1} - y_{r_t}), \qquad
    \bar\theta_t = \bar\theta_{t-1} + \frac{\theta_t - \bar\theta_{t-1}}{t}
                 = \frac1t \sum_{s=1}^t \theta_s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import descent, history
from .._types import Array
from ..datasets import reference_data
from ._check import Check
from ._core import (
    IN_PLACE,
    CheckError,
    Variant,
    as_array,
    close,
    compare,
    expect_calls,
    returned,
    show,
    unchanged,
)
from ._record import observe

FED_BACK = "the average fed back into the steps"
FORBIDDEN = ("sgdteach.history", "sgdteach.descent", "sgdteach.reference", "sgdteach.streaming",
             "sgdteach.optimizers", "sgdteach.losses", "sgdteach.checking.averaging",
             "sgdteach.grading")


def _run(X: Array, y: Array, theta0: Array, lr: float, steps: int, seed: int,
         kind: str = "") -> tuple[Array, Array]:
    """The reference run, or one deliberate change ``kind`` to it: (last iterate, average)."""
    rng = np.random.default_rng(seed)
    m = len(y)
    theta = theta0.copy()
    iterates = [theta.copy()]
    bar = theta0.copy() if kind == "ema" else np.zeros_like(theta0)
    for t in range(1, steps + 1):
        r = int(rng.integers(m))
        at = bar if kind == FED_BACK and t > 1 else theta
        theta = at - lr * 2.0 * X[r] * (X[r] @ at - y[r])
        iterates.append(theta.copy())
        bar = bar + (theta - bar) / t if kind != "ema" else 0.9 * bar + 0.1 * theta
    path = np.array(iterates)
    averages = {"": bar, FED_BACK: bar, "ema": bar, "with theta0": path.mean(axis=0),
                "before the step": path[:-1].mean(axis=0), "sum": path[1:].sum(axis=0),
                "t + 1": path[1:].sum(axis=0) / (steps + 1), "last": theta}
    return theta, averages[kind]


def _cases(seed: int) -> list[tuple[str, Array, Array, Array, float, int]]:
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    Xr = np.column_stack([np.ones(6), rng.normal(size=(6, 2))])
    return [("the reference data, theta0 = [0.5, -1], lr = 0.02, 12 steps", X, y,
             np.array([0.5, -1.0]), 0.02, 12),
            (f"a random 6x3 problem (seed {seed}), lr = 0.05, 9 steps", Xr, rng.normal(size=6),
             rng.normal(size=3), 0.05, 9)]


def _probe(fn: Callable, seed: int) -> list[dict]:
    return [observe(fn, (X.copy(), y.copy(), theta0.copy(), lr, steps,
                         np.random.default_rng(seed)), after=(2,))
            for _, X, y, theta0, lr, steps in _cases(seed)]


_FIXES = {
    "with theta0": ("θ₀ included in the average",
                    "Average the iterates after steps 1, ..., t: the start θ₀ is not one of them."),
    "before the step": ("average taken before the step (θ₀, ..., θ_{t−1})",
                        "Update the average after each step, with the new iterate."),
    "sum": ("sum of the iterates, not their mean", "Divide by the number of iterates averaged."),
    "t + 1": ("running mean divided by t + 1", "After step t the mean holds t iterates: "
              "divide the difference by t, counting steps from 1."),
    "last": ("last iterate returned as the average",
             "Keep a second vector for the average; the step itself stays plain SGD."),
    FED_BACK: (FED_BACK, "The steps go on from the SGD iterate θ; the average only watches."),
    "ema": ("exponential moving average instead of the running mean",
            "Polyak–Ruppert gives every iterate the same weight 1/t."),
}


def _judge(name: str, calls: list, seed: int) -> str:
    check = AVERAGED.name
    cases = _cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, X, y, theta0, lr, steps) in zip(calls, cases, strict=True):
        where = f"{where}, rng = np.random.default_rng({seed})"
        value = returned(check, name, obs, where)
        unchanged(check, name, theta0, obs.after.get(2), "theta0", where,
                  "Start from a copy: theta = theta0.copy().", IN_PLACE)
        if not value.tuple or value.length != 2 or not value.items or len(value.items) != 2:
            raise CheckError(check, "wrong return value", name,
                             f"On {where}: expected a tuple (theta, theta_bar), received "
                             f"{value.text}.", "End with return theta, theta_bar.")
        last = as_array(check, name, value.items[0], theta0.shape, f"{where}, the last iterate")
        theta, bar = _run(X, y, theta0, lr, steps, seed)
        fed_last, _ = _run(X, y, theta0, lr, steps, seed, FED_BACK)
        if not close(last, theta):
            if close(last, fed_last):
                raise CheckError(check, FED_BACK, name,
                                 f"On {where}, the last iterate: expected {show(theta)}, "
                                 f"received {show(last)}.", _FIXES[FED_BACK][1])
            raise CheckError(check, "wrong last iterate", name,
                             f"On {where}, the last iterate: expected {show(theta)}, received "
                             f"{show(last)}.",
                             "The steps are exercise 2's: draw r = rng.integers(m) once per "
                             "step, then step on row r.")
        got = as_array(check, name, value.items[1], theta0.shape, f"{where}, the average")
        variants = [Variant(title, _run(X, y, theta0, lr, steps, seed, kind)[1], fix)
                    for kind, (title, fix) in _FIXES.items() if kind != FED_BACK]
        compare(check, name, got, bar, variants, f"{where}, the average",
                "Print your average after 1, 2 and 3 steps next to the iterates themselves.")
    return "the last iterate and the mean of θ₁, ..., θ_t, right on 2 runs."


AVERAGED = Check("check_averaged_sgd", "averaged_sgd", _probe, _judge, forbidden=FORBIDDEN,
                 implements=(_run, descent.descend, history.IterateAverage.add))


def check_averaged_sgd(averaged_sgd: Callable[..., tuple[Array, Array]], *,
                       seed: int = 0) -> None:
    r"""Check ``averaged_sgd(X, y, theta0, lr, steps, rng)`` returns ``(theta, theta_bar)``: the
    last iterate of single-example SGD (an index ``rng.integers(m)`` per step) and the running mean
    :math:`\bar\theta_t = \frac1t\sum_{s=1}^t\theta_s` of its iterates.

    Names the mistakes: θ₀ included in the average, the average taken before the step, a sum
    instead of a mean, the running mean divided by t + 1, the last iterate returned as the
    average, the average fed back into the steps, an exponential moving average, θ₀ modified in
    place.
    """
    AVERAGED(averaged_sgd, seed)
