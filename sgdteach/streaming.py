r"""SGD on data that arrives as a stream or does not fit in memory.

Both drivers run the same loop as :func:`sgdteach.minimize` (:func:`sgdteach.descent.descend`);
only where the batches come from differs. Neither ever needs the whole data set in memory, so the
loss they record is the loss on the batch *about to be used* (progressive validation: each
example is scored before the model learns from it), not a full-data loss.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ._types import Array
from ._validation import COUNT, Interval, check_flag, check_matrix, check_number, check_vector, fail
from .descent import descend, prepare
from .history import History
from .losses import Loss
from .optimizers import Optimizer
from .sampling import block_batches
from .schedules import Schedule


def _checked_stream(func: str, batches: Iterable[Any], d: int, loss: Loss
                    ) -> Iterator[tuple[Array, Array]]:
    """Check each incoming batch's shapes, values and labels as it arrives (O(batch), never
    O(n))."""
    for k, item in enumerate(batches):
        try:
            Xb, yb = item
        except (TypeError, ValueError):
            fail(func, "batches", "an iterable of (X_batch, y_batch) pairs", item,
                 f"Item {k} is not a pair.", kind=TypeError)
        Xb = check_matrix(func, f"batches[{k}][0]", Xb)
        yb = check_vector(func, f"batches[{k}][1]", yb, Xb.shape[0],
                          length_name="one target per row")
        if Xb.shape[1] != d:
            fail(func, f"batches[{k}][0]", f"of {d} columns (len(theta0))", Xb,
                 "Every batch must have the same features.")
        loss.check_targets(func, yb, f"batches[{k}][1]")
        yield Xb, yb


def minimize_stream(batches: Iterable[tuple[Array, Array]], theta0: Array, *,
                    loss: str | Loss = "squared_error", lr: float | Schedule = 0.01,
                    optimizer: str | Optimizer = "sgd", record_every: int = 100,
                    average: bool | int = False) -> History:
    r"""Online learning: one pass over a stream of ``(X_batch, y_batch)``, each seen once.

    .. math::

        \theta_{t+1} = \theta_t - \alpha_t \nabla J_{B_t}(\theta_t)

    The recorded ``loss`` at step :math:`t` is :math:`J_{B_t}(\theta_t)`: the error on data the
    model has not seen yet. ``History.epoch`` is NaN (a stream has no epochs). ``average``
    (``True`` or k >= 1) reports the averaged iterate, as :func:`~sgdteach.minimize` does.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> def stream():
    ...     for _ in range(2000):
    ...         X = rng.normal(size=(4, 2)); yield X, X @ np.array([1.0, -2.0])
    >>> minimize_stream(stream(), np.zeros(2), lr=0.05).theta.round(3)
    array([ 1., -2.])
    """
    func = "minimize_stream"
    if isinstance(batches, (str, bytes)) or not isinstance(batches, Iterable):
        fail(func, "batches", "an iterable of (X_batch, y_batch) pairs", batches,
             "Pass a list or a generator of pairs.", kind=TypeError)
    run = prepare(func, theta0, None, loss=loss, lr=lr, optimizer=optimizer,
                  record_every=record_every, average=average)
    settings = dict(loss=run.loss.name, lr=lr, optimizer=run.optimizer.name,
                    record_every=run.record_every, source="stream", average=average)
    return descend(_checked_stream(func, batches, len(run.theta0), run.loss), run,
                   evaluate=run.loss.value, settings=settings, func=func)


class NpyRows:
    """Rows ``[start, stop)`` of a C-ordered ``.npy`` file, read with plain file reads.

    A memory map would do, but every page it touches counts in the process's resident memory
    until the OS drops it; explicit reads keep only the rows asked for in memory.
    """

    def __init__(self, path: str | os.PathLike[str], func: str = "NpyRows", arg: str = "path"
                 ) -> None:
        if not os.path.exists(path):
            fail(func, arg, "an existing .npy file or an array", str(path),
                 "Write one with sgdteach.datasets.write_regression_npy.",
                 kind=FileNotFoundError)
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                      else np.lib.format.read_array_header_2_0)
            self.shape, fortran, self.dtype = reader(f)
            self.offset = f.tell()
        if fortran:
            fail(func, arg, "a C-ordered .npy file", self.path,
                 "Save it with np.save(path, np.ascontiguousarray(a)).")
        if self.dtype.kind not in "biuf":
            fail(func, arg, "a .npy file of real numbers", f"{self.path} of dtype {self.dtype}",
                 "Save real floats (complex values would lose their imaginary part).",
                 kind=TypeError)
        self.ndim = len(self.shape)
        self.row_items = int(np.prod(self.shape[1:], dtype=np.int64))

    def __len__(self) -> int:
        return self.shape[0]

    def read(self, start: int, stop: int) -> Array:
        count = (stop - start) * self.row_items
        with open(self.path, "rb") as f:
            f.seek(self.offset + start * self.row_items * self.dtype.itemsize)
            rows = np.fromfile(f, dtype=self.dtype, count=count)
        return rows.reshape((stop - start,) + tuple(self.shape[1:])).astype(np.float64, copy=False)


def _rows(func: str, arg: str, source: Any
          ) -> tuple[Callable[[int, int], Array], tuple[int, ...]]:
    """A ``read(start, stop)`` function and a shape for a path or an array-like."""
    if isinstance(source, (str, os.PathLike)):
        rows = NpyRows(source, func, arg)
        return rows.read, rows.shape
    if not hasattr(source, "shape"):
        fail(func, arg, "a path of a .npy file or an array", source, kind=TypeError)
    return (lambda a, b: np.array(source[a:b])), tuple(source.shape)


def minimize_memmap(X: Any, y: Any, theta0: Array | None = None, *,
                    loss: str | Loss = "squared_error", lr: float | Schedule = 0.01,
                    batch_size: int = 256, block_rows: int = 65536, epochs: int = 1,
                    shuffle: bool = True, optimizer: str | Optimizer = "sgd",
                    seed: int | np.random.Generator | None = None,
                    record_every: int = 1000, average: bool | int = False) -> History:
    r"""Mini-batch SGD on ``.npy`` files (or memmaps) too large for memory, block by block.

    Each epoch visits blocks of ``block_rows`` contiguous rows in random order, reads one block
    (one contiguous file read, no memory map), shuffles the rows inside it and takes
    ``batch_size`` rows per step. Peak memory is about two blocks (the block and its shuffled
    copy), never the file.

    Parameters
    ----------
    X, y : paths of ``.npy`` files (read block by block) or array-likes (e.g. memmaps) of shapes
        (n, d) and (n,).
    theta0 : (d,), zeros when omitted.
    average : ``True`` or k >= 1 reports the averaged iterate, as :func:`~sgdteach.minimize`.
    """
    func = "minimize_memmap"
    read_X, shape_X = _rows(func, "X", X)
    read_y, shape_y = _rows(func, "y", y)
    if len(shape_X) != 2 or len(shape_y) != 1 or shape_X[0] != shape_y[0]:
        fail(func, "X, y", "of shapes (n, d) and (n,)", (shape_X, shape_y), "Check the files.")
    n, d = shape_X
    if n < 1 or d < 1:
        fail(func, "X", "non-empty", shape_X, "Pass at least one row and one column.")
    batch_size = check_number(func, "batch_size", batch_size, Interval(1, n, integer=True))
    block_rows = check_number(func, "block_rows", block_rows,
                              Interval(batch_size, None, integer=True),
                              fix="A block must hold at least one batch.")
    epochs = check_number(func, "epochs", epochs, COUNT)
    shuffle = check_flag(func, "shuffle", shuffle)
    run = prepare(func, theta0, d, loss=loss, lr=lr, optimizer=optimizer, seed=seed,
                  record_every=record_every, average=average)
    settings = dict(loss=run.loss.name, lr=lr, batch_size=batch_size, block_rows=block_rows,
                    epochs=epochs, optimizer=run.optimizer.name, seed=seed, source="memmap",
                    average=average)

    def read_block(start: int, stop: int) -> tuple[Array, Array]:
        """One block, checked once as it is read (shapes are fixed by the files)."""
        Xc, yc = check_matrix(func, "X", read_X(start, stop)), check_vector(func, "y",
                                                                            read_y(start, stop))
        run.loss.check_targets(func, yc)
        return Xc, yc

    batches = block_batches(read_block, n, batch_size, block_rows, epochs, run.rng, shuffle)
    return descend(batches, run, evaluate=run.loss.value, samples_per_epoch=n,
                   settings=settings, func=func)
