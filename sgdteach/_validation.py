r"""Argument checks shared by the public functions.

Every message follows one template, so a learner always sees the same shape of error::

    <function>: '<arg>' must be <what is allowed>; got <value>. <fix>

The helpers raise :class:`ValidationError` (a ``ValueError``) or ``TypeError``; they never warn and
carry on.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np


class ValidationError(ValueError):
    """A public function received an argument it cannot use."""


def _show(value: Any) -> str:
    """A short representation of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        kind = "np.matrix" if isinstance(value, np.matrix) else "array"
        return f"{kind} of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def message(func: str, arg: str, allowed: str, value: Any, fix: str = "") -> str:
    """Build the one error message template."""
    text = f"{func}: '{arg}' must be {allowed}; got {_show(value)}."
    return f"{text} {fix}" if fix else text


def fail(func: str, arg: str, allowed: str, value: Any, fix: str = "", *,
         kind: type[Exception] = ValidationError) -> NoReturn:
    """Raise ``kind`` with the template message."""
    raise kind(message(func, arg, allowed, value, fix))


_NUMERIC_KINDS = "biuf"   # bool, signed and unsigned integers, floats: what float64 holds


def _as_float_array(func: str, arg: str, value: Any) -> np.ndarray:
    """``value`` as float64 (no copy for a float64 array); complex, text and objects that are not
    numbers are refused, never truncated or parsed."""
    if isinstance(value, (str, bytes)) or value is None:
        fail(func, arg, "an array of numbers", value, "Pass a numpy array.", kind=TypeError)
    if isinstance(value, np.matrix):   # always 2-D, and * is a matrix product: not an array
        fail(func, arg, "a numpy array, not an np.matrix", value,
             f"Convert it with np.asarray({arg})" + (".ravel()" if value.shape[0] == 1 else "")
             + ".", kind=TypeError)
    try:
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    except (TypeError, ValueError):
        arr = None   # ragged nesting and the like
    if arr is None or arr.dtype.kind not in _NUMERIC_KINDS + "cO":
        fail(func, arg, "an array of numbers", value, "Pass a numpy array of floats.",
             kind=TypeError)
    if arr.dtype.kind == "c":
        fail(func, arg, "an array of real numbers", arr,
             "Complex values would lose their imaginary part; pass np.real(a) if that is "
             "what you mean.", kind=TypeError)
    try:
        return arr.astype(np.float64, copy=False)
    except OverflowError:
        fail(func, arg, "an array of numbers that float64 can hold (|x| < 1.8e308)", value,
             "Rescale the data.")
    except (TypeError, ValueError):
        fail(func, arg, "an array of numbers", value, "Pass a numpy array of floats.",
             kind=TypeError)


def _check_finite(func: str, arg: str, arr: np.ndarray) -> None:
    # Fast path: one summing pass and no temporary array; a finite sum proves every entry
    # finite (a NaN or inf makes the sum NaN or inf; an overflowing sum falls through, silently).
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(arr)
    if np.isfinite(total):
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


INT64_LIMIT = 2**63   # integers must be below this: numpy counts steps and rows in int64


@dataclass(frozen=True)
class Interval:
    """The numbers an argument may take, as scikit-learn's ``Interval``: ``left`` and ``right``
    bounds (``None``: unbounded), ``closed`` one of ``"both"``, ``"left"``, ``"right"``,
    ``"neither"``, and ``integer`` for whole numbers.

    >>> Interval(0, 1, closed="left").describe()
    'a finite number in [0, 1)'
    >>> Interval(1, None, integer=True).describe()
    'an integer >= 1'
    """

    left: float | None = None
    right: float | None = None
    closed: str = "both"
    integer: bool = False

    def describe(self, plural: bool = False) -> str:
        """What a number in the interval is (``plural``: what an array of them holds)."""
        if plural:
            kind = "integers" if self.integer else "finite numbers"
        else:
            kind = "an integer" if self.integer else "a finite number"
        lo_closed = self.closed in ("both", "left")
        hi_closed = self.closed in ("both", "right")
        if self.left is not None and self.right is not None:
            return (f"{kind} in {'[' if lo_closed else '('}{self.left:g}, {self.right:g}"
                    f"{']' if hi_closed else ')'}")
        if self.left is not None:
            return f"{kind} {'>=' if lo_closed else '>'} {self.left:g}"
        if self.right is not None:
            return f"{kind} {'<=' if hi_closed else '<'} {self.right:g}"
        return kind

    def contains(self, x: float) -> bool:
        lo_closed = self.closed in ("both", "left")
        hi_closed = self.closed in ("both", "right")
        if self.left is not None and not (x >= self.left if lo_closed else x > self.left):
            return False
        return self.right is None or (x <= self.right if hi_closed else x < self.right)


POSITIVE = Interval(0, None, closed="neither")
NON_NEGATIVE = Interval(0, None, closed="left")
UNIT = Interval(0, 1, closed="left")           # [0, 1): momentum and decay rates
COUNT = Interval(1, None, integer=True)        # steps, epochs, rows
INDEX = Interval(0, None, integer=True)        # a step or row number, a count that may be 0
REAL = Interval()                              # any finite number


def check_number(func: str, arg: str, value: Any, interval: Interval = POSITIVE, *,
                 fix: str = "") -> Any:
    """Check a real number (or integer) against ``interval`` and return it as float (int).

    Accepts Python and numpy numbers, ``fractions.Fraction`` and ``decimal.Decimal``; rejects
    bools, arrays, complex numbers, NaN and inf, and integers of 2**63 or more.
    """
    allowed = interval.describe()
    if isinstance(value, (bool, np.bool_)):
        fail(func, arg, allowed, value, fix or "Pass a number, not a flag.", kind=TypeError)
    if interval.integer:
        if not isinstance(value, numbers.Integral):
            fail(func, arg, allowed, value, fix, kind=TypeError)
        number: Any = int(value)
        if abs(number) >= INT64_LIMIT:
            fail(func, arg, f"{allowed}, below 2**63", value, fix)
    else:
        if not isinstance(value, (numbers.Real, decimal.Decimal)):
            fail(func, arg, allowed, value, fix, kind=TypeError)
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf
        if not math.isfinite(number):
            fail(func, arg, allowed, value, fix)
    if not interval.contains(number):
        fail(func, arg, allowed, value, fix)
    return number


def check_array(func: str, arg: str, value: Any, interval: Interval | None = None, *,
                fix: str = "") -> np.ndarray:
    """Return ``value`` (a number or an array of any shape, with at least one entry) as a finite
    float64 array whose entries all lie in ``interval`` (``None``: any finite number).

    >>> check_array("f", "lr", [0.1, 0.2], POSITIVE)
    array([0.1, 0.2])
    """
    arr = _as_float_array(func, arg, value)
    if arr.size == 0:
        fail(func, arg, "non-empty", arr, fix or "Pass at least one number.")
    _check_finite(func, arg, arr)
    if interval is not None and not (interval.contains(float(arr.min()))
                                     and interval.contains(float(arr.max()))
                                     and not (interval.integer and (arr % 1 != 0).any())):
        fail(func, arg, interval.describe(plural=True), value, fix)
    return arr


def check_flag(func: str, arg: str, value: Any) -> bool:
    """Check a yes/no argument: ``True`` or ``False`` (a numpy bool too), never an array."""
    if not isinstance(value, (bool, np.bool_)):
        fail(func, arg, "True or False", value, "Pass a bool.", kind=TypeError)
    return bool(value)


def check_callable(func: str, arg: str, value: Any, what: str = "a function", fix: str = ""
                   ) -> Any:
    """Check that ``value`` can be called."""
    if not callable(value):
        fail(func, arg, what, value, fix, kind=TypeError)
    return value


def check_choice(func: str, arg: str, value: Any, choices: Iterable[str]) -> str:
    """Check that ``value`` is one of ``choices`` (listed in the message)."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        fail(func, arg, f"one of {listed}", value, "Check the spelling.")
    return value


def check_rng(func: str, seed: Any, arg: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (None, an int or a Generator) into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) \
            and int(seed) >= 0:
        return np.random.default_rng(int(seed))
    fail(func, arg, "None, a non-negative integer or a numpy.random.Generator", seed,
         "Pass e.g. seed=0 for a repeatable run.", kind=TypeError)
