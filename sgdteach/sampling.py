r"""Which rows each step sees: the only thing that separates batch GD, SGD and mini-batch.

An epoch is :math:`\lceil n / b \rceil` steps for batch size :math:`b`. The three orders:

``"replacement"``
    each batch is :math:`b` indices drawn uniformly with replacement (the reference example's
    ``randint(m)`` per step, for ``b = 1``); every batch is full.
``"shuffle"``
    a new permutation of :math:`0..n-1` every epoch, cut into batches; the last batch keeps the
    :math:`n \bmod b` leftover rows.
``"cyclic"``
    the fixed order :math:`0..n-1`, cut the same way.

Indices are drawn in bulk, never one RNG call per step: a permutation per epoch for
``"shuffle"``, up to ``DRAW_CHUNK`` indices per call (across epochs) for ``"replacement"``.
Mini-batch rows are gathered a chunk of batches at a time (one ``np.take`` per few MB); SGD
(``batch_size=1``) gets plain rows ``(x_i, y_i)`` from :func:`in_memory_rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator

import numpy as np

from ._types import Array, Indices
from ._validation import check_choice

SAMPLINGS = ("replacement", "shuffle", "cyclic")
DRAW_CHUNK = 65536  # indices drawn per RNG call with sampling="replacement"
CHUNK_BYTES = 4 * 2**20        # rows gathered per np.take call: whole batches, about this size
PREFETCH_BYTES = 64 * 2**20    # gather the next chunk in a background thread above this size of X


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Number of updates in one epoch: ``ceil(n / batch_size)``."""
    return -(-n // batch_size)


def epoch_indices(n: int, batch_size: int, sampling: str, rng: np.random.Generator) -> Indices:
    """All row indices of one epoch, in the order the steps use them.

    >>> epoch_indices(5, 2, "cyclic", np.random.default_rng(0))
    array([0, 1, 2, 3, 4])
    """
    check_choice("epoch_indices", "sampling", sampling, SAMPLINGS)
    if sampling == "replacement":
        return rng.integers(0, n, size=steps_per_epoch(n, batch_size) * batch_size)
    if sampling == "shuffle":
        return rng.permutation(n)
    return np.arange(n)


def _index_chunks(n: int, batch_size: int, epochs: int, sampling: str,
                  rng: np.random.Generator) -> Iterator[Indices]:
    """The row indices of all the steps of ``epochs`` epochs, in order, a chunk at a time.

    ``"shuffle"``: one permutation per epoch (``"cyclic"``: ``0..n-1``). ``"replacement"``: whole
    batches, up to ``DRAW_CHUNK`` indices per RNG call, across epoch boundaries. A Generator's
    draws form one stream, so these are the very numbers that one ``epoch_indices`` call per
    epoch gives; but on a tiny data set (3 rows: 3 steps per epoch) one RNG call per epoch costs
    more than the steps, and on a large one a whole epoch's draw would delay the first step.
    """
    if sampling in ("shuffle", "cyclic"):
        for _ in range(epochs):
            yield epoch_indices(n, batch_size, sampling, rng)
        return
    total = epochs * steps_per_epoch(n, batch_size) * batch_size
    per_call = max(1, DRAW_CHUNK // batch_size) * batch_size
    for start in range(0, total, per_call):
        yield rng.integers(0, n, size=min(per_call, total - start))


def in_memory_rows(X: Array, y: Array, epochs: int, sampling: str,
                   rng: np.random.Generator) -> Generator[tuple[Array, float], None, None]:
    """Yield ``(x_i, y_i)``, one row of shape ``(d,)`` and its target as a float, for every SGD
    step (``batch_size=1``) of ``epochs`` epochs: the rows of :func:`in_memory_batches` with
    ``batch_size=1``, without the 1-row matrices (numpy's per-call cost is all an SGD step costs).

    >>> X = np.arange(6.0).reshape(3, 2); y = np.array([7.0, 8.0, 9.0])
    >>> [(x.tolist(), t) for x, t in in_memory_rows(X, y, 1, "cyclic", np.random.default_rng(0))]
    [([0.0, 1.0], 7.0), ([2.0, 3.0], 8.0), ([4.0, 5.0], 9.0)]
    """
    targets = y.tolist()
    for idx in _index_chunks(len(y), 1, epochs, sampling, rng):
        for i in idx.tolist():
            yield X[i], targets[i]


def in_memory_batches(X: Array, y: Array, batch_size: int, epochs: int, sampling: str,
                      rng: np.random.Generator) -> Generator[tuple[Array, Array], None, None]:
    """Yield ``(X_batch, y_batch)`` for every step of ``epochs`` epochs.

    With ``batch_size == n`` every step uses the whole data set as it is, whatever ``sampling``
    says: that is batch gradient descent (the order of rows does not change a full gradient).
    ``"cyclic"`` batches are slices of ``X``. Otherwise the rows of several batches at a time
    are gathered into a reused buffer (one ``np.take`` per chunk of about ``CHUNK_BYTES``), and
    a batch is a view of it: a consumer must use a batch before asking for the next (the descent
    loop does). When ``X`` is larger than ``PREFETCH_BYTES`` (beyond the CPU caches, where each
    random row costs a memory latency), the next chunk is gathered in a background thread while
    the steps use the current one; the batches are the same.
    """
    n = len(y)
    if batch_size == n:
        for _ in range(epochs):
            yield X, y
        return
    if sampling == "cyclic":
        for _ in range(epochs):
            for start in range(0, n, batch_size):
                yield X[start:start + batch_size], y[start:start + batch_size]
        return
    chunk_rows = gather_chunk_rows(X, batch_size)
    chunks = (idx[s:s + chunk_rows]          # whole batches: every index array starts a batch
              for idx in _index_chunks(n, batch_size, epochs, sampling, rng)
              for s in range(0, len(idx), chunk_rows))
    for xc, yc in _gathered(X, y, chunks, chunk_rows, background=X.nbytes > PREFETCH_BYTES):
        for s in range(0, len(yc), batch_size):
            yield xc[s:s + batch_size], yc[s:s + batch_size]


def gather_chunk_rows(X: Array, batch_size: int) -> int:
    """Rows gathered per ``np.take`` call: whole batches, about ``CHUNK_BYTES``, at most an epoch.

    >>> gather_chunk_rows(np.zeros((1000, 50)), 256)
    1024
    """
    batches = max(1, CHUNK_BYTES // (X.shape[1] * X.itemsize * batch_size))
    return int(min(batches, steps_per_epoch(len(X), batch_size)) * batch_size)


def _gather(X: Array, y: Array, rows: Indices, buffer: tuple[Array, Array]
            ) -> tuple[Array, Array]:
    """``X[rows], y[rows]`` written into the front of ``buffer``."""
    xb, yb = buffer[0][:len(rows)], buffer[1][:len(rows)]
    # mode="clip": the indices are valid, and mode="raise" would buffer `out` (a copy)
    np.take(X, rows, axis=0, out=xb, mode="clip")
    np.take(y, rows, out=yb, mode="clip")
    return xb, yb


def _gathered(X: Array, y: Array, chunks: Iterable[Indices], chunk_rows: int,
              background: bool) -> Iterator[tuple[Array, Array]]:
    """``(X[rows], y[rows])`` for each index array ``rows`` of ``chunks``, in two reused buffers.

    With ``background``, chunk k+1 is gathered in a worker thread (``np.take`` releases the GIL)
    while the caller uses chunk k; it goes into the other buffer, so the one in use is never
    written. The indices are drawn here, in the caller's thread and order.
    """
    buffers = [(np.empty((chunk_rows, X.shape[1]), dtype=X.dtype),
                np.empty(chunk_rows, dtype=y.dtype)) for _ in range(2 if background else 1)]
    if not background:
        for rows in chunks:
            yield _gather(X, y, rows, buffers[0])
        return
    from concurrent.futures import ThreadPoolExecutor  # here: only large data sets need it

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sgdteach-gather") as pool:
        pending = None
        for k, rows in enumerate(chunks):
            ahead = pool.submit(_gather, X, y, rows, buffers[k % 2])
            if pending is not None:
                yield pending.result()
            pending = ahead
        if pending is not None:
            yield pending.result()


def block_batches(read_block: Callable[[int, int], tuple[Array, Array]], n: int,
                  batch_size: int, block_rows: int, epochs: int, rng: np.random.Generator,
                  shuffle: bool = True) -> Iterator[tuple[Array, Array]]:
    """Mini-batches from a data set read one block at a time (for data on disk).

    Each epoch visits the blocks of ``block_rows`` contiguous rows in a random order, reads one
    block with ``read_block(start, stop) -> (X_block, y_block)`` (one contiguous read), shuffles
    its rows into a reused buffer and cuts it into batches (the last one keeps the leftover rows).
    Peak memory is about two blocks, whatever the size of the data set.
    """
    starts = np.arange(0, n, block_rows)
    xbuf = ybuf = None  # the shuffled block, reused: one allocation for the whole run
    for _ in range(epochs):
        order = rng.permutation(starts) if shuffle else starts
        for start in order.tolist():
            Xc, yc = read_block(start, min(start + block_rows, n))
            if shuffle:
                if xbuf is None:
                    xbuf = np.empty((block_rows,) + Xc.shape[1:], dtype=Xc.dtype)
                    ybuf = np.empty(block_rows, dtype=yc.dtype)
                assert xbuf is not None and ybuf is not None
                k = len(yc)
                perm = rng.permutation(k)
                # mode="clip": indices are valid anyway, and numpy buffers `out` for mode="raise"
                Xc = np.take(Xc, perm, axis=0, out=xbuf[:k], mode="clip")
                yc = np.take(yc, perm, out=ybuf[:k], mode="clip")
            for s in range(0, len(yc), batch_size):
                yield Xc[s:s + batch_size], yc[s:s + batch_size]
