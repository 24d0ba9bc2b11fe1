r"""Exercise 1: the squared-error cost and its gradient.

.. math::

    J(\theta) = \frac{1}{m} \sum_{i=1}^m (x_i^\top \theta - y_i)^2, \qquad
    \nabla J(\theta) = \frac{2}{m} X^\top (X\theta - y)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import losses
from .._types import Array
from ..datasets import reference_data
from ..reference import batch_gradient_descent
from ._check import Check
from ._core import (
    IN_PLACE,
    MISSING_FACTOR_2,
    NOT_AVERAGED,
    WRONG_SIGN,
    Variant,
    as_array,
    compare,
    expect_calls,
    returned,
    unchanged,
)
from ._record import observe
from .finite_differences import numerical_gradient

BY_D = "divided by d (the number of features) instead of m"
# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.losses", "sgdteach.checking.finite_differences.numerical_gradient",
             "sgdteach.checking.gradient", "sgdteach.grading")


def _cases(seed: int) -> list[tuple[str, Array, Array, Array]]:
    """(description, X, y, theta): the reference data, a random problem, one row of it."""
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    Xr, yr, tr = rng.normal(size=(7, 3)), rng.normal(size=7), rng.normal(size=3)
    return [("the reference data with theta = [0.5, -1]", X, y, np.array([0.5, -1.0])),
            (f"a random 7x3 problem (seed {seed})", Xr, yr, tr),
            (f"a single row of the random problem (seed {seed})", Xr[:1], yr[:1], tr)]


def _probe(fn: Callable, seed: int) -> list[dict]:
    """Call ``fn(theta, X, y)`` on copies of every case; record the copies after the call."""
    return [observe(fn, (theta.copy(), X.copy(), y.copy()), after=(0, 1, 2))
            for _, X, y, theta in _cases(seed)]


def _returned(check: str, name: str, obs, X: Array, y: Array, theta: Array, where: str):
    """The recorded return value, after insisting the inputs came back untouched."""
    value = returned(check, name, obs, where)
    unchanged(check, name, theta, obs.after.get(0), "theta", where,
              "Compute with theta, never assign into it.", IN_PLACE)
    for i, (what, orig) in enumerate((("X", X), ("y", y)), start=1):
        unchanged(check, name, orig, obs.after.get(i), what, where, "Never assign into X or y.",
                  f"{what} modified in place")
    return value


def _judge_cost(name: str, calls: list, seed: int) -> str:
    check = COST.name
    cases = _cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, X, y, theta) in zip(calls, cases, strict=True):
        r = X @ theta - y
        m = len(y)
        expected = float(r @ r) / m
        got = as_array(check, name, _returned(check, name, obs, X, y, theta, where), (), where,
                       "Average the squared residuals into one number with np.mean.")
        compare(check, name, got, expected, [
            (NOT_AVERAGED, expected * m, "Divide the sum by m = len(y) (or use np.mean)."),
            ("extra factor 1/2", expected / 2,
             "This course's cost has no 1/2 (scikit-learn's does): J = mean((X @ theta - y)**2)."),
            ("square root taken (RMSE, not MSE)", np.sqrt(expected), "Do not take the root."),
            ("absolute instead of squared residuals", float(np.mean(np.abs(r))),
             "Square the residuals: (X @ theta - y)**2."),
        ], where, "J(theta) = mean((X @ theta - y)**2).")
    return "the mean squared error, right on 3 inputs."


def _judge_gradient(name: str, calls: list, seed: int) -> str:
    check = GRADIENT.name
    cases = _cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, X, y, theta) in zip(calls, cases, strict=True):
        m, d = X.shape
        expected = (2.0 / m) * (X.T @ (X @ theta - y))
        got = as_array(check, name, _returned(check, name, obs, X, y, theta, where), (d,), where,
                       "Keep theta and y 1-D; X.T @ (X @ theta - y) is then 1-D too.")
        variants = [Variant(BY_D, expected * m / d,
                            "Divide by m = len(y), the number of rows, not by d = X.shape[1].")]
        for sign, s_name in ((1.0, ""), (-1.0, WRONG_SIGN)):
            for factor, f_name in ((1.0, ""), (0.5, MISSING_FACTOR_2)):
                for total, t_name in ((1.0, ""), (float(m), NOT_AVERAGED)):
                    parts = [p for p in (s_name, f_name, t_name) if p]
                    if parts:
                        variants.append(Variant(" and ".join(parts),
                                                sign * factor * total * expected, _fix(parts),
                                                combination=len(parts) > 1))
        compare(check, name, got, expected, variants, where,
                "Compare yours with sgdteach.numerical_gradient on this input, entry by "
                "entry: which entries differ, and by what factor?")
    return "(2/m) Xᵀ(Xθ − y), right on 3 inputs."


COST = Check("check_squared_error_cost", "cost", _probe, _judge_cost, forbidden=FORBIDDEN,
             implements=(losses._squared_value, losses.mse))
# central differences are exact on a quadratic up to rounding, and one batch GD step with lr = 1
# is theta - grad: both would pass for the gradient
GRADIENT = Check("check_squared_error_gradient", "grad", _probe, _judge_gradient,
                 forbidden=FORBIDDEN, implements=(losses._squared_grad, losses._squared_grad_one,
                                                  numerical_gradient, batch_gradient_descent))


def check_squared_error_cost(cost: Callable[[Array, Array, Array], float], *,
                             seed: int = 0) -> None:
    r"""Check ``cost(theta, X, y)`` returns :math:`\frac1m \sum_i (x_i^\top\theta - y_i)^2`.

    Names the mistakes: not averaged (a sum), an extra factor 1/2, a square root (RMSE), absolute
    instead of squared residuals. Prints a confirmation when every input passes.
    """
    COST(cost, seed)


def check_squared_error_gradient(grad: Callable[[Array, Array, Array], Array], *,
                                 seed: int = 0) -> None:
    r"""Check ``grad(theta, X, y)`` returns :math:`\frac2m X^\top (X\theta - y)`, shape ``(d,)``.

    Names the mistakes: wrong sign, missing factor 2, not averaged (a sum), divided by the number
    of features instead of the rows, and combinations (named only when no single mistake
    matches); a column vector is a wrong shape. Prints a confirmation when every input passes.
    """
    GRADIENT(grad, seed)


def _fix(parts: list[str]) -> str:
    fixes = {WRONG_SIGN: "the residual is X @ theta - y, not y - X @ theta",
             MISSING_FACTOR_2: "the derivative of a square brings a factor 2",
             NOT_AVERAGED: "divide by m = len(y) because J is a mean"}
    text = "; ".join(fixes[p] for p in parts)
    return text[0].upper() + text[1:] + "."
