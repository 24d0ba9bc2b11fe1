"""Grading on a cluster: ``grade --shard I/N`` and ``merge``.

The split is checked as a partition (hypothesis: disjoint, complete, balanced, independent of the
order the submissions are given in). Then one real class of six submissions of exercise 1 is
graded once unsharded and once as shards 0/3, 1/3, 2/3 (each given the submissions in another
order): the merged shards equal the unsharded run row for row and file for file. The refusals
(conflicting rows, --out an input, a missing or unfinished shard, another source, a file that
would be replaced) are checked on copies of those outputs, with no further grading.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_grading import (
    EXERCISES,
    SOLUTIONS,
    SOURCE,
    answered,
    append,
    edited_test,
    grade,
    wrong_sign,
)

from sgdteach.grading import grade as grader
from sgdteach.grading import merge
from sgdteach.grading.report.gradebook import Paths
from sgdteach.grading.shard import Shard

# -- the split --------------------------------------------------------------------------------

keys_strategy = st.lists(st.text(min_size=1, max_size=12), max_size=40)


@given(keys=keys_strategy, count=st.integers(1, 9), seed=st.randoms(use_true_random=False))
def test_shards_partition_the_keys_whatever_their_order(keys, count, seed):
    shards = [Shard(i, count).of(keys) for i in range(count)]
    flat = [k for shard in shards for k in shard]
    assert sorted(flat) == sorted(set(keys))                  # complete, and disjoint
    assert max(map(len, shards)) - min(map(len, shards)) <= 1  # balanced
    shuffled = list(keys) * 2                                  # reordered, with duplicates
    seed.shuffle(shuffled)
    assert [Shard(i, count).of(shuffled) for i in range(count)] == shards
    assert [Shard(i, count).of(keys) for i in range(count)] == shards   # deterministic


def test_shard_takes_every_nth_sorted_key():
    keys = ["b.ipynb", "a.ipynb", "e.ipynb", "c.ipynb", "d.ipynb", "a.ipynb"]
    assert Shard(0, 2).of(keys) == ["a.ipynb", "c.ipynb", "e.ipynb"]
    assert Shard(1, 2).of(keys) == ["b.ipynb", "d.ipynb"]
    assert Shard(4, 5).of(keys) == ["e.ipynb"] and Shard(0, 9).of([]) == []


ARGS = ["source.ipynb", "a.ipynb", "--out", "gb.csv", "--shard"]


@pytest.mark.parametrize("spec", ["3/3", "-1/3", "a/3", "1/0", "1", "/3", "1.5/3", "1/3/3",
                                  "$SGDTEACH_UNSET_INDEX/3", ""])
def test_bad_shard_values_are_refused_naming_the_value_and_the_fix(spec, capsys, monkeypatch):
    monkeypatch.delenv("SGDTEACH_UNSET_INDEX", raising=False)
    with pytest.raises(SystemExit) as exit_:
        grader.parse(ARGS[:-1] + [f"--shard={spec}"])   # "=": "-1/3" is a value, no option
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "grade: '--shard' must be I/N" in err and f"got {spec!r}" in err
    assert "--shard 0/3 --shard 1/3" in err


@pytest.mark.parametrize("spec", ["$JOB_COMPLETION_INDEX/4", "${JOB_COMPLETION_INDEX}/4",
                                  "$(JOB_COMPLETION_INDEX)/4", "2/$SHARDS", "2/4"])
def test_shard_index_may_come_from_the_environment(spec, monkeypatch):
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "2")
    monkeypatch.setenv("SHARDS", "4")
    assert grader.parse(ARGS + [spec]).shard == Shard(2, 4)
    assert grader.parse(ARGS[:-1]).shard is None


# -- one class graded unsharded and in three shards ---------------------------------------------

CASES = {
    "solution": lambda: answered(),
    "untouched": lambda: nbformat.read(EXERCISES / SOURCE, as_version=4),
    "wrong_sign": lambda: answered(wrong_sign),
    "edited_test": lambda: answered(edited_test),
    "os_exit": lambda: answered(append("ex1_gradient", "import os\nos._exit(1)")),
    "invalid_json": None,
}


def run_merge(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sgdteach", "merge", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("cluster")
    (base / SOURCE).write_bytes((SOLUTIONS / SOURCE).read_bytes())
    subs = []
    for case, build in CASES.items():
        path = base / "subs" / case / SOURCE
        path.parent.mkdir(parents=True)
        if build is None:
            path.write_text('{"cells": [ not json')
        else:
            nbformat.write(build(), path)
        subs.append(str(path.relative_to(base)))
    common = [SOURCE, "--jobs", "2", "--timeout", "10", "--memory-mb", "1024"]
    runs = {"full": grade([*common[:1], *subs, "--out", "full/gradebook.csv", *common[1:]],
                          base, base / "tmp")}
    for i in range(3):
        order = subs[i:] + subs[:i] if i != 1 else subs[::-1]   # another order in each shard
        runs[f"shard-{i}"] = grade([*common[:1], *order, "--out", f"shard-{i}/gradebook.csv",
                                    *common[1:], "--shard", f"{i}/3"], base, base / "tmp")
    shards = [f"shard-{i}/gradebook.csv" for i in range(3)]
    runs["merge"] = run_merge(*shards, "--out", "merged/gradebook.csv", cwd=base)
    return {"base": base, "runs": runs, "shards": shards, "subs": subs}


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_every_run_succeeds(graded):
    for name, proc in graded["runs"].items():
        assert proc.returncode == 0, (name, proc.stderr)


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_shards_grade_disjoint_parts_of_the_class(graded):
    base = graded["base"]
    parts = [[r["submission"] for r in rows(base / s)] for s in graded["shards"]]
    assert [len(p) for p in parts] == [2, 2, 2]
    assert sorted(k for p in parts for k in p) == sorted(graded["subs"])
    assert "2 of 2 submission(s) to grade" in graded["runs"]["shard-1"].stderr


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_merged_shards_equal_one_unsharded_run_row_for_row(graded):
    base = graded["base"]
    full, merged = Paths(base / "full/gradebook.csv"), Paths(base / "merged/gradebook.csv")
    assert merged.gradebook.read_text() == full.gradebook.read_text()   # columns, order, values
    assert rows(merged.gradebook) == rows(full.gradebook)
    assert len(rows(full.gradebook)) == len(CASES)
    statuses = {r["status"] for r in rows(full.gradebook)}
    assert statuses == {"ok", "kernel_died", "invalid_notebook"}   # a varied class, not all alike
    assert merged.summary.with_suffix(".csv").read_text() == \
        full.summary.with_suffix(".csv").read_text()
    assert merged.summary.with_suffix(".md").read_text() == \
        full.summary.with_suffix(".md").read_text()


MEASURED = ("seconds", "worker_peak_rss_mb")   # how long a run took, how much memory it used


def stable(result):
    """A feedback result without what differs from one run of the same submission to the next."""
    out = {k: v for k, v in result.items() if k not in MEASURED}
    cgroup = (out.get("sandbox") or {}).get("cgroup")
    if isinstance(cgroup, dict):   # the cgroup's peak memory is a measurement too
        out["sandbox"] = {**out["sandbox"], "cgroup": {k: v for k, v in cgroup.items()
                                                       if k != "peak_memory_mb"}}
    return out


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_merged_feedback_folder_holds_the_same_files(graded):
    base = graded["base"]
    full, merged = base / "full/gradebook_feedback", base / "merged/gradebook_feedback"
    assert sorted(tree(merged)) == sorted(tree(full))
    for md in full.glob("*.md"):
        assert (merged / md.name).read_text() == md.read_text()
    for result in full.glob("*.json"):   # the same results, but for what each run measured
        a, b = (stable(json.loads(p.read_text())) for p in (result, merged / result.name))
        assert a == b, (result.name, {k for k in a.get("sandbox", {})
                                      if a["sandbox"].get(k) != b.get("sandbox", {}).get(k)})
    manifest = json.loads((merged / ".manifest.json").read_text())
    assert manifest == json.loads((full / ".manifest.json").read_text())


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_a_merged_gradebook_is_a_gradebook_a_rerun_skips(graded, tmp_path):
    base = graded["base"]
    shutil.copytree(base / "merged", tmp_path / "merged")
    before = tree(tmp_path / "merged")
    again = grade([str(base / SOURCE), *graded["subs"], "--out",
                   str(tmp_path / "merged/gradebook.csv")], base, tmp_path / "tmp")
    assert again.returncode == 0 and "0 of 6 submission(s) to grade" in again.stderr
    assert tree(tmp_path / "merged")["gradebook.csv"] == before["gradebook.csv"]


@pytest.fixture
def copies(graded, tmp_path):
    """Copies of the three shards' outputs to spoil."""
    for i in range(3):
        shutil.copytree(graded["base"] / f"shard-{i}", tmp_path / f"shard-{i}")
    return tmp_path


def edit_csv(path: Path, edit) -> None:
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        header, data = reader.fieldnames, list(reader)
    data = edit(data)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)


SHARDS = [f"shard-{i}/gradebook.csv" for i in range(3)]


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_identical_duplicates_merge(copies, graded):
    shutil.copytree(graded["base"] / "full", copies / "full")
    proc = run_merge(*SHARDS, "full/gradebook.csv", "shard-1/../shard-1/gradebook.csv",
                     "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 0, proc.stderr
    assert (copies / "out/gradebook.csv").read_text() == (copies / "full/gradebook.csv").read_text()


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_conflicting_duplicate_rows_are_an_error(copies):
    shutil.copytree(copies / "shard-2", copies / "regraded")
    edit_csv(copies / "regraded/gradebook.csv",
             lambda data: [dict(r, score="3") if "wrong_sign" in r["submission"] else r
                           for r in data])
    before = tree(copies)
    proc = run_merge(*SHARDS, "regraded/gradebook.csv", "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2
    assert "merge: 'GRADEBOOK' must be gradebooks that agree" in proc.stderr
    assert "subs/wrong_sign/01_gradient.ipynb" in proc.stderr and "columns score" in proc.stderr
    assert "shard-2/gradebook.csv" in proc.stderr and "regraded/gradebook.csv" in proc.stderr
    assert tree(copies) == before and not (copies / "out").exists()


@pytest.mark.parametrize("out", ["shard-0/gradebook.csv", "./shard-1/../shard-0/gradebook.csv",
                                 "shard-0/gradebook_summary.csv"])
@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_out_may_not_be_an_input(copies, out):
    before = tree(copies)
    proc = run_merge(*SHARDS, "--out", out, cwd=copies)
    assert proc.returncode == 2 and "'--out' must be a gradebook that is none of the" in proc.stderr
    assert tree(copies) == before


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_a_file_with_other_content_is_never_replaced(copies):
    name = next((copies / "shard-0/gradebook_feedback").glob("*.md")).name
    mine = copies / "out/gradebook_feedback" / name
    mine.parent.mkdir(parents=True)
    mine.write_text("the instructor's own notes\n")
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "exists with other content" in proc.stderr
    assert mine.read_text() == "the instructor's own notes\n"
    assert sorted(p.name for p in (copies / "out").rglob("*")) == sorted(["gradebook_feedback",
                                                                          name])
    again = run_merge(*SHARDS, "--out", "same/gradebook.csv", cwd=copies)
    assert again.returncode == 0
    assert run_merge(*SHARDS, "--out", "same/gradebook.csv", cwd=copies).returncode == 0   # same


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_a_missing_or_unfinished_shard_is_an_error(copies):
    proc = run_merge(*SHARDS[:2], "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "Shard(s) 2/3 missing" in proc.stderr
    edit_csv(copies / SHARDS[1], lambda data: data[1:])     # as if a pod died half-way
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "Shard 1/3 has no row for" in proc.stderr
    (copies / SHARDS[0]).unlink()
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "did that shard run?" in proc.stderr


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_gradebooks_of_another_source_are_refused(copies):
    manifest = copies / "shard-1/gradebook_feedback/.manifest.json"
    data = json.loads(manifest.read_text())
    data = {k: dict(v, source="0" * 64) for k, v in data.items()}
    manifest.write_text(json.dumps(data))
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "graded against the same source notebook" in proc.stderr
    header = (copies / SHARDS[2]).read_text().replace("ex1_cost_check", "other_check", 1)
    (copies / SHARDS[2]).write_text(header)
    with pytest.raises(merge.MergeError, match="gradebooks with the same columns"):
        merge.merge([str(copies / s) for s in (SHARDS[0], SHARDS[2])],
                    str(copies / "out/gradebook.csv"))


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_an_empty_shard_needs_no_gradebook(copies, graded, tmp_path):
    base = graded["base"]
    proc = grade([SOURCE, *graded["subs"][:1], "--out", str(tmp_path / "e/gradebook.csv"),
                  "--shard", "1/2"], base, tmp_path / "tmp")
    assert proc.returncode == 0 and "0 of 0 submission(s)" in proc.stderr
    assert not (tmp_path / "e/gradebook.csv").exists()
    assert json.loads((tmp_path / "e/gradebook_feedback/.shard.json").read_text())["keys"] == []


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_cli_lists_merge():
    out = subprocess.run([sys.executable, "-m", "sgdteach", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert "merge" in out.stdout


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_shards_of_another_submission_list_are_refused(copies):
    plan = copies / "shard-2/gradebook_feedback/.shard.json"
    data = json.loads(plan.read_text())
    plan.write_text(json.dumps(dict(data, class_digest="0" * 64)))   # as if given other files
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 2 and "shards cut from one class with one N" in proc.stderr
    assert "shard-2/gradebook.csv" in proc.stderr


@pytest.mark.kernel   # runs the grader (kernels) or the CLI in subprocesses
def test_the_merged_summary_reads_the_sandbox_from_the_records_not_the_shards_summaries(
        copies, graded):
    for shard in SHARDS:   # a summary lost, or edited by hand: the feedback records still tell
        (copies / shard).with_name("gradebook_summary.md").write_text("Sandbox: made up.\n")
    proc = run_merge(*SHARDS, "--out", "out/gradebook.csv", cwd=copies)
    assert proc.returncode == 0, proc.stderr
    full = Paths(graded["base"] / "full/gradebook.csv").summary.with_suffix(".md").read_text()
    merged = Paths(copies / "out/gradebook.csv").summary.with_suffix(".md").read_text()
    assert "Kernels ran with `--sandbox" in merged and merged == full
