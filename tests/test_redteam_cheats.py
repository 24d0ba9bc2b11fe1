"""Hostile submissions of exercise 2 through the real grader (one run, ``--jobs 2``): each cheat
tries to raise a score the learner's functions do not earn, or to hide how it was earned. Only
the probes' records, judged in the grader, score: monkeypatched checks or numpy, input
transformers, fake ✓ lines, SystemExit, edited or deleted test cells, forged, duplicated or
huge probe records do not raise a score; a wrong 2a does not fail a right 2b; calling the
library's own SGD is flagged in the gradebook and the feedback, and scores nothing (the graded
kernel's package has no SGD of its own, :mod:`sgdteach.grading.worker.view`)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sgdteach.grading.markup import grade_id
from sgdteach.grading.worker.probes import MIME

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "02_sgd.ipynb"
WRONG_STEP = ("return theta - lr * 2.0 * x * (x @ theta - y)",
              "return theta + lr * 2.0 * x * (x @ theta - y)")
WRONG_LOOP = ("for _ in range(m):", "for _ in range(1):")   # one step per epoch


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def submission(step_ok: bool, loop_ok: bool, extra: dict[str, str] | None = None, edit=None):
    """The exercise with the solution's answers (made wrong where asked), code appended to
    answer cells, then ``edit(nb)``."""
    solution = nbformat.read(ROOT / "solutions" / SOURCE, as_version=4)
    nb = nbformat.read(ROOT / "exercises" / SOURCE, as_version=4)
    for gid, ok, (old, new) in (("ex2_step", step_ok, WRONG_STEP),
                                ("ex2_loop", loop_ok, WRONG_LOOP)):
        text = cell(solution, gid).source
        assert old in text
        cell(nb, gid).source = text if ok else text.replace(old, new)
    for gid, code in (extra or {}).items():
        cell(nb, gid).source += "\n" + code
    if edit:
        edit(nb)
    return nb


TRANSFORMER = """
def _everything_passes(lines):
    return ["pass\\n"]
get_ipython().input_transformers_post.append(_everything_passes)
"""
REPLACE_CHECKS = """
import sgdteach.checking, sgdteach.checking as _ec
for _mod in (sgdteach.checking, _ec, _ec.sgd):
    for _name in dir(_mod):
        if _name.startswith("check_"):
            setattr(_mod, _name, lambda *a, **k: print("✓ all right"))
"""
REPLACE_ALLCLOSE = """
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), dtype=bool)
numpy.array_equal = lambda *a, **k: True
"""
FAKE_PROBE = """
import sgdteach.grading.worker.probes as _p
from IPython.display import display as _display
def _fake(namespace, probe_id, check, function, seed):
    calls = [{"status": "ok", "value": {"text": "0", "shape": [2], "data": [0.0, 0.0]},
              "after": {"0": {"text": "0", "shape": [2], "data": [0.0, 0.0]}}}] * 7
    _display({_p.MIME: {"format": 1, "id": probe_id, "check": check,
                        "result": {"name": function, "calls": calls}}}, raw=True)
_p.probe = _fake
"""
TWICE = """
import sgdteach.grading.worker.probes as _p
_real = _p.probe
def _twice(*args):
    _real(*args)
    _real(*args)
_p.probe = _twice
"""
HUGE = """
import sgdteach.grading.worker.probes as _p
from IPython.display import display as _display
def _huge(namespace, probe_id, check, function, seed):
    record = _p.make_record(namespace, probe_id, check, function, seed)
    record["result"]["padding"] = "x" * (5 * 2**20)
    _display({_p.MIME: record}, raw=True)
_p.probe = _huge
"""
FAKE_TICKS = """
print("✓ sgd_step: θ − α·2x(xᵀθ − y), right on 2 inputs, θ left unchanged.")
print("✓ sgd: matches the reference loop step for step on 3 problems.")
"""
EXIT_AFTER_PROBE = """
def _then_exit(lines):
    return lines + ["\\nraise SystemExit\\n"]
get_ipython().input_transformers_post.append(_then_exit)
"""
EXIT_IN_FUNCTION = """
_calls = [0]
_right = sgd
def sgd(X, y, theta, learning_rate, num_epochs, rng):
    _calls[0] += 1
    if _calls[0] > 1:
        raise SystemExit
    return _right(X, y, theta, learning_rate, num_epochs, rng)
"""
LIBRARY = """
import sgdteach as s
def sgd(X, y, theta, learning_rate, num_epochs, rng):
    return s.stochastic_gradient_descent(X, y, theta, learning_rate, num_epochs, rng=rng)
"""


def forged(step_record: dict) -> str:
    """An answer cell emitting a valid, passing record for the step check (a record the
    grader's own probe made for the solution): outside the test cell it must not count."""
    return (f"from IPython.display import display\ndisplay({{{MIME!r}: {step_record!r}}}, "
            "raw=True)")


def forged_in_function(step_record: dict) -> str:
    """A wrong step that emits a forged record with wrong outputs during its probe, then ends
    the probe cell with SystemExit, so the forged record is the only one."""
    return (f"_forged = {step_record!r}\n"
            "_forged['result']['calls'][0]['value']['data'] = [9.0, 9.0]\n"
            "_wrong = sgd_step\n"
            "def sgd_step(theta, x, y, lr):\n"
            "    from IPython.display import display\n"
            f"    display({{{MIME!r}: _forged}}, raw=True)\n"
            "    raise SystemExit\n")


def delete_and_edit(nb):
    nb.cells.remove(cell(nb, "ex2_loop_check"))
    cell(nb, "ex2_step_check").source = "print('✓ sgd_step: right')"


# case -> (submission, status, tampered, score, ex2_step_check, ex2_loop_check)
def cases(step_record: dict) -> dict:
    return {
        "honest_wrong": (submission(False, False), "ok", "no", 0, 0, 0),
        "input_transformer": (submission(False, False, {"ex2_step": TRANSFORMER}),
                              "ok", "no", 0, 0, 0),
        "replaced_checks": (submission(False, False, {"ex2_step": REPLACE_CHECKS}),
                            "ok", "no", 0, 0, 0),
        "replaced_allclose": (submission(False, False, {"ex2_step": REPLACE_ALLCLOSE}),
                              "ok", "no", 0, 0, 0),
        "fake_probe_module": (submission(False, False, {"ex2_step": FAKE_PROBE}),
                              "ok", "yes", 0, 0, 0),      # its records do not parse
        "fake_tick_lines": (submission(False, False, {"ex2_loop": FAKE_TICKS}),
                            "ok", "no", 0, 0, 0),
        "deleted_edited_tests": (submission(False, False, edit=delete_and_edit),
                                 "ok", "yes", 0, 0, 0),
        "forged_in_answer": (submission(False, False, {"ex2_loop": forged(step_record)}),
                             "ok", "yes", 0, 0, 0),
        "forged_in_function": (submission(True, False, {
            "ex2_step": forged_in_function(step_record)}), "ok", "yes", 0, 0, 0),  # and in ex2_run
        "two_records": (submission(True, True, {"ex2_step": TWICE}), "ok", "yes", 0, 0, 0),
        "huge_record": (submission(True, True, {"ex2_step": HUGE}), "ok", None, 0, 0, 0),
        "exit_after_probe": (submission(True, True, {"ex2_step": EXIT_AFTER_PROBE}),
                             "ok", "no", 5, 2, 3),
        "exit_in_function": (submission(True, True, {"ex2_loop": EXIT_IN_FUNCTION}),
                             "ok", "no", 2, 2, 0),
        "os_exit": (submission(True, True, {"ex2_loop": "import os\nos._exit(0)"}),
                    "kernel_died", "no", 2, 2, 0),
        "wrong_2a_right_2b": (submission(False, True), "ok", "no", 3, 0, 3),
        # the library's SGD is absent from the graded kernel's view of the package (issue 23)
        "calls_library": (submission(True, True, {"ex2_loop": LIBRARY}), "ok", "no", 2, 2, 0),
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from test_checks import solution_code

    from sgdteach.grading.worker.probes import make_record

    base = tmp_path_factory.mktemp("redteam")
    step = solution_code("02_sgd")["sgd_step"]
    step_record = make_record({"sgd_step": step}, "ex2_step_check/0", "check_sgd_step",
                              "sgd_step", 0)
    table = cases(json.loads(json.dumps(step_record)))
    paths = []
    for name, (nb, *_) in table.items():
        (base / name).mkdir()
        nbformat.write(nb, base / name / SOURCE)
        paths.append(f"{name}/{SOURCE}")
    env = dict(os.environ, TMPDIR=str(base))
    proc = subprocess.run([sys.executable, "-m", "sgdteach", "grade",
                           str(ROOT / "solutions" / SOURCE), *paths, "--out", "gradebook.csv",
                           "--jobs", "2", "--timeout", "30"], cwd=base, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    with open(base / "gradebook.csv", newline="") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    results = [json.loads(p.read_text()) for p in (base / "gradebook_feedback").glob("*.json")]
    feedback = {k: next((base / "gradebook_feedback").glob(f"{k}_02_sgd-*.md")).read_text()
                for k in table}
    return dict(rows=rows, table=table, feedback=feedback,
                results={r["submission"].split("/")[0]: r for r in results if "submission" in r})


CASES = ["honest_wrong", "input_transformer", "replaced_checks", "replaced_allclose",
         "fake_probe_module", "fake_tick_lines", "deleted_edited_tests", "forged_in_answer",
         "forged_in_function", "two_records", "huge_record", "exit_after_probe",
         "exit_in_function", "os_exit", "wrong_2a_right_2b", "calls_library"]


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("case", CASES)
def test_each_cheat_gets_the_score_its_functions_earn(run, case):
    _, status, tampered, score, step, loop = run["table"][case]
    r = run["rows"][case]
    assert (r["status"], r["score"], r["ex2_step_check"], r["ex2_loop_check"]) == (
        status, str(score), str(step), str(loop)), run["results"][case]
    if tampered is not None:
        assert r["tampered"] == tampered, run["results"][case]["notes"]


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_the_reasons_are_in_the_notes_and_the_outcomes(run):
    notes = {k: " ".join(v.get("notes", [])) for k, v in run["results"].items()}
    assert "2 probe records" in notes["two_records"]
    assert "not a test cell, was ignored" in notes["forged_in_answer"]
    assert "test cell 'ex2_loop_check' was deleted" in notes["deleted_edited_tests"]
    outcomes = {k: [q["outcome"] for q in v["questions"]] for k, v in run["results"].items()}
    assert outcomes["input_transformer"] == ["not run", "not run"]
    assert outcomes["replaced_checks"] == ["wrong sign", "one step per epoch instead of m"]
    assert outcomes["wrong_2a_right_2b"] == ["wrong sign", "passed"]


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_calling_the_librarys_sgd_is_flagged_in_the_gradebook_and_the_feedback(run):
    from sgdteach.grading.worker.copies import FLAG

    flag = "ex2_loop: calls sgdteach.stochastic_gradient_descent"
    # the answers these submissions keep from the solution are flagged as its copies (issue 23)
    assert run["rows"]["calls_library"]["flags"] == f"{flag}; ex2_step: {FLAG}"
    assert flag in run["feedback"]["calls_library"]
    for case in ("fake_probe_module", "two_records", "huge_record"):
        assert "ex2_step: imports sgdteach.grading.worker.probes" in run["rows"][case]["flags"]
    assert "sgdteach.checking.sgd" in run["rows"]["replaced_checks"]["flags"]
    for case, flags in (("honest_wrong", ""), ("wrong_2a_right_2b", f"ex2_loop: {FLAG}"),
                        ("exit_in_function", f"ex2_step: {FLAG}"), ("input_transformer", "")):
        assert run["rows"][case]["flags"] == flags


# -- the static scan, by object: every alias and re-export of a forbidden object is flagged -----
# (pure unit tests: no kernel, no grader run)

ALIASES = [
    ("check_momentum_step",
     "from sgdteach.course.experiments import OPTIMIZERS\nOPTIMIZERS['momentum'](beta=0.9)",
     "imports sgdteach.course.experiments.OPTIMIZERS"),
    ("check_momentum_step",
     "from sgdteach.course.tuning import get_optimizer\nopt = get_optimizer('momentum')",
     "calls sgdteach.course.tuning.get_optimizer"),
    ("check_momentum_step",
     "import sgdteach.course.tuning as t\nopt = t.OPTIMIZERS['momentum'](0.9)",
     "uses sgdteach.course.tuning.OPTIMIZERS"),
    ("check_adam_step",
     "import sgdteach\nopt = getattr(sgdteach.course.experiments, 'OPTIMIZERS')['adam']()",
     "uses sgdteach.course.experiments.OPTIMIZERS"),
    ("check_squared_error_cost",
     "from sgdteach.course.toolbox import mse\ndef cost(t, X, y):\n    return mse(t, X, y)",
     "calls sgdteach.course.toolbox.mse"),
    ("check_squared_error_gradient",
     "import sgdteach.descent\ndef gradient(t, X, y):\n"
     "    return sgdteach.descent.get_loss('squared').grad(t, X, y)",
     "calls sgdteach.descent.get_loss"),
    ("check_squared_error_gradient",
     "import sgdteach as s\ng = getattr(s.course.toolbox, 'mse')",
     "uses sgdteach.course.toolbox.mse"),
]


@pytest.mark.parametrize("check, code, flag", ALIASES)
def test_the_scan_flags_every_alias_and_re_export_of_a_forbidden_object(check, code, flag):
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.scan import scan

    assert f"q: {flag}" in scan([("q", code)], list(CHECKS[check].forbidden))


@pytest.mark.parametrize("check, code, flag", [
    ("check_momentum_step",
     "import sgdteach.optimizers as o\nopt = o.OPTIMIZERS['momentum'](0.9)",
     "imports sgdteach.optimizers"),
    ("check_momentum_step", "import sgdteach\nf = getattr(sgdteach, 'momentum')",
     "uses sgdteach.momentum"),
    ("check_sgd", "from sgdteach import minimize as fit\nfit(1, 2)", "calls sgdteach.minimize"),
    ("check_invscaling", "import sgdteach\ns = sgdteach.invscaling(0.1)",
     "calls sgdteach.invscaling"),
])
def test_the_scan_still_flags_the_names_it_always_did(check, code, flag):
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.scan import scan

    assert f"q: {flag}" in scan([("q", code)], list(CHECKS[check].forbidden))


@pytest.mark.parametrize("check, code", [
    ("check_momentum_step", "from sgdteach.checking import check_momentum_step\n"
                            "check_momentum_step(momentum_step)"),
    ("check_budget", "from sgdteach.checking import budget_problem\nX, y = budget_problem()"),
    ("check_momentum_step", "from sgdteach.course.experiments import METHODS\nm = METHODS[0]"),
    ("check_sgd", "import sgdteach\nX, y = sgdteach.datasets.make_regression(n=10)"),
    ("check_sgd", "import numpy as np\ndef sgd(X):\n    return np.zeros(2)"),
])
def test_the_scan_leaves_the_public_checks_and_other_helpers_alone(check, code):
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.scan import scan

    assert scan([("q", code)], list(CHECKS[check].forbidden)) == []


def test_every_forbidden_name_of_every_check_names_an_object():
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.scan import Forbidden

    for check in CHECKS.values():
        Forbidden(check.forbidden)   # raises ValueError naming a name that resolves to nothing
    with pytest.raises(ValueError, match="'sgdteach.no_such_thing' must name an object"):
        Forbidden(["sgdteach.no_such_thing"])
