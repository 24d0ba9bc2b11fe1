r"""``python -m sgdteach gradebook GRADEBOOK.csv... --out class.csv``: one row per learner across
exercises, with Canvas and Moodle exports.

Each input is a gradebook ``grade`` wrote (one exercise; columns in
:mod:`~sgdteach.grading.report.gradebook`), given as ``PATH`` (the exercise is named by the file's
stem: ``results/02_sgd.csv`` -> ``02_sgd``) or ``NAME=PATH``. Its rows are keyed by learner
(:mod:`~sgdteach.grading.learners`: the roster, an LMS download's file name, or the learner's
folder). ``class.csv`` has the columns

    learner, name, email, <one score column per exercise>, total, max, missing, notes

A learner with no submission for an exercise gets an empty cell there (not 0), is named in
``missing`` and listed on the terminal; ``total`` adds the scores they have, ``max`` the points of
every exercise. ``notes`` says which exercises were not graded ``ok`` or were tampered with. With a
roster, every learner it lists gets a row. Two submissions of one learner for one exercise are
refused (name them apart in the roster). Every text cell is written through
:func:`~sgdteach.grading.report.escape.csv_cell` (no spreadsheet formula).

``--canvas canvas.csv`` writes a Canvas gradebook import (``Student, ID, SIS User ID, SIS Login
ID, Section``, then one column of points per exercise: Canvas matches learners by ``ID`` (the
Canvas user id, from a Canvas download or the roster's ``canvas_id``), ``SIS User ID`` or ``SIS
Login ID``); ``--moodle moodle.csv`` a Moodle grade import (``Learner, Full name, Email address``,
then one column per exercise: at import, map "Email address" to the user's email address, and
each exercise column to its grade item). Exit code 0 when written, 2 when refused.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .._files import write_atomic
from .._validation import ValidationError, fail, message
from .learners import Learner, Roster
from .report.escape import csv_cell, csv_value
from .report.gradebook import FIXED, number

CANVAS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE = ["Learner", "Full name", "Email address"]


@dataclass
class Exercise:
    """One exercise's gradebook, by learner: ``scores[id]`` and ``notes[id]`` (status, tampered)."""

    name: str
    max_score: float
    scores: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class ClassBook:
    """Every learner's score on every exercise (``None`` where they submitted nothing)."""

    exercises: list[Exercise]
    learners: dict[str, Learner]

    def score(self, who: str, exercise: Exercise) -> float | None:
        return exercise.scores.get(who)

    def missing(self, who: str) -> list[str]:
        return [e.name for e in self.exercises if who not in e.scores]

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)


def read_exercise(spec: str, roster: Roster, learners: dict[str, Learner],
                  root: str | None = None) -> Exercise:
    """Read one gradebook (``PATH`` or ``NAME=PATH``), adding its learners to ``learners``."""
    name, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
    name = name or Path(path).stem
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if (reader.fieldnames or [])[:len(FIXED)] != FIXED:
            fail("gradebook", "GRADEBOOK", f"a gradebook written by grade (columns "
                 f"{', '.join(FIXED)}, ...)", path, "Pass the --out file of a grade run.")
        rows = list(reader)
    maxima = sorted({r["max_score"] for r in rows})
    if len(maxima) != 1:
        fail("gradebook", "GRADEBOOK", "a gradebook with rows graded against one source (one "
             "max_score)", f"{path} with max_score {maxima}",
             "Grade every submission of an exercise against the same solution notebook.")
    exercise = Exercise(name, float(maxima[0]))
    seen: dict[str, str] = {}
    for r in rows:
        submission = csv_value(r["submission"])
        learner = roster.learner(submission, root)
        if learner.id in seen:
            fail("gradebook", "GRADEBOOK", "one submission per learner and exercise", path,
                 f"{seen[learner.id]!r} and {submission!r} are both learner {learner.id!r}; "
                 "name them apart in --roster, or grade only the final one.")
        seen[learner.id] = submission
        known = learners.get(learner.id)
        learners[learner.id] = Learner(learner.id, {**learner.details,
                                                    **(known.details if known else {})})
        exercise.scores[learner.id] = float(r["score"])
        notes = [f"status {r['status']}"] * (r["status"] != "ok")
        notes += ["tampered"] * (r["tampered"] == "yes")
        if notes:
            exercise.notes[learner.id] = ", ".join(notes)
    return exercise


def combine(specs: list[str], roster: Roster, root: str | None = None) -> ClassBook:
    """The class book of the gradebooks ``specs`` (every roster learner included)."""
    learners = {learner.id: learner for learner in roster.everyone()}
    exercises = [read_exercise(s, roster, learners, root) for s in specs]
    names = [e.name for e in exercises]
    if len(set(names)) < len(names):
        fail("gradebook", "GRADEBOOK", "one gradebook per exercise name", names,
             "Name them apart: NAME=PATH, e.g. 02_sgd=results/02/gradebook.csv.")
    return ClassBook(exercises, dict(sorted(learners.items())))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(c) for c in row] for row in rows)
    return buffer.getvalue()


def _points(x: float | None) -> str:
    return "" if x is None else number(x)


def class_csv(book: ClassBook) -> str:
    """``class.csv``: the learner, their scores per exercise, total, max, missing, notes."""
    rows = []
    for who, learner in book.learners.items():
        scores = [book.score(who, e) for e in book.exercises]
        total = sum(s for s in scores if s is not None)
        notes = "; ".join(f"{e.name}: {e.notes[who]}" for e in book.exercises if who in e.notes)
        rows.append([who, learner.get("name"), learner.get("email"), *map(_points, scores),
                     number(total), number(book.max_score), "; ".join(book.missing(who)), notes])
    header = ["learner", "name", "email", *(e.name for e in book.exercises), "total", "max",
              "missing", "notes"]
    return _csv(header, rows)


def canvas_csv(book: ClassBook) -> str:
    """A Canvas gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``, then the
    points of each exercise (empty where the learner submitted nothing)."""
    rows = [[learner.get("name") or who, learner.get("canvas_id"), learner.get("sis_user_id"),
             learner.get("sis_login_id"), learner.get("section"),
             *(_points(book.score(who, e)) for e in book.exercises)]
            for who, learner in book.learners.items()]
    return _csv(CANVAS + [e.name for e in book.exercises], rows)


def moodle_csv(book: ClassBook) -> str:
    """A Moodle grade import: ``Learner, Full name, Email address``, then one column per exercise
    (map "Email address" to the email address at import, and each column to its grade item)."""
    rows = [[who, learner.get("name"), learner.get("email"),
             *(_points(book.score(who, e)) for e in book.exercises)]
            for who, learner in book.learners.items()]
    return _csv(MOODLE + [e.name for e in book.exercises], rows)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sgdteach gradebook",
                                description="Combine per-exercise gradebooks into one row per "
                                            "learner; export for Canvas or Moodle.")
    p.add_argument("gradebooks", nargs="+", metavar="[NAME=]GRADEBOOK.csv",
                   help="gradebooks written by grade, one per exercise")
    p.add_argument("--out", required=True, help="the class gradebook CSV to write")
    p.add_argument("--roster", help="CSV: submission,id[,name,email,section,sis_user_id,"
                                    "sis_login_id,canvas_id]")
    p.add_argument("--root", help="the folder submissions were collected in (a learner's "
                                  "folder is the first one under it)")
    p.add_argument("--canvas", help="also write a Canvas gradebook import CSV")
    p.add_argument("--moodle", help="also write a Moodle grade import CSV")
    return p.parse_args(argv)


def check_outputs(args: argparse.Namespace) -> None:
    """``--out``, ``--canvas`` and ``--moodle`` are three different files, none an input."""
    inputs = {Path(s.rpartition("=")[2]).resolve() for s in args.gradebooks}
    inputs |= {Path(args.roster).resolve()} if args.roster else set()
    seen: set[Path] = set()
    for flag, path in (("--out", args.out), ("--canvas", args.canvas), ("--moodle", args.moodle)):
        if path and (Path(path).resolve() in inputs | seen):
            fail("gradebook", flag, "a new file, not an input gradebook, the roster or another "
                 "output", path, "Write the class gradebook and exports beside the inputs, "
                 "e.g. --out results/class.csv.")
        seen |= {Path(path).resolve()} if path else set()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        check_outputs(args)
        book = combine(args.gradebooks, Roster.read(args.roster), args.root)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(message("gradebook", "GRADEBOOK", "a readable file", exc.filename,
                      f"({exc.strerror}) Pass the --out file of a grade run."), file=sys.stderr)
        return 2
    write_atomic(Path(args.out), class_csv(book))
    for path, text in ((args.canvas, canvas_csv), (args.moodle, moodle_csv)):
        if path:
            write_atomic(Path(path), text(book))
    absent = {who: m for who in book.learners if (m := book.missing(who))}
    for who, names in absent.items():
        print(f"gradebook: {who} has no submission for {', '.join(names)}", file=sys.stderr)
    print(f"gradebook: wrote {args.out} ({len(book.learners)} learners, "
          f"{len(book.exercises)} exercises, {len(absent)} with missing work)", file=sys.stderr)
    return 0
