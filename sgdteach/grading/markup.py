r"""nbgrader's markup, read and applied without nbgrader: cell roles, schema-3 metadata checks, and
the two text transforms of a release (answers replaced by a stub, hidden tests removed).

Cell metadata ``nbgrader = {grade, solution, locked, points, grade_id, schema_version: 3}``:

========================  ===================================================================
role                      metadata
========================  ===================================================================
answer                    ``solution: true`` (``grade: false``): the learner writes here
test                      ``grade: true, solution: false``, a code cell worth ``points``
manual                    ``grade: true, solution: true``: graded by hand (never by sgdteach)
locked                    ``locked: true`` only: instructions and given code
========================  ===================================================================

The transforms follow nbgrader's ``ClearSolutions`` and ``ClearHiddenTests``: a line containing
``BEGIN SOLUTION`` starts a region replaced by the stub (indented like that line), a line with
``END SOLUTION`` ends it; an answer cell without a region is replaced whole; hidden-test regions
are deleted with their delimiter lines.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points",
        "checksum", "cell_type"}
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


class MarkupError(ValueError):
    """A notebook's nbgrader markup or metadata is invalid."""


def meta(cell: Any) -> dict:
    """The cell's nbgrader metadata (empty when there is none)."""
    value = cell.get("metadata", {}).get("nbgrader", {})
    return value if isinstance(value, dict) else {}


def grade_id(cell: Any) -> str | None:
    """The cell's ``grade_id`` if it is an nbgrader cell that needs one, else ``None``."""
    m = meta(cell)
    if not (m.get("grade") or m.get("solution") or m.get("locked")):
        return None
    gid = m.get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def role(cell: Any) -> str | None:
    """``"answer"``, ``"test"``, ``"manual"``, ``"locked"`` or ``None`` (a free cell)."""
    m = meta(cell)
    if m.get("solution"):
        return "manual" if m.get("grade") else "answer"
    if m.get("grade"):
        return "test" if cell.get("cell_type") == "code" else "manual"
    return "locked" if m.get("locked") else None


def points(cell: Any) -> float:
    """The points of a graded cell (0 for any other)."""
    value = meta(cell).get("points", 0) if meta(cell).get("grade") else 0
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _indent(line: str) -> str:
    """The leading whitespace of ``line`` (``\\s*`` matches every string, possibly empty)."""
    m = re.match(r"\s*", line)
    return m.group(0) if m else ""


def _replace_regions(source: str, begin: str, end: str,
                     replacement: Callable[[str], list[str]]) -> tuple[str, bool]:
    """Replace every ``begin`` ... ``end`` region (delimiter lines included) by the lines
    ``replacement(indent)``, ``indent`` being the begin line's; return the text and whether a
    region was found. Unbalanced or nested delimiters raise :class:`MarkupError`."""
    out: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise MarkupError(f"nested {begin} without {end} in:\n" + source)
            inside = found = True
            out.extend(replacement(_indent(line)))
        elif end in line:
            if not inside:
                raise MarkupError(f"{end} without {begin} in:\n" + source)
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkupError(f"{begin} without {end} in:\n" + source)
    return "\n".join(out), found


def clear_solution(source: str, cell_type: str) -> str:
    """Replace each solution region by the stub; a cell without a region becomes the stub."""
    stub = (CODE_STUB if cell_type == "code" else TEXT_STUB).split("\n")
    text, found = _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION,
                                   lambda indent: [indent + s for s in stub])
    return text if found else "\n".join(stub)


def strip_hidden_tests(source: str) -> str:
    """Delete hidden-test regions together with their delimiter lines."""
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, lambda indent: [])[0]


def hidden_lines(source: str) -> set[int]:
    """The 1-based numbers of the lines inside hidden-test regions (delimiters excluded)."""
    hidden, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        if BEGIN_HIDDEN in line or END_HIDDEN in line:
            inside = BEGIN_HIDDEN in line
        elif inside:
            hidden.add(number)
    return hidden


def learner_source(cell: Any) -> str:
    """What a cell of the source looks like in the released exercise."""
    source = cell.get("source", "")
    if role(cell) in ("answer", "manual"):
        return clear_solution(source, cell.get("cell_type", "code"))
    return strip_hidden_tests(source)


STAMP = "sgdteach"   # notebook metadata a release writes: {"exercise": name, "cells": {...}}
TITLE = "title"   # a test cell's metadata {"sgdteach": {"title": ...}}: its title in the feedback
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$")
_POINTS = re.compile(r"\s*\(\s*[\d.]+\s+points?\s*\)\s*$", re.IGNORECASE)


def _headings(text: str) -> list[str]:
    """The ATX headings of a Markdown text, outside code fences."""
    found, fence = [], ""
    for line in text.split("\n"):
        if m := re.match(r"^ {0,3}(`{3,}|~{3,})", line):
            mark = m.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
        elif not fence and (h := _HEADING.match(line)) and h.group(1):
            found.append(h.group(1))
    return found


def titles(nb: Any) -> dict[str, str | None]:
    r"""Each test cell's question title, by ``grade_id``: the cell's metadata
    ``sgdteach.title`` when the instructor set one, else the last Markdown heading between the
    previous test cell and this one, without a trailing "(N points)" (the feedback writes the
    points itself); ``None`` when there is neither.

    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    >>> test = {"nbgrader": {"grade": True, "grade_id": "t", "points": 2}}
    >>> titles(new_notebook(cells=[new_markdown_cell("## 2a. One step (2 points)\nText."),
    ...                            new_code_cell("check()", metadata=test)]))
    {'t': '2a. One step'}
    """
    found: dict[str, str | None] = {}
    heading: str | None = None
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            heading = next(reversed(_headings(cell.get("source", ""))), heading)
        elif role(cell) == "test" and (gid := grade_id(cell)):
            own = cell.get("metadata", {}).get(STAMP, {})
            own = own.get(TITLE) if isinstance(own, dict) else None
            if isinstance(own, str) and own.strip():
                found[gid] = own.strip()
            else:
                found[gid] = (_POINTS.sub("", heading) or None) if heading else None
            heading = None
    return found


def check_titles(nb: Any, name: str = "notebook") -> None:
    """Raise :class:`MarkupError` naming the first test cell of ``nb`` without a title
    (:func:`titles`): the feedback names every question by its title."""
    missing = {gid for gid, title in titles(nb).items() if title is None}
    for index, cell in enumerate(nb.cells):
        if role(cell) == "test" and grade_id(cell) in missing:
            raise MarkupError(f"{name}, cell {index}: test cell {grade_id(cell)!r} has no title "
                              "for the feedback; put a Markdown heading (e.g. '## 2a. One step "
                              "(2 points)') between it and the previous test cell, or set the "
                              f"cell's metadata {{\"{STAMP}\": {{\"{TITLE}\": \"...\"}}}}.")


COMPARED = ("points", "grade_id", "schema_version", "grade", "solution", "locked")


def normal(text: str) -> str:
    """``text`` without line-ending and trailing-space differences (how a cell is compared)."""
    lines = text.replace("\r\n", "\n").strip().split("\n")
    return "\n".join(line.rstrip() for line in lines)


def released_digest(cell: Any) -> str | None:
    """SHA-256 of a test or locked cell as released — its learner source (normalised) and its
    grading metadata (:data:`COMPARED`) — or ``None`` when its markup does not parse. A release
    stamps these into the exercise (:func:`stamp`), so the grader can tell a cell the learner
    changed from one the instructor changed since."""
    try:
        text = normal(learner_source(cell))
    except MarkupError:
        return None
    data = [cell.get("cell_type"), text, {k: meta(cell).get(k) for k in COMPARED}]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def stamp(nb: Any, exercise: str) -> dict:
    """The release stamp of ``nb``: the exercise's name and each test and locked cell's
    :func:`released_digest`."""
    return {"exercise": exercise,
            "cells": {gid: released_digest(c) for c in nb.cells
                      if (gid := grade_id(c)) and role(c) in ("test", "locked")}}


def read_stamp(nb: Any) -> dict[str, str] | None:
    """The ``{grade_id: digest}`` a release stamped into a learner's notebook, or ``None``
    (a release from before stamps, or a stamp that is not well formed)."""
    cells = nb.get("metadata", {}).get(STAMP, {})
    cells = cells.get("cells") if isinstance(cells, dict) else None
    if not isinstance(cells, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in cells.items()):
        return None
    return cells


def validate(nb: Any, name: str = "notebook") -> None:
    r"""Check nbgrader schema-3 metadata and markup like nbgrader would; raise
    :class:`MarkupError` naming the cell. A source notebook must also have a test cell."""
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        source = cell.get("source", "")
        m = meta(cell)
        if not m:
            if BEGIN_SOLUTION in source or BEGIN_HIDDEN in source:
                raise MarkupError(f"{where}: has solution or hidden-test markup but no nbgrader "
                                  "metadata; mark it as an answer or a test cell.")
            continue
        extra = set(m) - KEYS
        missing = {"schema_version", "grade", "locked", "solution"} - set(m)
        if extra or missing:
            raise MarkupError(f"{where}: nbgrader metadata has unknown keys {sorted(extra)} or "
                              f"lacks {sorted(missing)}.")
        if m["schema_version"] != 3:
            raise MarkupError(f"{where}: nbgrader schema_version must be 3; got "
                              f"{m['schema_version']!r}.")
        for key in ("grade", "locked", "solution"):
            if not isinstance(m[key], bool):
                raise MarkupError(f"{where}: nbgrader '{key}' must be true or false.")
        gid = m.get("grade_id")
        if m["grade"] or m["solution"] or m["locked"]:
            if not isinstance(gid, str) or not GRADE_ID.match(gid):
                raise MarkupError(f"{where}: grade_id must be letters, digits, '_' or '-'; "
                                  f"got {gid!r}.")
            if gid in seen:
                raise MarkupError(f"{where}: duplicate grade_id {gid!r}.")
            seen.add(gid)
        if m["grade"]:
            p = m.get("points")
            if isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0:
                raise MarkupError(f"{where}: a graded cell needs points >= 0; got {p!r}.")
        if cell.get("cell_type") == "markdown" and m["grade"] != m["solution"]:
            raise MarkupError(f"{where}: a graded markdown cell must be both grade and solution.")
        if BEGIN_SOLUTION in source and not m["solution"]:
            raise MarkupError(f"{where}: solution markup in a cell not marked solution.")
        if BEGIN_HIDDEN in source and role(cell) != "test":
            raise MarkupError(f"{where}: hidden tests in a cell that is not a test cell.")
        learner_source(cell)  # unbalanced delimiters raise here
    if not any(role(c) == "test" for c in nb.cells):
        raise MarkupError(f"{name}: no test cell (grade: true on a code cell); nothing to grade.")
