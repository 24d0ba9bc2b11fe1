r"""The squared-error loss along a recorded path, computed after the run in one pass.

A run that records the full-data loss at every step pays a full pass over the data per record
inside its loop: slow, and it inflates the run's own clock. Recording only the path
(``record_loss=False``) and evaluating the loss afterwards, many points per matrix product, gives
the same numbers and leaves ``wall_time`` as the descent alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._validation import fail
from ..history import History


def squared_loss_along_path(history: History, X: Any, y: Any, *,
                            chunk: int = 256) -> History:
    r"""Return ``history`` with ``loss`` replaced by the squared error at each recorded point.

    .. math:: J(\theta_k) = \frac1m \sum_{i=1}^m (x_i^\top \theta_k - y_i)^2

    for every row :math:`\theta_k` of ``history.path`` (shape ``(K, d)``), computed ``chunk``
    points per product ``X @ path.T`` (an ``(m, chunk)`` array).

    Parameters
    ----------
    history : History
        A run of :func:`sgdteach.minimize` on ``X, y``, usually with ``record_loss=False``.
    X : array of shape (m, d)
    y : array of shape (m,)
    chunk : int
        Path points per matrix product (memory ``8 * m * chunk`` bytes).

    Returns
    -------
    History
        A copy with ``loss`` of shape ``(K,)``; every other field unchanged.

    Examples
    --------
    >>> import numpy as np, sgdteach
    >>> X = np.eye(3); y = np.ones(3)
    >>> h = sgdteach.minimize(X, y, lr=0.5, batch_size=3, epochs=2, record_every=1,
    ...                       record_loss=False)
    >>> squared_loss_along_path(h, X, y).loss.round(4).tolist()
    [1.0, 0.4444, 0.1975]
    """
    func = "squared_loss_along_path"
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    path = np.asarray(history.path, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        fail(func, "X, y", "X of shape (m, d) and y of shape (m,)", (X.shape, y.shape),
             "Pass the data the run was trained on.")
    if path.ndim != 2 or path.shape[1] != X.shape[1]:
        fail(func, "history", f"a path of shape (K, {X.shape[1]})", path.shape,
             "Pass the History of a run on this X.")
    if not isinstance(chunk, int) or chunk < 1:
        fail(func, "chunk", "a positive integer", chunk, "Use e.g. chunk=256.")
    loss = np.empty(len(path))
    for start in range(0, len(path), chunk):
        r = X @ path[start:start + chunk].T - y[:, None]
        loss[start:start + chunk] = np.einsum("ij,ij->j", r, r) / len(y)
    return dataclasses.replace(history, loss=loss)
