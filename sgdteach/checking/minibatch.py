r"""Exercise 3: a mini-batch iterator that reshuffles every epoch and keeps the last partial batch,
and mini-batch SGD on top of it.

.. math::

    \theta \leftarrow \theta - \alpha \, \frac{2}{|B|} X_B^\top (X_B \theta - y_B)

for each batch :math:`B` of the epoch's permutation; :math:`|B| = b` except for the last batch,
which keeps the :math:`n \bmod b` leftover rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .. import descent, losses, sampling
from .._types import Array
from ._check import Check, Substitute
from ._core import (
    AVERAGED_OVER_DATA,
    IN_PLACE,
    LAST_BATCH_DROPPED,
    MISSING_FACTOR_2,
    NO_RESHUFFLE,
    NOT_AVERAGED,
    WRONG_SIGN,
    CheckError,
    RecordError,
    as_array,
    compare,
    expect_calls,
    returned,
    unchanged,
)
from ._record import encode, observe

LAST_BATCH_OVER_B = "short last batch divided by batch_size instead of its size"
PERMUTATION_FIX = "At the start of every epoch draw perm = rng.permutation(n), then cut it."
NOT_LAZY = "returns a list: all batches exist at once"


def reference_batches(n: int, batch_size: int, epochs: int, rng: np.random.Generator,
                      reshuffle: bool = True, keep_last: bool = True, shuffle: bool = True):
    """The index arrays of every step: a fresh permutation per epoch, cut into batches."""
    perm = rng.permutation(n) if shuffle else np.arange(n)
    stop = n if keep_last else n - n % batch_size
    for epoch in range(epochs):
        if epoch and reshuffle and shuffle:
            perm = rng.permutation(n)
        for start in range(0, stop, batch_size):
            yield perm[start:start + batch_size]


def _limit(n: int, b: int, epochs: int) -> int:
    return 10 * epochs * -(-n // b)


def _batches_value(collected: tuple[str, bool, list]) -> dict:
    kind, lazy, batches = collected
    return {"text": f"a {kind} of {len(batches)} batches", "length": len(batches),
            "iterator": lazy, "items": [encode(batch, depth=1) for batch in batches]}


def _observe_batches(fn: Callable, n: int, b: int, epochs: int, seed: int) -> dict:
    """Every batch the learner's iterator yields (at most 10x the expected number, plus one),
    and whether it was an iterator (a generator: one batch at a time) or a collection."""
    def run() -> tuple[str, bool, list]:
        made = fn(n, b, epochs, np.random.default_rng(seed))
        batches = list(itertools.islice(iter(made), _limit(n, b, epochs) + 1))
        return type(made).__name__, isinstance(made, Iterator), batches

    return observe(run, encoder=_batches_value)


def _collect(check: str, name: str, obs, n: int, b: int, epochs: int, where: str) -> list[Array]:
    """The recorded batches as index arrays, or a named mistake."""
    value = returned(check, name, obs, where)
    limit = _limit(n, b, epochs)
    if value.items is None or value.length != len(value.items):
        raise RecordError("the batches of a minibatches call were not recorded")
    if len(value.items) > limit:
        raise CheckError(check, "too many batches", name,
                         f"On {where}: it yields more than {limit} batches.",
                         "Stop after `epochs` epochs of ceil(n / batch_size) batches.")
    if not value.iterator:
        raise CheckError(check, NOT_LAZY, name,
                         f"On {where}: it returned {value.text}, built before the first step.",
                         "Use `yield` inside the loop: a generator makes each batch when the "
                         "loop asks for it, so the batches of data larger than memory never "
                         "exist all at once.")
    out = []
    for batch in value.items:
        if batch.shape is None or len(batch.shape) != 1 or (batch.shape[0] and not batch.integer):
            raise CheckError(check, "not index arrays", name,
                             f"On {where}: a batch is {batch.text}.",
                             "Yield 1-D integer arrays of row indices, e.g. perm[start:stop].")
        if batch.array is None:
            raise RecordError("a batch's indices were not recorded")
        out.append(batch.array.astype(np.int64))
    return out


def _diagnose(check: str, name: str, got: list[Array], n: int, b: int, epochs: int,
              where: str) -> None:
    sizes = [len(batch) for batch in got]
    full, per_epoch = n // b, -(-n // b)
    if n % b and sizes == [b] * (full * epochs):
        raise CheckError(check, LAST_BATCH_DROPPED, name,
                         f"On {where}: expected {per_epoch} batches per epoch (the last of "
                         f"{n % b} rows), received {full} batches of {b}.",
                         "Loop `for start in range(0, n, batch_size)`: the slice "
                         "perm[start:start + batch_size] keeps the leftover rows.")
    expected_sizes = ([b] * full + ([n % b] if n % b else [])) * epochs
    if sizes != expected_sizes:
        bad = "an empty batch" if 0 in sizes else f"batch sizes {sizes}"
        raise CheckError(check, "wrong batch sizes", name,
                         f"On {where}: expected batch sizes {expected_sizes}, received {bad}.",
                         "Cut each epoch's permutation into slices of batch_size rows.")
    epochs_idx = [np.concatenate(got[e * per_epoch:(e + 1) * per_epoch]) for e in range(epochs)]
    for e, idx in enumerate(epochs_idx):
        if sorted(idx.tolist()) != list(range(n)):
            raise CheckError(check, "indices drawn with replacement", name,
                             f"On {where}: epoch {e} used rows {sorted(idx.tolist())}; every row "
                             "must appear exactly once per epoch.", PERMUTATION_FIX)
    if all(np.array_equal(idx, epochs_idx[0]) for idx in epochs_idx):
        if np.array_equal(epochs_idx[0], np.arange(n)):
            raise CheckError(check, "no shuffle (rows in stored order)", name,
                             f"On {where}: every epoch visits rows {epochs_idx[0].tolist()}.",
                             PERMUTATION_FIX)
        raise CheckError(check, NO_RESHUFFLE, name,
                         f"On {where}: every epoch uses the order {epochs_idx[0].tolist()}.",
                         "Draw the permutation inside the epoch loop, not once before it.")


SETTINGS = ((10, 4, 3), (8, 4, 2), (5, 1, 2), (6, 6, 2))


def _probe_batches(fn: Callable, seed: int) -> list[dict]:
    """Each setting twice (the second run tells an ignored rng)."""
    return [_observe_batches(fn, n, b, epochs, seed)
            for n, b, epochs in SETTINGS for _ in range(2)]


def _judge_batches(name: str, calls: list, seed: int) -> str:
    check = BATCHES.name
    expect_calls(calls, 2 * len(SETTINGS))
    for i, (n, b, epochs) in enumerate(SETTINGS):
        where = f"n = {n}, batch_size = {b}, epochs = {epochs}, rng = default_rng({seed})"
        got = _collect(check, name, calls[2 * i], n, b, epochs, where)
        expected = list(reference_batches(n, b, epochs, np.random.default_rng(seed)))
        if len(got) == len(expected) and all(map(np.array_equal, got, expected)):
            continue
        _diagnose(check, name, got, n, b, epochs, where)
        again = _collect(check, name, calls[2 * i + 1], n, b, epochs, where)
        if len(again) != len(got) or not all(map(np.array_equal, got, again)):
            raise CheckError(check, "rng argument ignored", name,
                             f"On {where}: two runs with the same seed gave different batches.",
                             "Shuffle with the rng passed in: perm = rng.permutation(n).")
        raise CheckError(check, "shuffled differently from rng.permutation(n)", name,
                         f"On {where}: expected {[e.tolist() for e in expected]}, received "
                         f"{[g.tolist() for g in got]}.", PERMUTATION_FIX)
    return "a fresh permutation every epoch, the last partial batch kept, on 4 settings."


def check_minibatches(minibatches: Callable[[int, int, int, np.random.Generator], Iterable],
                      *, seed: int = 0) -> None:
    r"""Check ``minibatches(n, batch_size, epochs, rng)`` yields, for each epoch, the permutation
    ``rng.permutation(n)`` cut into batches of ``batch_size`` indices, the last one partial.

    Names the mistakes: a list (or another collection) returned instead of a generator,
    last partial batch dropped, no reshuffle between epochs, no shuffle,
    indices drawn with replacement, wrong batch sizes (an empty last batch), the ``rng`` ignored.
    """
    BATCHES(minibatches, seed)


def _simulate(X: Array, y: Array, theta0: Array, lr: float, b: int, epochs: int, seed: int,
              average: str = "batch", sign: float = 1.0, factor: float = 2.0,
              **order) -> Array:
    theta = theta0.copy()
    n = len(y)
    for idx in reference_batches(n, b, epochs, np.random.default_rng(seed), **order):
        denom = {"batch": len(idx), "data": n, "none": 1, "batch_size": b}[average]
        g = (factor / denom) * (X[idx].T @ (X[idx] @ theta - y[idx]))
        theta = theta - sign * lr * g
    return theta


def minibatches(n: int, batch_size: int, epochs: int, rng: np.random.Generator):
    """The reference iterator; stands in for the learner's own ``minibatches`` while
    :func:`check_minibatch_sgd` probes the loop."""
    yield from reference_batches(n, batch_size, epochs, rng)


def _sgd_case(seed: int) -> tuple[str, Array, Array, Array, float, int, int]:
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(10), rng.normal(size=(10, 2))])
    y, theta0 = rng.normal(size=10), rng.normal(size=3)
    lr, b, epochs = 0.05, 4, 3
    where = (f"a random 10x3 problem, lr = {lr}, batch_size = {b}, epochs = {epochs}, "
             f"rng = default_rng({seed})")
    return where, X, y, theta0, lr, b, epochs


def _probe_sgd(fn: Callable, seed: int) -> list[dict]:
    _, X, y, theta0, lr, b, epochs = _sgd_case(seed)
    return [observe(fn, (X.copy(), y.copy(), theta0.copy(), lr, b, epochs,
                         np.random.default_rng(seed)), after=(2,))]


def _judge_sgd(name: str, calls: list, seed: int) -> str:
    check = SGD.name
    where, X, y, theta0, lr, b, epochs = _sgd_case(seed)
    expect_calls(calls, 1)
    got = returned(check, name, calls[0], where)
    unchanged(check, name, theta0, calls[0].after.get(2), "theta", where,
              "Start with theta = theta.copy() or write theta = theta - lr * g.", IN_PLACE)
    got = as_array(check, name, got, theta0.shape, where)

    def sim(**kw) -> Array:
        return _simulate(X, y, theta0, lr, b, epochs, seed, **kw)

    compare(check, name, got, sim(), [
        (AVERAGED_OVER_DATA, sim(average="data"),
         "Divide by the batch size len(idx), not by n: the gradient is the batch's mean."),
        (NOT_AVERAGED, sim(average="none"), "Divide the batch's summed gradient by len(idx)."),
        (LAST_BATCH_OVER_B, sim(average="batch_size"),
         "Divide by len(idx), the rows the batch really has: the last batch has only "
         "n % batch_size of them."),
        (LAST_BATCH_DROPPED, sim(keep_last=False), "Use every batch, the short last one too."),
        (NO_RESHUFFLE, sim(reshuffle=False), "Draw a new permutation at every epoch."),
        ("no shuffle (rows in stored order)", sim(shuffle=False),
         "Visit the rows in the order of rng.permutation(n)."),
        (WRONG_SIGN, sim(sign=-1.0), "Step against the gradient: theta - lr * g."),
        (MISSING_FACTOR_2, sim(factor=1.0), "The squared error's derivative has a factor 2."),
    ], where, "Loop over the batches of minibatches(n, batch_size, epochs, rng), one step per "
              "batch with that batch's mean gradient; compare yours with the hint term by term.")
    return "matches mini-batch SGD over the reference batches, θ left unchanged."


# The library's own implementation of what is asked, one dotted name per object (a module
# stands for everything defined in it); the grader flags any alias or re-export of them
# (sgdteach.grading.worker.scan).
FORBIDDEN = ("sgdteach.descent", "sgdteach.sampling", "sgdteach.streaming", "sgdteach.reference",
             "sgdteach.losses", "sgdteach.optimizers", "sgdteach.checking.minibatch",
             "sgdteach.grading")
BATCHES = Check("check_minibatches", "minibatches", _probe_batches, _judge_batches,
                forbidden=FORBIDDEN,
                implements=(minibatches, reference_batches, sampling.epoch_indices,
                            sampling._index_chunks, sampling.in_memory_batches,
                            sampling.in_memory_rows))
SGD = Check("check_minibatch_sgd", "minibatch_sgd", _probe_sgd, _judge_sgd, forbidden=FORBIDDEN,
            substitutes=(Substitute(BATCHES, minibatches),),
            implements=(_simulate, descent.descend, losses._squared_grad))


def check_minibatch_sgd(minibatch_sgd: Callable[..., Array], *, seed: int = 0) -> None:
    r"""Check ``minibatch_sgd(X, y, theta, lr, batch_size, epochs, rng)`` against mini-batch SGD
    over the reference batches (a fresh ``rng.permutation(n)`` per epoch, last batch kept).

    While it runs, ``minibatches`` in the learner's namespace is the reference iterator, so a
    wrong part a does not also fail part b.

    Names the mistakes: averaged over the data set instead of the batch, not averaged (a sum),
    the short last batch divided by ``batch_size``, last partial batch dropped, no reshuffle
    between epochs, θ modified in place, wrong sign, missing factor 2.
    """
    SGD(minibatch_sgd, seed)
