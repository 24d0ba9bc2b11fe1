"""The grader's own bounds, piece by piece (no kernel): bounded decoding of kernel messages, the
capped pipe for the kernel's stdout/stderr, the run folder's lock and crash cleanup, the CPU
limit of a cgroup. The red-team run is ``tests/test_redteam_bounds.py``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.session import Session

from sgdteach.grading import rundir
from sgdteach.grading.outcomes import LIMIT_ENAME
from sgdteach.grading.sandbox import cgroups
from sgdteach.grading.worker.kernel_output import CappedPipe
from sgdteach.grading.worker.messages import (
    REFUSED,
    BoundedSession,
    MessageLimits,
    OutputLimitError,
    bounded_loads,
    depth,
)


def nested(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize("text", [
    '{"a": [1, 2.5, -3e-7, "x\\"[[[", null, true, NaN], "b": {"c": []}}',
    '"just a string"', "12345", '[{"data": {"text/plain": "ü"}}]', nested(100),
])
def test_bounded_loads_agrees_with_json_within_the_limits(text):
    assert json.dumps(bounded_loads(text.encode())) == json.dumps(json.loads(text))


@pytest.mark.parametrize("text, what", [
    (nested(101), "nested 101 deep"),
    ("[" + "1" * 1001 + "]", "1001 digits"),
    ("[" + "[], " * 500_001 + "[]]", "values"),
])
def test_bounded_loads_refuses_what_would_expand(text, what):
    with pytest.raises(OutputLimitError, match=what):
        bounded_loads(text.encode())


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[" * 5000 + "{,,,," * 1000})
    assert depth(text.encode()) == 1
    assert bounded_loads(text.encode(), MessageLimits(max_values=10))["a"].startswith("[[")


PEAK = """
import json, re, sys
from sgdteach.grading.worker.messages import bounded_loads
raw = b'[' + b'[], ' * 2_000_000 + b'[]]'
def kb(name):
    return int(re.search(name + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
open("/proc/self/clear_refs", "w").write("5")   # the peak (VmHWM) starts again from now
base = kb("VmRSS")
try:
    (json.loads if sys.argv[1] == "json" else bounded_loads)(raw)
except ValueError:
    pass
print(kb("VmHWM") - base)
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_the_decoded_size_is_bounded_where_json_loads_is_not():
    """An independent measure: the peak memory of a child that decodes an 8 MB list of empty
    lists with json.loads (~90 MB) and with bounded_loads (refused, a few MB)."""
    grown = {how: int(subprocess.run([sys.executable, "-c", PEAK, how], capture_output=True,
                                     text=True, check=True).stdout) / 1024
             for how in ("json", "bounded")}
    assert grown["json"] > 60 and grown["bounded"] < 20, grown


def signed(session: Session, msg_type: str, content_bytes: bytes,
           parent: dict | None = None) -> list[bytes]:
    """A message as a kernel that holds the key can send it, with any content bytes."""
    header = session.msg_header(msg_type)
    parts = [session.pack(header), session.pack(parent or {}), session.pack({}), content_bytes]
    return [session.sign(parts), *parts]


@pytest.mark.parametrize("content", [
    b'{"data": {"application/json": ' + nested(3000).encode() + b'}}',
    b'{"data": {"application/json": ' + b"9" * 5000 + b'}}',
    b'{"data": ',   # not JSON
])
def test_a_bad_display_message_becomes_a_named_placeholder_never_an_exception(content):
    session = BoundedSession(key=b"k")
    msg = session.deserialize(signed(session, "display_data", content, {"msg_id": "p"}))
    assert msg["msg_type"] == "display_data" and msg["parent_header"] == {"msg_id": "p"}
    assert set(msg["content"]) == {REFUSED}
    with pytest.raises((ValueError, RecursionError)):   # what the worker did before
        Session(key=b"k").deserialize(signed(session, "display_data", content))


def test_a_refused_reply_stays_a_reply_and_a_replayed_message_is_refused():
    session = BoundedSession(key=b"k")
    reply = session.deserialize(signed(session, "execute_reply", nested(500).encode()))
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == LIMIT_ENAME
    good = signed(session, "stream", b'{"name": "stdout", "text": "hi"}')
    assert session.deserialize(list(good))["content"]["text"] == "hi"
    assert REFUSED in session.deserialize(list(good))["content"]   # same signature again


def test_the_capped_pipe_keeps_the_cap_and_counts_the_rest():
    sink = io.BytesIO()
    pipe = CappedPipe(cap=1000, sink=sink)
    child = subprocess.Popen([sys.executable, "-c", "import os; os.write(1, b'x' * 300000)"],
                             stdout=pipe.fd, stderr=pipe.fd)
    pipe.release()
    child.wait()
    pipe.finish()
    assert (len(sink.getvalue()), pipe.kept, pipe.total) == (1000, 1000, 300000)
    assert "300000 bytes" in (pipe.note() or "")


def test_a_dead_runs_folder_is_removed_a_live_one_kept(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    other = tmp_path / f"{rundir.PREFIX}not-ours"   # no marker: never touched
    other.mkdir(mode=0o700)
    planted = tmp_path / f"{rundir.PREFIX}planted"   # a marker, but not private: never touched
    planted.mkdir(mode=0o755)
    planted.chmod(0o755)
    (planted / rundir.LOCK).write_text("1\n")
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); import tempfile; "
            "tempfile.tempdir = sys.argv[2]; from sgdteach.grading.rundir import RunFolder; "
            "RunFolder(); print('ready', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, str(Path(__file__).parents[1]),
                              str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    mine = rundir.RunFolder()
    (mine.path / "00000").mkdir()
    assert rundir.clean_dead() == []          # the child is alive, and so are we
    child.kill()
    child.wait()
    child.stdout.close()
    dead = rundir.clean_dead()
    assert len(dead) == 1 and not dead[0].exists()
    assert mine.path.exists() and other.exists() and planted.exists()
    mine.close()
    assert not mine.path.exists()


def test_a_cgroup_limits_cpu_where_the_system_lets_it():
    group = cgroups.create(f"sgdteach-test-{os.getpid()}", 2**30, 40, cpus=0.2)
    if group is None or not group.cpu_limited:
        pytest.skip("no cgroup cpu controller this process can write")
    try:
        busy = subprocess.Popen(["/bin/sh", "-c", f'for f in {" ".join(group.procs)}; do '
                                 f'echo $$ > "$f"; done; exec {sys.executable} -c '
                                 '"while True: pass"'])
        time.sleep(3)
        with open(f"/proc/{busy.pid}/stat") as f:
            ticks = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])
        busy.kill()
        busy.wait()
        used = ticks / os.sysconf("SC_CLK_TCK")
        assert used < 3 * 0.2 * 1.5, used     # 0.2 CPU for 3 s, with slack
    finally:
        group.close()
    assert any("cpu" in limit for limit in group.limits)


def test_a_missing_cpu_limit_is_stated_in_the_row(tmp_path, monkeypatch):
    from sgdteach.grading.contract import Job
    from sgdteach.grading.sandbox import confine

    monkeypatch.setattr(cgroups, "create", lambda *a, **k: None)
    job = Job.at(tmp_path, key="k", path="p", source="s", timeout=1, notebook_timeout=1,
                 sandbox="landlock")
    conf = confine.prepare(job, tmp_path, tmp_path)
    try:
        described = conf.describe()
    finally:
        conf.close()
    assert described["cpu_limited"] is False and confine.NO_CPU_LIMIT in described["missing"]
