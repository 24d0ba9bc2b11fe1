r"""Data for the course: the reference example, synthetic sets, a drifting stream, real data, and a
chunked writer for data sets larger than memory. Every random choice takes a ``seed``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._types import Array
from ._validation import COUNT, NON_NEGATIVE, Interval, check_flag, check_number, check_rng, fail


def reference_data() -> tuple[Array, Array]:
    """The reference example: ``X = [[1, 2], [1, 3], [1, 4]]`` (a bias column and one feature) and
    ``y = [2, 5, 9]``, as float64.

    >>> X, y = reference_data(); X.shape, y
    ((3, 2), array([2., 5., 9.]))
    """
    return np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]), np.array([2.0, 5.0, 9.0])


def make_regression(n: int = 1000, d: int = 2, noise: float = 0.5, *, intercept: bool = True,
                    seed: int | np.random.Generator | None = None
                    ) -> tuple[Array, Array, Array]:
    r"""Synthetic linear regression :math:`y = X\theta^\star + \varepsilon`,
    :math:`\varepsilon \sim \mathcal N(0, \text{noise}^2)`.

    With ``intercept=True`` the first column of ``X`` is ones (so ``d`` counts it). Returns
    ``(X, y, theta_true)`` with shapes ``(n, d)``, ``(n,)``, ``(d,)``.
    """
    func = "make_regression"
    n = check_number(func, "n", n, COUNT)
    d = check_number(func, "d", d, COUNT)
    noise = check_number(func, "noise", noise, NON_NEGATIVE)
    intercept = check_flag(func, "intercept", intercept)
    rng = check_rng(func, seed)
    X = rng.standard_normal((n, d))
    if intercept:
        X[:, 0] = 1.0
    theta = rng.uniform(-2.0, 2.0, size=d)
    with np.errstate(over="ignore", invalid="ignore"):
        y = X @ theta + noise * rng.standard_normal(n)
    _finite(func, "noise", noise, y)
    return X, y, theta


def _finite(func: str, arg: str, value: float, out: Array) -> None:
    """A parameter so large that the data overflow float64 is refused, never returned as inf."""
    if not np.isfinite(out).all():
        fail(func, arg, "small enough for finite data", value, "Use a moderate value.")


def make_classification(n: int = 500, d: int = 3, *, separation: float = 2.0,
                        seed: int | np.random.Generator | None = None
                        ) -> tuple[Array, Array, Array]:
    r"""Two Gaussian classes with labels in {-1, +1}; the first column of ``X`` is ones (bias).

    Points of class :math:`\pm1` are centred at :math:`\pm\frac{\text{separation}}{2} u` for a
    random unit vector :math:`u`. Returns ``(X, y, u)``.
    """
    func = "make_classification"
    n = check_number(func, "n", n, Interval(2, None, integer=True))
    d = check_number(func, "d", d, Interval(2, None, integer=True))
    separation = check_number(func, "separation", separation, NON_NEGATIVE)
    rng = check_rng(func, seed)
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    u = rng.standard_normal(d - 1)
    u /= np.linalg.norm(u)
    with np.errstate(over="ignore", invalid="ignore"):
        features = rng.standard_normal((n, d - 1)) + 0.5 * separation * y[:, None] * u
    _finite(func, "separation", separation, features)
    return np.column_stack([np.ones(n), features]), y, u


def drifting_stream(n_batches: int = 500, batch_size: int = 10, d: int = 2, *,
                    drift: float = 0.01, noise: float = 0.1,
                    seed: int | np.random.Generator | None = None
                    ) -> tuple[Iterator[tuple[Array, Array]], Array]:
    r"""A regression stream whose true parameters move: :math:`\theta^\star_{t+1} =
    \theta^\star_t + \text{drift}\cdot\xi_t`, :math:`\xi_t \sim \mathcal N(0, I)`.

    Returns ``(batches, theta_true)``: an iterator of ``n_batches`` pairs ``(X_t, y_t)`` and the
    ``(n_batches, d)`` array of the true parameters in force for each batch. Batch ``t`` is drawn
    only when asked for: the stream is never held in memory.
    """
    func = "drifting_stream"
    n_batches = check_number(func, "n_batches", n_batches, COUNT)
    batch_size = check_number(func, "batch_size", batch_size, COUNT)
    d = check_number(func, "d", d, COUNT)
    drift = check_number(func, "drift", drift, NON_NEGATIVE)
    noise = check_number(func, "noise", noise, Interval(0, 1e300))
    rng = check_rng(func, seed)
    steps = drift * rng.standard_normal((n_batches, d))
    steps[0] = rng.uniform(-1.0, 1.0, size=d)
    with np.errstate(over="ignore", invalid="ignore"):
        theta_true = np.cumsum(steps, axis=0)
        _finite(func, "drift", drift, theta_true)
    data_rng = np.random.default_rng(rng.integers(2**63))

    def batches() -> Iterator[tuple[Array, Array]]:
        for t in range(n_batches):
            X = data_rng.standard_normal((batch_size, d))
            yield X, X @ theta_true[t] + noise * data_rng.standard_normal(batch_size)

    return batches(), theta_true


def load_real(name: str = "diabetes") -> tuple[Array, Array]:
    """A real data set bundled with scikit-learn (no download), standardised, with a bias column.

    ``"diabetes"`` (regression, 442 x 10) or ``"breast_cancer"`` (classification, 569 x 30, labels
    in {-1, +1}). Returns ``(X, y)``; ``X[:, 0]`` is ones.
    """
    from ._validation import check_choice

    check_choice("load_real", "name", name, ("diabetes", "breast_cancer"))
    try:
        from sklearn import datasets as skd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("load_real: needs scikit-learn; install it with "
                          "pip install 'sgdteach[lab]'.") from exc
    if name == "diabetes":
        X, y = skd.load_diabetes(return_X_y=True)
        y = (y - y.mean()) / y.std()
    else:
        X, y = skd.load_breast_cancer(return_X_y=True)
        y = 2.0 * y - 1.0
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return np.column_stack([np.ones(len(y)), X]), y.astype(np.float64)


def write_regression_npy(folder: str | os.PathLike, n: int, d: int, *, chunk_rows: int = 100_000,
                         noise: float = 0.5, dtype=np.float64, overwrite: bool = False,
                         seed: int | np.random.Generator | None = None
                         ) -> tuple[Path, Path, Array]:
    r"""Write a linear-regression data set of ``n`` rows to ``folder/X.npy`` and ``folder/y.npy``
    in chunks of ``chunk_rows`` rows, so memory stays at one chunk whatever ``n`` is.

    Returns ``(path_X, path_y, theta_true)``. Refuses to overwrite existing files unless
    ``overwrite=True``.
    """
    func = "write_regression_npy"
    n = check_number(func, "n", n, COUNT)
    d = check_number(func, "d", d, COUNT)
    chunk_rows = check_number(func, "chunk_rows", chunk_rows, COUNT)
    noise = check_number(func, "noise", noise, Interval(0, 1e300))
    overwrite = check_flag(func, "overwrite", overwrite)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        fail(func, "dtype", "a numpy float dtype", dtype, "Use np.float64 or np.float32.",
             kind=TypeError)
    if dtype.kind != "f":
        fail(func, "dtype", "a numpy float dtype", dtype, "Use np.float64 or np.float32.",
             kind=TypeError)
    rng = check_rng(func, seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path_X, path_y = folder / "X.npy", folder / "y.npy"
    for path in (path_X, path_y):
        if path.exists() and not overwrite:
            fail(func, "folder", "a folder without X.npy / y.npy (or overwrite=True)",
                 str(folder), f"{path} exists; choose another folder.", kind=FileExistsError)
    theta = rng.uniform(-2.0, 2.0, size=d)
    # Plain appends (no memory map): only one chunk is ever in memory. Written under a temporary
    # name and renamed at the end, so an interrupted run leaves no half-written X.npy behind.
    tmp_X, tmp_y = path_X.with_suffix(".npy.partial"), path_y.with_suffix(".npy.partial")
    with open(tmp_X, "wb") as fX, open(tmp_y, "wb") as fy:
        for f, shape in ((fX, (n, d)), (fy, (n,))):
            np.lib.format.write_array_header_1_0(f, {
                "descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                "shape": shape})
        for start in range(0, n, chunk_rows):
            rows = min(chunk_rows, n - start)
            Xc = rng.standard_normal((rows, d))
            Xc[:, 0] = 1.0
            yc = Xc @ theta + noise * rng.standard_normal(rows)
            Xc.astype(dtype, copy=False).tofile(fX)
            yc.astype(dtype, copy=False).tofile(fy)
    os.replace(tmp_X, path_X)
    os.replace(tmp_y, path_y)
    return path_X, path_y, theta
