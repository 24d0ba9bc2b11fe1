"""Red team, issue 23 item 3: the grader bounds itself.

Hostile submissions against a real grader run (``--jobs 2``, default ``--sandbox bwrap``) aimed at
the grader's own resources rather than at the sandbox: outputs that expand in the worker's JSON
decoder (size, nesting depth, integer digits), processes that eat a neighbour's CPU, output on the
kernel's file descriptor 1 (which is not a cell output), a widget-comm flood after correct answers,
and staged copies left in the temporary folder (during the run, and after a ``kill -9``).

Sizes are small (a 4 MB output, a 50 kB output cap); what is measured is the ratio: the worker's
peak memory against a neighbour's, the log against the cap.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from hostile import ROOT, SOURCE, attack, solution

from sgdteach.grading.report.gradebook import Paths
from sgdteach.grading.sandbox import bwrap

LINUX = sys.platform.startswith("linux")
OUTPUT_KB = 50
pytestmark = pytest.mark.skipif(
    not LINUX or (bwrap.problem() is not None and not os.environ.get("CI")),
    reason=f"needs Linux and a working bubblewrap: {bwrap.problem() if LINUX else sys.platform}")


# 1M empty lists: 4 MB of JSON, ~130 bytes per 4 once decoded (and copied) by the worker
JSON_BOMB = """
from IPython.display import display
display({'application/json': [[]] * 1_000_000}, raw=True)
"""
BIG_INT = """
import sys
from IPython.display import display
sys.set_int_max_str_digits(0)
display({'application/json': {'n': 10 ** 5000}}, raw=True)
"""
DEEP = """
import sys
from IPython.display import display
sys.setrecursionlimit(20000)
value = []
for _ in range(3000):
    value = [value]
display({'application/json': value}, raw=True)
"""
BUSY = """
import subprocess, sys, time
busy = [subprocess.Popen([sys.executable, '-c', 'while True: pass'], start_new_session=True)
        for _ in range(20)]   # a session each: Linux's autogroups would otherwise share them
time.sleep(15)
"""
# ~2 s of CPU once the busy processes run: over 20 s with 1/21 of two cores, past --timeout 20
SLOW_BUT_CORRECT = ("import time; time.sleep(8)",
                    "_total = sum(i * i for i in range(20_000_000))")
FD1 = """
import os, time
for _ in range(64):
    os.write(1, b'x' * 2**16)      # 4 MB on the kernel's stdout, not a cell output
os.write(2, b'y' * 2**16)
time.sleep(3)
"""
FLOOD_COMM = """
import comm, threading
_c = comm.create_comm(target_name='jupyter.widget', data={'state': {}, 'buffer_paths': []})
_blob = b'x' * (16 * 2**20)
def _flood():
    while True:
        _c.send(data={'method': 'update', 'state': {}, 'buffer_paths': [['b']]}, buffers=[_blob])
threading.Thread(target=_flood, daemon=True).start()
"""


class TmpSampler:
    """What the grader keeps in its temporary folder, sampled every 0.1 s: the most staged
    copies (``*/work``) at once and the largest worker log."""

    def __init__(self, tmp: Path):
        self.tmp, self.running = tmp, True
        self.staged, self.log_bytes = 0, 0
        threading.Thread(target=self.sample, daemon=True).start()

    def sample(self):
        while self.running:
            with_work = list(self.tmp.glob("sgdteach-grade-*/*/work"))
            self.staged = max(self.staged, len(with_work))
            for log in self.tmp.glob("sgdteach-grade-*/*/worker.log"):
                try:
                    self.log_bytes = max(self.log_bytes, log.stat().st_size)
                except OSError:
                    pass
            time.sleep(0.1)


def grade(base: Path, keys: list[str], tmp: Path, *extra: str, timeout: float = 600):
    return subprocess.Popen(
        [sys.executable, "-m", "sgdteach", "grade", str(ROOT / "solutions" / SOURCE), *keys,
         "--out", "results/gradebook.csv", *extra], cwd=base, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=dict(os.environ, TMPDIR=str(tmp)))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("bounds")
    tmp = base / "tmp"
    tmp.mkdir()
    cases = {   # sorted: the first two run side by side under --jobs 2
        "a_busy": attack(BUSY, "import time; time.sleep(15)"),
        "b_neighbour": attack(*SLOW_BUT_CORRECT),
        "c_json_bomb": attack(JSON_BOMB),
        "d_big_int": attack(BIG_INT),
        "e_deep": attack(DEEP),
        "f_fd1": attack(FD1),
        "g_comm_flood": attack(FLOOD_COMM),
        "h_plain": solution(),
    }
    keys = []
    for case, nb in cases.items():
        (base / case).mkdir()
        nbformat.write(nb, base / case / SOURCE)
        keys.append(f"{case}/{SOURCE}")
    sampler = TmpSampler(tmp)
    proc = grade(base, keys, tmp, "--jobs", "2", "--timeout", "20", "--memory-mb", "1024",
                 "--max-output-kb", str(OUTPUT_KB))
    try:
        _, stderr = proc.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
    sampler.running = False
    time.sleep(0.3)
    out = Paths(base / "results" / "gradebook.csv")
    rows, fb = {}, {}
    if out.gradebook.exists():
        with open(out.gradebook, newline="") as f:
            rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
        for key in keys:
            path = out.feedback / f"{out.name(key)}.json"
            fb[Path(key).parent.name] = json.loads(path.read_text()) if path.exists() else {}
    return dict(returncode=proc.returncode, stderr=stderr, rows=rows, feedback=fb,
                staged=sampler.staged, log_bytes=sampler.log_bytes, tmp=tmp)


def status_score(run, case):
    assert case in run["rows"], f"no row for {case}: {run['stderr'][-2000:]}"
    return run["rows"][case]["status"], run["rows"][case]["score"]


def notes(run, case) -> str:
    return " ".join(run["feedback"][case].get("notes", []))


def test_learner_output_never_makes_an_error_row_or_a_failed_run(run):
    assert run["returncode"] == 0, run["stderr"][-3000:]
    assert not [c for c, r in run["rows"].items() if r["status"] == "error"], run["stderr"][-3000:]


@pytest.mark.parametrize("case, what", [("d_big_int", "digits"), ("e_deep", "deep")])
def test_big_integers_and_deep_values_are_refused_and_named(run, case, what):
    assert status_score(run, case) == ("ok", "3")
    assert "output limit" in notes(run, case) and what in notes(run, case)


def test_a_json_bomb_does_not_grow_the_worker(run):
    bomb = run["feedback"]["c_json_bomb"]["worker_peak_rss_mb"]
    plain = run["feedback"]["h_plain"]["worker_peak_rss_mb"]
    # 4 MB of output: on main the worker grows by ~130 x that (over 400 MB)
    assert bomb - plain < 40, (bomb, plain)
    assert status_score(run, "c_json_bomb") == ("ok", "3")
    assert "output limit" in notes(run, "c_json_bomb")


def test_busy_processes_cannot_starve_a_correct_neighbour(run):
    assert status_score(run, "b_neighbour") == ("ok", "3"), notes(run, "b_neighbour")
    layers = " ".join(run["feedback"]["a_busy"]["sandbox"]["layers"])
    assert "cpu" in layers, layers


def test_kernel_stdout_counts_against_the_output_cap(run):
    assert run["log_bytes"] < 4 * OUTPUT_KB * 1000, run["log_bytes"]
    assert status_score(run, "f_fd1") == ("ok", "3")
    assert "kernel's own stdout/stderr" in notes(run, "f_fd1")


def test_a_comm_flood_after_correct_answers_is_named(run):
    """On main: ok, 0 points, both checks 'not run' with no reason (the records were still
    queued behind the flood when the worker moved on)."""
    status, score = status_score(run, "g_comm_flood")
    questions = run["feedback"]["g_comm_flood"]["questions"]
    lost = [q for q in questions if q["points"] < q["max_points"]]
    assert all(q["outcome"] == "output limit exceeded" and "flooded" in q["message"]
               for q in lost), questions
    assert score == "3" or "output limit" in notes(run, "g_comm_flood")


def test_staged_copies_are_removed_as_each_submission_finishes(run):
    assert 1 <= run["staged"] <= 2      # --jobs 2
    assert not list(run["tmp"].glob("sgdteach-grade-*"))


SLEEPY = "import time; time.sleep(60)"


def test_a_kill_9_leaves_nothing_a_later_run_does_not_clean(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for case, nb in (("sleepy", attack(SLEEPY)), ("plain", solution())):
        (tmp_path / case).mkdir()
        nbformat.write(nb, tmp_path / case / SOURCE)
    first = grade(tmp_path, [f"sleepy/{SOURCE}"], tmp, "--timeout", "120")
    deadline = time.monotonic() + 120
    while not list(tmp.glob("sgdteach-grade-*/*/work")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)
    staged = list(tmp.glob("sgdteach-grade-*"))
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    assert staged
    second = grade(tmp_path, [f"plain/{SOURCE}"], tmp, "--out", "results/other.csv")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    assert not list(tmp.glob("sgdteach-grade-*")), list(tmp.rglob("*"))[:20]
