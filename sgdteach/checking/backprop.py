r"""Exercise 8: one backpropagation step through a hidden layer of the course's MLP (notebook 10,
:class:`sgdteach.networks.MLP`), a tanh layer on a batch of :math:`b` rows:

.. math::

    H = A_{\text{prev}} W + \mathbf 1 c^\top, \qquad A = \tanh(H), \qquad
    \Delta = G \odot (1 - A \odot A),

    \nabla_W J = A_{\text{prev}}^\top \Delta, \qquad \nabla_c J = \Delta^\top \mathbf 1, \qquad
    \nabla_{A_{\text{prev}}} J = \Delta W^\top,

where :math:`G = \partial J / \partial A` arrives from the layer above and already carries the
:math:`1/b` of the mean loss (the MLP's :math:`\Delta_L = \frac1b(P - Y)`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import networks
from .._types import Array
from ._check import Check
from ._core import (
    CheckError,
    Variant,
    as_array,
    compare,
    expect_calls,
    returned,
    unchanged,
)
from ._record import observe

TRANSPOSED = "transposed"
NO_DERIVATIVE = "activation derivative missing"
DERIVATIVE_OF_H = "activation derivative taken at H instead of A"
AVERAGED_AGAIN = "averaged over the batch twice"
WRONG_AXIS = "summed over the wrong axis"
FORBIDDEN = ("sgdteach.networks", "sgdteach.checking.backprop", "sgdteach.grading")
FIX = ("Go back through tanh first (Delta, the gradient with respect to H), then through the "
       "product A_prev @ W; the finite-difference cell below the check compares grad_W entry by "
       "entry.")
PARTS = ("the weight gradient grad_W", "the bias gradient grad_c",
         "the input gradient grad_A_prev")


def _cases(seed: int) -> list[tuple[str, Array, Array, Array, Array]]:
    """(description, A_prev, W, c, G): a square layer (n_in = n_out, so a transposed W still
    multiplies), then a 4 -> 2 layer; batches of 4 and 5 rows, never equal to a width."""
    rng = np.random.default_rng(seed)
    out = []
    for b, n_in, n_out in ((4, 3, 3), (5, 4, 2)):
        out.append((f"a batch of {b} rows through a {n_in} -> {n_out} tanh layer (seed {seed})",
                    rng.normal(size=(b, n_in)), rng.normal(size=(n_in, n_out)),
                    rng.normal(size=n_out), rng.normal(size=(b, n_out)) / b))
    return out


def _probe(fn: Callable, seed: int) -> list[dict]:
    return [observe(fn, (A.copy(), W.copy(), c.copy(), G.copy()), after=(0, 1, 2, 3))
            for _, A, W, c, G in _cases(seed)]


def _parts(check: str, name: str, value, where: str) -> list:
    if not value.tuple or value.length != 3 or not value.items or len(value.items) != 3:
        raise CheckError(check, "wrong return value", name,
                         f"On {where}: expected a tuple of 3 arrays (grad_W, grad_c, "
                         f"grad_A_prev), received {value.text}.",
                         "End with return grad_W, grad_c, grad_A_prev.")
    return value.items


def _named_shape(check: str, name: str, got, shape: tuple[int, ...], alt: dict, where: str
                 ) -> None:
    """Name a wrong shape that a known mistake produces (``alt``: shape -> (mistake, fix))."""
    if got.shape is not None and tuple(got.shape) != shape and tuple(got.shape) in alt:
        mistake, fix = alt[tuple(got.shape)]
        raise CheckError(check, mistake, name,
                         f"On {where}: expected shape {shape}, received shape "
                         f"{tuple(got.shape)}.", fix)


def _judge(name: str, calls: list, seed: int) -> str:
    check = LAYER.name
    cases = _cases(seed)
    expect_calls(calls, len(cases))
    for obs, (where, A_prev, W, c, G) in zip(calls, cases, strict=True):
        value = returned(check, name, obs, where)
        for i, what in enumerate(("A_prev", "W", "c", "G")):
            unchanged(check, name, (A_prev, W, c, G)[i], obs.after.get(i), what, where,
                      f"Compute new arrays; never assign into {what}.",
                      f"{what} modified in place")
        b = len(A_prev)
        A = np.tanh(A_prev @ W + c)
        H = A_prev @ W + c
        delta, no_deriv, at_h = G * (1 - A * A), G, G * (1 - H * H)
        gW, gc, gA = _parts(check, name, value, where)
        fix_t = ("grad_W must have W's shape (n_in, n_out): swap the order of the two factors and "
                 "which one is transposed.")
        _named_shape(check, name, gW, W.shape, {W.T.shape: (TRANSPOSED, fix_t)},
                     f"{where}, {PARTS[0]}")
        got = as_array(check, name, gW, W.shape, f"{where}, {PARTS[0]}")
        compare(check, name, got, A_prev.T @ delta, [
            Variant(TRANSPOSED, (A_prev.T @ delta).T, fix_t),
            Variant(NO_DERIVATIVE, A_prev.T @ no_deriv,
                    "G is the gradient with respect to A = tanh(H): multiply it by tanh'(H), "
                    "entry by entry, before it reaches W."),
            Variant(DERIVATIVE_OF_H, A_prev.T @ at_h,
                    "tanh'(H) = 1 − tanh(H)², that is 1 − A², not 1 − H²."),
            Variant(AVERAGED_AGAIN, A_prev.T @ delta / b,
                    "G already carries the 1/b of the mean loss: sum over the batch, do not "
                    "divide again."),
        ], f"{where}, {PARTS[0]}", FIX)
        n_out = W.shape[1]
        _named_shape(check, name, gc, (n_out,), {
            (b,): (WRONG_AXIS, "Sum Delta over the rows of the batch: axis=0, one entry per "
                               "unit."),
            (b, n_out): ("bias gradient not summed over the batch",
                         "Each row of the batch adds to the same c: sum Delta over axis=0.")},
            f"{where}, {PARTS[1]}")
        got = as_array(check, name, gc, (n_out,), f"{where}, {PARTS[1]}")
        compare(check, name, got, delta.sum(axis=0), [
            Variant(NO_DERIVATIVE, no_deriv.sum(axis=0),
                    "Multiply G by tanh'(H) = 1 − A² before summing."),
            Variant(DERIVATIVE_OF_H, at_h.sum(axis=0),
                    "tanh'(H) = 1 − tanh(H)², that is 1 − A², not 1 − H²."),
            Variant(AVERAGED_AGAIN, delta.mean(axis=0),
                    "G already carries the 1/b of the mean loss: sum over the batch "
                    "(axis=0), do not take the mean."),
        ], f"{where}, {PARTS[1]}", FIX)
        fix_w = "grad_A_prev must have A_prev's shape (b, n_in): W enters transposed."
        _named_shape(check, name, gA, A_prev.shape, {(b, n_out): (TRANSPOSED, fix_w)},
                     f"{where}, {PARTS[2]}")
        got = as_array(check, name, gA, A_prev.shape, f"{where}, {PARTS[2]}")
        compare(check, name, got, delta @ W.T, [
            Variant(TRANSPOSED, delta @ W if W.shape[0] == W.shape[1] else None, fix_w),
            Variant(NO_DERIVATIVE, no_deriv @ W.T,
                    "Multiply G by tanh'(H) = 1 − A² before passing it down through W."),
            Variant(DERIVATIVE_OF_H, at_h @ W.T,
                    "tanh'(H) = 1 − tanh(H)², that is 1 − A², not 1 − H²."),
            Variant(AVERAGED_AGAIN, delta @ W.T / b,
                    "G already carries the 1/b of the mean loss: do not divide again."),
        ], f"{where}, {PARTS[2]}", FIX)
    return "Aᵀ_prev Δ, Δᵀ1 and Δ Wᵀ with Δ = G ⊙ (1 − A²), right on 2 layers."


LAYER = Check("check_layer_backward", "layer_backward", _probe, _judge, forbidden=FORBIDDEN,
              implements=(networks.MLP._backprop,))


def check_layer_backward(layer_backward: Callable[..., tuple[Array, Array, Array]], *,
                         seed: int = 0) -> None:
    r"""Check ``layer_backward(A_prev, W, c, G)`` returns ``(grad_W, grad_c, grad_A_prev)`` for
    the tanh layer :math:`A = \tanh(A_{\text{prev}} W + \mathbf 1 c^\top)`, given the upstream
    gradient :math:`G = \partial J/\partial A` (which already carries the :math:`1/b`).

    Names the mistakes: transposed (a gradient with the transposed shape, or :math:`W` where
    :math:`W^\top` belongs), the activation derivative missing or taken at :math:`H` instead of
    :math:`A`, averaged over the batch twice, the bias gradient summed over the wrong axis or not
    summed, an input modified in place. Prints a confirmation when both layers pass.
    """
    LAYER(layer_backward, seed)
