r"""The gradebook and the files beside it, all written atomically (temporary file + rename).

``gradebook.csv`` has one row per submission with the columns ``submission, status, tampered,
score, max_score``, then one column of points per test cell (``grade_id``, in the source's
order), then the extra columns ``EXTRA`` (``flags``: answer cells that use the library's own
implementation of what was asked, ``;``-separated; ``sandbox``: the ``--sandbox`` mode its
kernel ran in). Beside it, for ``--out results/gradebook.csv``:

* ``results/gradebook_feedback/<name>.md`` and ``<name>.html`` — the feedback sent to each
  submission's learner (:mod:`~sgdteach.grading.report.feedback`), and ``<name>.json`` the full
  result it was written from (the instructor's: sandbox report, worker log);
* ``results/gradebook_feedback/.manifest.json`` — the SHA-256 of each graded submission and of
  the source, so a re-run skips what is already graded and unchanged;
* ``results/gradebook_summary.{md,csv,png}`` — the class summary.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

from ..._files import write_atomic
from ..contract import Result
from .escape import csv_cell, csv_value

# The contract: these five, then one column of points per grade_id, then the extra columns.
FIXED = ["submission", "status", "tampered", "score", "max_score"]
EXTRA = ["flags", "sandbox"]


def max_score(source: Any) -> float:
    """The most a submission can score: the points of the source's test cells (the one place
    this is computed)."""
    from ..markup import points, role

    return sum(points(c) for c in source.cells if role(c) == "test")


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def number(x: float) -> str:
    """Points as written in the gradebook: ``3``, ``2.5``."""
    return f"{x:g}"


class Paths:
    """Where everything beside a gradebook goes."""

    def __init__(self, out: str | os.PathLike):
        self.gradebook = Path(out)
        stem = self.gradebook.stem
        self.feedback = self.gradebook.with_name(f"{stem}_feedback")
        self.manifest = self.feedback / ".manifest.json"
        self.summary = self.gradebook.with_name(f"{stem}_summary")

    def outputs(self) -> list[Path]:
        """Everything the grader writes (never copied into a submission's sandbox)."""
        return [self.gradebook, self.feedback,
                *(self.summary.with_suffix(s) for s in (".md", ".csv", ".png"))]

    def name(self, key: str) -> str:
        """A file name for a submission: its learner id
        (:func:`~sgdteach.grading.learners.learner_id`: the folder, or the learner an LMS file name
        names) and its file name, then the full SHA-256 of the key: no two submissions share one.

        >>> Paths("gb.csv").name("subs/alice/02_sgd.ipynb")[:16]
        'alice_02_sgd-6f1'
        >>> Paths("gb.csv").name("dl/lastname_12345_67890_02_sgd.ipynb")[:28]
        'lastname_12345_67890_02_sgd-'
        """
        from ..learners import learner_id

        try:
            who = learner_id(key)
        except ValueError:   # a notebook given without a folder
            who = ""
        stem = Path(key).name.removesuffix(".ipynb")
        readable = stem if stem.startswith(who) else f"{who}_{stem}"
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", readable).strip("._")[-80:]
        return f"{stem}-{hashlib.sha256(key.encode()).hexdigest()}"


def columns(grade_ids: list[str]) -> list[str]:
    """The gradebook's header: the fixed columns, the points per grade_id, the extra columns."""
    return FIXED + grade_ids + EXTRA


def row(result: Result, grade_ids: list[str], total: float) -> dict[str, str]:
    """The gradebook row of one result (a result without questions scores 0)."""
    got = {q["grade_id"]: q["points"] for q in result.get("questions", [])}
    out = {"submission": result["submission"], "status": str(result["status"]),
           "tampered": "yes" if result.get("tampered") else "no",
           "score": number(result.get("score", 0.0)), "max_score": number(total)}
    out.update({gid: number(got.get(gid, 0.0)) for gid in grade_ids})
    out["flags"] = "; ".join(result.get("flags", []))
    out["sandbox"] = (result.get("sandbox") or {}).get("mode", "")
    return out


def read_rows(path: Path, grade_ids: list[str]) -> dict[str, dict[str, str]]:
    """Rows of an existing gradebook with this header; empty when absent or of another source."""
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns(grade_ids):
            return {}
        rows = [{k: csv_value(v) for k, v in r.items()} for r in reader]
        return {r["submission"]: r for r in rows}


def write_rows(path: Path, rows: dict[str, dict[str, str]], grade_ids: list[str]) -> None:
    """Write the gradebook (sorted by submission) atomically, every cell through
    :func:`~sgdteach.grading.report.escape.csv_cell` (no spreadsheet formula)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(grade_ids), lineterminator="\n")
    writer.writeheader()
    for key in sorted(rows):
        writer.writerow({k: csv_cell(v) for k, v in rows[key].items()})
    write_atomic(path, buffer.getvalue())


def read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
