r"""Exercise 2: one SGD step, then the reference loop (an index drawn with replacement at every
step, m steps per epoch).

.. math::

    r \sim \mathcal U\{0, \dots, m-1\}, \qquad
    \theta \leftarrow \theta - \alpha \cdot 2 x_r (x_r^\top \theta - y_r)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import descent, losses
from .._types import Array
from ..datasets import reference_data
from ..reference import batch_gradient_descent, stochastic_gradient_descent
from ._check import Check, Substitute
from ._core import (
    AVERAGED_OVER_DATA,
    MISSING_FACTOR_2,
    SAME_SAMPLE,
    WRONG_RESULT,
    WRONG_SIGN,
    CheckError,
    Variant,
    as_array,
    close,
    compare,
    expect_calls,
    match_variant,
    returned,
    show,
    unchanged,
)
from ._record import observe

IN_PLACE_FIX = ("Return a new array, theta - lr * g, instead of updating theta in place "
                "(theta -= ... changes the caller's array too).")


def sgd_step(theta: Array, x: Array, y: float, lr: float) -> Array:
    r"""The reference step :math:`\theta - \alpha\, 2x(x^\top\theta - y)`, a new array. While
    :func:`check_sgd` probes the loop it stands in for the learner's own ``sgd_step``."""
    return theta - lr * 2.0 * x * (x @ theta - y)


def _step_cases(seed: int) -> list[tuple[str, Array, float, Array, float]]:
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    return [("row 1 of the reference data, theta = [0.5, -1], lr = 0.01", X[1], y[1],
             np.array([0.5, -1.0]), 0.01),
            (f"a random row with d = 3 (seed {seed}), lr = 0.1", rng.normal(size=3),
             float(rng.normal()), rng.normal(size=3), 0.1)]


def _probe_step(fn: Callable, seed: int) -> list[dict]:
    return [observe(fn, (theta.copy(), x.copy(), yi, lr), after=(0,))
            for _, x, yi, theta, lr in _step_cases(seed)]


def _judge_step(name: str, calls: list, seed: int) -> str:
    check = STEP.name
    cases = _step_cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, x, yi, theta, lr) in zip(calls, cases, strict=True):
        got = returned(check, name, obs, where)
        unchanged(check, name, theta, obs.after.get(0), "theta", where, IN_PLACE_FIX)
        got = as_array(check, name, got, theta.shape, where)
        g = 2.0 * x * (x @ theta - yi)
        compare(check, name, got, theta - lr * g, [
            (WRONG_SIGN, theta + lr * g, "Step against the gradient: theta - lr * g."),
            (MISSING_FACTOR_2, theta - lr * g / 2,
             "The squared error's derivative has a factor 2."),
            Variant(f"{WRONG_SIGN} and {MISSING_FACTOR_2}", theta + lr * g / 2,
                    "Step against the gradient, and keep the factor 2 of the squared error's "
                    "derivative.", combination=True),
            ("learning rate not applied", theta - g, "Multiply the gradient by lr."),
            ("gradient averaged to one number", theta - lr * np.mean(g),
             "The gradient has one entry per parameter: do not take np.mean (or sum) over "
             "its entries."),
            ("prediction computed entry by entry (x * theta)",
             theta - lr * 2.0 * (x @ (x * theta - yi)),
             "The prediction x @ theta is one number; x * theta multiplies entry by entry."),
        ], where, "Compare your step with the formula in the hint, term by term: sign, factor, "
                  "which vector multiplies the residual.")
    return "θ − α·2x(xᵀθ − y), right on 2 inputs, θ left unchanged."


def check_sgd_step(sgd_step: Callable[[Array, Array, float, float], Array], *,
                   seed: int = 0) -> None:
    r"""Check ``sgd_step(theta, x, y, lr)`` returns :math:`\theta - \alpha\, 2x(x^\top\theta - y)`
    for one row ``x`` (shape ``(d,)``) and its target ``y``, leaving ``theta`` unchanged.

    Names the mistakes: θ modified in place, wrong sign, missing factor 2, learning rate not
    applied, the gradient averaged to one number (``np.mean``), the prediction computed entry
    by entry (``x * theta`` for ``x @ theta``).
    """
    STEP(sgd_step, seed)


def _simulate(X: Array, y: Array, theta0: Array, lr: float, epochs: int, seed: int,
              order: str = "replacement", grad: str = "sample") -> Array:
    """The loop with one deliberate change: ``order`` of the indices or ``grad`` direction."""
    rng = np.random.default_rng(seed)
    m = len(y)
    theta = theta0.copy()
    fixed = None
    for _ in range(epochs):
        if order == "permutation":
            idx = rng.permutation(m).tolist()
        elif order == "cyclic":
            idx = list(range(m))
        elif order == "once":
            fixed = int(rng.integers(m)) if fixed is None else fixed
            idx = [fixed] * m
        elif order == "once per epoch":
            idx = [int(rng.integers(m))] * m
        elif order == "one step per epoch":
            idx = [int(rng.integers(m))]
        elif order == "all but last":
            idx = [int(rng.integers(m - 1)) for _ in range(m)]
        else:
            idx = [int(rng.integers(m)) for _ in range(m)]
        for r in idx:
            g = 2.0 * X[r] * (X[r] @ theta - y[r])
            if grad == "full":
                g = (2.0 / m) * (X.T @ (X @ theta - y))
            scale = {"sample": 1.0, "over m": 1.0 / m, "sign": -1.0, "half": 0.5}.get(grad, 1.0)
            theta = theta - lr * scale * g
    return theta


_VARIANTS = [
    (SAME_SAMPLE, dict(order="once"),
     "Draw a new index r = rng.integers(m) inside the inner loop, at every step."),
    (SAME_SAMPLE, dict(order="once per epoch"),
     "Draw a new index r = rng.integers(m) inside the inner loop, at every step."),
    ("one step per epoch instead of m", dict(order="one step per epoch"),
     "An epoch is m steps: loop `for _ in range(m)` inside the epoch loop."),
    (AVERAGED_OVER_DATA, dict(grad="over m"),
     "A one-sample step uses that sample's gradient 2 x_r (x_r·θ − y_r), not divided by m."),
    ("full-data gradient at every step (batch GD, not SGD)", dict(grad="full"),
     "Use only row r at each step: X[r] and y[r]."),
    ("sampled without replacement", dict(order="permutation"),
     "This loop draws r = rng.integers(m) at every step (with replacement), not a permutation."),
    ("rows visited in order, not at random", dict(order="cyclic"),
     "Draw r = rng.integers(m) at every step."),
    (WRONG_SIGN, dict(grad="sign"), "Step against the gradient: theta - lr * g."),
    (MISSING_FACTOR_2, dict(grad="half"), "The squared error's derivative has a factor 2."),
    ("last row never drawn", dict(order="all but last"),
     "rng.integers(m) draws 0, ..., m - 1; rng.integers(m - 1) never draws the last row."),
]


IDENTITY_M, IDENTITY_EPOCHS = 8, 3


def _usage_counts(check: str, name: str, obs, seed: int) -> Array | None:
    r"""How many times the loop used each sample, read off a problem built to reveal it.

    With :math:`X = I_m`, :math:`y = 1`, :math:`\theta_0 = 0` and :math:`\alpha = 1/4`, a step on
    sample :math:`i` halves :math:`1 - \theta_i` and touches nothing else, so after the run
    :math:`k_i = -\log_2(1 - \theta_i)` is the number of steps that used sample :math:`i`.
    """
    m = IDENTITY_M
    where = "an 8x8 identity problem built to count how often each sample is used"
    got = as_array(check, name, returned(check, name, obs, where), (m,), where)
    with np.errstate(all="ignore"):
        k = -np.log2(1.0 - got)
    if not np.isfinite(k).all() or np.abs(k - np.rint(k)).max() > 1e-6 or (k < -0.5).any():
        return None
    return np.rint(k).astype(int)


def _diagnose_counts(check: str, name: str, k: Array, epochs: int = IDENTITY_EPOCHS) -> None:
    m, total = len(k), int(k.sum())
    where = (f"an {m}x{m} identity problem that counts sample use ({epochs} epochs): "
             f"uses per sample {k.tolist()}")
    if total > 1 and (int(k.max()) == total or (total == m * epochs and (k % m == 0).all())):
        raise CheckError(check, SAME_SAMPLE, name, f"On {where}.",
                         "Draw a new index r = rng.integers(m) at every step.")
    if total != m * epochs:
        raise CheckError(check, "wrong number of steps", name,
                         f"On {where}: expected {m * epochs} steps, received {total}.",
                         "An epoch is m steps, each on one sample.")
    if (k == epochs).all():
        raise CheckError(check, "sampled without replacement", name, f"On {where}.",
                         "This loop draws r = rng.integers(m) at every step (with replacement).")
    if epochs > 1 and (k % epochs == 0).all():
        raise CheckError(check, "the same indices in every epoch", name,
                         f"On {where}: every count is a multiple of the {epochs} epochs.",
                         "Create the generator once, outside the loops (or use the rng passed "
                         "in): re-seeding it inside the loop replays the same draws.")


def _loop_cases(seed: int) -> list[tuple[str, Array, Array, Array, float, int]]:
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    Xr = np.column_stack([np.ones(6), rng.normal(size=(6, 2))])
    Xh = np.column_stack([np.ones(20), np.linspace(-1, 1, 20)])
    return [("the reference data, theta = 0, lr = 0.01, 5 epochs", X, y, np.zeros(2), 0.01, 5),
            (f"a random 6x3 problem (seed {seed}), lr = 0.05, 4 epochs", Xr,
             rng.normal(size=6), rng.normal(size=3), 0.05, 4),
            ("a noiseless line of 20 points, theta = 0, lr = 0.05, 30 epochs", Xh,
             3 * Xh[:, 1] - 1, np.zeros(2), 0.05, 30)]


def _probe_loop(fn: Callable, seed: int) -> list[dict]:
    """Each case twice (the second run tells an ignored rng), then the identity problem."""
    calls = []
    for _, X, y, theta0, lr, epochs in _loop_cases(seed):
        for again in (False, True):
            calls.append(observe(fn, (X.copy(), y.copy(), theta0.copy(), lr, epochs,
                                      np.random.default_rng(seed)), after=() if again else (2,)))
    m = IDENTITY_M
    calls.append(observe(fn, (np.eye(m), np.ones(m), np.zeros(m), 0.25, IDENTITY_EPOCHS,
                              np.random.default_rng(seed))))
    return calls


def _judge_loop(name: str, calls: list, seed: int) -> str:
    check = LOOP.name
    cases = _loop_cases(seed)
    expect_calls(calls, 2 * len(cases) + 1)
    for i, (where, X, y, theta0, lr, epochs) in enumerate(cases):
        where = f"{where}, rng = np.random.default_rng({seed})"
        first, second = calls[2 * i], calls[2 * i + 1]
        got = returned(check, name, first, where)
        unchanged(check, name, theta0, first.after.get(2), "theta", where, IN_PLACE_FIX)
        got = as_array(check, name, got, theta0.shape, where)
        expected = stochastic_gradient_descent(X, y, theta0, lr, epochs,
                                               rng=np.random.default_rng(seed))
        if close(got, expected):
            continue
        variants = [(mistake, _simulate(X, y, theta0, lr, epochs, seed, **kw), fix)
                    for mistake, kw, fix in _VARIANTS]
        detail = f"On {where}: expected {show(expected)}, received {show(got)}."
        hit = match_variant(got, expected, variants)
        if hit is not None:
            raise CheckError(check, hit.mistake, name, detail, hit.fix)
        again = returned(check, name, second, where)
        if again.array is None or not close(again.array, got):
            raise CheckError(check, "rng argument ignored", name,
                             f"{detail} A second run with the same seed gave {again.text}.",
                             "Draw every index with the rng passed in: r = rng.integers(m).")
        counts = _usage_counts(check, name, calls[-1], seed)
        if counts is not None:
            _diagnose_counts(check, name, counts)
        raise CheckError(check, WRONG_RESULT, name, detail,
                         "Compare your loop with the reference loop at the top, line by line: "
                         "how many steps per epoch, how each index is drawn, which rows a step "
                         "uses.")
    return "matches the reference loop step for step on 3 problems."


# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.reference", "sgdteach.descent", "sgdteach.streaming", "sgdteach.optimizers",
             "sgdteach.losses", "sgdteach.checking.sgd", "sgdteach.grading")
# the step is lr times the one-sample gradient (or one batch GD epoch on that row); the loop is
# the reference SGD, or minimize's inner loop (descend) with batch size 1
STEP = Check("check_sgd_step", "sgd_step", _probe_step, _judge_step, forbidden=FORBIDDEN,
             implements=(sgd_step, losses._squared_grad_one, losses._squared_grad,
                         batch_gradient_descent))
LOOP = Check("check_sgd", "sgd", _probe_loop, _judge_loop, forbidden=FORBIDDEN,
             substitutes=(Substitute(STEP, sgd_step),),
             implements=(stochastic_gradient_descent, _simulate, descent.descend))


def check_sgd(sgd: Callable[..., Array], *, seed: int = 0) -> None:
    r"""Check ``sgd(X, y, theta, learning_rate, num_epochs, rng)`` against the reference loop
    :func:`sgdteach.stochastic_gradient_descent` run with the same ``rng`` seed, on 3 problems.

    While it runs, ``sgd_step`` in the learner's namespace is the reference step (:func:`sgd_step`),
    so a wrong step (part a) does not also fail the loop (part b).

    Names the mistakes: the same sample every step, one step per epoch, averaged over the data
    set instead of the batch, a full-data gradient, sampling without replacement or in order,
    θ modified in place, the ``rng`` argument ignored, wrong sign, missing factor 2.
    """
    LOOP(sgd, seed)
