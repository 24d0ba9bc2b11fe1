r"""Feedback for one submission, as Markdown: the score, each question's points and outcome, the
checks' messages (which name the mistake) and what the grader noticed (tampering, timeouts).

Before anything is written, :func:`redact` removes from the result every line of the source's
hidden tests and solutions and every value of the grader's environment (:func:`secrets`): a
submission that smuggles them into an exception message gets ``[redacted]``."""

from __future__ import annotations

import re
from typing import Any

from ..contract import Result, Status
from ..markup import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION
from .escape import markdown as md
from .gradebook import number

REDACTED = "[redacted]"
MIN_SECRET = 10   # shorter values (``C.UTF-8``, ``1``) are too common to be secrets


def secrets(source: Any, environ: dict[str, str]) -> set[str]:
    """Text a learner must never see in feedback: each line of the source's hidden tests and
    solutions, and every value of the grader's environment (``MIN_SECRET`` characters or
    more)."""
    found = {v for v in environ.values() if len(v) >= MIN_SECRET}
    for cell in source.cells:
        inside = False
        for line in cell.get("source", "").split("\n"):
            if BEGIN_HIDDEN in line or BEGIN_SOLUTION in line:
                inside = True
            elif END_HIDDEN in line or END_SOLUTION in line:
                inside = False
            elif inside and len(line.strip()) >= MIN_SECRET:
                found.add(line.strip())
    return found


def redact(value: Any, hidden: set[str]) -> Any:
    """``value`` (a result: nested dicts, lists, strings) with every ``hidden`` text replaced by
    :data:`REDACTED`, longest first."""
    if isinstance(value, str):
        for secret in sorted(hidden, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: redact(v, hidden) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, hidden) for v in value]
    return value

STATUS_TEXT: dict[str, str] = {   # a Status is its value as a key
    Status.OK: "the notebook ran to the end",
    Status.TIMEOUT: "a cell ran past the time limit",
    Status.KERNEL_DIED: "the kernel died (for example os._exit, a crash or the memory limit)",
    Status.INVALID_NOTEBOOK: "the file is not a valid notebook",
    Status.REJECTED: "the file is a link out of its folder, the source itself or not a regular "
                     "file",
    Status.ERROR: "the grader could not grade it (not your fault: tell the instructor)",
    Status.WRONG_EXERCISE: "the notebook is another exercise than the one graded (hand in the "
                           "right notebook)",
}


def _fence(text: str) -> str:
    """``text`` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def feedback_markdown(result: Result, source: str) -> str:
    """The feedback text for ``result`` (as returned by the grading worker). What a learner could
    have written (the submission's name, outcomes, flags, notes) goes through
    :func:`~sgdteach.grading.report.escape.markdown`; messages are fenced; grade ids, the status
    and the sandbox mode are the grader's own words."""
    status = str(result["status"])
    lines = [f"# Feedback: {md(result['submission'])}", "",
             f"Graded against {md(source)}.", "",
             f"**Score: {number(result.get('score', 0.0))} / "
             f"{number(result.get('max_score', 0.0))}** — status `{status}`: "
             f"{STATUS_TEXT.get(status, status)}."]
    mode = (result.get("sandbox") or {}).get("mode")
    if mode:
        lines += ["", f"Run in the `{mode}` sandbox."]
    if result.get("tampered"):
        lines += ["", "**Tampering was detected:** a test or given cell was changed or deleted, or "
                      "a check's record was forged, duplicated or emitted outside its test cell. "
                      "The original cells were run and only what your functions returned was "
                      "scored; see the notes below."]
    from ..worker.own import KERNEL_JUDGED

    library = [f for f in result.get("flags", []) if not f.endswith(KERNEL_JUDGED)]
    if library:
        lines += ["", "**Flagged for the instructor:** an answer uses the library's own "
                      "implementation of what the exercise asks for: "
                  + "; ".join(md(f) for f in library) + "."]
    questions = result.get("questions", [])
    if questions:
        lines += ["", "| question | points | result |", "|---|---|---|"]
        for q in questions:
            lines.append(f"| `{q['grade_id']}` | {number(q['points'])} / "
                         f"{number(q['max_points'])} | {md(q['outcome'])} |")
    for q in questions:
        if q.get("message"):
            lines += ["", f"## `{q['grade_id']}`: {md(q['outcome'])}", "",
                      _fence(q["message"])]
    notes = result.get("notes", [])
    if notes:
        lines += ["", "## Notes", ""] + [f"- {md(note)}" for note in notes]
    return "\n".join(lines) + "\n"
