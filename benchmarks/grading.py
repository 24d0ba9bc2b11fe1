"""What an instructor waits for: grading a class with ``python -m sgdteach grade``."""

from __future__ import annotations

import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .config import ROOT, Config
from .timing import clock

EXERCISE = "01_gradient.ipynb"
CLASS_SIZE = 100   # the row's key and target are for this many submissions
JOBS = 2


def answered_exercise():
    """The released exercise with every answer cell replaced by the solution's cell of the same
    grade_id: what a learner who solved it hands in."""
    import nbformat

    from sgdteach.grading.markup import grade_id, role

    solution = nbformat.read(ROOT / "solutions" / EXERCISE, as_version=4)
    answers = {grade_id(c): c.source for c in solution.cells if role(c) == "answer"}
    nb = nbformat.read(ROOT / "exercises" / EXERCISE, as_version=4)
    for c in nb.cells:
        if role(c) == "answer":
            c.source = answers[grade_id(c)]
    return nb


def grade_100_jobs2_s(cfg: Config) -> dict:
    """Seconds for ``grade --jobs 2`` to grade ``CLASS_SIZE`` copies of a solved exercise 1 (one
    folder each), from the command to its exit. Runs with fewer copies (``quick``, ``tiny``) are
    scaled linearly to ``CLASS_SIZE``: the grader's start-up is then counted more than once.
    The CPU seconds of the grader's process tree, over the cores, are recorded beside it: what
    the run would take on this machine with nothing else running."""
    import nbformat

    copies = cfg.grade_copies
    with tempfile.TemporaryDirectory(prefix="sgdteach-bench-grade-") as tmp:
        base = Path(tmp)
        nb = answered_exercise()
        subs = []
        for i in range(copies):
            path = base / "class" / f"learner{i:03d}" / EXERCISE
            path.parent.mkdir(parents=True)
            nbformat.write(nb, path)
            subs.append(str(path.relative_to(base)))
        (base / "tmp").mkdir()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = [sys.executable, "-m", "sgdteach", "grade", str(ROOT / "solutions" / EXERCISE),
                   *subs, "--out", "results/gradebook.csv", "--jobs", str(JOBS)]
        seconds, proc = clock(lambda: subprocess.run(
            command, cwd=base, capture_output=True, text=True, timeout=3600,
            env=dict(os.environ, TMPDIR=str(base / "tmp"))))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(base / "results" / "gradebook.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        workers = [json.loads(p.read_text()).get("seconds")
                   for p in (base / "results" / "gradebook_feedback").glob("*.json")]
    full = sum(r["status"] == "ok" and r["score"] == r["max_score"] for r in rows)
    out = {"value": seconds * CLASS_SIZE / copies,
           "times": {"measured_s": round(seconds, 2),
                     "per_submission_s": round(seconds / copies, 3),
                     # CPU seconds of the grader, its workers and kernels (those waited for):
                     # over the cores, what the run would take with nothing else running
                     "cpu_s": round(cpu, 2),
                     "cpu_over_cores_s": round(cpu / (os.cpu_count() or 1), 2),
                     "worker_median_s": statistics.median(w for w in workers if w is not None)
                     if any(w is not None for w in workers) else None},
           "sizes": {"submissions": copies, "rows": len(rows), "full_marks": full},
           "settings": {"jobs": JOBS, "exercise": EXERCISE, "class_size": CLASS_SIZE,
                        "scaled": copies != CLASS_SIZE,
                        "command": "python -m sgdteach grade SOURCE SUBMISSION... --out "
                                   f"results/gradebook.csv --jobs {JOBS}"}}
    if copies != CLASS_SIZE:
        out["note"] = (f"{cfg.name} run: {copies} submissions, time scaled by "
                       f"{CLASS_SIZE}/{copies}")
    if proc.returncode != 0 or full != copies:
        out["error"] = (f"grade exited {proc.returncode}; {full} of {copies} rows at full marks: "
                        f"{proc.stderr.strip()[-300:]}")
    return out
