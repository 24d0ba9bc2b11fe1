r"""What happened in one test cell, in words a class summary can count.

The outcome of a test cell is decided by the judge (:mod:`~sgdteach.grading.worker.judging`)
from the probe records in the cell's own outputs, never from the cell's execute reply:

* ``passed`` (:data:`PASSED`) — every check call's record was judged correct;
* the **named mistake** of a :class:`~sgdteach.checking.CheckError` (``wrong sign``,
  ``last partial batch dropped``, ...), or ``wrong result`` (:data:`WRONG`) when no variant
  matched;
* ``not attempted`` (:data:`NOT_ATTEMPTED`) — the answer still raises ``NotImplementedError``;
* ``raised NameError`` / ``raised TypeError`` — the answer function is missing or takes the wrong
  arguments;
* ``probe record rejected`` (:data:`REJECTED`) — a forged, duplicated or malformed record;
* where no record came back: ``timed out`` (the reply names :data:`TIMEOUT_ENAME`),
  ``output limit exceeded`` (:data:`OUTPUT_LIMIT`: the grader refused a message of the cell, or
  dropped output past its caps, see :mod:`~sgdteach.grading.worker.messages`) and ``not run``
  (the kernel died, or stopped before the cell).

``not attempted``, ``timed out``, ``output limit exceeded`` and ``not run`` are :data:`NEUTRAL`:
no mistake to re-teach (grey in the class summary).

The status of a whole submission (``ok``, ``timeout``, ...) is another vocabulary:
:class:`sgdteach.grading.contract.Status`.
"""

from __future__ import annotations

TIMEOUT_ENAME = "CellTimeoutError"   # the exception name a timed-out cell is recorded with
LIMIT_ENAME = "GraderLimitExceeded"  # the exception name of a reply the grader refused to decode
PASSED, NOT_RUN, NOT_ATTEMPTED, TIMED_OUT = "passed", "not run", "not attempted", "timed out"
WRONG = "wrong result"
REJECTED = "probe record rejected"
OUTPUT_LIMIT = "output limit exceeded"
NEUTRAL = (NOT_RUN, NOT_ATTEMPTED, TIMED_OUT, OUTPUT_LIMIT)


def raised(ename: str) -> str:
    """The outcome of an answer that raised ``ename`` where the check expected a value."""
    return f"raised {ename}"
