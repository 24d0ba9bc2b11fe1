r"""Exercise 9: online SGD on a drifting target and its tracking error (notebook 06).

One online step on batch :math:`t` (:math:`b` rows), and the RMS tracking error over the batches
:math:`t = s, \dots, N-1` after a burn-in :math:`s`:

.. math::

    \theta_{t+1} = \theta_t - \alpha\,\frac{2}{b} X_t^\top (X_t\theta_t - y_t), \qquad
    \text{err} = \Big(\frac{1}{N - s}\sum_{t=s}^{N-1} \|\theta_t - \theta^\star_t\|^2\Big)^{1/2},

where :math:`\theta_t` is the iterate *used on* batch :math:`t` (``path[t]``, before its update)
and :math:`\theta^\star_t` the truth in force for that batch (``theta_true[t]``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import descent, losses
from .._types import Array
from ._check import Check
from ._core import (
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

FORBIDDEN = ("sgdteach.streaming", "sgdteach.descent", "sgdteach.optimizers",
             "sgdteach.reference", "sgdteach.losses", "sgdteach.course.experiments",
             "sgdteach.course.online_tracking", "sgdteach.checking.tracking", "sgdteach.grading")
STEP_FIX = "Compare your step with the formula in the hint, term by term."


def _step_cases(seed: int) -> list[tuple[str, Array, Array, Array, float]]:
    """(description, theta, X_batch, y_batch, lr): batch size never equal to d."""
    rng = np.random.default_rng(seed)
    return [(f"a batch of 5 rows with d = 2 (seed {seed}), lr = 0.1", rng.normal(size=2),
             rng.normal(size=(5, 2)), rng.normal(size=5), 0.1),
            (f"a batch of 1 row with d = 3 (seed {seed}), lr = 0.05", rng.normal(size=3),
             rng.normal(size=(1, 3)), rng.normal(size=1), 0.05)]


def _probe_step(fn: Callable, seed: int) -> list[dict]:
    return [observe(fn, (theta.copy(), X.copy(), y.copy(), lr), after=(0,))
            for _, theta, X, y, lr in _step_cases(seed)]


def _judge_step(name: str, calls: list, seed: int) -> str:
    check = STEP.name
    cases = _step_cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, theta, X, y, lr) in zip(calls, cases, strict=True):
        value = returned(check, name, obs, where)
        unchanged(check, name, theta, obs.after.get(0), "theta", where,
                  "Return a new array instead of updating theta in place (theta -= ... changes "
                  "the caller's array too).")
        got = as_array(check, name, value, theta.shape, where)
        b, d = X.shape
        g = (2.0 / b) * (X.T @ (X @ theta - y))
        compare(check, name, got, theta - lr * g, [
            (WRONG_SIGN, theta + lr * g, "Step against the gradient: subtract it."),
            (MISSING_FACTOR_2, theta - lr * g / 2,
             "The squared error's derivative has a factor 2."),
            (NOT_AVERAGED, theta - lr * g * b,
             "The batch gradient is a mean over the b rows of the batch: divide by b."),
            ("divided by d (the number of features) instead of b", theta - lr * g * b / d,
             "Divide by the number of rows of the batch, len(y_batch), not by X.shape[1]."),
            ("learning rate not applied", theta - g, "Multiply the gradient by lr."),
        ], where, STEP_FIX)
    return "θ − α (2/b) Xᵀ(Xθ − y), right on 2 batches, θ left unchanged."


def _error_cases(seed: int) -> list[tuple[str, Array, Array, int]]:
    """(description, path, theta_true, start): path has one row more than theta_true."""
    rng = np.random.default_rng(seed)
    out = []
    for n, d, start in ((8, 2, 3), (6, 3, 2)):
        truth = rng.normal(size=(n, d))
        path = np.vstack([truth + rng.normal(scale=0.3, size=(n, d)), rng.normal(size=(1, d))])
        out.append((f"a path of {n + 1} iterates against {n} truths, d = {d}, start = {start} "
                    f"(seed {seed})", path, truth, start))
    return out


def _rms(path: Array, truth: Array, start: int) -> float:
    """The RMS of ``||path[t] - truth[t]||`` over ``t = start, ..., len(truth) - 1``."""
    n = len(truth)
    return float(np.sqrt(np.mean(np.sum((path[start:n] - truth[start:]) ** 2, axis=1))))


def _probe_error(fn: Callable, seed: int) -> list[dict]:
    return [observe(fn, (path.copy(), truth.copy(), start), after=(0, 1))
            for _, path, truth, start in _error_cases(seed)]


def _judge_error(name: str, calls: list, seed: int) -> str:
    check = ERROR.name
    cases = _error_cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, path, truth, start) in zip(calls, cases, strict=True):
        value = returned(check, name, obs, where)
        for i, what in enumerate(("path", "theta_true")):
            unchanged(check, name, (path, truth)[i], obs.after.get(i), what, where,
                      f"Never assign into {what}.", f"{what} modified in place")
        got = as_array(check, name, value, (), where,
                       "Average the squared distances over the batches into one number.")
        n = len(truth)
        expected = _rms(path, truth, start)
        dist = np.linalg.norm(path[start:n] - truth[start:], axis=1)
        compare(check, name, got, expected, [
            Variant("mean distance instead of the root of the mean square", float(dist.mean()),
                    "Square the distances, average them, then take the square root."),
            Variant("root not taken (mean square, not RMS)", expected ** 2,
                    "The tracking error is the square root of the mean square."),
            Variant("iterate after the update compared (path off by one)",
                    _rms(path[1:], truth, start),
                    "path[t] is the iterate used on batch t, before its update: compare "
                    "path[t] with theta_true[t]."),
            Variant("burn-in ignored (the start averaged in)", _rms(path, truth, 0),
                    "Average over the batches t = start, ..., N - 1 only."),
            Variant("averaged over the coordinates too", expected / np.sqrt(truth.shape[1]),
                    "Sum the squares over the d coordinates (a squared norm); average over the "
                    "batches only."),
        ], where, "Write the formula of the hint as three steps: the squared distance per "
                  "batch, its mean over the batches kept, the square root.")
    return "the RMS distance to the moving truth after the burn-in, right on 2 paths."


STEP = Check("check_online_step", "online_step", _probe_step, _judge_step, forbidden=FORBIDDEN,
             implements=(losses._squared_grad, losses._squared_grad_one, descent.descend))
ERROR = Check("check_tracking_error", "tracking_error", _probe_error, _judge_error,
              forbidden=FORBIDDEN, implements=(_rms,))


def check_online_step(online_step: Callable[[Array, Array, Array, float], Array], *,
                      seed: int = 0) -> None:
    r"""Check ``online_step(theta, X_batch, y_batch, lr)`` returns
    :math:`\theta - \alpha\,\frac2b X^\top(X\theta - y)` for one batch of :math:`b` rows, leaving
    ``theta`` unchanged.

    Names the mistakes: θ modified in place, wrong sign, missing factor 2, not averaged (a sum
    over the batch), divided by the number of features, learning rate not applied.
    """
    STEP(online_step, seed)


def check_tracking_error(tracking_error: Callable[[Array, Array, int], float], *,
                         seed: int = 0) -> None:
    r"""Check ``tracking_error(path, theta_true, start)`` returns
    :math:`\big(\frac{1}{N-s}\sum_{t=s}^{N-1}\|\theta_t - \theta^\star_t\|^2\big)^{1/2}` with
    ``path[t]`` the iterate used on batch :math:`t` and :math:`N` = ``len(theta_true)``.

    Names the mistakes: the mean distance instead of the RMS, the root not taken, the path off by
    one (the iterate after the update), the burn-in ignored, averaged over the coordinates too,
    an input modified in place.
    """
    ERROR(tracking_error, seed)
