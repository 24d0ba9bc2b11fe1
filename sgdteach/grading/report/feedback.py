r"""Feedback for one submission, the file a learner is sent, as Markdown and as a standalone HTML
page with the same content: the score, each question by its title and points ("2a. One step —
2/2", titles from :func:`~sgdteach.grading.markup.titles`), its outcome, the checks' messages
(which name the mistake) and what the grader noticed (tampering, timeouts).

Before anything is written, :func:`redact` removes from the result every line of the source's
hidden tests and solutions and every value of the grader's environment (:func:`secrets`): a
submission that smuggles them into an exception message gets ``[redacted]``. What is sent holds
nothing of the grading machine: no source path, no sandbox mode, and every absolute path in a
message or note (a traceback's files, the run folder, ``/proc/self/cgroup``) becomes ``[path]``
(:func:`unplace`); the ``.json`` beside it keeps everything, for the instructor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..contract import Question, Result, Status
from ..markup import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION
from .escape import html as ht
from .escape import lines
from .escape import markdown as md
from .gradebook import number

REDACTED = "[redacted]"
PLACE = "[path]"
# An absolute path (POSIX, "~/..." or "C:\\..."), not the second slash of a URL or a ratio "1/2".
_PATH = re.compile(r"(?<![\w.:/~\\<-])(?:~?/|[A-Za-z]:\\)[^\s'\"`,;:()\[\]{}<>|]+")
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


def unplace(text: str) -> str:
    """``text`` with every absolute path replaced by :data:`PLACE`.

    >>> unplace("File /tmp/run-1/work/02.ipynb:3, ratio 1/2 or 1 / 2 at https://x.org/a")
    'File [path]:3, ratio 1/2 or 1 / 2 at https://x.org/a'
    """
    return _PATH.sub(PLACE, str(text))


# The feedback as blocks, rendered twice (Markdown, HTML): ("h1" | "h2", text), ("p", parts),
# ("table", header, rows), ("pre", text), ("ul", items); a part is text or (STRONG, text).
STRONG = "strong"
Part = str | tuple[str, str]
Block = tuple[Any, ...]


def label(question: Question, titles: Mapping[str, str | None] | None = None) -> str:
    """A question as the learner reads it: its title and points, e.g. ``2a. One step — 2/2``
    (the ``grade_id`` when the source has no title for it)."""
    title = (titles or {}).get(question["grade_id"]) or question["grade_id"]
    return f"{title} — {number(question['points'])}/{number(question['max_points'])}"


def submitted(key: str) -> str:
    """The submission as its learner knows it: ``alice — 02_sgd.ipynb`` (their id, the file's
    name), never the instructor's path."""
    from ..learners import learner_id

    try:
        who = learner_id(key)
    except ValueError:
        who = ""
    name = Path(key).name
    return f"{who} — {name}" if who and who != name else name


def blocks(result: Result, titles: Mapping[str, str | None] | None = None) -> list[Block]:
    """What a learner is sent about ``result``, every text in it free of machine paths."""
    from ..worker.own import KERNEL_JUDGED

    status = str(result["status"])
    out: list[Block] = [
        ("h1", f"Feedback: {submitted(result['submission'])}"),
        ("p", [(STRONG, f"Score: {number(result.get('score', 0.0))} / "
                        f"{number(result.get('max_score', 0.0))}"),
               f" — status {status}: {STATUS_TEXT.get(status, status)}."])]
    if result.get("tampered"):
        out.append(("p", [(STRONG, "Tampering was detected:"),
                          " a test or given cell was changed or deleted, or a check's record was "
                          "forged, duplicated or emitted outside its test cell. The original cells "
                          "were run and only what your functions returned was scored; see the "
                          "notes below."]))
    library = [f for f in result.get("flags", []) if not f.endswith(KERNEL_JUDGED)]
    if library:
        out.append(("p", [(STRONG, "Flagged for the instructor:"),
                          " an answer uses the library's own implementation of what the exercise "
                          "asks for: " + "; ".join(unplace(f) for f in library) + "."]))
    questions = result.get("questions", [])
    if questions:
        out.append(("table", ["question", "result"],
                    [[label(q, titles), unplace(q["outcome"])] for q in questions]))
    for q in questions:
        if q.get("message"):
            out += [("h2", label(q, titles)), ("p", [unplace(q["outcome"])]),
                    ("pre", unplace(q["message"]))]
    if notes := result.get("notes", []):
        out += [("h2", "Notes"), ("ul", [unplace(n) for n in notes])]
    return out


def _fence(text: str) -> str:
    """``text`` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def _parts(parts: list[Part], escape: Any, strong: str) -> str:
    return "".join(strong.format(escape(p[1])) if isinstance(p, tuple) else escape(p)
                   for p in parts)


def feedback_markdown(result: Result, titles: Mapping[str, str | None] | None = None) -> str:
    """The feedback for ``result`` (as returned by the grading worker) as Markdown: every text
    through :func:`~sgdteach.grading.report.escape.markdown`, messages fenced."""
    lines_: list[str] = []
    for kind, *rest in blocks(result, titles):
        if kind in ("h1", "h2"):
            lines_ += ["#" * int(kind[1]) + " " + md(rest[0])]
        elif kind == "p":
            lines_ += [_parts(rest[0], md, "**{}**")]
        elif kind == "table":
            header, rows = rest
            lines_ += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines_ += ["| " + " | ".join(md(c) for c in r) + " |" for r in rows]
        elif kind == "pre":
            lines_ += [_fence(lines(rest[0]))]
        elif kind == "ul":
            lines_ += [f"- {md(item)}" for item in rest[0]]
        lines_.append("")
    return "\n".join(lines_).rstrip("\n") + "\n"


def feedback_html(result: Result, titles: Mapping[str, str | None] | None = None) -> str:
    """The same feedback as :func:`feedback_markdown`, as a standalone HTML page (no script, no
    style, nothing fetched): every text through
    :func:`~sgdteach.grading.report.escape.html`."""
    body: list[str] = []
    content = blocks(result, titles)
    for kind, *rest in content:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{ht(rest[0])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_parts(rest[0], ht, '<strong>{}</strong>')}</p>")
        elif kind == "table":
            header, rows = rest
            body += ['<table border="1">',
                     "<tr>" + "".join(f"<th>{ht(h)}</th>" for h in header) + "</tr>"]
            body += ["<tr>" + "".join(f"<td>{ht(c)}</td>" for c in r) + "</tr>" for r in rows]
            body.append("</table>")
        elif kind == "pre":
            body.append(f"<pre>{ht(rest[0], block=True)}</pre>")
        elif kind == "ul":
            body += ["<ul>", *(f"<li>{ht(item)}</li>" for item in rest[0]), "</ul>"]
    title = ht(content[0][1])
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")
