r"""Kernel messages decoded with limits: a learner's output cannot make the worker's memory grow
beyond a bound, nor make the worker fail.

Everything a kernel sends (``header``, ``parent_header``, ``metadata``, ``content``) is JSON the
learner controls: the kernel holds the HMAC key, so it can sign any message. Before a part is
decoded, :func:`bounded_loads` checks, on the raw bytes,

* its length (:attr:`MessageLimits.max_bytes`);
* the number of values it can hold (:attr:`MessageLimits.max_values`): an upper bound, the count of
  ``[``, ``{`` and ``,`` outside strings. A decoded value costs far more than its text (an empty
  list is 2 bytes of JSON and 64 of Python, 10 MB of ``[], `` became 1.3 GB), so this bounds the
  decoded size: about ``max_bytes + 100 * max_values`` bytes;
* its nesting depth (:attr:`MessageLimits.max_depth`; Python's decoder would raise
  ``RecursionError`` near 1000);

and decodes it with a ``parse_int`` hook that refuses integers longer than
:attr:`MessageLimits.max_digits` (``int()`` of a string is quadratic in its length; Python >= 3.11
raises ``ValueError`` beyond 4300 digits).

:class:`BoundedSession` decodes every message so. A message that fails (a limit, bad JSON, a bad
signature, a replayed one, memory) is never raised: it is replaced by one of the same type whose
content names the limit (:data:`REFUSED` key, :func:`placeholder`), which the grading client drops
and notes in the row.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jupyter_client.session import Session

from ..outcomes import LIMIT_ENAME

REFUSED = "sgdteach_refused"   # the key of a placeholder's content: why the message was refused
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")   # every byte but the brackets


@dataclass(frozen=True)
class MessageLimits:
    """The most one message part may hold before it is decoded."""

    max_bytes: int = 128 * 2**20     # as ZMQ's own cap (kernel_client.MAX_MESSAGE_BYTES)
    max_values: int = 500_000        # about 50 MB decoded, at most
    max_depth: int = 100
    max_digits: int = 1000           # a float64 has at most 309 digits before the point


class OutputLimitError(ValueError):
    """A message part over one of the :class:`MessageLimits`."""


def depth(text: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in ``text`` (strings removed), e.g. 2 for ``[[1], {}]``.

    >>> depth(b'[[1], {"a": "[[["}]')
    2
    """
    brackets = _STRINGS.sub(b'""', text).translate(None, _BRACKETS)
    if len(brackets) < 2 * 32:
        level = deepest = 0
        for b in brackets:
            level += 1 if b in b"[{" else -1
            deepest = max(deepest, level)
        return deepest
    import numpy as np

    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    return int(np.cumsum(steps, dtype=np.int64).max())


def bounded_loads(data: bytes | str, limits: MessageLimits = MessageLimits()) -> Any:
    """``json.loads(data)``, or :class:`OutputLimitError` naming the limit it would break."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > limits.max_bytes:
        raise OutputLimitError(f"a message of {len(raw)} bytes (limit {limits.max_bytes})")
    opens = raw.count(b"[") + raw.count(b"{")   # counted in strings too: upper bounds
    if opens + raw.count(b",") > limits.max_values or opens > limits.max_depth:
        skeleton = _STRINGS.sub(b'""', raw)   # slower (~70 ns a byte): only when needed
        values = skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{")
        if values > limits.max_values:
            raise OutputLimitError(f"a message of over {values} values (limit "
                                   f"{limits.max_values})")
        if (deepest := depth(skeleton)) > limits.max_depth:
            raise OutputLimitError(f"a value nested {deepest} deep (limit {limits.max_depth})")

    def parse_int(text: str) -> int:
        if len(text) > limits.max_digits:
            raise OutputLimitError(f"an integer of {len(text)} digits (limit "
                                   f"{limits.max_digits})")
        return int(text)

    return json.loads(raw.decode("utf-8", "replace"),
                      parse_int=parse_int if len(raw) > limits.max_digits else None)


def placeholder(msg_type: str, reason: str) -> dict[str, Any]:
    """The content that stands in for a refused message of type ``msg_type``."""
    if msg_type == "execute_reply":
        return {"status": "error", "ename": LIMIT_ENAME, "evalue": reason, "traceback": [],
                "execution_count": None, REFUSED: reason}
    if msg_type == "status":    # never refused from an honest kernel: the cell then times out
        return {"execution_state": "busy", REFUSED: reason}
    return {REFUSED: reason}


class BoundedSession(Session):
    """A :class:`~jupyter_client.session.Session` that decodes with :class:`MessageLimits` and
    never raises on a message it receives (see the module docstring)."""

    limits = MessageLimits()

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.unpack = lambda data: bounded_loads(data, self.limits)

    def deserialize(self, msg_list: Any, content: bool = True, copy: bool = True
                    ) -> dict[str, Any]:
        try:
            return super().deserialize(msg_list, content=content, copy=copy)
        except Exception as exc:   # MemoryError included: the learner's message, not ours
            return self._refused(msg_list, copy, exc)

    def _refused(self, msg_list: Any, copy: bool, exc: Exception) -> dict[str, Any]:
        reason = str(exc)[:300] if isinstance(exc, OutputLimitError) else \
            f"an unreadable message ({type(exc).__name__}: {str(exc)[:200]})"
        parts = [p if copy else p.bytes for p in list(msg_list)[1:3]]
        try:
            header, parent = (bounded_loads(p, self.limits) for p in parts)
            assert isinstance(header, dict) and isinstance(parent, dict)
            msg_type = str(header["msg_type"])
        except Exception:   # no header to go by: a message that belongs to no cell
            header, parent, msg_type = {"msg_id": "", "msg_type": "refused"}, {}, "refused"
        return {"header": header, "msg_id": header.get("msg_id", ""), "msg_type": msg_type,
                "parent_header": parent, "metadata": {},
                "content": placeholder(msg_type, reason), "buffers": []}
