r"""What a probe records about a learner's function, as plain JSON data, and how a judge reads it
back (strictly: any other shape is a :class:`RecordError`, never evaluated or unpickled).

A probe only *calls* the learner's function on trusted inputs and writes down what came back;
it decides nothing. One call becomes an **observation**::

    {"status": "ok", "value": VALUE, "after": {"0": VALUE, ...}}   # after: the arguments it
    {"status": "raised", "type": "IndexError", "message": "..."}   #   was given, after the call
    {"status": "not_implemented"}

and a returned object becomes a **value** (every field optional except ``text``)::

    {"text": "short repr", "string": "a str itself",
     "none": true, "tuple": true, "integer": true, "callable": true,
     "shape": [2], "data": [0.5, "nan"],          # the object as a float64 array, if it is one
     "items": [VALUE, ...], "length": 7,          # a tuple's items, or what a probe collected
     "iterator": true,                            # it was collected from an iterator (lazy)
     "entries": {"lr": VALUE, ...}}               # a dict's entries (string keys only)

Non-finite numbers travel as the strings ``"nan"``, ``"inf"`` and ``"-inf"``. Values nest at most
two levels deep; arrays above :data:`MAX_ELEMENTS` numbers (a probe may allow up to
:data:`MAX_ITEMS`) keep their shape and lose their data.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._types import Array
from ._core import RecordError, show

MAX_ELEMENTS = 256             # numbers kept per array (every check's arrays are smaller)
MAX_ITEMS = 20_001             # items or numbers a probe may collect (a schedule's values)
MAX_TEXT = 2_000               # characters of any text
MAX_DEPTH = 2
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_VALUE_KEYS = {"text", "string", "none", "tuple", "integer", "callable", "shape", "data", "items",
               "length", "entries", "iterator"}


# -- probe side (runs in the learner's kernel) ------------------------------------------------

def _number(x: float) -> float | str:
    return x if math.isfinite(x) else ("nan" if math.isnan(x) else "inf" if x > 0 else "-inf")


def _text(value: Any) -> str:
    try:
        return show(value)[:MAX_TEXT]
    except Exception:  # a learner's object whose repr fails
        return f"<{type(value).__name__}>"


def encode(value: Any, depth: int = 0, limit: int = MAX_ELEMENTS) -> dict:
    """The value form of ``value`` (see the module docstring); arrays of more than ``limit``
    numbers keep their shape only."""
    out: dict[str, Any] = {"text": _text(value)}
    if value is None:
        out["none"] = True
        return out
    if isinstance(value, str):
        out["string"] = value[:MAX_TEXT]
        return out
    if callable(value):
        out["callable"] = True
    if isinstance(value, tuple):
        out["tuple"] = True
        out["length"] = len(value)
        if depth < MAX_DEPTH - 1:
            out["items"] = [encode(v, depth + 1) for v in value[:16]]
    if isinstance(value, dict) and depth < MAX_DEPTH - 1:
        out["entries"] = {k: encode(v, depth + 1) for k, v in list(value.items())[:16]
                          if isinstance(k, str) and len(k) <= 50}
        out["length"] = len(value)
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = np.asarray(value)
            arr = np.asarray(value, dtype=np.float64)
    except Exception:
        return out
    out["shape"] = [int(s) for s in arr.shape]
    out["integer"] = bool(np.issubdtype(raw.dtype, np.integer))
    if arr.size <= min(limit, MAX_ITEMS):
        out["data"] = [_number(x) for x in arr.ravel().tolist()]
    return out


def observe(fn: Callable, args: Sequence[Any] = (), after: Sequence[int] = (),
            encoder: Callable[[Any], dict] = encode) -> dict:
    """Call ``fn(*args)`` and record what happened (warnings and floating-point errors
    silenced); ``after`` lists the arguments to record as they are after the call. The live
    value and exception are kept under ``"_value"`` and ``"_exc"`` for the probe's own use (never
    sent: :func:`transport` drops them)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = fn(*args)
    except NotImplementedError as exc:
        return {"status": "not_implemented", "_exc": exc}
    except Exception as exc:
        return {"status": "raised", "type": type(exc).__name__[:100],
                "message": str(exc)[:MAX_TEXT], "_exc": exc}
    obs = {"status": "ok", "value": encoder(value), "_value": value}
    if after:
        obs["after"] = {str(i): encode(args[i]) for i in after}
    return obs


LIVE = ("_value", "_exc")


def transport(observations: list[dict]) -> list[dict]:
    """The observations without the live objects each keeps (:data:`LIVE`)."""
    return [{k: v for k, v in obs.items() if k not in LIVE} for obs in observations]


# -- judge side (runs in the grader) ----------------------------------------------------------

Shape = tuple[int, ...]   # outside Value, whose field 'tuple' hides the builtin there


@dataclass
class Value:
    """A decoded value: what the learner's function returned, as far as a judge needs it."""

    text: str
    string: str | None = None           # the text itself, when the value was a str
    none: bool = False
    tuple: bool = False
    integer: bool = False
    callable: bool = False
    array: Array | None = None          # the float64 form, when there was one with its data
    shape: Shape | None = None
    items: list[Value] | None = None
    length: int | None = None
    entries: dict[str, Value] | None = None
    iterator: bool = False              # the items came from an iterator, one at a time

    def __repr__(self) -> str:
        return self.text


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise RecordError(what)


def _int(x: Any, what: str, low: int = 0, high: int = 10**9) -> int:
    _need(type(x) is int and low <= x <= high, f"{what} must be an integer in [{low}, {high}]")
    return x


def _str(x: Any, what: str, limit: int = MAX_TEXT) -> str:
    _need(isinstance(x, str) and len(x) <= limit, f"{what} must be text of <= {limit} chars")
    return x


def decode_value(d: Any, depth: int = 0) -> Value:
    """A :class:`Value` from its record form; :class:`RecordError` for anything else."""
    _need(isinstance(d, dict) and set(d) <= _VALUE_KEYS and "text" in d,
          "a value must be an object with known keys and a text")
    v = Value(text=_str(d["text"], "value text"))
    if "string" in d:
        v.string = _str(d["string"], "value string")
    for flag in ("none", "tuple", "integer", "callable", "iterator"):
        if flag in d:
            _need(type(d[flag]) is bool, f"value '{flag}' must be true or false")
            setattr(v, flag, d[flag])
    if "length" in d:
        v.length = _int(d["length"], "value length", 0, 10**12)
    if "shape" in d:
        _need(isinstance(d["shape"], list) and len(d["shape"]) <= 8, "value shape")
        v.shape = tuple(_int(s, "a shape entry", 0, 10**12) for s in d["shape"])
    if "data" in d:
        data = d["data"]
        _need(v.shape is not None and isinstance(data, list)
              and len(data) == math.prod(v.shape) <= MAX_ITEMS, "value data must match shape")
        nums = []
        for x in data:
            if isinstance(x, str):
                _need(x in _NONFINITE, "a non-finite number must be 'nan', 'inf' or '-inf'")
                nums.append(_NONFINITE[x])
            else:
                _need(type(x) in (int, float) and (type(x) is int or math.isfinite(x)),
                      "array data must be numbers")
                nums.append(float(x))
        v.array = np.array(nums, dtype=np.float64).reshape(v.shape)
    if "items" in d:
        _need(depth < MAX_DEPTH - 1 and isinstance(d["items"], list)
              and len(d["items"]) <= MAX_ITEMS, "value items")
        v.items = [decode_value(x, depth + 1) for x in d["items"]]
    if "entries" in d:
        _need(depth < MAX_DEPTH - 1 and isinstance(d["entries"], dict)
              and len(d["entries"]) <= 16, "value entries")
        v.entries = {_str(k, "an entry key", 50): decode_value(x, depth + 1)
                     for k, x in d["entries"].items()}
    return v


@dataclass
class Observation:
    """A decoded observation (see the module docstring); ``exc`` only in the learner's kernel."""

    status: str
    value: Value | None = None
    after: dict[int, Value] = field(default_factory=dict)
    type: str = ""
    message: str = ""
    exc: BaseException | None = None


def decode_observation(d: Any) -> Observation:
    """An :class:`Observation` from its record form (a live ``_exc`` is kept as ``exc``)."""
    _need(isinstance(d, dict) and d.get("status") in ("ok", "raised", "not_implemented"),
          "an observation needs a status of ok, raised or not_implemented")
    exc = d.get("_exc")
    keys = set(d) - set(LIVE)
    if d["status"] == "ok":
        _need(keys <= {"status", "value", "after"} and "value" in d, "an ok observation")
        after = d.get("after", {})
        _need(isinstance(after, dict) and len(after) <= 8, "observation 'after'")
        return Observation("ok", decode_value(d["value"]),
                           {_int(int(k) if isinstance(k, str) and k.isdigit() else -1,
                                 "an argument index", 0, 16): decode_value(x)
                            for k, x in after.items()})
    if d["status"] == "raised":
        _need(keys == {"status", "type", "message"}, "a raised observation")
        return Observation("raised", type=_str(d["type"], "exception type", 100),
                           message=_str(d["message"], "exception message"), exc=exc)
    _need(keys == {"status"}, "a not_implemented observation")
    return Observation("not_implemented", exc=exc)
