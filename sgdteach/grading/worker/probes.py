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
while it is probed is discarded.

The record channel is pinned (:func:`pin`): the kernel runs ``pin()`` at start-up, before any
cell, and the probe then sends its record through the session, socket and parent lookup captured
there, not through IPython's display publisher a learner's cell may have replaced. This is
defence in depth only: code that runs first in one Python process can reach anything in it. What
makes a forged record worthless is that the kernel cannot compute a correct answer without
solving the exercise (:mod:`sgdteach.grading.worker.view`), and the judge, outside, computes the
reference itself.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
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


_send: Callable[[dict], None] | None = None


def pin() -> None:
    """Capture the kernel's record channel (run at kernel start-up, before any learner cell):
    the bound ``session.msg`` and ``session.send``, the IOPub socket and ``kernel.get_parent``
    as they are now; replacing them later does not change what :func:`probe` uses. Only the
    first call pins."""
    global _send
    from IPython import get_ipython

    if _send is not None:
        return
    kernel = get_ipython().kernel
    make, send, socket, parent = (kernel.session.msg, kernel.session.send, kernel.iopub_socket,
                                  kernel.get_parent)

    def emit(record: dict) -> None:
        content = {"data": {MIME: record}, "metadata": {}, "transient": {}}
        send(socket, make("display_data", content, parent=parent("shell")),
             ident=b"display_data")

    _send = emit


def _substitutes(spec: Any, subs: list[tuple[str, str, str]]) -> tuple[Any, ...]:
    """``spec``'s substitutes with the references the grader handed over as source, each run in
    its module's namespace."""
    from ...checking._check import Substitute

    parts = {part.check.arg: part.check for part in spec.substitutes}
    out = []
    for name, module, code in subs:
        space = dict(vars(sys.modules[module]))
        exec(compile(code, f"<sgdteach substitute {name}>", "exec"), space)
        out.append(Substitute(parts[name], space["_substitute"]))
    return tuple(out)


def make_record(namespace: dict, probe_id: str, check: str, function: str,
                seed: int, subs: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """The record of one check call (no output); ``subs`` replace the check's substitutes
    (hidden in the grading view, see :func:`sgdteach.grading.worker.view.substitute_sources`)."""
    import dataclasses

    from ...checking.registry import CHECKS

    spec = CHECKS[check]
    if subs is not None:
        spec = dataclasses.replace(spec, substitutes=_substitutes(spec, subs))
    if function not in namespace:
        result: dict[str, Any] = {"missing": f"name '{function}' is not defined"}
    else:
        with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            result = spec.record(namespace[function], seed)
    return {"format": FORMAT, "id": probe_id, "check": check, "result": result}


def probe(namespace: dict, probe_id: str, check: str, function: str, seed: int,
          subs: list[tuple[str, str, str]] | None = None) -> None:
    """Probe ``namespace[function]`` for ``check`` and emit the record (through the pinned
    channel when :func:`pin` ran)."""
    record = make_record(namespace, probe_id, check, function, seed, subs)
    if _send is not None:
        _send(record)
        return
    from IPython.display import display

    display({MIME: record}, raw=True)
