r"""Exercise 5: the momentum and Adam updates, as functions of the gradient and the state.

.. math::

    \text{momentum:}\ v \leftarrow \beta v + g,\ \text{step} = \alpha v \qquad
    \text{Adam:}\ t \leftarrow t + 1,\ m \leftarrow \beta_1 m + (1-\beta_1) g,\
    v \leftarrow \beta_2 v + (1-\beta_2) g^2,\
    \text{step} = \alpha \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}

Both return the step to subtract, :math:`\theta \leftarrow \theta - \text{step}`, as
:mod:`sgdteach.optimizers` does. Adam's :math:`t` counts updates from 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import optimizers
from .._types import Array
from ._check import Check
from ._core import (
    BIAS_OFF_BY_ONE,
    NO_BIAS_CORRECTION,
    WRONG_SIGN,
    CheckError,
    RecordError,
    as_array,
    close,
    expect_calls,
    match_variant,
    returned,
    show,
)
from ._record import observe


def _gradients(seed: int) -> list[Array]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=3) * scale for scale in (1.0, 0.5, 2.0, 1.0, 0.1)]


def _momentum(gs: list[Array], lr: float, beta: float, kind: str = "heavy ball") -> list[Array]:
    v, steps = np.zeros(3), []
    for g in gs:
        old = v
        v = beta * v + ((1.0 - beta) * g if kind == "ema" else -g if kind == "sign" else g)
        steps.append(lr * (old if kind == "old velocity" else g + beta * v
                           if kind == "nesterov" else v))
    return steps


def _adam(gs: list[Array], lr: float, b1: float, b2: float, eps: float,
          kind: str = "reference") -> list[Array]:
    m, v, t, steps = np.zeros_like(gs[0]), np.zeros_like(gs[0]), 0, []
    for g in gs:
        t += 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        tc = {"t from 0": t - 1, "t + 1": t + 1, "t stuck": 1}.get(kind, t)
        with np.errstate(all="ignore"):
            c1 = 1.0 if kind in ("none", "v only") else 1 - b1**tc
            c2 = 1.0 if kind in ("none", "m only") else 1 - b2**tc
            steps.append(lr * (m / c1) / (np.sqrt(v / c2) + eps))
    return steps


def _probe_sequence(fn: Callable, gs: list[Array], state: tuple, args: tuple) -> list[dict]:
    """Feed the gradients one by one, passing the learner's returned state back in (the old
    state again after a return value that is not a tuple of the step and the state, so the record
    always holds one call per gradient)."""
    calls = []
    for g in gs:
        obs = observe(fn, (g.copy(), *state, *args))
        calls.append(obs)
        out = obs.get("_value")
        if obs["status"] == "ok" and isinstance(out, tuple) and len(out) == 1 + len(state):
            state = out[1:]
    return calls


def _steps(check: str, name: str, calls: list, n: int, size: int, where: str,
           dim: int = 3) -> list[Array]:
    """The recorded steps of a sequence of ``n`` updates carrying ``size`` pieces of state."""
    steps = []
    for i in range(n):
        here = f"{where}, update {i + 1}"
        if i >= len(calls):
            raise RecordError("an update of the sequence was not recorded")
        out = returned(check, name, calls[i], here)
        if not out.tuple or out.length != 1 + size or not out.items:
            raise CheckError(check, "wrong return value", name,
                             f"On {here}: expected a tuple of {1 + size} values "
                             f"(step and the new state), received {out.text}.",
                             "Return the step and every piece of the new state, in order.")
        steps.append(as_array(check, name, out.items[0], (dim,), here))
    return steps


def _first_difference(got: list[Array], expected: list[Array]) -> int | None:
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        if not close(a, b):
            return i
    return None


def _report(check: str, name: str, got: list[Array], expected: list[Array],
            variants: list[tuple[str, list[Array], str]], where: str, fix: str) -> None:
    i = _first_difference(got, expected)
    if i is None:
        return
    detail = (f"On {where}, update {i + 1}: expected step {show(expected[i])}, received "
              f"{show(got[i])}.")
    hit = match_variant(got, expected, variants,
                        lambda a, b: _first_difference(a, b) is None)
    if hit is not None:
        raise CheckError(check, hit.mistake, name, detail, hit.fix)
    raise CheckError(check, "wrong result", name, detail, fix)


MOMENTUM_ARGS = (0.1, 0.9)
ADAM_ARGS = (0.01, 0.9, 0.999, 1e-8)
DEFAULTS_GS = [np.array([3.0, -0.5]), np.array([1.0, 2.0])]


def _probe_momentum(fn: Callable, seed: int) -> list[dict]:
    return _probe_sequence(fn, _gradients(seed), (np.zeros(3),), MOMENTUM_ARGS)


def _judge_momentum(name: str, calls: list, seed: int) -> str:
    check = MOMENTUM.name
    lr, beta = MOMENTUM_ARGS
    where = f"5 gradients (seed {seed}), lr = {lr}, beta = {beta}, velocity starting at 0"
    gs = _gradients(seed)
    got = _steps(check, name, calls, len(gs), 1, where)
    _report(check, name, got, _momentum(gs, lr, beta), [
        ("gradient scaled by (1 − β)", _momentum(gs, lr, beta, "ema"),
         "This course's momentum adds the plain gradient: v = beta * v + g."),
        ("step taken with the old velocity", _momentum(gs, lr, beta, "old velocity"),
         "Update the velocity first, then step with the new one: step = lr * v."),
        (WRONG_SIGN, _momentum(gs, lr, beta, "sign"),
         "Accumulate +g: the caller subtracts the step, theta = theta - step."),
        ("Nesterov step instead of heavy ball", _momentum(gs, lr, beta, "nesterov"),
         "Heavy ball steps with lr * v."),
    ], where, "v = beta * v + g; step = lr * v; return step, v.")
    return "heavy-ball momentum, right over 5 updates."


def _probe_adam(fn: Callable, seed: int) -> list[dict]:
    """The 5-update sequence, then 2 updates with the signature's defaults."""
    return [*_probe_sequence(fn, _gradients(seed), (np.zeros(3), np.zeros(3), 0), ADAM_ARGS),
            *_probe_sequence(fn, DEFAULTS_GS, (np.zeros(2), np.zeros(2), 0), (0.1,))]


def _judge_adam(name: str, calls: list, seed: int) -> str:
    check = ADAM.name
    lr, b1, b2, eps = ADAM_ARGS
    where = (f"5 gradients (seed {seed}), lr = {lr}, beta1 = {b1}, beta2 = {b2}, eps = {eps}, "
             "m = v = 0 and t = 0 at the start")
    gs = _gradients(seed)
    expect_calls(calls, len(gs) + len(DEFAULTS_GS))
    got = _steps(check, name, calls, len(gs), 3, where)
    expected = _adam(gs, lr, b1, b2, eps)
    from_zero = _adam(gs, lr, b1, b2, eps, "t from 0")   # update 1 divides by 1 - beta**0 = 0
    if not np.isfinite(got[0]).all() and all(map(close, got[1:], from_zero[1:])):
        raise CheckError(check, BIAS_OFF_BY_ONE, name,
                         f"On {where}, update 1: expected step {show(expected[0])}, received "
                         f"{show(got[0])} (1 − β^0 = 0 divides by zero).",
                         "Increase t before the correction: t = t + 1, then m / (1 - beta1**t).")
    fix_off = "Increase t once per update, before the correction: m_hat = m / (1 - beta1**t)."
    _report(check, name, got, expected, [
        (NO_BIAS_CORRECTION, _adam(gs, lr, b1, b2, eps, "none"),
         "Divide m by (1 - beta1**t) and v by (1 - beta2**t) before the step."),
        (BIAS_OFF_BY_ONE, _adam(gs, lr, b1, b2, eps, "t + 1"), fix_off),
        ("bias correction on m only", _adam(gs, lr, b1, b2, eps, "m only"),
         "Correct v too: v_hat = v / (1 - beta2**t)."),
        ("bias correction on v only", _adam(gs, lr, b1, b2, eps, "v only"),
         "Correct m too: m_hat = m / (1 - beta1**t)."),
        ("step count t never increased", _adam(gs, lr, b1, b2, eps, "t stuck"),
         "Return the increased t so the next call sees it."),
    ], where, "Check each line against the hint in order: the step count, the two moving "
              "averages, the two corrections, then the step (eps outside the square root).")
    here = (f"2 gradients {[g.tolist() for g in DEFAULTS_GS]}, lr = 0.1, m = v = 0 and t = 0 "
            "at the start, the default beta1, beta2 and eps")
    got = _steps(check, name, calls[len(gs):], len(DEFAULTS_GS), 3, here, dim=2)
    _report(check, name, got, _adam(DEFAULTS_GS, 0.1, b1, b2, eps), [], here,
            "Keep the defaults of the signature: beta1=0.9, beta2=0.999, eps=1e-8.")
    return "Adam with bias correction, right over 5 updates."


# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.optimizers", "sgdteach.checking.optimizers", "sgdteach.grading")
# the update rules themselves (the closures every momentum/Adam optimizer shares the code of):
# the constructors stay, so labels and registries still build
MOMENTUM = Check("check_momentum_step", "momentum_step", _probe_momentum, _judge_momentum,
                 forbidden=FORBIDDEN, implements=(optimizers.momentum().update, _momentum))
ADAM = Check("check_adam_step", "adam_step", _probe_adam, _judge_adam, forbidden=FORBIDDEN,
             implements=(optimizers.adam().update, _adam))


def check_momentum_step(momentum_step: Callable[..., tuple[Array, Array]], *,
                        seed: int = 0) -> None:
    r"""Check ``momentum_step(g, velocity, lr, beta) -> (step, velocity)``: heavy-ball momentum,
    :math:`v \leftarrow \beta v + g`, step :math:`\alpha v`, over 5 updates from :math:`v = 0`.

    Names the mistakes: the (1 − β) factor of the moving-average form, the step taken with the
    old velocity, wrong sign, Nesterov's step instead of the heavy ball.
    """
    MOMENTUM(momentum_step, seed)


def check_adam_step(adam_step: Callable[..., tuple], *, seed: int = 0) -> None:
    r"""Check ``adam_step(g, m, v, t, lr, beta1, beta2, eps) -> (step, m, v, t)`` over 5 updates
    from ``m = v = 0``, ``t = 0`` (the number of updates done so far), then two updates with
    the signature's default ``beta1``, ``beta2`` and ``eps``.

    Names the mistakes: bias correction missing, off by one step (``t`` used before it is
    increased, or increased twice), applied to one moment only, ``t`` never increased.
    """
    ADAM(adam_step, seed)
