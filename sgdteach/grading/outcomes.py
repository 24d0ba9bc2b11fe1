r"""What happened in one test cell, in words a class summary can count.

``classify(reply)`` turns a cell's execute reply into ``(outcome, message)``:

* ``passed`` — the cell ran without error;
* the **named mistake** of a :class:`~sgdteach.checking.CheckError` (``wrong sign``,
  ``last partial batch dropped``, ...), or ``wrong result`` when no variant matched;
* ``not attempted`` — the answer still raises ``NotImplementedError``;
* ``timed out``, ``not run`` (the kernel died or stopped before the cell), ``wrong result`` for a
  plain failed ``assert``, ``raised NameError`` and so on for any other exception.
"""

from __future__ import annotations

from ..checking._core import parse_mistake

TIMEOUT_ENAME = "CellTimeoutError"   # the exception name a timed-out cell is recorded with
PASSED, NOT_RUN, NOT_ATTEMPTED, TIMED_OUT = "passed", "not run", "not attempted", "timed out"


def classify(reply: dict | None) -> tuple[str, str]:
    """``(outcome, message)`` for a test cell's reply (``None`` if it never ran)."""
    if reply is None:
        return NOT_RUN, ""
    if reply.get("status") == "ok":
        return PASSED, ""
    ename, evalue = reply.get("ename", ""), reply.get("evalue", "")
    message = f"{ename}: {evalue}" if evalue else ename
    if ename == TIMEOUT_ENAME:
        return TIMED_OUT, message
    if ename == "NotImplementedError":
        return NOT_ATTEMPTED, message
    if ename == "CheckError":
        return parse_mistake(evalue) or "wrong result", message
    if ename == "AssertionError":
        return "wrong result", message
    return f"raised {ename or 'an error'}", message
