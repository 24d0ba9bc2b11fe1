r"""What every exercise check shares: the error it raises, its message, reading a recorded call
(:func:`returned`, :func:`as_array`, :func:`unchanged`) and the one rule that matches a wrong
answer to a known wrong variant (:func:`match_variant`: single mistakes before combinations).

A failed check raises :class:`CheckError` (an ``AssertionError``) whose message always starts
with one sentence naming the mistake, then says on which input, what was expected and what was
received, then how to fix it::

    <check>: <mistake> in '<name>'. On <input>: expected <value>, received <value>. <fix>

``<mistake>`` is one of the titles below when the learner's answer matches a known wrong variant,
and ``wrong result`` otherwise. The grader reads the mistake back with :func:`parse_mistake` to
count, per question, how many learners made it. Checks only compute: no files, no plots.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._types import Array
from .._validation import fail

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


class _MessageOnly:
    """What a learner sees of a check's exception in IPython/Jupyter: its message and nothing
    else — no traceback through the package, whose frames would show the reference's source.
    IPython calls ``_render_traceback_`` instead of formatting the traceback
    (``InteractiveShell.showtraceback``); plain Python still shows the full traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


class CheckError(_MessageOnly, AssertionError):
    """A learner's function gave a wrong answer; ``mistake`` names what went wrong."""

    def __init__(self, check: str, mistake: str, name: str, detail: str, fix: str = ""):
        self.check, self.mistake, self.name = check, mistake, name
        text = f"{check}: {mistake} in '{name}'. {detail}"
        super().__init__(f"{text} {fix}".rstrip() if fix else text)


class NotAttemptedError(_MessageOnly, NotImplementedError):
    """The learner's function still raises ``NotImplementedError`` (the answer cell's stub)."""

    def __init__(self, check: str, name: str):
        self.check, self.name = check, name
        super().__init__(f"{check}: '{name}' is not attempted yet. Replace "
                         "`raise NotImplementedError()` in its cell with your code, run that "
                         "cell, then run this one again.")


class RecordError(ValueError):
    """A probe record does not have the documented shape (see ``_record``)."""


def expect_calls(calls: Sequence[Any], n: int) -> None:
    """A judge's guard: the record holds exactly the ``n`` calls its probe makes."""
    if len(calls) != n:
        raise RecordError(f"expected {n} recorded calls, received {len(calls)}")


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


def returned(check: str, name: str, obs: Any, where: str) -> Any:
    """The value of a recorded call (an ``Observation``); a recorded exception becomes a
    :class:`CheckError` that says on which input it happened, ``NotImplementedError`` becomes
    :class:`NotAttemptedError` (not attempted yet)."""
    if obs.status == "not_implemented":
        raise NotAttemptedError(check, name) from None
    if obs.status == "raised":
        raise CheckError(check, f"raised {obs.type}", name,
                         f"On {where}: {obs.type}: {obs.message}.",
                         "Run your function on that input yourself to see where it fails."
                         ) from obs.exc
    return obs.value


def as_array(check: str, name: str, value: Any, shape: tuple[int, ...], where: str,
             hint: str = "") -> Array:
    """The learner's return value (a recorded ``Value``) as a float array of ``shape``, or a
    named shape mistake."""
    if value.none:
        raise CheckError(check, "no return value", name, f"On {where}: received None.",
                         "End your function with a return statement.")
    if value.shape is None:
        raise CheckError(check, WRONG_RESULT, name,
                         f"On {where}: expected numbers, received {value.text}.")
    if value.shape != shape or value.array is None:
        if math.prod(value.shape) == math.prod(shape) and len(value.shape) > len(shape):
            hint = hint or "Flatten it with .ravel(), or keep vectors 1-D from the start."
        want = "a single number" if shape == () else f"an array of shape {shape}"
        raise CheckError(check, WRONG_SHAPE, name,
                         f"On {where}: expected {want}, received shape {value.shape}.", hint)
    return value.array


@dataclass(frozen=True)
class Variant:
    """A known wrong answer: its ``mistake`` title, its ``value`` on the input, the ``fix``;
    ``combination`` marks a mix of single mistakes, named only when no single one matches."""

    mistake: str
    value: Any
    fix: str = ""
    combination: bool = False


def match_variant(got: Any, expected: Any, variants: Sequence[Variant | tuple],
                  same: Callable[[Any, Any], bool] = close) -> Variant | None:
    """The first variant ``got`` equals (and the reference does not), single mistakes before
    combinations; ``None`` when none matches. The one matching rule of every check.

    >>> match_variant(3.0, 1.0, [Variant("a and b", 3.0, combination=True),
    ...                          Variant("c", 3.0)]).mistake
    'c'
    """
    found = [v if isinstance(v, Variant) else Variant(*v) for v in variants]
    for v in sorted(found, key=lambda v: v.combination):   # stable: keeps the listed order
        if v.value is not None and same(got, v.value) and not same(v.value, expected):
            return v
    return None


def compare(check: str, name: str, got: Array | float,
            expected: NDArray[np.floating[Any]] | float,
            variants: Sequence[Variant | tuple], where: str, fix: str = "",
            rtol: float = 1e-6) -> None:
    """Pass when ``got`` equals ``expected``; otherwise name the wrong variant ``got`` equals
    (:func:`match_variant`), or report a plain wrong result."""
    if close(got, expected, rtol=rtol):
        return
    detail = f"On {where}: expected {show(expected)}, received {show(got)}"
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if g.ndim == 1 and g.shape == e.shape and len(g) > 8:
        i = int(np.argmax(~np.isclose(g, e, rtol=rtol, atol=1e-10)))
        detail += f" (first difference at index {i}: expected {show(e[i])}, received {show(g[i])})"
    detail += "."
    hit = match_variant(got, expected, variants, lambda a, b: close(a, b, rtol=rtol))
    if hit is not None:
        raise CheckError(check, hit.mistake, name, detail, hit.fix)
    raise CheckError(check, WRONG_RESULT, name, detail, fix)


def unchanged(check: str, name: str, before: Array, after: Any, what: str, where: str,
              fix: str, mistake: str = IN_PLACE) -> None:
    """Raise when the learner's function changed an input array it was given (``after`` is the
    recorded ``Value`` of that argument after the call)."""
    if after is None:
        raise RecordError(f"the {what} after the call was not recorded")
    if after.array is None or not np.array_equal(before, after.array):
        now = show(after.array) if after.array is not None else after.text
        raise CheckError(check, mistake, name,
                         f"On {where}: the {what} passed in changed from {show(before)} to "
                         f"{now}; the caller's array must stay as it was.", fix)


def passed(name: str, what: str) -> None:
    """Print the short confirmation a passing check shows."""
    print(f"✓ {name}: {what}")
