"""Red team: hostile submissions against a real grader run (``--jobs 2``) in the default
``--sandbox bwrap``, each one trying an escape, a read, sabotage, exhaustion or odd input.

Every attack reports what it achieved by raising ``RuntimeError("REPORT ...")`` at the end of
its answer cell (after the answers are defined), which lands in the feedback's notes. The
tests then check the report, the rows, the feedback files, the instructor's files and the
processes left behind. ``REDTEAM_SANDBOX=landlock`` (or ``none``) runs the same attacks against
the weaker modes, to see which tests fail without bubblewrap or cgroups (``REDTEAM_WITHOUT=kill9,
sigstop`` leaves out attacks that stop the whole run there). In CI (``CI=true``)
the layers must exist: nothing here is skipped there.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from hostile import ROOT, SOURCE, attack, cell, solution

from sgdteach.grading.report.gradebook import Paths
from sgdteach.grading.sandbox import bwrap, cgroups, landlock

MODE = os.environ.get("REDTEAM_SANDBOX", "bwrap")
MARKER, SECRET = f"redteam-{uuid.uuid4().hex}", f"s3cret-{uuid.uuid4().hex}"
HIDDEN_LINE = "assert abs(squared_error_cost(np.zeros(2), X, y) - 110 / 3) < 1e-12"
DISK_MB, MEMORY_MB = 256, 1024
LINUX = sys.platform.startswith("linux")
pytestmark = pytest.mark.skipif(
    not LINUX or (MODE == "bwrap" and bwrap.problem() is not None and not os.environ.get("CI")),
    reason=f"needs Linux and a working bubblewrap: {bwrap.problem() if LINUX else sys.platform}")


REPORT = "raise RuntimeError('REPORT ' + ' '.join(map(str, report)))"

SCAN = f"""
import glob, os
def marked():
    for p in glob.glob('/proc/[0-9]*'):
        try:
            env = open(p + '/environ', 'rb').read()
        except OSError:
            continue
        if {MARKER!r}.encode() in env and int(p[6:]) != os.getpid():
            yield int(p[6:]), open(p + '/cmdline', 'rb').read().split(b'\\0')
"""


def reads(paths: dict[str, str], tmp: str) -> str:
    return SCAN + f"""
report = []
def attempt(label, path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, 'rb') as f:
                data = f.read(100000)
            report.append(label + ':READ ' + data.decode(errors='replace')[:2000])
            return
        report.append(label + ':READ')
    except OSError as exc:
        report.append(label + ':' + type(exc).__name__)
for label, path in {paths!r}.items():
    attempt(label, path)
for job in glob.glob({tmp!r} + '/*/*/job.json'):   # the grader's folders, if visible
    attempt('job', job)
    attempt('log', job.replace('job.json', 'worker.log'))
for pid, cmd in marked():
    attempt('environ', f'/proc/{{pid}}/environ')
    for arg in cmd:
        if arg.endswith(b'job.json'):
            attempt('job', arg.decode())
{REPORT}"""


def signals(sig: int) -> str:
    return SCAN + f"""
import signal
report = []
for pid, cmd in list(marked()):
    try:
        os.kill(pid, {sig})
        report.append(f'signalled:{{pid}}')
    except OSError as exc:
        report.append(type(exc).__name__)
report.append('done')
{REPORT}"""


TCP = """
import socket
report = []
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'escaped')
    report.append('CONNECTED')
except OSError as exc:
    report.append('blocked:' + type(exc).__name__)
""" + REPORT

DETACHED = """
import os, subprocess, sys
killer = '''
import glob, os, time
for _ in range(400):
    time.sleep(0.5)
    for p in glob.glob('/proc/[0-9]*'):
        try:
            cmd = open(p + '/cmdline', 'rb').read()
            env = open(p + '/environ', 'rb').read()
        except OSError:
            continue
        if b'kernelapp' in cmd and int(p[6:]) not in ({{kernel}}, os.getpid()) \
                and {tmp!r}.encode() in env:
            try:
                os.kill(int(p[6:]), 9)
            except OSError:
                pass
'''.replace('{{kernel}}', str(os.getpid()))
proc = subprocess.Popen([sys.executable, '-c', killer, '{marker}'], start_new_session=True,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
report = ['detached', proc.pid]
""" + REPORT

FORKS = """
import subprocess
procs, report = [], []
for _ in range(70):
    try:
        procs.append(subprocess.Popen(['sleep', '30']))
    except OSError as exc:
        report.append(type(exc).__name__)
        break
report.append(f'spawned={len(procs)}')
for p in procs:
    p.kill()
    p.wait()
""" + REPORT

MEMORY = """
import subprocess, sys
hog = 'import time; b = b"x" * (800 * 2**20); time.sleep(6)'
kids = [subprocess.Popen([sys.executable, '-c', hog]) for _ in range(4)]
report = [f'survivors={sum(k.wait() == 0 for k in kids)}']
""" + REPORT

DISK = """
import os
report, written = [], 0
os.makedirs('junk', exist_ok=True)
try:
    for i in range(1100):
        with open(f'junk/f{i}', 'wb') as f:
            f.write(b'x' * 2**20)
        written += 1
except OSError as exc:
    report.append(type(exc).__name__)
report.append(f'written_mb={written}')
from ipykernel.kernelapp import IPKernelApp
sockets = os.path.dirname(IPKernelApp.instance().connection_file)
try:
    with open(os.path.join(sockets, 'junk'), 'wb') as f:
        f.write(b'x' * 2**20)
    report.append('sockets:WROTE')
except OSError as exc:
    report.append('sockets:' + type(exc).__name__)
""" + REPORT

FLOOD_DISPLAY = """
from IPython.display import display
chunk = 'x' * (32 * 2**20)
for i in range(32):
    h = display({'text/plain': 'tiny'}, raw=True, display_id=True)
    h.update({'text/plain': chunk}, raw=True)
"""

FLOOD_COMM = """
import comm
blob = b'x' * (32 * 2**20)
for i in range(32):
    comm.create_comm(target_name='jupyter.widget', buffers=[blob],
                     data={'state': {'_model_name': 'X'}, 'buffer_paths': [['b']]})
report = ['flooded']
""" + REPORT


LEAK_HIDDEN = """
import linecache, sys
_answer = squared_error_cost
def squared_error_cost(theta, X, y):
    text = ''.join(linecache.getlines(sys._getframe(1).f_code.co_filename))
    if 'seed=101' in text:
        raise ValueError('stolen: ' + text)
    return _answer(theta, X, y)
"""

ARGPARSE = """import os
open({target!r}, 'w').write('imported before the limits')
os._exit(3)
"""


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.accepted = self.sock.getsockname()[1], []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn.recv(100))
            conn.close()


class RssSampler:
    """The largest resident size of any grading worker under ``tmp`` (sampled every 0.2 s)."""

    def __init__(self, tmp: Path):
        self.tmp, self.peak_mb, self.running = str(tmp).encode(), 0.0, True
        threading.Thread(target=self.sample, daemon=True).start()

    def sample(self):
        while self.running:
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    cmd = (proc / "cmdline").read_bytes()
                    if b"sgdteach.grading.worker.runner" not in cmd or self.tmp not in cmd:
                        continue
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                found = re.search(r"VmRSS:\s+(\d+) kB", status)
                if found:
                    self.peak_mb = max(self.peak_mb, int(found.group(1)) / 1024)
            time.sleep(0.2)


def marked_processes() -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if MARKER.encode() in (proc / "cmdline").read_bytes():
                found.append(proc.name)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("redteam")
    instructor, subs, tmp = base / "instructor", base / "subs", base / "tmp"
    for folder in (instructor, subs, tmp):
        folder.mkdir()
    (instructor / SOURCE).write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    listener = Listener()
    results = base / "results"
    paths = {"source": str(instructor / SOURCE), "other": str(subs / "victim_a" / SOURCE),
             "results": str(results), "gradebook": str(results / "gradebook.csv"),
             "instructor": str(instructor)}
    escaped = base / "escaped-argparse.txt"
    cases = {
        "tcp": attack(TCP.format(port=listener.port)),
        "reads": attack(reads(paths, str(tmp))),
        "hidden_leak": attack(LEAK_HIDDEN),
        "kill9": attack(signals(int(signal.SIGKILL))),
        "sigstop": attack(signals(int(signal.SIGSTOP))),
        "detached": attack(DETACHED.format(tmp=str(tmp), marker=MARKER)),
        "forks": attack(FORKS),
        "memory": attack(MEMORY),
        "disk": attack(DISK),
        "flood": attack(FLOOD_DISPLAY, FLOOD_COMM),
        "victim_a": solution(), "victim_b": solution(),
        "fifo": solution(), "argparse": solution(),
        "points": solution(), "surrogate": solution(),
    }
    for case in os.environ.get("REDTEAM_WITHOUT", "").split(","):   # e.g. kill9 in a weak mode
        cases.pop(case, None)
    cell(cases["points"], "ex1_gradient_check").metadata.nbgrader["points"] = 100
    cell(cases["surrogate"], "ex1_cost").source += "\n# \ud800 a lone surrogate in code"
    for case, nb in cases.items():
        (subs / case).mkdir()
        nbformat.write(nb, subs / case / SOURCE) if case != "surrogate" else \
            (subs / case / SOURCE).write_text(json.dumps(nb), encoding="utf-8")
    os.mkfifo(subs / "fifo" / "pipe")
    (subs / "argparse" / "argparse.py").write_text(ARGPARSE.format(target=str(escaped)))
    (subs / "symlink").mkdir()
    (subs / "symlink" / SOURCE).symlink_to(instructor / SOURCE)
    before = {"instructor": digest(instructor)}
    keys = [f"subs/{c}/{SOURCE}" for c in [*cases, "symlink"]]
    args = [str(instructor / SOURCE), *keys, "--out", "results/gradebook.csv", "--jobs", "2",
            "--timeout", "60", "--memory-mb", str(MEMORY_MB), "--disk-mb", str(DISK_MB),
            "--sandbox", MODE]
    env = dict(os.environ, TMPDIR=str(tmp), REDTEAM_MARKER=MARKER, REDTEAM_SECRET=SECRET)
    sampler = RssSampler(tmp)
    proc = subprocess.Popen([sys.executable, "-m", "sgdteach", "grade", *args], cwd=base,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=540)
    except subprocess.TimeoutExpired:   # e.g. a stopped grader: stop it for good
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        stderr += "\n[test: the grader hung and was killed]"
    sampler.running = False
    time.sleep(1)
    out = Paths(results / "gradebook.csv")
    rows, fb = {}, {}
    if out.gradebook.exists():
        with open(out.gradebook, newline="") as f:
            rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
        for key in keys:
            case = Path(key).parent.name
            with_json = out.feedback / f"{out.name(key)}.json"
            fb[case] = json.loads(with_json.read_text()) if with_json.exists() else {}
    yield dict(returncode=proc.returncode, stderr=stderr, rows=rows, feedback=fb, out=out,
               before=before, instructor=instructor, accepted=listener.accepted,
               escaped=escaped.exists(), rss_mb=sampler.peak_mb, leftovers=marked_processes(),
               results=results)
    listener.sock.close()


def report(run, case) -> str:
    notes = " ".join(run["feedback"].get(case, {}).get("notes", []))
    found = re.search(r"REPORT (.*?)(?:$| - |\Z)", notes)
    return found.group(1) if found else f"<no report in {notes[:300]!r}>"


def row(run, case):
    assert case in run["rows"], f"no row for {case}: {run['stderr'][-2000:]}"
    r = run["rows"][case]
    return r["status"], r["tampered"], r["score"], r["sandbox"]


def test_the_grader_survives_and_every_submission_gets_a_row(run):
    assert run["returncode"] == 0, run["stderr"][-3000:]
    left_out = set(os.environ.get("REDTEAM_WITHOUT", "").split(",")) - {""}
    assert len(run["rows"]) == 17 - len(left_out)
    assert {r["sandbox"] for r in run["rows"].values()} == {MODE}
    assert f"--sandbox {MODE}" in run["out"].summary.with_suffix(".md").read_text()
    assert digest(run["instructor"]) == run["before"]["instructor"]


def test_no_network_loopback_included(run):
    assert run["accepted"] == [] and report(run, "tcp").startswith("blocked:")
    assert row(run, "tcp")[:3] == ("ok", "no", "3")


def test_instructor_files_job_file_other_learners_and_grader_environment_are_unreadable(run):
    text = report(run, "reads")
    assert ":READ" not in text, text
    assert row(run, "reads")[:3] == ("ok", "no", "3")


def test_secrets_never_reach_any_feedback(run):
    files = [p.read_text(errors="replace") for p in run["out"].feedback.iterdir() if p.is_file()]
    assert files and not any(SECRET in text for text in files)
    assert not any(HIDDEN_LINE in text for text in files)
    leak = run["feedback"]["hidden_leak"]
    message = {q["grade_id"]: q["message"] for q in leak["questions"]}["ex1_cost_check"]
    # Under probe/judge grading the kernel runs only the probe: the hidden seed is never in any
    # frame the answer can read, so the attack finds nothing; had it found text, it is redacted.
    assert "seed=101" not in message and ("stolen" not in message or "[redacted]" in message)


@pytest.mark.parametrize("case", ["kill9", "sigstop"])
def test_signals_cannot_reach_the_grader_or_its_workers(run, case):
    assert report(run, case) == "done"
    assert row(run, case)[:3] == ("ok", "no", "3")


def test_a_detached_process_dies_with_its_submission_and_spares_the_next(run):
    assert report(run, "detached").startswith("detached")
    assert run["leftovers"] == []
    for victim in ("victim_a", "victim_b", "tcp", "points"):
        assert row(run, victim)[0] == "ok"


def test_process_count_is_limited(run):
    spawned = int(re.search(r"spawned=(\d+)", report(run, "forks")).group(1))
    assert spawned < 60 and row(run, "forks")[0] == "ok"


def test_total_memory_of_all_processes_is_limited(run):
    survivors = int(re.search(r"survivors=(\d+)", report(run, "memory")).group(1))
    assert survivors * 800 <= MEMORY_MB + DISK_MB
    peak = run["feedback"]["memory"]["sandbox"].get("cgroup", {}).get("peak_memory_mb", 0)
    assert peak <= MEMORY_MB + DISK_MB


def test_disk_is_limited_in_small_files_too(run):
    written = int(re.search(r"written_mb=(\d+)", report(run, "disk")).group(1))
    assert written <= DISK_MB and row(run, "disk")[0] == "ok"
    assert "sockets:WROTE" not in report(run, "disk")   # the socket folder takes no files


def test_display_updates_and_comm_buffers_do_not_fill_the_worker(run):
    assert report(run, "flood") == "flooded"
    assert run["rss_mb"] < 600, f"a worker reached {run['rss_mb']:.0f} MB"
    assert run["feedback"]["flood"]["worker_peak_rss_mb"] < 600


@pytest.mark.parametrize("case, expected", [
    ("symlink", ("rejected", "no", "0")),
    ("fifo", ("ok", "no", "3")),
    ("surrogate", ("ok", "no", "3")),
    ("points", ("ok", "yes", "3")),
    ("argparse", ("ok", "no", "3")),
])
def test_odd_submissions_get_the_right_row(run, case, expected):
    assert row(run, case)[:3] == expected
    assert run["rows"][case]["max_score"] == "3"
    assert not run["escaped"]


def test_odd_submissions_are_explained(run):
    notes = {c: " ".join(run["feedback"][c]["notes"]) for c in ("symlink", "fifo", "points")}
    assert "symbolic link to a file outside its folder" in notes["symlink"]
    assert "skipped 'pipe': not a regular file" in notes["fifo"]
    assert "'ex1_gradient_check' has changed metadata (points: 2 -> 100)" in notes["points"]


def test_ci_has_every_sandbox_layer():
    """In CI the real sandbox is tested: a missing layer fails here instead of skipping."""
    if not os.environ.get("CI"):
        pytest.skip("runs only in CI (CI set): there it requires every sandbox layer; "
                    "elsewhere the tests above skip what this machine lacks")
    assert bwrap.problem() is None
    assert landlock.abi_version() >= 1
    group = cgroups.create(f"sgdteach-ci-{os.getpid()}", 2**30, 40)
    assert group is not None and group.limits
    group.close()


KILL_WORKER = """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
"""


def test_a_killed_worker_is_retried_once_then_reported_as_kernel_died(tmp_path):
    """Without bubblewrap a kernel can kill its worker: that is the submission's failure."""
    for case, nb in (("killer", attack(KILL_WORKER)), ("fine", solution())):
        (tmp_path / case).mkdir()
        nbformat.write(nb, tmp_path / case / SOURCE)
    proc = subprocess.run(
        [sys.executable, "-m", "sgdteach", "grade", str(ROOT / "solutions" / SOURCE),
         f"killer/{SOURCE}", f"fine/{SOURCE}", "--out", "gb.csv", "--jobs", "2",
         "--sandbox", "none"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "gb.csv", newline="") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    assert (rows["killer"]["status"], rows["fine"]["status"]) == ("kernel_died", "ok")
    assert rows["fine"]["score"] == "3"
    result = json.loads(next((tmp_path / "gb_feedback").glob("killer*.json")).read_text())
    assert "killed 2 times" in result["notes"][0]
