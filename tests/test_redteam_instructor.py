"""Red team, the careless instructor (issue 23, item 4): an ``--out`` that is the source, a
learner's notebook or inside a learner's folder, an ``--out`` another run is writing, one that
cannot be written, and the released exercise given as the source. Each is refused (exit 2) with
one message before any kernel starts, and no file of the instructor or a learner changes."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "01_gradient.ipynb"
STARTED = "submission(s) to grade"   # what the grader prints once it starts grading


def grade(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    (cwd / "tmp").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "sgdteach", "grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, TMPDIR=str(cwd / "tmp")))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def course(tmp_path):
    """An instructor's source and two learners' folders (alice's is a solution, bob's blank)."""
    (tmp_path / "instructor").mkdir()
    (tmp_path / "instructor" / SOURCE).write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    for who, folder in (("alice", "solutions"), ("bob", "exercises")):
        (tmp_path / "subs" / who).mkdir(parents=True)
        (tmp_path / "subs" / who / SOURCE).write_bytes((ROOT / folder / SOURCE).read_bytes())
    return tmp_path


SUBS = [f"subs/alice/{SOURCE}", f"subs/bob/{SOURCE}"]


@pytest.mark.kernel
@pytest.mark.parametrize("out", [f"instructor/{SOURCE}", f"subs/bob/{SOURCE}",
                                 "subs/alice/gradebook.csv", "instructor/../subs/bob"])
def test_out_may_not_be_the_source_a_submission_or_inside_a_learners_folder(course, out):
    files = [course / "instructor" / SOURCE, *(course / s for s in SUBS)]
    before = [digest(f) for f in files]
    proc = grade([f"instructor/{SOURCE}", *SUBS, "--out", out], course)
    assert proc.returncode == 2, proc.stderr
    assert "grade: '--out' must be a path" in proc.stderr and STARTED not in proc.stderr
    assert [digest(f) for f in files] == before
    assert sorted(p.name for p in (course / "subs" / "alice").iterdir()) == [SOURCE]


@pytest.mark.kernel
def test_out_that_is_the_source_through_a_hard_link_is_refused(course):
    os.link(course / "instructor" / SOURCE, course / "gradebook.csv")
    proc = grade([f"instructor/{SOURCE}", *SUBS, "--out", "gradebook.csv"], course)
    assert proc.returncode == 2 and "is not the source notebook" in proc.stderr, proc.stderr


@pytest.mark.kernel
def test_a_second_run_on_the_same_out_is_refused_while_the_first_holds_it(course):
    lock_path = course / "results" / ".gradebook.csv.lock"   # what guard.lock_path names
    lock_path.parent.mkdir(parents=True)
    with open(lock_path, "w") as held:   # the first run, as the grader holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = grade([f"instructor/{SOURCE}", *SUBS, "--out", "results/gradebook.csv"], course)
    assert proc.returncode == 2, proc.stderr
    assert "no other run is writing" in proc.stderr and STARTED not in proc.stderr
    assert not (course / "results" / "gradebook.csv").exists()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    from sgdteach.grading import guard

    out = str(tmp_path / "gradebook.csv")
    assert guard.lock_path(out) == tmp_path / ".gradebook.csv.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom sgdteach.grading import guard\n"
         f"with guard.lock({out!r}):\n    print('held', flush=True)\n    time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(guard.Refused, match="Another grade run holds its lock"), \
                guard.lock(out):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)   # a crash: no cleanup code runs
        holder.wait()
    with guard.lock(out):
        pass


@pytest.mark.kernel
def test_an_unwritable_out_is_found_before_the_first_kernel(course):
    (course / "results").write_text("a file where the gradebook's folder should be")
    proc = grade([f"instructor/{SOURCE}", *SUBS, "--out", "results/gradebook.csv"], course)
    assert proc.returncode == 2, proc.stderr
    assert "'--out' must be a location this user can write" in proc.stderr
    assert STARTED not in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.kernel
def test_the_released_exercise_as_source_needs_no_hidden_tests(course):
    (course / "instructor" / "released.ipynb").write_bytes(
        (ROOT / "exercises" / SOURCE).read_bytes())
    args = ["instructor/released.ipynb", "subs/alice/missing.ipynb", "--out", "gb.csv"]
    proc = grade(args, course)
    assert proc.returncode == 2, proc.stderr
    assert "'SOURCE' must be the solution notebook, with hidden tests" in proc.stderr
    assert "--no-hidden-tests" in proc.stderr and not (course / "gb.csv").exists()
    proc = grade([*args, "--no-hidden-tests"], course)   # said explicitly: graded
    assert proc.returncode == 0, proc.stderr
    assert (course / "gb.csv").exists()
