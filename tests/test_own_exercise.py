"""An instructor's own exercise, written only from the README ('Writing your own exercise'):
released (the visible expected values written in, hidden ones never), refused at release when a
test cell is not gradable, and graded — the solution full marks, a named mistake, partial credit
per case, the blank zero — with the solution computed outside the learner's kernel."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sgdteach.checking import CheckError, compare_with_solution
from sgdteach.grading.markup import MarkupError
from sgdteach.grading.release import release

ROOT = Path(__file__).resolve().parents[1]
SECTION = "### Writing your own exercise"
NAME = "07_mean_square.ipynb"


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    return re.findall(r"```python\n(.*?)```", text[start:], flags=re.S)[0]


def build(tmp: Path) -> Path:
    (tmp / "solutions").mkdir()
    here = os.getcwd()
    os.chdir(tmp)
    try:
        exec(readme_script(), {"__name__": "__readme__"})
    finally:
        os.chdir(here)
    return tmp / "solutions" / NAME


def cell_source(path: Path, gid: str) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def test_release_writes_the_visible_expected_values_and_never_the_hidden_inputs(tmp_path):
    build(tmp_path)
    release(tmp_path / "solutions", tmp_path / "exercises")
    test = cell_source(tmp_path / "exercises" / NAME, "ms_test")
    assert "expected=[2.5, 3.4166666666666665]" in test     # (1+4)/2, (9+1+0.25)/3
    assert "10.0" not in test and "HIDDEN" not in test
    # the learner's self-check in their own kernel, on the released cell
    space: dict = {}
    exec("def mean_square(x):\n    return sum(x) / len(x)\n", space)
    with pytest.raises(CheckError) as failed:
        exec(test, space)
    said = ("compare_with_solution: forgot the square in 'mean_square'. On case 1 of 2, "
            "mean_square([1.0, 2.0]): expected 2.5, received 1.5. Square each value first.")
    assert str(failed.value) == said   # as the README quotes it
    assert said in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    exec("def mean_square(x):\n    return sum(v * v for v in x) / len(x)\n", space)
    exec(test, space)


def test_the_self_check_names_the_first_failing_case_and_passes_a_right_one(capsys):
    def double(x):
        return 2.0

    with pytest.raises(CheckError, match=r"wrong result in 'double'. On case 2 of 2, "
                       r"double\(2.0\): expected 4, received 2.$"):
        compare_with_solution(double, inputs=[1.0, 2.0], expected=[2.0, 4.0])
    compare_with_solution(lambda x: 2 * x, inputs=[1.0, (2.0,)], expected=[2.0, 4.0])
    assert capsys.readouterr().out == "✓ <lambda>: matches the solution on 2 cases\n"


@pytest.mark.parametrize("test, why", [
    ("from sgdteach.checking import compare_with_solution\ncompare_with_solution(mean_square)",
     "needs inputs"),
    ("compare_with_solution(mean_square, inputs=[(open('x'),)])", "must be a literal"),
    ("compare_with_solution(mean_square, inputs=[1.0])\nx = 1", "mixes"),
    ("from sgdteach.checking import check_sgd\ncheck_sgd(sgd)\nassert 1", "is not a check call"),
    ("x = 1", "is not a check call"),
])
def test_release_refuses_a_test_cell_the_grader_would_refuse(tmp_path, test, why):
    path = build(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = test
    nbformat.write(nb, path)
    with pytest.raises(MarkupError, match=f"{NAME}, test cell 'ms_test':.*{why}"):
        release(tmp_path / "solutions", tmp_path / "exercises")
    assert not (tmp_path / "exercises").exists()


def test_release_names_a_solution_that_fails_on_an_input(tmp_path):
    path = build(tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("([3.0, -1.0, 0.5],)", "('text',)")
    nbformat.write(nb, path)
    with pytest.raises(MarkupError, match="the solution 'mean_square' .* must return a number"):
        release(tmp_path / "solutions", tmp_path / "exercises")


def test_an_assert_cell_is_judged_by_the_learners_kernel_reply():
    from sgdteach.grading.worker.judging import _missing
    from sgdteach.grading.worker.own import AssertPlan, judge_cell

    plan, notes = AssertPlan("assert f(2) == 4"), []
    verdicts = [judge_cell("q", plan, [], reply, None, _missing, notes)[:2] for reply in (
        {"status": "ok"}, {"status": "error", "ename": "AssertionError", "evalue": ""},
        {"status": "error", "ename": "NotImplementedError", "evalue": ""},
        {"status": "error", "ename": "ZeroDivisionError", "evalue": "division by zero"}, None)]
    assert verdicts == [("passed", ""), ("wrong result", "AssertionError"),
                        ("not attempted", "NotImplementedError"),
                        ("raised ZeroDivisionError", "ZeroDivisionError: division by zero"),
                        ("not run", "no probe record for the cell's asserts: the cell did not "
                                    "run")]
    assert notes == ["test cell 'q' (plain asserts) was judged inside the learner's kernel"] * 5


ANSWERS = {
    "right": None,
    "no_square": "    return sum(x) / len(x)",
    "partial": "    x = np.asarray(x, dtype=float)\n"
               "    return float(np.mean(x ** 2)) if len(x) > 1 else float(x[0])",
    "blank": "",
    "forged": "    return sum(x) / len(x)",   # and the test cell's expected= made to agree
}


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_an_own_exercise_grades_right_named_partial_and_blank(tmp_path):
    solution = build(tmp_path)
    release(tmp_path / "solutions", tmp_path / "exercises")
    for who, body in ANSWERS.items():
        nb = nbformat.read(solution if body is None else tmp_path / "exercises" / NAME, 4)
        if body:
            nb.cells[1].source = "import numpy as np\n\ndef mean_square(x):\n" + body
        if who == "forged":
            nb.cells[2].source = nb.cells[2].source.replace(
                "expected=[2.5, 3.4166666666666665]", "expected=[1.5, 0.8333333333333334]")
        (tmp_path / "subs" / who).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "subs" / who / NAME)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    subs = [str(tmp_path / "subs" / who / NAME) for who in ANSWERS]
    done = subprocess.run([sys.executable, "-m", "sgdteach", "grade", str(solution), *subs,
                           "--out", str(tmp_path / "book.csv"), "--jobs", "2"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    with open(tmp_path / "book.csv", newline="", encoding="utf-8") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    score = {who: (float(r["score"]), float(r["ms_test"]), float(r["ms_assert"]))
             for who, r in rows.items()}
    assert score == {"right": (5.0, 4.0, 1.0), "no_square": (0.0, 0.0, 0.0),
                     "partial": (3.0, 3.0, 0.0), "blank": (0.0, 0.0, 0.0),
                     "forged": (0.0, 0.0, 0.0)}, score
    assert {who: r["tampered"] for who, r in rows.items()} == {
        "right": "no", "no_square": "no", "partial": "no", "blank": "no", "forged": "yes"}
    feedback = tmp_path / "book_feedback"
    results = {who: json.loads(next(feedback.glob(f"*{who}*.json")).read_text())
               for who in ANSWERS}
    outcome = {who: {q["grade_id"]: q["outcome"] for q in r["questions"]}
               for who, r in results.items()}
    assert outcome["no_square"]["ms_test"] == "forgot the square"
    assert outcome["blank"]["ms_test"] == "not attempted"
    said = next(q["message"] for q in results["no_square"]["questions"]
                if q["grade_id"] == "ms_test")
    quoted = ("compare_with_solution: forgot the square in 'mean_square'. On case 1 of 2: "
              "expected 2.5, received 1.5. Square each value first. (0 of 4 cases passed: 0% "
              "of the points)")
    assert said == "CheckError: " + quoted, said
    assert quoted in " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    # only case [10.0] fails, where forgetting the square is what the answer does
    assert outcome["partial"]["ms_test"] == "forgot the square"
    message = next(q["message"] for q in results["partial"]["questions"]
                   if q["grade_id"] == "ms_test")
    assert message == ("CheckError: compare_with_solution: forgot the square in 'mean_square'. "
                       "On hidden case 2 of 2: expected 100, received 10. (3 of 4 cases "
                       "passed: 75% of the points)"), message
    assert any("'ms_assert' (plain asserts) was judged inside the learner's kernel" in n
               for n in results["right"]["notes"])
    for r in rows.values():   # the flag, for every submission
        assert "ms_assert: judged inside the learner's kernel (plain asserts)" in \
            r["flags"].split("; "), r
