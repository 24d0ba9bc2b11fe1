"""The README's instructor guide runs as written: its commands, in order, on a class of two
learners (one hands in the solutions, one the untouched exercises), with the guide's roster."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TITLE = "## Teaching with sgdteach: the instructor's guide"


def guide() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(TITLE)
    end = text.find("\n## ", start + len(TITLE))
    return text[start:end if end > 0 else None]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", guide(), flags=re.S)


def commands() -> list[str]:
    return [line for block in blocks("sh") for line in block.splitlines()
            if line.startswith("python -m sgdteach ")]


def test_the_guide_covers_the_workflow():
    text = guide()
    for needle in ("make exercises", "make lab", "my-exercises/", "--redo", "--roster",
                   "--canvas", "--moodle", "tests/test_nbgrader_interop.py", "_summary.md",
                   "_feedback/", "lastname_12345_67890_02_sgd.ipynb", "assignsubmission_file"):
        assert needle in text, needle
    verbs = [c.split()[3] for c in commands()]
    assert verbs == ["release", "grade", "grade", "gradebook", "grade"], verbs


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_the_guides_commands_grade_combine_and_export_a_class(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    (tmp_path / "roster.csv").write_text(blocks("csv")[0], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    for i, command in enumerate(commands()):
        if i == 1:   # after the release: alice hands in the solutions, bob the exercises as is
            for learner, folder in (("alice", "solutions"), ("bob", "exercises")):
                (tmp_path / "submissions" / learner).mkdir(parents=True)
                for name in ("01_gradient.ipynb", "02_sgd.ipynb"):
                    shutil.copy(tmp_path / folder / name, tmp_path / "submissions" / learner)
        line = shlex_python(command)
        done = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, f"{command}\n{done.stderr[-2000:]}"
    with open(tmp_path / "results" / "class.csv", newline="", encoding="utf-8") as f:
        rows = {r["learner"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"alice", "bob"}
    assert rows["alice"]["total"] == rows["alice"]["max"] != "0"          # full marks
    assert rows["bob"]["total"] == "0" and rows["bob"]["missing"] == ""   # blank: zero
    assert rows["alice"]["email"] == "alice@example.org"
    canvas = (tmp_path / "results" / "canvas.csv").read_text(encoding="utf-8").splitlines()
    assert canvas[0] == "Student,ID,SIS User ID,SIS Login ID,Section,01_gradient,02_sgd"
    moodle = (tmp_path / "results" / "moodle.csv").read_text(encoding="utf-8").splitlines()
    assert moodle[0] == "Learner,Full name,Email address,01_gradient,02_sgd"
    assert "mean 100 %" not in (tmp_path / "results" / "02_sgd_summary.md").read_text()
    assert "mean 50 %, median 50 %" in (tmp_path / "results" / "02_sgd_summary.md").read_text()


def shlex_python(command: str) -> str:
    """The guide's ``python -m sgdteach ...`` with this interpreter (the shell expands globs)."""
    return command.replace("python", f"'{sys.executable}'", 1)
