"""Issue 23, design item 2: hidden inputs the learners cannot know, and nothing of the answers in
what a learner is handed.

* A submission that memorised the answers for the *published* hidden tests' inputs (the
  solutions are public in an open course) scores full marks without a secret, and nothing on
  the hidden parts with ``--secret``; the manifest records the secret's hash, never its value,
  and the feedback never shows it (on ``main``: ``--secret`` does not exist);
* an answer identical to the published solution, up to names, comments and docstrings, is
  flagged in the row; a different correct answer is not (on ``main``: no flag);
* hidden seeds drawn from any secret keep every solution passing and a wrong answer failing.

What a learner is handed holds no answer: ``tests/test_release.py`` (the exercises),
``tests/test_packaging.py`` (Binder's ``postBuild``), ``tests/test_wheel.py`` (wheel, sdist).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from sgdteach.grading.markup import grade_id

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "01_gradient.ipynb"
SECRET = "a long random secret of the instructor's 4f1d"


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def memorised() -> nbformat.NotebookNode:
    """Exercise 1 answered by a table of the right values on the inputs of the published seeds
    (0 and the hidden 101, 202), and a wrong value on any other input."""
    from test_checks import solution_code

    from sgdteach.checking.gradient import _cases

    solution = solution_code("01_gradient")
    tables: dict[str, dict] = {"squared_error_cost": {}, "squared_error_gradient": {}}
    for seed in (0, 101, 202):
        for _, X, y, theta in _cases(seed):
            key = repr(np.round(np.concatenate([theta, X.ravel(), y]), 6).tolist())
            for name, table in tables.items():
                table[key] = np.asarray(solution[name](theta, X, y)).tolist()
    nb = nbformat.read(ROOT / "exercises" / SOURCE, as_version=4)
    for gid, name in (("ex1_cost", "squared_error_cost"), ("ex1_gradient",
                                                           "squared_error_gradient")):
        cell(nb, gid).source = (
            f"import numpy as _np\n_T_{name} = {json.dumps(tables[name])}\n"
            f"def {name}(theta, X, y):\n"
            "    key = repr(_np.round(_np.concatenate([theta, _np.ravel(X), y]), 6).tolist())\n"
            f"    return _np.asarray(_T_{name}.get(key, _np.zeros_like(theta) if "
            f"{name.endswith('gradient')} else 0.0))\n")
    return nb


def copied(rename: bool) -> nbformat.NotebookNode:
    """Exercise 1 with the published answers, variables renamed and comments changed."""
    solution = nbformat.read(ROOT / "solutions" / SOURCE, as_version=4)
    nb = nbformat.read(ROOT / "exercises" / SOURCE, as_version=4)
    for gid in ("ex1_cost", "ex1_gradient"):
        cell(nb, gid).source = cell(solution, gid).source
    if rename:
        c = cell(nb, "ex1_cost")
        c.source = c.source.replace("r = X @ theta - y", "residual = X @ theta - y  # mine") \
            .replace("float(r @ r)", "float(residual @ residual)")
        g = cell(nb, "ex1_gradient")   # a different (correct) expression: not a copy
        g.source = g.source.replace("(2.0 / len(y)) * (X.T @ (X @ theta - y))",
                                    "2.0 * X.T @ (X @ theta - y) / X.shape[0]")
    return nb


def run_grader(base: Path, names: list[str], *options: str, env: dict | None = None):
    out = base / "gradebook.csv"
    proc = subprocess.run([sys.executable, "-m", "sgdteach", "grade",
                           str(ROOT / "solutions" / SOURCE), *[f"{n}/{SOURCE}" for n in names],
                           "--out", str(out), "--jobs", "2", "--timeout", "30", *options],
                          cwd=base, env={**os.environ, "TMPDIR": str(base), **(env or {})},
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    with open(out, newline="") as f:
        return {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    notebooks = {"memorised": memorised(), "copied": copied(False), "renamed": copied(True)}
    out = {}
    for label, options, env in (("plain", (), {}), ("secret", ("--secret", SECRET), {}),
                                ("env", (), {"SGDTEACH_GRADING_SECRET": SECRET})):
        base = tmp_path_factory.mktemp(label)
        names = ["memorised"] if label != "plain" else list(notebooks)
        for name in names:
            (base / name).mkdir()
            nbformat.write(notebooks[name], base / name / SOURCE)
        out[label] = (base, run_grader(base, names, *options, env=env))
    return out


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_memorised_published_hidden_tests_score_without_a_secret_and_fail_with_one(runs):
    plain, secret, env = (runs[k][1]["memorised"] for k in ("plain", "secret", "env"))
    assert (plain["score"], plain["ex1_cost_check"], plain["ex1_gradient_check"]) == \
        ("3", "1", "2"), plain
    for row in (secret, env):
        assert (row["score"], row["ex1_cost_check"], row["ex1_gradient_check"]) == \
            ("0", "0", "0"), row


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_the_manifest_records_the_secrets_hash_and_nothing_shows_the_secret(runs):
    from sgdteach.grading.worker.hidden import fingerprint, key

    for label in ("secret", "env"):
        base = runs[label][0]
        manifest = json.loads((base / "gradebook_feedback" / ".manifest.json").read_text())
        assert {v["secret"] for v in manifest.values()} == {fingerprint(SECRET)}
        for path in [p for p in base.rglob("*") if p.is_file()]:
            text = path.read_bytes()
            assert SECRET.encode() not in text and key(SECRET).encode() not in text, path
    plain = json.loads((runs["plain"][0] / "gradebook_feedback" / ".manifest.json").read_text())
    assert all("secret" not in v for v in plain.values())


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_an_answer_identical_to_the_published_solution_is_flagged_not_zeroed(runs):
    rows = runs["plain"][1]
    flag = "identical to the published solution"
    assert rows["copied"]["score"] == "3"
    assert f"ex1_cost: {flag}" in rows["copied"]["flags"]
    assert f"ex1_gradient: {flag}" in rows["copied"]["flags"]
    assert f"ex1_cost: {flag}" in rows["renamed"]["flags"]        # renamed, recommented
    assert "ex1_gradient" not in rows["renamed"]["flags"]        # written another way
    assert flag not in rows["memorised"]["flags"]


# -- no kernel --------------------------------------------------------------------------------

def test_the_solutions_pass_and_a_wrong_answer_fails_on_drawn_hidden_seeds():
    from test_checks import solution_code

    from sgdteach.checking._core import CheckError
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.hidden import key, redrawn
    from sgdteach.grading.worker.judging import plan

    wrong = {"01_gradient": [("float(r @ r) / len(y)", "float(r @ r)"),
                             ("(2.0 / len(y))", "(1.0 / len(y))")],
             "02_sgd": [("return theta - lr", "return theta + lr")]}
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        plans = plan(nbformat.read(path, as_version=4))
        namespace = solution_code(path.stem)
        broken = solution_code(path.stem, wrong.get(path.stem, []))
        for secret in ("one", "two", "three"):
            drawn = redrawn(plans, key(secret))
            hidden = [c for calls in drawn.values() for c in calls if c.hidden]
            published = {c.id: c.seed for calls in plans.values() for c in calls}
            assert hidden and all(c.seed != published[c.id] for c in hidden)
            for c in hidden:
                CHECKS[c.check](namespace[c.function], seed=c.seed)   # raises if wrong
                if path.stem in wrong and c.function in ("squared_error_cost", "sgd_step"):
                    with pytest.raises(CheckError):
                        CHECKS[c.check](broken[c.function], seed=c.seed)
