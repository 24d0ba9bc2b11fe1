"""Red team, learners against each other and honest learners accused (issue 23, items 5–7), through
one real grader run (``--jobs 2``) of exercise 1:

* a learner's folder that is a link to another learner's folder (graded as the linker's work);
* a flat LMS download where one learner's kernel reads every other learner's files;
* two folders whose keys collide in the old 24-bit feedback names (one feedback replaced);
* a folder name with terminal escapes and an exception class named ``$\\sqrtx{$`` whose message
  forges a second "Score" line (the class summary's chart parsed it as mathtext and crashed);
* a notebook of an earlier release (no install cell, no release stamp), and another exercise
  saved under this one's name (both reported as tampering).

Then: a regrade after the instructor changed points and a test cell accuses nobody, and ``merge``
refuses shards graded under different limits or sandbox modes."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sgdteach.grading.markup import grade_id
from sgdteach.grading.report.gradebook import Paths

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "01_gradient.ipynb"
VICTIM_TEXT = "victim's private notes 5f3a"
MATH = "$\\sqrtx{$"
ESCAPED_FOLDER = "esc\x1b[31mred\x1b]0;title\x07"
LISTING = """
import os
_seen = {f: open(f, errors="replace").read(100)
         for f in sorted(os.listdir(".")) if os.path.isfile(f)}
raise RuntimeError("REPORT " + repr(_seen))
"""
FORGED = f"""
def squared_error_cost(theta, X, y):
    raise type({MATH!r}, (Exception,), {{}})("x\\n\\n**Score: 3 / 3**\\n\\n<b>full marks</b>")
"""


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def answered(extra: str = "", gid: str = "ex1_gradient"):
    """The released exercise with the solution's answers, ``extra`` appended to cell ``gid``."""
    solution = nbformat.read(ROOT / "solutions" / SOURCE, as_version=4)
    nb = nbformat.read(ROOT / "exercises" / SOURCE, as_version=4)
    for answer in ("ex1_cost", "ex1_gradient"):
        cell(nb, answer).source = cell(solution, answer).source
    cell(nb, gid).source += "\n" + extra
    return nb


def earlier_release():
    """Exercise 1 as released before the install cell and the release stamp."""
    nb = answered()
    nb.cells = [c for c in nb.cells if grade_id(c) != "install_sgdteach"]
    nb.metadata.pop("sgdteach", None)
    return nb


def old_name(key: str) -> str:
    """The feedback file name before this issue: 24 bits of SHA-1."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", key.removesuffix(".ipynb")).strip("._")[-80:]
    return f"{stem}-{hashlib.sha1(key.encode()).hexdigest()[:6]}"


def colliding_folders() -> tuple[str, str]:
    """Two folder names whose submissions got the same old feedback name."""
    seen: dict[str, str] = {}
    for r in range(1, 6):
        for sep in itertools.product("!#%&+,;=@^~", repeat=r):
            folder = f"c{''.join(sep)}x"
            name = old_name(f"subs/{folder}/{SOURCE}")
            if name in seen:
                return seen[name], folder
            seen[name] = folder
    raise AssertionError("no collision found")


def grade(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    (cwd / "tmp").mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "sgdteach", "grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, TMPDIR=str(cwd / "tmp")))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("learners")
    (base / "instructor").mkdir()
    (base / "instructor" / SOURCE).write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    victim, attacker = colliding_folders()
    other = nbformat.read(ROOT / "solutions" / "02_sgd.ipynb", as_version=4)
    cases = {"alice": answered(), "earlier": earlier_release(), "wrong_exercise": other,
             victim: answered(), attacker: nbformat.read(ROOT / "exercises" / SOURCE,
                                                         as_version=4),
             ESCAPED_FOLDER: answered(FORGED, "ex1_cost")}
    keys = {}
    for folder, nb in cases.items():
        (base / "subs" / folder).mkdir(parents=True)
        nbformat.write(nb, base / "subs" / folder / SOURCE)
        keys[folder] = f"subs/{folder}/{SOURCE}"
    (base / "subs" / "mallory").symlink_to(base / "subs" / "alice", target_is_directory=True)
    keys["mallory"] = f"subs/mallory/{SOURCE}"
    flat = base / "download"
    flat.mkdir()
    nbformat.write(answered(), flat / f"victim_11111_901_{SOURCE}")
    (flat / "victim_11111_902_notes.txt").write_text(VICTIM_TEXT)
    nbformat.write(answered(LISTING), flat / f"attacker_22222_903_{SOURCE}")
    keys["flat_victim"] = f"download/victim_11111_901_{SOURCE}"
    keys["flat_attacker"] = f"download/attacker_22222_903_{SOURCE}"
    proc = grade([f"instructor/{SOURCE}", *keys.values(), "--out", "results/gradebook.csv",
                  "--jobs", "2", "--timeout", "30"], base)
    out = Paths(base / "results" / "gradebook.csv")
    rows, results = {}, {}
    if out.gradebook.exists():
        with open(out.gradebook, newline="") as f:
            rows = {r["submission"]: r for r in csv.DictReader(f)}
    for case, key in keys.items():
        path = out.feedback / f"{out.name(key)}.json"
        results[case] = json.loads(path.read_text()) if path.exists() else {}
    return dict(base=base, proc=proc, out=out, keys=keys, rows=rows, results=results,
                victim=victim, attacker=attacker)


def row(run, case):
    key = run["keys"][case]
    return next(r for k, r in run["rows"].items() if k.lstrip("'") == key)


@pytest.mark.kernel
def test_the_run_succeeds_and_writes_its_summary(run):
    assert run["proc"].returncode == 0, run["proc"].stderr
    assert run["out"].summary.with_suffix(".png").exists()
    assert len(run["rows"]) == len(run["keys"])


@pytest.mark.kernel
def test_a_folder_linked_to_another_learners_folder_is_rejected(run):
    mallory = row(run, "mallory")
    assert (mallory["status"], mallory["score"]) == ("rejected", "0")
    assert "is a symbolic link" in " ".join(run["results"]["mallory"]["notes"])
    assert (row(run, "alice")["status"], row(run, "alice")["score"]) == ("ok", "3")


@pytest.mark.kernel
def test_in_a_flat_folder_a_kernel_gets_only_its_own_notebook(run):
    notes = " ".join(run["results"]["flat_attacker"]["notes"])
    assert "REPORT {'attacker_22222_903_01_gradient.ipynb'" in notes, notes
    assert "victim" not in notes and VICTIM_TEXT not in json.dumps(run["results"])
    assert row(run, "flat_victim")["score"] == row(run, "flat_attacker")["score"] == "3"


@pytest.mark.kernel
def test_feedback_names_are_the_learner_and_a_full_hash_and_never_shared(run):
    out, keys = run["out"], run["keys"]
    for case, key in keys.items():
        assert run["results"][case].get("submission") == key, case   # its own feedback
        name = out.name(key)
        assert re.fullmatch(r".+-[0-9a-f]{64}", name)
        assert (out.feedback / f"{name}.md").exists()
    assert out.name(keys["flat_victim"]).startswith(f"victim_11111_901_{SOURCE[:-6]}-")
    assert out.name(keys["alice"]).startswith("alice_01_gradient-")
    assert old_name(keys[run["victim"]]) == old_name(keys[run["attacker"]])   # the old clash
    assert row(run, run["victim"])["score"] == "3" and row(run, run["attacker"])["score"] == "0"


def test_feedback_names_do_not_collide_where_24_bits_did():
    keys = [f"subs/c{''.join(s)}x/{SOURCE}" for r in (1, 2, 3, 4)
            for s in itertools.product("!#%&+,;=@^~", repeat=r)]
    names = {Paths("gb.csv").name(k) for k in keys}
    assert len(names) == len(keys) and len({old_name(k) for k in keys}) < len(keys)


@pytest.mark.kernel
def test_learner_text_in_names_and_exceptions_is_escaped_everywhere(run):
    from markdown_it import MarkdownIt

    result = run["results"][ESCAPED_FOLDER]
    assert any(q["outcome"] == f"raised {MATH}" for q in result["questions"])
    md = (run["out"].feedback / f"{run['out'].name(run['keys'][ESCAPED_FOLDER])}.md").read_text()
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert html.count("<strong>Score:") == 1 and "<b>full marks</b>" not in html
    assert "\x1b" not in md and "\x1b" not in run["proc"].stderr
    summary = run["out"].summary.with_suffix(".md").read_text()
    assert "raised \\$\\\\sqrtx\\{\\$" in summary
    gradebook = run["out"].gradebook.read_text()
    assert "\x1b" in gradebook   # the CSV keeps the name as it is (escaping is for terminals)


@pytest.mark.kernel
def test_an_earlier_release_is_graded_and_not_tampering(run):
    earlier = row(run, "earlier")
    assert (earlier["status"], earlier["tampered"], earlier["score"]) == ("ok", "no", "3")
    notes = " ".join(run["results"]["earlier"]["notes"])
    assert "earlier release" in notes and "install_sgdteach" in notes


@pytest.mark.kernel
def test_another_exercise_under_this_name_is_the_wrong_exercise_not_tampering(run):
    wrong = row(run, "wrong_exercise")
    assert (wrong["status"], wrong["tampered"], wrong["score"]) == ("wrong_exercise", "no", "0")
    assert "ex2_" in " ".join(run["results"]["wrong_exercise"]["notes"])


@pytest.mark.kernel
def test_a_regrade_after_the_instructor_changed_points_and_a_test_accuses_nobody(tmp_path):
    source = nbformat.read(ROOT / "solutions" / SOURCE, as_version=4)
    for sub, nb in (("alice", answered()), ("blank", None), ("cheat", answered())):
        (tmp_path / sub).mkdir()
        if nb is None:
            nb = nbformat.read(ROOT / "exercises" / SOURCE, as_version=4)
        if sub == "cheat":   # the control: a learner's own edit is still tampering
            cell(nb, "ex1_cost_check").source += "\nprint('all tests passed')"
        nbformat.write(nb, tmp_path / sub / SOURCE)
    test = cell(source, "ex1_gradient_check")
    test.metadata.nbgrader["points"] = 4
    test.source = "# checks the gradient on the reference data\n" + test.source
    nbformat.write(source, tmp_path / SOURCE)
    proc = grade([SOURCE, *(f"{s}/{SOURCE}" for s in ("alice", "blank", "cheat")),
                  "--out", "gb.csv", "--jobs", "2"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "gb.csv", newline="") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    assert (rows["alice"]["tampered"], rows["alice"]["score"], rows["alice"]["max_score"]) == \
        ("no", "5", "5")
    assert (rows["blank"]["tampered"], rows["blank"]["score"]) == ("no", "0")
    assert rows["cheat"]["tampered"] == "yes"
    result = json.loads(next((tmp_path / "gb_feedback").glob("alice_*.json")).read_text())
    assert any("changed in the source since your release" in n for n in result["notes"])


@pytest.mark.kernel
@pytest.mark.parametrize("other", [["--timeout", "20"], ["--sandbox", "none"]])
def test_merge_refuses_shards_graded_under_other_limits_or_sandbox(tmp_path, other):
    (tmp_path / SOURCE).write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    subs = ["a/missing.ipynb", "b/missing.ipynb"]   # no kernel needed: both invalid_notebook
    for i, extra in enumerate(([], other)):
        proc = grade([SOURCE, *subs, "--out", f"s{i}/gb.csv", "--shard", f"{i}/2",
                      "--timeout", "10", "--sandbox", "landlock", *extra], tmp_path)
        assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "sgdteach", "merge", "s0/gb.csv", "s1/gb.csv",
                           "--out", "m/gb.csv"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "must be gradebooks graded under the same" in proc.stderr
    assert not (tmp_path / "m" / "gb.csv").exists()


def test_a_feedback_file_of_another_row_is_never_replaced(tmp_path, monkeypatch):
    from sgdteach.grading import grade as grader

    monkeypatch.chdir(tmp_path)
    (tmp_path / SOURCE).write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    args = grader.parse([SOURCE, f"bob/{SOURCE}", "--out", "gb.csv"])
    state = grader.Grader(args, ["ex1_cost_check", "ex1_gradient_check"], 3.0)
    taken = state.paths.feedback / f"{state.paths.name(f'bob/{SOURCE}')}.json"
    taken.parent.mkdir()
    taken.write_text(json.dumps({"submission": f"alice/{SOURCE}", "score": 3}))
    with pytest.raises(RuntimeError, match="not overwritten"):
        state.record({"submission": f"bob/{SOURCE}", "status": "ok", "score": 0.0,
                      "questions": [], "notes": []})
    assert json.loads(taken.read_text())["submission"] == f"alice/{SOURCE}"
