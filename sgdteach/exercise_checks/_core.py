r"""What every exercise check shares: the error it raises, its message, and safe calls and
comparisons of a learner's function against the reference and against known wrong variants.

A failed check raises :class:`CheckError` (an ``AssertionError``) whose message always starts
with one sentence naming the mistake, then says on which input, what was expected and what was
received, then how to fix it::

    <check>: <mistake> in '<name>'. On <input>: expected <value>, received <value>. <fix>

``<mistake>`` is one of the titles below when the learner's answer matches a known wrong variant,
and ``wrong result`` otherwise. The grader reads the mistake back with :func:`parse_mistake` to
count, per question, how many learners made it. Checks only compute: no files, no plots.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validation import fail

Array = np.ndarray

# The mistakes the checks can name (titles appear verbatim in messages and in the class summary).
WRONG_SIGN = "wrong sign"
MISSING_FACTOR_2 = "missing factor 2"
NOT_AVERAGED = "not averaged (a sum)"
AVERAGED_OVER_DATA = "averaged over the data set instead of the batch"
SAME_SAMPLE = "the same sample every step"
NO_RESHUFFLE = "no reshuffle between epochs"
LAST_BATCH_DROPPED = "last partial batch dropped"
IN_PLACE = "θ modified in place"
NO_BIAS_CORRECTION = "bias correction missing"
BIAS_OFF_BY_ONE = "bias correction off by one step"
SCHEDULE_FROM_ZERO = "schedule counted from 0 instead of 1"
WRONG_SHAPE = "wrong shape"
WRONG_RESULT = "wrong result"

_MESSAGE = re.compile(r"^(?P<check>\w+): (?P<mistake>.+?) in '(?P<name>[^']*)'\.")


class CheckError(AssertionError):
    """A learner's function gave a wrong answer; ``mistake`` names what went wrong."""

    def __init__(self, check: str, mistake: str, name: str, detail: str, fix: str = ""):
        self.check, self.mistake, self.name = check, mistake, name
        text = f"{check}: {mistake} in '{name}'. {detail}"
        super().__init__(f"{text} {fix}".rstrip() if fix else text)


def parse_mistake(message: str) -> str | None:
    """The mistake named by a :class:`CheckError` message, or ``None`` for any other text.

    >>> parse_mistake("check_x: wrong sign in 'grad'. On the data: expected [1], received [-1].")
    'wrong sign'
    """
    match = _MESSAGE.match(message.strip())
    return match.group("mistake") if match else None


def show(value: Any) -> str:
    """A short, rounded text form of a number or an array for messages."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return np.array2string(arr, precision=5, separator=", ", threshold=12, max_line_width=120)


def close(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-10) -> bool:
    """Same shape and equal up to rounding (NaN never equals anything)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def require_callable(check: str, arg: str, fn: Any) -> None:
    """Raise the template ``TypeError`` unless ``fn`` is a function."""
    if not callable(fn):
        fail(check, arg, "a function", fn,
             f"Pass the function itself, without calling it: {check}(my_function).",
             kind=TypeError)


def call(check: str, name: str, fn: Callable, args: Sequence[Any], where: str) -> Any:
    """Call the learner's ``fn(*args)``; turn an exception into a :class:`CheckError` that says
    on which input it happened (``NotImplementedError`` passes through: not attempted yet).

    Warnings and floating-point errors are silenced: a check reports a wrong answer itself.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:
        raise CheckError(check, f"raised {type(exc).__name__}", name,
                         f"On {where}: {type(exc).__name__}: {exc}.",
                         "Run your function on that input yourself to see where it fails.") from exc


def as_array(check: str, name: str, value: Any, shape: tuple[int, ...], where: str,
             hint: str = "") -> Array:
    """The learner's return value as a float array of ``shape``, or a named shape mistake."""
    if value is None:
        raise CheckError(check, "no return value", name, f"On {where}: received None.",
                         "End your function with a return statement.")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(check, WRONG_RESULT, name,
                         f"On {where}: expected numbers, received {show(value)}.") from None
    if arr.shape != shape:
        if arr.size == int(np.prod(shape)) and arr.ndim > len(shape):
            hint = hint or "Flatten it with .ravel(), or keep vectors 1-D from the start."
        want = "a single number" if shape == () else f"an array of shape {shape}"
        raise CheckError(check, WRONG_SHAPE, name,
                         f"On {where}: expected {want}, received shape {arr.shape}.", hint)
    return arr


def compare(check: str, name: str, got: Array, expected: Array,
            variants: Sequence[tuple[str, Any, str]], where: str, fix: str = "",
            rtol: float = 1e-6) -> None:
    """Pass when ``got`` equals ``expected``; otherwise name the first wrong variant ``got``
    equals, or report a plain wrong result. ``variants`` holds ``(mistake, value, fix)``."""
    if close(got, expected, rtol=rtol):
        return
    detail = f"On {where}: expected {show(expected)}, received {show(got)}"
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if g.ndim == 1 and g.shape == e.shape and len(g) > 8:
        i = int(np.argmax(~np.isclose(g, e, rtol=rtol, atol=1e-10)))
        detail += f" (first difference at index {i}: expected {show(e[i])}, received {show(g[i])})"
    detail += "."
    for mistake, value, variant_fix in variants:
        if value is not None and close(got, value, rtol=rtol) and not close(value, expected):
            raise CheckError(check, mistake, name, detail, variant_fix)
    raise CheckError(check, WRONG_RESULT, name, detail, fix)


def unchanged(check: str, name: str, before: Array, after: Array, what: str, where: str,
              fix: str, mistake: str = IN_PLACE) -> None:
    """Raise when the learner's function changed an input array it was given."""
    if not np.array_equal(before, after):
        raise CheckError(check, mistake, name,
                         f"On {where}: the {what} passed in changed from {show(before)} to "
                         f"{show(after)}; the caller's array must stay as it was.", fix)


def passed(name: str, what: str) -> None:
    """Print the short confirmation a passing check shows."""
    print(f"✓ {name}: {what}")
