"""The batch grader on real notebooks in real kernels.

One grader run (module fixture, ``--jobs 2``) grades a class of hostile submissions of exercise 1:
the solution, the untouched exercise, an infinite loop, ``os._exit(1)``, a memory bomb, invalid
JSON, JSON that is no notebook, a missing file, a deleted and an edited test cell, a 100 MB
print, writes outside the submission's folder, and a wrong sign. Each gets exactly one correct
row; the instructor's files are unchanged; no kernel outlives the run. Then: all six solutions
score full marks and their exercises zero, and re-runs skip what is graded.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from sgdteach.grading import grade as grader
from sgdteach.grading.markup import grade_id
from sgdteach.grading.report.feedback import feedback_markdown
from sgdteach.grading.report.gradebook import Paths, read_rows, row
from sgdteach.grading.sandbox import launcher as sandbox
from sgdteach.grading.worker.assemble import assemble
from sgdteach.grading.worker.kernel_client import GradingClient

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
SOURCE = "01_gradient.ipynb"
FIXED = ["submission", "status", "tampered", "score", "max_score"]
EXTRA = ["flags", "sandbox"]
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"),
                           reason="reads /proc and relies on Linux's RLIMIT_AS and Landlock")


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def answered(edit=None):
    """The released exercise with the solution's answers filled in, then ``edit(nb)``."""
    solution = nbformat.read(SOLUTIONS / SOURCE, as_version=4)
    nb = nbformat.read(EXERCISES / SOURCE, as_version=4)
    for gid in ("ex1_cost", "ex1_gradient"):
        cell(nb, gid).source = cell(solution, gid).source
    if edit:
        edit(nb)
    return nb


def append(gid, code):
    def edit(nb):
        cell(nb, gid).source += "\n" + code
    return edit


def wrong_sign(nb):
    c = cell(nb, "ex1_gradient")
    c.source = c.source.replace("X @ theta - y", "y - X @ theta")


def edited_test(nb):
    wrong_sign(nb)
    cell(nb, "ex1_gradient_check").source = "print('all tests passed')"


def escape_code(instructor: Path, own_folder: Path) -> str:
    targets = ["../escaped.txt", str(instructor / "escaped.txt"), str(instructor / SOURCE),
               str(own_folder / "escaped.txt"), str(Path.home() / "sgdteach-escaped.txt")]
    return (f"for target in {targets!r}:\n"
            "    try:\n"
            "        open(target, 'w').write('written by a submission')\n"
            "    except OSError as exc:\n"
            "        print('blocked', target, type(exc).__name__)")


# case -> (status, tampered, score, points of ex1_cost_check, points of ex1_gradient_check)
EXPECTED = {
    "solution": ("ok", "no", 3, 1, 2),
    "untouched": ("ok", "no", 0, 0, 0),
    "infinite_loop": ("timeout", "no", 3, 1, 2),
    "os_exit": ("kernel_died", "no", 1, 1, 0),
    "memory_bomb": ("ok", "no", 3, 1, 2),
    "invalid_json": ("invalid_notebook", "no", 0, 0, 0),
    "not_a_notebook": ("invalid_notebook", "no", 0, 0, 0),
    "missing_file": ("invalid_notebook", "no", 0, 0, 0),
    "deleted_test": ("ok", "yes", 3, 1, 2),
    "edited_test": ("ok", "yes", 1, 1, 0),
    "big_print": ("ok", "no", 3, 1, 2),
    "writes_outside": ("ok", "no", 3, 1, 2),
    "wrong_sign": ("ok", "no", 1, 1, 0),
}


def digest_tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def processes_under(folder: Path) -> list[str]:
    """Command lines of live processes started by a grader run whose TMPDIR is in ``folder``
    (the grader, its fork server and workers inherit it; kernels get a TMPDIR below it)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes().split(b"\0")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(v.startswith(f"TMPDIR={folder}".encode()) for v in environ):
            found.append(cmdline)
    return found


def grade(args: list[str], cwd: Path, tmp: Path) -> subprocess.CompletedProcess:
    """``python -m sgdteach grade ...`` with its temporary folders under ``tmp``."""
    tmp.mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp))
    return subprocess.run([sys.executable, "-m", "sgdteach", "grade", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def grade_class(base: Path) -> dict:
    """Build the hostile class under ``base``, grade it once, and describe what happened."""
    instructor = base / "instructor"
    instructor.mkdir(parents=True)
    (instructor / SOURCE).write_bytes((SOLUTIONS / SOURCE).read_bytes())
    (instructor / "notes.txt").write_text("instructor's own file\n")
    subs = base / "subs"
    builders = {
        "solution": lambda: nbformat.read(SOLUTIONS / SOURCE, as_version=4),
        "untouched": lambda: nbformat.read(EXERCISES / SOURCE, as_version=4),
        "infinite_loop": lambda: answered(append("ex1_cost", "while True:\n    pass")),
        "os_exit": lambda: answered(append("ex1_gradient", "import os\nos._exit(1)")),
        "memory_bomb": lambda: answered(append(
            "ex1_cost", "blob = []\nwhile True:\n    blob.append(bytearray(32 * 2**20))")),
        "deleted_test": lambda: answered(
            lambda nb: nb.cells.remove(cell(nb, "ex1_gradient_check"))),
        "edited_test": lambda: answered(edited_test),
        "big_print": lambda: answered(append("ex1_cost", "print('x' * 100_000_000)")),
        "writes_outside": lambda: answered(append(
            "ex1_cost", escape_code(instructor, subs / "writes_outside"))),
        "wrong_sign": lambda: answered(wrong_sign),
    }
    paths = {}
    for case in EXPECTED:
        folder = subs / case
        folder.mkdir(parents=True)
        paths[case] = folder / SOURCE
        if case in builders:
            nbformat.write(builders[case](), paths[case])
    paths["invalid_json"].write_text('{"cells": [ this is not json')
    paths["not_a_notebook"].write_text('{"hello": "world"}')
    before = {"instructor": digest_tree(instructor), "subs": digest_tree(subs)}
    tmp = base / "tmp"
    args = [str(instructor / SOURCE), *(str(p.relative_to(base)) for p in paths.values()),
            "--out", "results/gradebook.csv", "--jobs", "2", "--timeout", "10",
            "--memory-mb", "1024"]
    proc = grade(args, base, tmp)
    with open(base / "results" / "gradebook.csv", newline="") as f:
        reader = csv.DictReader(f)
        rows = {Path(r["submission"]).parent.name: r for r in reader}
        header = reader.fieldnames
    return dict(base=str(base), returncode=proc.returncode, stderr=proc.stderr, rows=rows,
                header=header, before=before, args=args,
                paths={k: str(v) for k, v in paths.items()},
                leftovers=processes_under(tmp), tmp_left=[p.name for p in tmp.iterdir()])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The class graded once per test session, even when xdist spreads this module's tests
    over several workers (they share the session's temporary folder and take turns)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    with open(shared / "grading-class.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "grading-class.json"
        if not done.exists():
            done.write_text(json.dumps(grade_class(shared / "grading-class")))
        data = json.loads(done.read_text())
    base = Path(data["base"])
    data.update(base=base, instructor=base / "instructor", subs=base / "subs",
                paths={k: Path(v) for k, v in data["paths"].items()},
                out=Paths(base / "results" / "gradebook.csv"))
    return data


def feedback(run, case):
    key = str(run["paths"][case].relative_to(run["base"]))
    return (run["out"].feedback / f"{run['out'].name(key)}.md").read_text()


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_grader_survives_and_writes_one_row_per_submission(run):
    assert run["returncode"] == 0, run["stderr"]
    assert run["header"] == FIXED + ["ex1_cost_check", "ex1_gradient_check"] + EXTRA
    assert sorted(run["rows"]) == sorted(EXPECTED)
    assert "13/13" in run["stderr"]    # the progress bar reached the end


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_submission_gets_the_right_row(run, case):
    status, tampered, score, cost, gradient = EXPECTED[case]
    r = run["rows"][case]
    assert (r["status"], r["tampered"]) == (status, tampered)
    assert (r["score"], r["max_score"]) == (str(score), "3")
    assert (r["ex1_cost_check"], r["ex1_gradient_check"]) == (str(cost), str(gradient))


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_instructors_files_and_submissions_are_unchanged(run):
    assert digest_tree(run["instructor"]) == run["before"]["instructor"]
    assert digest_tree(run["subs"]) == run["before"]["subs"]
    assert not list(run["base"].rglob("escaped.txt"))
    assert not (Path.home() / "sgdteach-escaped.txt").exists()


@pytest.mark.kernel   # runs the grader: workers and kernels
@LINUX
def test_no_kernel_or_worker_outlives_the_run(run):
    assert run["leftovers"] == []
    assert run["tmp_left"] == [], "temporary grading folders are removed"


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_feedback_names_the_mistake_and_the_tampering(run):
    text = feedback(run, "wrong_sign")
    assert "**Score: 1 / 3**" in text and "| 1b. The gradient — 0/2 | wrong sign |" in text
    assert "wrong sign in 'squared_error_gradient'" in text and "expected" in text
    edited = feedback(run, "edited_test")
    assert "test cell 'ex1_gradient_check' was edited" in edited and "wrong sign" in edited
    assert "test cell 'ex1_gradient_check' was deleted" in feedback(run, "deleted_test")
    assert "not attempted" in feedback(run, "untouched")
    assert "ran past 10 s and was interrupted" in feedback(run, "infinite_loop")
    assert "kernel died while running cell 'ex1_gradient'" in feedback(run, "os_exit")
    assert "MemoryError" in feedback(run, "memory_bomb")
    assert "NotJSONError" in feedback(run, "invalid_json")


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_a_100_mb_print_is_truncated_not_stored(run):
    assert "output of cell 'ex1_cost' truncated" in feedback(run, "big_print")
    sizes = [p.stat().st_size for p in run["out"].feedback.iterdir()]
    assert max(sizes) < 100_000


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_class_summary_counts_the_named_mistakes(run):
    with open(run["out"].summary.with_suffix(".csv"), newline="") as f:
        table = {(r["question"], r["outcome"]): r for r in csv.DictReader(f)}
    n = len(EXPECTED)
    wrong = table[("ex1_gradient_check", "wrong sign")]
    assert wrong["submissions"] == "2" and float(wrong["share"]) == pytest.approx(2 / n, abs=1e-4)
    passed = table[("ex1_cost_check", "passed")]
    assert int(passed["submissions"]) == sum(e[3] == 1 for e in EXPECTED.values())
    assert run["out"].summary.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| wrong sign | 2 |" in run["out"].summary.with_suffix(".md").read_text()


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_rerun_skips_what_is_graded(run):
    results = run["base"] / "results"
    assert not [p.name for p in results.iterdir() if p.name.endswith(".tmp")]   # atomic writes
    before = (results / "gradebook.csv").read_text()
    again = grade(run["args"], run["base"], run["base"] / "tmp-rerun")
    assert again.returncode == 0 and "0 of 13 submission(s) to grade" in again.stderr
    assert (results / "gradebook.csv").read_text() == before


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_rerun_regrades_what_changed_failed_or_is_asked_for(run, monkeypatch):
    monkeypatch.chdir(run["base"])
    args = grader.parse(run["args"])
    keys = [str(p.relative_to(run["base"])) for p in run["paths"].values()]
    state = grader.Grader(args, ["ex1_cost_check", "ex1_gradient_check"], 3.0)
    assert state.pending(keys) == []
    changed, failed = keys[0], keys[1]
    state.manifest[changed] = dict(state.manifest[changed], sha256="0" * 64)
    state.rows[failed] = dict(state.rows[failed], status="error")
    assert state.pending(keys) == [changed, failed]
    args.redo = True
    assert state.pending(keys) == keys


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("name", sorted(p.name for p in SOLUTIONS.glob("*.ipynb")))
def test_solution_gets_full_marks_and_untouched_exercise_zero(name, tmp_path):
    for who, folder in (("solution", SOLUTIONS), ("exercise", EXERCISES)):
        (tmp_path / who).mkdir()
        (tmp_path / who / name).write_bytes((folder / name).read_bytes())
    proc = grade([str(SOLUTIONS / name), f"solution/{name}", f"exercise/{name}", "--out",
                  "gradebook.csv", "--jobs", "2"], tmp_path, tmp_path / "tmp")
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "gradebook.csv", newline="") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    solution, exercise = rows["solution"], rows["exercise"]
    assert float(solution["max_score"]) > 0
    assert (solution["status"], solution["tampered"]) == ("ok", "no")
    assert solution["score"] == solution["max_score"]
    # the only flags: each answer is the published solution's own code (issue 23)
    from sgdteach.grading.worker.copies import FLAG
    answers = [grade_id(c) for c in nbformat.read(SOLUTIONS / name, as_version=4).cells
               if (c.metadata.get("nbgrader") or {}).get("solution") and c.cell_type == "code"]
    assert solution["flags"] == "; ".join(f"{gid}: {FLAG}" for gid in answers)
    assert exercise["flags"] == ""
    assert (exercise["status"], exercise["tampered"], exercise["score"]) == ("ok", "no", "0")
    result = json.loads(next((tmp_path / "gradebook_feedback").glob("exercise_*.json"))
                        .read_text())
    assert {q["outcome"] for q in result["questions"]} == {"not attempted"}


# -- the pieces, in-process (no kernel) ---------------------------------------------------------

def ids(nb):
    return [grade_id(c) or c.source for c in nb.cells]


@pytest.fixture
def source():
    return nbformat.read(SOLUTIONS / SOURCE, as_version=4)


@pytest.fixture
def exercise():
    return nbformat.read(EXERCISES / SOURCE, as_version=4)


def test_assemble_follows_the_source_order_and_keeps_added_cells(source, exercise):
    test = cell(exercise, "ex1_cost_check")
    exercise.cells.remove(test)
    exercise.cells.insert(0, test)                         # moved before its answer
    at = exercise.cells.index(cell(exercise, "ex1_cost")) + 1
    exercise.cells.insert(at, new_code_cell("helper = 1"))
    built = assemble(source, exercise)
    order = ids(built.nb)
    assert order.index("ex1_cost") < order.index("helper = 1") < order.index("ex1_cost_check")
    assert not built.tampered and built.notes == []
    assert "BEGIN HIDDEN TESTS" in built.nb.cells[built.tests["ex1_cost_check"]].source


def test_assemble_flags_duplicated_and_fabricated_test_cells(source, exercise):
    exercise.cells.append(nbformat.from_dict(dict(cell(exercise, "ex1_cost_check"))))
    fake = new_code_cell("print('full marks please')")
    fake.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "points": 100, "grade_id": "bonus", "schema_version": 3}
    exercise.cells.append(fake)
    built = assemble(source, exercise)
    assert built.tampered and len(built.notes) == 2
    assert ids(built.nb).count("ex1_cost_check") == 1 and set(built.tests) == {
        "ex1_cost_check", "ex1_gradient_check"}
    assert "nbgrader" not in built.nb.cells[-1].metadata      # runs as plain code, not graded


def test_assemble_accepts_nbgraders_release_and_restores_markdown_quietly(source, exercise):
    for c in exercise.cells:                                 # what nbgrader adds on release
        if "nbgrader" in c.metadata:
            c.metadata.nbgrader.update(checksum="0" * 32, cell_type=c.cell_type)
    cell(exercise, "ex1_intro").source = "my notes"
    exercise.cells.remove(cell(exercise, "ex1_gradient"))
    built = assemble(source, exercise)
    assert not built.tampered
    assert built.notes == ["answer cell 'ex1_gradient' is missing from the submission"]
    assert cell(built.nb, "ex1_intro").source == cell(source, "ex1_intro").source


def test_gradebook_rows_and_names(tmp_path):
    result = {"submission": "a/b.ipynb", "status": "timeout", "tampered": True, "score": 2.5,
              "questions": [{"grade_id": "q1", "points": 2.5}]}
    assert row(result, ["q1", "q2"], 4.0) == {
        "submission": "a/b.ipynb", "status": "timeout", "tampered": "yes", "score": "2.5",
        "max_score": "4", "q1": "2.5", "q2": "0", "flags": "", "sandbox": ""}
    paths = Paths(tmp_path / "gb.csv")
    assert paths.name("a/b.ipynb") != paths.name("a_b.ipynb")
    (tmp_path / "gb.csv").write_text("submission,status\nx,ok\n")
    assert read_rows(tmp_path / "gb.csv", ["q1"]) == {}     # another source: start afresh


def test_feedback_fences_messages_that_contain_backticks():
    text = feedback_markdown({"submission": "s.ipynb", "status": "ok", "score": 0,
                              "max_score": 1, "questions": [
                                  {"grade_id": "q", "points": 0, "max_points": 1,
                                   "outcome": "wrong result", "message": "x ```` y"}]})
    assert "`````text\nx ```` y\n`````" in text


def test_output_cap_counts_bytes_keeps_errors_and_marks_the_cut_after_the_text():
    from nbformat.v4 import new_code_cell as code

    client = GradingClient(new_notebook(cells=[code("")]), max_output_bytes=100)
    client.clear_before_next_output = False   # set per cell by execute_cell
    cell = client.nb.cells[0]

    def send(kind, content):
        client.process_message({"msg_type": kind, "header": {"msg_type": kind},
                                "parent_header": {"msg_id": "m"}, "content": content}, cell, 0)

    send("stream", {"name": "stdout", "text": "é" * 1000})     # 2 bytes per character
    send("stream", {"name": "stdout", "text": "z" * 1000})
    send("error", {"ename": "E", "evalue": "v", "traceback": ["t"]})
    texts = [o.get("text", "") for o in cell.outputs]
    kept = "".join(t for t in texts if set(t) == {"é"})
    assert 40 <= len(kept.encode()) <= 100 and "z" not in "".join(texts)
    assert "truncated" in texts[1] and cell.outputs[-1]["output_type"] == "error"


def test_grader_refuses_a_source_without_tests(tmp_path, capsys):
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), tmp_path / "s.ipynb")
    assert grader.main([str(tmp_path / "s.ipynb"), "x.ipynb", "--out",
                        str(tmp_path / "gb.csv")]) == 2
    assert "no test cell" in capsys.readouterr().err and not (tmp_path / "gb.csv").exists()


LIMITS = """
import sys
from sgdteach.grading.sandbox import landlock, launcher as sandbox
sandbox.apply_limits(memory_mb=512, file_mb=1)
try:
    blob = bytearray(2 * 2**30)
    print("allocated")
except MemoryError:
    print("MemoryError")
try:
    open(sys.argv[1] + "/big", "wb").write(b"x" * 2 * 2**20)
except OSError as exc:
    print("file", exc.errno)
if landlock.restrict_writes([sys.argv[1] + "/inside"]):
    open(sys.argv[1] + "/inside/ok", "w").write("ok")
    try:
        open(sys.argv[1] + "/outside", "w").write("no")
    except PermissionError:
        print("confined")
"""


@LINUX
def test_sandbox_limits_memory_file_size_and_writes(tmp_path):
    (tmp_path / "inside").mkdir()
    proc = subprocess.run([sys.executable, "-c", LIMITS, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    lines = proc.stdout.split()
    assert lines[:3] == ["MemoryError", "file", "27"]        # 27: EFBIG, file too large
    if sandbox.landlock.abi_version():
        assert lines[3] == "confined" and (tmp_path / "inside" / "ok").exists()
        assert not (tmp_path / "outside").exists()


def test_sandbox_copy_holds_the_submission_and_its_data_only(tmp_path):
    from sgdteach.grading.worker.intake import copy_folder

    src = tmp_path / "class"
    (src / "data").mkdir(parents=True)
    (src / "gradebook_feedback").mkdir()
    for name in ("alice.ipynb", "bob.ipynb", "data/x.csv", ".secret",
                 "gradebook_feedback/bob.md", "gradebook.csv"):
        (src / name).write_text(name)
    (src / "link").symlink_to(tmp_path / "outside")
    notes = copy_folder(src, tmp_path / "copy", "alice.ipynb",
                        (str(src / "gradebook.csv"), str(src / "gradebook_feedback")))
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["alice.ipynb", "data", "data/x.csv"] and notes == []


@pytest.mark.kernel   # runs the grader: workers and kernels
@LINUX
def test_a_worker_past_its_deadline_is_killed_with_its_kernel(run, tmp_path, monkeypatch):
    monkeypatch.chdir(run["base"])
    key = str(run["paths"]["infinite_loop"].relative_to(run["base"]))
    args = grader.parse([run["args"][0], key, "--out", str(tmp_path / "gb.csv"),
                         "--timeout", "60"])
    job = grader.Grader(args, ["ex1_cost_check", "ex1_gradient_check"], 3.0).job(0, key, tmp_path)
    # 20 s: past the kernel's start even on a loaded machine (8 s was not, at a load of 10)
    result = grader.run_worker(job, deadline=20.0)
    assert result["status"] == "timeout" and "stopped after 20 s" in result["notes"][0]
    pid = int(Path(job.kernel_pid_file).read_text())         # the kernel had started
    for _ in range(50):                                      # SIGKILL takes effect promptly
        if not alive(pid):
            break
        time.sleep(0.1)
    assert not alive(pid)


def alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_grader_refuses_without_bubblewrap_unless_a_weaker_sandbox_is_named(tmp_path, capsys,
                                                                             monkeypatch):
    monkeypatch.setattr(grader.bwrap, "problem", lambda: "user namespaces are disabled")
    args = [str(SOLUTIONS / SOURCE), "x.ipynb", "--out", str(tmp_path / "gb.csv")]
    assert grader.main(args) == 2
    err = capsys.readouterr().err
    assert "user namespaces are disabled" in err and "--sandbox=landlock" in err
    assert not (tmp_path / "gb.csv").exists()
    assert grader.parse([*args, "--sandbox", "landlock"]).sandbox == "landlock"


def test_intake_rules_for_links_special_files_and_metadata(tmp_path, source, exercise):
    import os

    from sgdteach.grading.worker.intake import Rejected, metadata_tampering, resolve

    folder, elsewhere = tmp_path / "alice", tmp_path / "instructor"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / "real.ipynb").write_text("{}")
    (elsewhere / "solution.ipynb").write_text("{}")
    (folder / "inside.ipynb").symlink_to(folder / "real.ipynb")
    (folder / "outside.ipynb").symlink_to(elsewhere / "solution.ipynb")
    os.mkfifo(folder / "pipe.ipynb")
    assert resolve(folder / "inside.ipynb", elsewhere / "solution.ipynb") == folder / "real.ipynb"
    for name, why in (("outside.ipynb", "outside its folder"), ("pipe.ipynb", "not a regular")):
        with pytest.raises(Rejected, match=why):
            resolve(folder / name, elsewhere / "solution.ipynb")
    with pytest.raises(Rejected, match="source notebook"):
        resolve(elsewhere / "solution.ipynb", elsewhere / "solution.ipynb")
    assert metadata_tampering(source, exercise) == []
    cell(exercise, "ex1_cost_check").metadata.nbgrader["schema_version"] = 2
    cell(exercise, "ex1_gradient_check").metadata.nbgrader["points"] = 20
    notes = metadata_tampering(source, exercise)
    assert len(notes) == 2
    assert "schema_version: 3 -> 2" in notes[0] and "points: 2 -> 20" in notes[1]


def test_feedback_redacts_hidden_tests_solutions_and_the_graders_environment(source):
    from sgdteach.grading.report.feedback import redact, secrets

    hidden = secrets(source, {"TOKEN": "abcdefghijklmnop", "LANG": "C.UTF-8"})
    leak = "check_squared_error_cost(squared_error_cost, seed=101) and abcdefghijklmnop"
    result = redact({"notes": [leak], "questions": [{"message": "return float(r @ r) / len(y)"}]},
                    hidden)
    assert result == {"notes": ["[redacted] and [redacted]"],
                      "questions": [{"message": "[redacted]"}]}
    assert redact("C.UTF-8 check_squared_error_cost(squared_error_cost)", hidden) == \
        "C.UTF-8 check_squared_error_cost(squared_error_cost)"     # public lines stay


def test_a_job_crosses_to_the_worker_as_strict_json(tmp_path):
    from sgdteach.grading.contract import Job

    job = Job.at(tmp_path, key="a/b.ipynb", path="/x/a/b.ipynb", source="/x/s.ipynb",
                 timeout=5.0, notebook_timeout=50.0, exclude=("/x/gb.csv",))
    assert Job.from_json(job.to_json()) == job
    assert (job.disk_mb, job.max_tasks, job.sandbox, job.file_mb) == (256, 40, "bwrap", 128)
    data = json.loads(job.to_json())
    assert data["result"] == str(tmp_path / "result.json") and len(data) == 19   # + alone
    for bad in ({**data, "disk": 1}, {k: v for k, v in data.items() if k != "key"},
                {**data, "sandbox": "docker"}, [1]):
        with pytest.raises(ValueError, match=r"^Job.from_json: '(text|sandbox)' must be"):
            Job.from_json(json.dumps(bad))


def test_every_status_has_its_feedback_sentence():
    from sgdteach.grading.contract import Status
    from sgdteach.grading.report.feedback import STATUS_TEXT

    assert set(STATUS_TEXT) == set(Status) and all(s in STATUS_TEXT for s in
                                                   ("ok", "kernel_died", "error"))
