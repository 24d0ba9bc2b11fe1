r"""Argument checks shared by the public functions.

Every message follows one template, so a learner always sees the same shape of error::

    <function>: '<arg>' must be <what is allowed>; got <value>. <fix>

The helpers raise :class:`ValidationError` (a ``ValueError``) or ``TypeError``; they never warn and
carry on.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


class ValidationError(ValueError):
    """A public function received an argument it cannot use."""


def _show(value: Any) -> str:
    """A short representation of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def message(func: str, arg: str, allowed: str, value: Any, fix: str = "") -> str:
    """Build the one error message template."""
    text = f"{func}: '{arg}' must be {allowed}; got {_show(value)}."
    return f"{text} {fix}" if fix else text


def fail(func: str, arg: str, allowed: str, value: Any, fix: str = "", *, kind=ValidationError):
    """Raise ``kind`` with the template message."""
    raise kind(message(func, arg, allowed, value, fix))


def _as_float_array(func: str, arg: str, value: Any) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None:
        fail(func, arg, "an array of numbers", value, "Pass a numpy array.", kind=TypeError)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        fail(func, arg, "an array of numbers", value, "Pass a numpy array of floats.",
             kind=TypeError)
    return arr


def _check_finite(func: str, arg: str, arr: np.ndarray) -> None:
    # Fast path: one summing pass and no temporary array; a finite sum proves every entry
    # finite (a NaN or inf makes the sum NaN or inf; an overflowing sum falls through).
    if np.isfinite(np.sum(arr)):
        return
    if not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        fail(func, arg, "finite (no NaN or inf)", arr,
             f"It has {bad} non-finite entries; remove or impute them first.")


def check_matrix(func: str, arg: str, value: Any, *, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a 2-D float64 array ``(n, d)`` with n, d >= 1."""
    arr = _as_float_array(func, arg, value)
    if arr.ndim != 2:
        fix = "Use X.reshape(-1, 1) for a single feature." if arr.ndim == 1 else ""
        fail(func, arg, "a 2-D array of shape (n_samples, n_features)", arr, fix)
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        fail(func, arg, "non-empty", arr, "Pass at least one row and one column.")
    if finite:
        _check_finite(func, arg, arr)
    return arr


def check_vector(func: str, arg: str, value: Any, length: int | None = None, *,
                 length_name: str = "", finite: bool = True) -> np.ndarray:
    """Return ``value`` as a 1-D float64 array, optionally of a given length."""
    arr = _as_float_array(func, arg, value)
    if arr.ndim != 1:
        fix = "Use y.ravel() to flatten a column vector." if arr.ndim == 2 else ""
        fail(func, arg, "a 1-D array", arr, fix)
    if length is not None and arr.shape[0] != length:
        fail(func, arg, f"of length {length}" + (f" ({length_name})" if length_name else ""),
             arr, "Check that X, y and theta describe the same problem.")
    if finite:
        _check_finite(func, arg, arr)
    return arr


def check_data(func: str, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check a data set: X of shape (n, d), y of shape (n,), both finite."""
    X = check_matrix(func, "X", X)
    y = check_vector(func, "y", y, X.shape[0], length_name="one target per row of X")
    return X, y


def check_positive(func: str, arg: str, value: Any, *, integer: bool = False,
                   minimum: float | None = None, maximum: float | None = None,
                   strict: bool = True, fix: str = "") -> Any:
    """Check a positive number (or integer), with optional bounds, and return it."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if integer:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        kind = "an integer"
    else:
        ok = is_number and np.isfinite(value)
        kind = "a finite number"
    if not ok:
        fail(func, arg, kind, value, fix, kind=TypeError)
    low = minimum if minimum is not None else 0
    if (strict and minimum is None and value <= 0) or (value < low):
        what = f">= {minimum}" if minimum is not None else "> 0"
        fail(func, arg, f"{kind} {what}", value, fix)
    if maximum is not None and value > maximum:
        fail(func, arg, f"{kind} <= {maximum}", value, fix)
    return int(value) if integer else float(value)


def check_choice(func: str, arg: str, value: Any, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices`` (listed in the message)."""
    choices = list(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        fail(func, arg, f"one of {listed}", value, "Check the spelling.")
    return value


def check_rng(func: str, seed: Any, arg: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (None, an int or a Generator) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
                        and seed >= 0):
        return np.random.default_rng(seed)
    fail(func, arg, "None, a non-negative integer or a numpy.random.Generator", seed,
         "Pass e.g. seed=0 for a repeatable run.", kind=TypeError)
