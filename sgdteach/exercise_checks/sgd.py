r"""Exercise 2: one SGD step, then the reference loop (an index drawn with replacement at every
step, m steps per epoch).

.. math::

    r \sim \mathcal U\{0, \dots, m-1\}, \qquad
    \theta \leftarrow \theta - \alpha \cdot 2 x_r (x_r^\top \theta - y_r)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..datasets import reference_data
from ..reference import stochastic_gradient_descent
from ._core import (
    AVERAGED_OVER_DATA,
    MISSING_FACTOR_2,
    SAME_SAMPLE,
    WRONG_RESULT,
    WRONG_SIGN,
    CheckError,
    as_array,
    call,
    close,
    compare,
    passed,
    require_callable,
    show,
    unchanged,
)

Array = np.ndarray
IN_PLACE_FIX = ("Return a new array, theta - lr * g, instead of updating theta in place "
                "(theta -= ... changes the caller's array too).")


def check_sgd_step(sgd_step: Callable[[Array, Array, float, float], Array], *,
                   seed: int = 0) -> None:
    r"""Check ``sgd_step(theta, x, y, lr)`` returns :math:`\theta - \alpha\, 2x(x^\top\theta - y)`
    for one row ``x`` (shape ``(d,)``) and its target ``y``, leaving ``theta`` unchanged.

    Names the mistakes: θ modified in place, wrong sign, missing factor 2, learning rate not
    applied.
    """
    check, name = "check_sgd_step", getattr(sgd_step, "__name__", "sgd_step")
    require_callable(check, "sgd_step", sgd_step)
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    cases = [("row 1 of the reference data, theta = [0.5, -1], lr = 0.01", X[1], y[1],
              np.array([0.5, -1.0]), 0.01),
             (f"a random row with d = 3 (seed {seed}), lr = 0.1", rng.normal(size=3),
              float(rng.normal()), rng.normal(size=3), 0.1)]
    for where, x, yi, theta, lr in cases:
        theta_in = theta.copy()
        got = call(check, name, sgd_step, (theta_in, x.copy(), yi, lr), where)
        unchanged(check, name, theta, theta_in, "theta", where, IN_PLACE_FIX)
        got = as_array(check, name, got, theta.shape, where)
        g = 2.0 * x * (x @ theta - yi)
        compare(check, name, got, theta - lr * g, [
            (WRONG_SIGN, theta + lr * g, "Step against the gradient: theta - lr * g."),
            (MISSING_FACTOR_2, theta - lr * g / 2, "The gradient is 2 * x * (x @ theta - y)."),
            (f"{WRONG_SIGN} and {MISSING_FACTOR_2}", theta + lr * g / 2,
             "Use theta - lr * 2 * x * (x @ theta - y)."),
            ("learning rate not applied", theta - g, "Multiply the gradient by lr."),
        ], where, "The step is theta - lr * 2 * x * (x @ theta - y).")
    passed(name, "θ − α·2x(xᵀθ − y), right on 2 inputs, θ left unchanged.")


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
    (MISSING_FACTOR_2, dict(grad="half"), "The gradient is 2 * x * (x @ theta - y)."),
]


def _usage_counts(check: str, name: str, sgd: Callable, seed: int) -> Array | None:
    r"""How many times the loop used each sample, read off a problem built to reveal it.

    With :math:`X = I_m`, :math:`y = 1`, :math:`\theta_0 = 0` and :math:`\alpha = 1/4`, a step on
    sample :math:`i` halves :math:`1 - \theta_i` and touches nothing else, so after the run
    :math:`k_i = -\log_2(1 - \theta_i)` is the number of steps that used sample :math:`i`.
    """
    m = 8
    where = "an 8x8 identity problem built to count how often each sample is used"
    got = call(check, name, sgd, (np.eye(m), np.ones(m), np.zeros(m), 0.25, 3,
                                  np.random.default_rng(seed)), where)
    got = as_array(check, name, got, (m,), where)
    with np.errstate(all="ignore"):
        k = -np.log2(1.0 - got)
    if not np.isfinite(k).all() or np.abs(k - np.rint(k)).max() > 1e-6 or (k < -0.5).any():
        return None
    return np.rint(k).astype(int)


def _diagnose_counts(check: str, name: str, k: Array, epochs: int = 3) -> None:
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


def check_sgd(sgd: Callable[..., Array], *, seed: int = 0) -> None:
    r"""Check ``sgd(X, y, theta, learning_rate, num_epochs, rng)`` against the reference loop
    :func:`sgdteach.stochastic_gradient_descent` run with the same ``rng`` seed.

    Names the mistakes: the same sample every step, one step per epoch, averaged over the data
    set instead of the batch, a full-data gradient, sampling without replacement or in order,
    θ modified in place, the ``rng`` argument ignored, wrong sign, missing factor 2.
    """
    check, name = "check_sgd", getattr(sgd, "__name__", "sgd")
    require_callable(check, "sgd", sgd)
    X, y = reference_data()
    rng = np.random.default_rng(seed)
    Xr = np.column_stack([np.ones(6), rng.normal(size=(6, 2))])
    cases = [("the reference data, theta = 0, lr = 0.01, 5 epochs", X, y, np.zeros(2), 0.01, 5),
             (f"a random 6x3 problem (seed {seed}), lr = 0.05, 4 epochs", Xr,
              rng.normal(size=6), rng.normal(size=3), 0.05, 4)]
    for where, X, y, theta0, lr, epochs in cases:
        where = f"{where}, rng = np.random.default_rng({seed})"
        theta_in = theta0.copy()
        got = call(check, name, sgd, (X.copy(), y.copy(), theta_in, lr, epochs,
                                      np.random.default_rng(seed)), where)
        unchanged(check, name, theta0, theta_in, "theta", where, IN_PLACE_FIX)
        got = as_array(check, name, got, theta0.shape, where)
        expected = stochastic_gradient_descent(X, y, theta0, lr, epochs,
                                               rng=np.random.default_rng(seed))
        if close(got, expected):
            continue
        variants = [(mistake, _simulate(X, y, theta0, lr, epochs, seed, **kw), fix)
                    for mistake, kw, fix in _VARIANTS]
        detail = f"On {where}: expected {show(expected)}, received {show(got)}."
        for mistake, value, fix in variants:
            if close(got, value) and not close(value, expected):
                raise CheckError(check, mistake, name, detail, fix)
        again = call(check, name, sgd, (X.copy(), y.copy(), theta0.copy(), lr, epochs,
                                        np.random.default_rng(seed)), where)
        if not close(again, got):
            raise CheckError(check, "rng argument ignored", name,
                             f"{detail} A second run with the same seed gave {show(again)}.",
                             "Draw every index with the rng passed in: r = rng.integers(m).")
        counts = _usage_counts(check, name, sgd, seed)
        if counts is not None:
            _diagnose_counts(check, name, counts)
        raise CheckError(check, WRONG_RESULT, name, detail,
                         "Follow the reference: for each epoch, m times: r = rng.integers(m), "
                         "theta = sgd_step(theta, X[r], y[r], learning_rate).")
    passed(name, "matches the reference loop step for step on 2 problems.")
