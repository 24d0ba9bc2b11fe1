r"""The kernel side of grading: at grading time each test cell is replaced by a probe cell that
only calls :func:`probe`, once per check call of the source's test cell.

A probe looks the learner's function up in the notebook's namespace, calls it on the check's
trusted inputs (:meth:`sgdteach.checking.Check.record`), and emits what came back as ONE
``display_data`` output of MIME type :data:`MIME`, a JSON object::

    {"format": 1, "id": "<grade_id>/<k>", "check": "check_sgd",
     "result": {"name": "sgd", "calls": [OBSERVATION, ...]}      # see checking._record
             | {"not_callable": "3.0"} | {"missing": "name 'sgd' is not defined"}}

It judges nothing: the grader validates the record (size cap, strict schema) and runs the judge
in its own process (:mod:`sgdteach.grading.worker.judging`). Whatever the learner's code prints
while
it is probed is discarded.
"""

from __future__ import annotations

import contextlib
from typing import Any

MIME = "application/vnd.sgdteach.probe+json"
FORMAT = 1
MAX_PROBE_BYTES = 4 * 2**20
"""The probe outputs one test cell may keep, in bytes: the kernel client drops every probe output
of a cell past this budget (:mod:`~sgdteach.grading.worker.kernel_client`), so it also bounds any
single record, and the judge refuses a record whose JSON text is longer
(:mod:`~sgdteach.grading.worker.judging`)."""


class _Sink:
    """A text stream that drops everything (a learner's prints during the probe)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def make_record(namespace: dict, probe_id: str, check: str, function: str,
                seed: int) -> dict[str, Any]:
    """The record of one check call (no output)."""
    from ...checking.registry import CHECKS

    if function not in namespace:
        result: dict[str, Any] = {"missing": f"name '{function}' is not defined"}
    else:
        with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            result = CHECKS[check].record(namespace[function], seed)
    return {"format": FORMAT, "id": probe_id, "check": check, "result": result}


def probe(namespace: dict, probe_id: str, check: str, function: str, seed: int) -> None:
    """Probe ``namespace[function]`` for ``check`` and emit the record."""
    from IPython.display import display

    display({MIME: make_record(namespace, probe_id, check, function, seed)}, raw=True)
