"""solutions/ -> exercises/: the committed exercises are up to date, the markup is valid nbgrader
schema 3, and the release transform (stubs, hidden tests, outputs, locking) does what nbgrader's
does. The byte-level comparison with nbgrader itself is in test_nbgrader_interop.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sgdteach.grading import markup, release
from sgdteach.grading.markup import MarkupError, role

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
NOTEBOOKS = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_at_least_six_exercises():
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_exercise_is_not_stale(name):
    committed = EXERCISES / name
    assert committed.exists(), f"{committed} missing: run `make exercises`"
    assert committed.read_text(encoding="utf-8") == release.exercise_text(SOLUTIONS / name), \
        f"{committed} is stale: run `make exercises`"


def test_no_exercise_without_a_solution():
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_solution_markup_is_nbgrader_schema_3(name):
    nb = read(SOLUTIONS / name)
    markup.validate(nb, name)
    roles = [role(c) for c in nb.cells]
    assert "answer" in roles and "test" in roles
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            m = cell.metadata.nbgrader
            assert m.schema_version == 3
            assert {"grade", "solution", "locked", "grade_id"} <= set(m)
            assert ("points" in m) == m.grade
        if role(cell) == "test":
            assert markup.BEGIN_HIDDEN in cell.source, "each test cell has hidden tests"
        if role(cell) == "answer":
            assert markup.BEGIN_SOLUTION in cell.source
        if cell.cell_type == "code":   # solutions are kept without outputs: clean diffs
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_exercise_hides_answers_and_hidden_tests(name):
    solution, exercise = read(SOLUTIONS / name), read(EXERCISES / name)
    assert [c.id for c in exercise.cells] == [c.id for c in solution.cells]
    text = nbformat.writes(exercise)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN", "END HIDDEN"):
        assert marker not in text
    for sol, ex in zip(solution.cells, exercise.cells, strict=True):
        assert ex.metadata.get("nbgrader") == sol.metadata.get("nbgrader")
        if role(sol) == "answer":
            assert "# YOUR CODE HERE\n" in ex.source and "raise NotImplementedError()" in ex.source
            assert ex.metadata.deletable is False and "editable" not in ex.metadata
        if role(sol) in ("test", "locked"):
            assert ex.metadata.editable is False and ex.metadata.deletable is False
        if role(sol) == "test":   # the visible part survives, verbatim
            visible = sol.source.split("### BEGIN HIDDEN TESTS")[0].rstrip("\n")
            assert ex.source.rstrip("\n") == visible


def _cell(kind, source, **nbgrader):
    make = new_code_cell if kind == "code" else new_markdown_cell
    meta = {"grade": False, "locked": False, "solution": False, "schema_version": 3}
    meta.update(nbgrader)
    return make(source, metadata={"nbgrader": meta})


def _notebook(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    return nb


def test_release_transform_on_a_small_notebook():
    answer = _cell("code", "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                           "    ### END SOLUTION\n\nprint(f(1))", solution=True, grade_id="a")
    answer.outputs = [new_output("stream", name="stdout", text="2\n")]
    answer.execution_count = 4
    whole = _cell("code", "y = 3", solution=True, grade_id="whole")
    text = _cell("markdown", "The answer is 42.", solution=True, grade=True, points=1,
                 grade_id="essay")
    test = _cell("code", "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n"
                         "### END HIDDEN TESTS\nprint('ok')", grade=True, points=2, grade_id="t")
    test.metadata["sgdteach"] = {"title": "f doubles"}   # its title in the feedback
    nb = _notebook(answer, whole, text, test, new_code_cell("free = 1"))
    out = release.make_exercise(nb)
    assert out.cells[0].source == ("def f(x):\n    # YOUR CODE HERE\n"
                                   "    raise NotImplementedError()\n\nprint(f(1))")
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert out.cells[1].source == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert out.cells[2].source == "YOUR ANSWER HERE"
    assert out.cells[3].source == "assert f(1) == 2\nprint('ok')"
    assert out.cells[4].source == "free = 1" and "deletable" not in out.cells[4].metadata
    assert nb.cells[0].outputs, "the solution itself is left unchanged"


@pytest.mark.parametrize("cells, message", [
    ([_cell("code", "### BEGIN SOLUTION\nx = 1", solution=True, grade_id="a"),
      _cell("code", "assert x", grade=True, points=1, grade_id="t")],
     "BEGIN SOLUTION without END SOLUTION"),
    ([_cell("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION", grade_id="a", locked=True),
      _cell("code", "assert x", grade=True, points=1, grade_id="t")],
     "solution markup in a cell not marked solution"),
    ([_cell("code", "x = 1", solution=True, grade_id="a"),
      _cell("code", "assert x", grade=True, grade_id="t")], "needs points"),
    ([_cell("code", "x = 1", solution=True, grade_id="t"),
      _cell("code", "assert x", grade=True, points=1, grade_id="t")], "duplicate grade_id 't'"),
    ([_cell("code", "x = 1", solution=True, grade_id="bad id")],
     "grade_id must be letters, digits"),
    ([_cell("code", "x = 1", solution=True, grade_id="a", schema_version=2),
      _cell("code", "assert x", grade=True, points=1, grade_id="t")], "schema_version must be 3"),
    ([_cell("code", "x = 1", solution=True, grade_id="a")], "no test cell"),
    ([new_code_cell("### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS")],
     "no nbgrader metadata"),
])
def test_invalid_markup_is_refused_with_the_cell_named(cells, message):
    with pytest.raises(MarkupError, match=message):
        release.make_exercise(_notebook(*cells), "bad.ipynb")


def test_release_command_writes_checks_and_removes_stale(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, solutions)
    assert release.main([str(solutions), str(exercises)]) == 0
    assert sorted(p.name for p in exercises.glob("*.ipynb")) == NOTEBOOKS
    assert release.main([str(solutions), str(exercises), "--check"]) == 0
    assert "up to date" in capsys.readouterr().out

    nb = read(solutions / NOTEBOOKS[0])
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, solutions / NOTEBOOKS[0])
    (solutions / NOTEBOOKS[1]).unlink()                       # its exercise is now stale
    (exercises / "my_notes.ipynb").write_text("{}")            # not the release's: left alone
    before = (exercises / NOTEBOOKS[0]).read_text()
    assert release.main([str(solutions), str(exercises), "--check"]) == 1
    assert (exercises / NOTEBOOKS[0]).read_text() == before, "--check writes nothing"
    assert release.main([str(solutions), str(exercises)]) == 0
    assert "One more sentence." in (exercises / NOTEBOOKS[0]).read_text()
    assert not (exercises / NOTEBOOKS[1]).exists()
    assert (exercises / "my_notes.ipynb").read_text() == "{}"


def _work_in(path: Path) -> str:
    nb = read(path)
    answer = next(c for c in nb.cells if role(c) == "answer")
    answer.source = "def mine():\n    return 42  # a learner's work"
    nbformat.write(nb, path)
    return path.read_text()


def test_release_never_overwrites_or_deletes_an_edited_exercise(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, solutions)
    assert release.main([str(solutions), str(exercises)]) == 0
    work = {n: _work_in(exercises / n) for n in NOTEBOOKS[:2]}
    nb = read(solutions / NOTEBOOKS[0])                        # the instructor changes one
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, solutions / NOTEBOOKS[0])
    (solutions / NOTEBOOKS[1]).unlink()                        # and withdraws another
    assert release.main([str(solutions), str(exercises)]) == 2
    err = capsys.readouterr().err
    assert "changed since the release wrote" in err and "--force" in err
    assert all((exercises / n).read_text() == t for n, t in work.items()), "nothing written"
    assert release.main([str(solutions), str(exercises), "--force"]) == 0
    out = capsys.readouterr().out
    assert out.count("kept your edited") == 2
    kept = {p.name: p.read_text() for p in exercises.glob("*.edited-1.ipynb")}
    assert sorted(kept.values()) == sorted(work.values())
    assert "One more sentence." in (exercises / NOTEBOOKS[0]).read_text()
    assert release.main([str(solutions), str(exercises), "--check"]) == 0


def test_the_committed_manifest_records_the_committed_exercises():
    written = release._written(EXERCISES)
    assert sorted(written) == NOTEBOOKS
    assert all(release._sha((EXERCISES / n).read_text(encoding="utf-8")) == sha
               for n, sha in written.items())


def test_release_refuses_invalid_solutions_and_writes_nothing(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(SOLUTIONS, solutions)
    nb = read(solutions / NOTEBOOKS[-1])
    answer = next(c for c in nb.cells if role(c) == "answer")
    answer.source = answer.source.replace("### END SOLUTION", "")
    nbformat.write(nb, solutions / NOTEBOOKS[-1])
    assert release.main([str(solutions), str(exercises)]) == 2
    assert "BEGIN SOLUTION without END SOLUTION" in capsys.readouterr().err
    assert not exercises.exists()


# -- what a learner is handed holds no answer (issue 23) ------------------------------------

def test_committed_exercises_hold_no_solution_or_hidden_test_marker():
    for name in NOTEBOOKS:
        assert release.leaks(read(EXERCISES / name)) == [], name


def test_release_refuses_an_exercise_that_still_holds_a_marker(tmp_path, monkeypatch):
    """The last check of a release, on its own: with the transform broken (answers and hidden
    tests left in place), release writes nothing and names the cell."""
    monkeypatch.setattr(release, "learner_source", lambda cell: cell.get("source", ""))
    with pytest.raises(MarkupError, match=r"01_gradient.ipynb: the released exercise would "
                                          r"still hold cell \d+: 'BEGIN SOLUTION'"):
        release.release(SOLUTIONS, tmp_path / "out")
    assert not (tmp_path / "out").exists()
