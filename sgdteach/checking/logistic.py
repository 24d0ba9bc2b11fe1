r"""Exercise 7: the gradient of the logistic loss, labels :math:`y_i \in \{-1, +1\}` (notebook 09).

.. math::

    J(\theta) = \frac1m \sum_{i=1}^m \log\left(1 + e^{-y_i x_i^\top\theta}\right), \qquad
    \nabla J(\theta) = -\frac1m \sum_{i=1}^m \frac{y_i\, x_i}{1 + e^{\,y_i x_i^\top\theta}}
                     = -\frac1m X^\top \big(y \odot \sigma(-y \odot X\theta)\big)

with :math:`\sigma(z) = 1/(1 + e^{-z})`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import losses
from .._types import Array
from ._check import Check
from ._core import (
    IN_PLACE,
    NOT_AVERAGED,
    WRONG_SIGN,
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

WRONG_ARGUMENT = "sigmoid of the wrong argument"
LABELS_01 = "labels taken as {0, 1} (the formula σ(xᵀθ) − y)"
ONE_NUMBER = "gradient averaged to one number"
PER_EXAMPLE = "averaged over the features instead of the examples"
# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.losses", "sgdteach.networks", "sgdteach.checking.logistic",
             "sgdteach.checking.finite_differences.numerical_gradient", "sgdteach.grading")


def _cases(seed: int) -> list[tuple[str, Array, Array, Array]]:
    """(description, X, y, theta): a small hand-made set, a random problem, one row of it."""
    X = np.array([[1.0, 0.5], [1.0, -1.5], [1.0, 2.0], [1.0, -0.3]])
    y = np.array([1.0, -1.0, -1.0, 1.0])
    rng = np.random.default_rng(seed)
    Xr = np.column_stack([np.ones(7), rng.normal(size=(7, 2))])
    yr = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -1.0])
    tr = rng.normal(size=3)
    return [("4 points with labels [1, -1, -1, 1], theta = [0.2, -0.4]", X, y,
             np.array([0.2, -0.4])),
            (f"a random 7x3 problem with labels ±1 (seed {seed})", Xr, yr, tr),
            (f"row 2 of the random problem, label -1 (seed {seed})", Xr[1:2], yr[1:2], tr)]


def _probe(fn: Callable, seed: int) -> list[dict]:
    """Call ``fn(theta, X, y)`` on copies of every case; record the copies after the call."""
    return [observe(fn, (theta.copy(), X.copy(), y.copy()), after=(0, 1, 2))
            for _, X, y, theta in _cases(seed)]


def _variants(X: Array, y: Array, theta: Array) -> list[Variant]:
    m = len(y)
    p = X @ theta
    g = -(X.T @ (y * losses._expit(-y * p))) / m
    fix_sign = ("The loss falls as the margin y xᵀθ grows, so its derivative in the margin is "
                "negative: keep the minus sign in front.")
    return [
        Variant(WRONG_SIGN, -g, fix_sign),
        Variant(NOT_AVERAGED, g * m, "J is a mean over the m examples: divide the sum by m."),
        Variant(WRONG_ARGUMENT, -(X.T @ (y * losses._expit(y * p))) / m,
                "The weight of example i is σ(−y_i x_iᵀθ) = 1 / (1 + e^{y_i x_iᵀθ}): "
                "the argument carries a minus sign."),
        Variant(WRONG_ARGUMENT, -(X.T @ (y * losses._expit(-p))) / m,
                "The sigmoid takes the margin y_i x_iᵀθ, label included, not x_iᵀθ alone."),
        Variant(LABELS_01, (X.T @ (losses._expit(p) - y)) / m,
                "That formula is for labels in {0, 1}; here y is −1 or +1 (notebook 09). "
                "Write the gradient with the margin y_i x_iᵀθ instead."),
        Variant(f"{WRONG_SIGN} and {NOT_AVERAGED}", -g * m,
                "Keep the minus sign, and divide the sum by m.", combination=True),
    ]


def _judge(name: str, calls: list, seed: int) -> str:
    check = GRADIENT.name
    cases = _cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, X, y, theta) in zip(calls, cases, strict=True):
        m, d = X.shape
        value = returned(check, name, obs, where)
        unchanged(check, name, theta, obs.after.get(0), "theta", where,
                  "Compute with theta, never assign into it.", IN_PLACE)
        for i, (what, orig) in enumerate((("X", X), ("y", y)), start=1):
            unchanged(check, name, orig, obs.after.get(i), what, where,
                      "Never assign into X or y.", f"{what} modified in place")
        p = X @ theta
        per_example = -(y * losses._expit(-y * p))[:, None] * X      # row i: the gradient of J_i
        expected = per_example.mean(axis=0)
        if value.shape == () and value.array is not None and m > 1:
            if close(value.array, per_example.mean()):
                raise CheckError(check, ONE_NUMBER, name,
                                 f"On {where}: expected {show(expected)}, received "
                                 f"{show(value.array)}.",
                                 "np.mean over the whole (m, d) array gives one number: average "
                                 "over the examples only, with axis=0 (or write X.T @ ... / m).")
        if value.shape == (m,) and value.array is not None and m != d and \
                close(value.array, per_example.mean(axis=1)):
            raise CheckError(check, PER_EXAMPLE, name,
                             f"On {where}: expected shape ({d},), received shape ({m},).",
                             "Average over the examples (axis=0): one entry per parameter.")
        got = as_array(check, name, value, (d,), where,
                       "Keep theta and y 1-D; X.T @ (a vector of m weights) is then 1-D too.")
        compare(check, name, got, expected, _variants(X, y, theta), where,
                "Compare yours with sgdteach.numerical_gradient on this input, entry by entry: "
                "which entries differ, and by what factor?")
    return "−(1/m) Σ y_i x_i σ(−y_i x_iᵀθ), right on 3 inputs."


GRADIENT = Check("check_logistic_gradient", "logistic_gradient", _probe, _judge,
                 implements=(losses._logistic_grad, losses._logistic_grad_one),
                 forbidden=FORBIDDEN)


def check_logistic_gradient(logistic_gradient: Callable[[Array, Array, Array], Array], *,
                            seed: int = 0) -> None:
    r"""Check ``logistic_gradient(theta, X, y)`` returns the gradient of the mean logistic loss
    for labels in :math:`\{-1, +1\}`, shape ``(d,)``, leaving its inputs unchanged.

    Names the mistakes: wrong sign, not averaged (a sum), the sigmoid of the wrong argument
    (:math:`\sigma(y x^\top\theta)` or :math:`\sigma(-x^\top\theta)`), the labels taken as
    :math:`\{0, 1\}`, the gradient averaged to one number or over the features, inputs
    modified in place. Prints a confirmation when every input passes.
    """
    GRADIENT(logistic_gradient, seed)
