"""The solutions work as they are in a course that runs nbgrader: the real ``nbgrader
generate_assignment`` releases exactly our exercises' cells, and the real ``nbgrader autograde``
of the solutions gives full marks. Skipped (with the reason) when nbgrader is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

nbgrader_api = pytest.importorskip(
    "nbgrader.api", reason="nbgrader is not installed (it is in the dev extra: "
                           "pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
NAMES = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))


def nbgrader(*args: str, course: Path) -> subprocess.CompletedProcess:
    # nbgrader runs `alembic` (its database migrations) as a command: it must be on PATH.
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ.get("PATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def test_nbgrader_releases_our_exercises_and_gives_the_solutions_full_marks(tmp_path):
    """One test, so that xdist runs nbgrader once (about 30 s)."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "sgdteach"\n')
    shutil.copytree(SOLUTIONS, course / "source" / "sgd")
    nbgrader("generate_assignment", "sgd", course=course)
    for name in NAMES:   # the released cells are exactly ours (nbgrader adds checksums only)
        theirs = nbformat.read(course / "release" / "sgd" / name, as_version=4)
        ours = nbformat.read(EXERCISES / name, as_version=4)
        assert [(c.cell_type, c.source) for c in theirs.cells] == \
            [(c.cell_type, c.source) for c in ours.cells], name
        for a, b in zip(theirs.cells, ours.cells, strict=True):
            for key in ("grade", "solution", "locked", "grade_id", "points"):
                assert a.metadata.get("nbgrader", {}).get(key) == \
                    b.metadata.get("nbgrader", {}).get(key), (name, key)

    shutil.copytree(course / "source" / "sgd", course / "submitted" / "learner" / "sgd")
    nbgrader("autograde", "sgd", "--create", course=course)
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission("sgd", "learner")
        scores = {nb.name: (nb.score, nb.max_score) for nb in submission.notebooks}
    assert sorted(scores) == [n.removesuffix(".ipynb") for n in NAMES]
    for name, (score, max_score) in scores.items():
        assert max_score > 0 and score == max_score, f"{name}: {score} / {max_score}"
