"""Probe and judge apart, in-process: the record a probe makes, sent through JSON and judged as
the grader judges it, gives the very outcome and message of the check run in the notebook; the
grader plans test cells from the source and refuses what it cannot probe; oversize, malformed
and duplicated records score 0; the static scan finds the library's own implementation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_checks import PLANTED, QUESTIONS, solution_code

import sgdteach
import sgdteach.checking as checking
from sgdteach.checking import CheckError, RecordError
from sgdteach.checking.registry import CHECKS
from sgdteach.grading.worker import judging
from sgdteach.grading.worker.probes import MIME, make_record
from sgdteach.grading.worker.scan import scan

ROOT = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"0x[0-9a-f]+")
ALL = [(nb, check, fn, []) for nb, check, fn in QUESTIONS] + [
    (nb, check, fn, edits) for nb, fn, check, edits, _ in PLANTED]


def in_kernel(check: str, fn, seed: int = 0) -> tuple[str, str]:
    """What the notebook's check cell shows: ('passed', '') or the outcome and message."""
    np.random.seed(1)   # noqa: NPY002  (a planted mistake draws from the global generator)
    try:
        getattr(checking, check)(fn, seed=seed)
    except CheckError as err:
        return err.mistake, f"CheckError: {err}"
    except NotImplementedError:
        return "not attempted", "NotImplementedError"
    return "passed", ""


def in_grader(check: str, fn, seed: int = 0) -> tuple[str, str]:
    np.random.seed(1)   # noqa: NPY002
    record = json.loads(json.dumps(make_record({"f": fn}, "q/0", check, "f", seed)))
    return judging.judge_call(judging.ProbeCall("q/0", check, "f", seed), record)


@pytest.mark.parametrize("notebook, check, function, edits", ALL,
                         ids=[f"{a[2]}-{i}" for i, a in enumerate(ALL)])
def test_the_grader_judges_the_record_as_the_notebook_judges_the_function(
        notebook, check, function, edits, capsys):
    fn = solution_code(notebook, edits)[function]
    for seed in (0, 404):
        grader, kernel = in_grader(check, fn, seed), in_kernel(check, fn, seed)
        assert grader[0] == kernel[0]
        assert ADDRESS.sub("0x", grader[1]) == ADDRESS.sub("0x", kernel[1])


def test_not_attempted_and_not_a_function_and_a_missing_name():
    def stub(*args):
        raise NotImplementedError()

    assert in_grader("check_sgd", stub)[0] == "not attempted"
    outcome, message = in_grader("check_sgd", 3.0)
    assert outcome == "raised TypeError"
    assert "check_sgd: 'sgd' must be a function; got 3.0" in message
    record = make_record({}, "q/0", "check_sgd", "sgd", 0)
    assert judging.judge_call(judging.ProbeCall("q/0", "check_sgd", "sgd", 0), record)[0] == \
        "raised NameError"


def test_a_wrong_step_does_not_fail_a_right_loop():
    ns = solution_code("02_sgd", [("return theta - lr", "return theta + lr")])
    assert in_grader("check_sgd_step", ns["sgd_step"])[0] == "wrong sign"
    assert in_grader("check_sgd", ns["sgd"]) == ("passed", "")
    assert ns["sgd_step"](np.zeros(1), np.ones(1), 1.0, 1.0)[0] == -2.0   # theirs, restored
    ns = solution_code("03_minibatches", [("range(0, n, batch_size)",
                                           "range(0, n - batch_size + 1, batch_size)")])
    assert in_grader("check_minibatches", ns["minibatches"])[0] == "last partial batch dropped"
    assert in_grader("check_minibatch_sgd", ns["minibatch_sgd"]) == ("passed", "")


def test_budget_over_replacement_epochs_says_which_sampling_and_the_cost():
    def choose_settings():
        return dict(lr=0.01, batch_size=64, epochs=10)

    with pytest.raises(CheckError, match="over the budget") as info:
        checking.check_budget(choose_settings)
    text = str(info.value)
    assert "these settings use 10,240" in text and "sampling='replacement'" in text
    assert "16 batches of 64" in text and "use at most 9 epochs" in text
    X, y, budget, _ = checking.budget_problem()      # what minimize itself counts
    seen = [int(sgdteach.minimize(X, y, lr=0.01, batch_size=64, epochs=e, sampling=s,
                                  seed=0).samples_seen[-1])
            for e, s in ((10, "replacement"), (9, "replacement"), (10, "shuffle"))]
    assert seen == [10_240, 9_216, 10_000] and seen[1] <= budget < seen[0]


def solution_record(check: str, notebook: str, function: str) -> dict:
    return make_record({"f": solution_code(notebook)[function]}, "q/0", check, "f", 0)


@pytest.mark.parametrize("mutate, why", [
    (lambda r: r.update(result={"name": "sgd", "calls": r["result"]["calls"][:-1]}), "calls"),
    (lambda r: r["result"]["calls"][0].update(status="pickle"), "status"),
    (lambda r: r["result"]["calls"][0]["value"].update(data="__import__('os')"), "data"),
    (lambda r: r["result"]["calls"][0]["value"].update(data=["1e3", 0.0]), "non-finite"),
    (lambda r: r["result"]["calls"][0]["value"].update(code="print(1)"), "known keys"),
    (lambda r: r.update(check="check_sgd_step"), "this check"),
    (lambda r: r["result"]["calls"][0]["value"].update(data=[0.0] * (2**20)), "larger"),
])
def test_malformed_or_oversize_records_are_rejected(mutate, why):
    record = json.loads(json.dumps(solution_record("check_sgd", "02_sgd", "sgd")))
    mutate(record)
    with pytest.raises(RecordError, match=why):
        judging.judge_call(judging.ProbeCall("q/0", "check_sgd", "f", 0), record)


def cell_outputs(*records) -> list:
    return [nbformat.v4.new_output("display_data", data={MIME: r}) for r in records]


def test_a_cell_scores_only_with_exactly_one_good_record_per_call():
    good = solution_record("check_sgd", "02_sgd", "sgd")
    calls = [judging.ProbeCall("q/0", "check_sgd", "f", 0)]
    notes: list[str] = []
    assert judging.judge_cell("q", calls, cell_outputs(good), {"status": "error",
                                                              "ename": "SystemExit"}, notes) \
        == ("passed", "", False)                       # the reply's status plays no part
    outcome, _, tampered = judging.judge_cell("q", calls, cell_outputs(good, good), None, notes)
    assert (outcome, tampered) == ("probe record rejected", True) and "2 probe records" in notes[-1]
    assert judging.judge_cell("q", calls, [], {"status": "ok"}, notes)[0] == "not run"
    assert judging.judge_cell("q", calls, [], {"status": "error", "ename": "CellTimeoutError"},
                              notes)[0] == "timed out"


def test_the_plan_comes_from_the_source_and_refuses_raw_asserts():
    calls = judging.plan_cell("from sgdteach.checking import check_sgd\n\ncheck_sgd(sgd)\n"
                              "### BEGIN HIDDEN TESTS\ncheck_sgd(sgd, seed=404)\n", "q")
    assert [(c.check, c.function, c.seed, c.id) for c in calls] == [
        ("check_sgd", "sgd", 0, "q/0"), ("check_sgd", "sgd", 404, "q/1")]
    for bad in ("check_sgd(sgd)\nassert sgd(1) == 2", "check_sgd(sgd, seed=s)",
                "check_sgd(lambda: 1)", "import os\ncheck_sgd(sgd)", "x = 1"):
        with pytest.raises(judging.ProbePlanError,
                           match="^source, test cell 'q':.* A test cell may only"):
            judging.plan_cell(bad, "q")
    probe = judging.probe_source(calls)
    assert "check_sgd(" not in probe and "'q/1', 'check_sgd', 'sgd', 404" in probe


@pytest.mark.parametrize("code, flag", [
    ("import sgdteach as s\ndef sgd(X, y, t, a, e, rng):\n"
     "    return s.stochastic_gradient_descent(X, y, t, a, e, rng=rng)",
     "calls sgdteach.stochastic_gradient_descent"),
    ("from sgdteach.reference import *\nf = stochastic_gradient_descent",
     "imports sgdteach.reference.*"),
    ("import sgdteach\ng = getattr(sgdteach, 'minimize')", "uses sgdteach.minimize"),
    ("m = __import__('sgdteach.reference')", "uses sgdteach.reference"),
    ("import importlib\nm = importlib.import_module('sgdteach.descent')", "uses sgdteach.descent"),
    ("from sgdteach import minimize as fit\nfit(1, 2)", "calls sgdteach.minimize"),
])
def test_the_scan_resolves_aliases_getattr_and_imports(code, flag):
    assert f"ex2_loop: {flag}" in scan([("ex2_loop", code)], list(CHECKS["check_sgd"].forbidden))


def test_the_scan_follows_aliases_across_cells_and_leaves_honest_code_alone():
    forbidden = list(CHECKS["check_sgd"].forbidden)
    assert scan([(None, "import sgdteach as s"), ("ex2_loop", "s.reference.x(1)")],
                forbidden) == ["ex2_loop: calls sgdteach.reference.x"]
    assert scan([("ex2_loop", "import numpy as np\ndef sgd(X):\n    return np.zeros(2)")],
                forbidden) == []


def test_the_grader_refuses_a_source_whose_test_cell_it_cannot_probe(tmp_path, capsys):
    from sgdteach.grading import grade as grader
    from sgdteach.grading.markup import grade_id as gid_of

    nb = nbformat.read(ROOT / "solutions" / "01_gradient.ipynb", as_version=4)
    test = next(c for c in nb.cells if gid_of(c) == "ex1_cost_check")
    test.source += "\nassert squared_error_cost(np.zeros(2), X, y) > 0\n"
    nbformat.write(nb, tmp_path / "s.ipynb")
    assert grader.main([str(tmp_path / "s.ipynb"), "x.ipynb", "--out",
                        str(tmp_path / "gb.csv")]) == 2
    err = capsys.readouterr().err
    assert "test cell 'ex1_cost_check': line" in err and "is not a check call" in err
    assert not (tmp_path / "gb.csv").exists()


def test_batch_gd_short_of_the_target_is_not_told_it_bounces():
    def choose_settings():
        return dict(lr=0.05, batch_size=1000, epochs=10, sampling="shuffle")

    with pytest.raises(CheckError, match="target loss not reached") as info:
        checking.check_budget(choose_settings)
    assert "bouncing" not in str(info.value) and "too few steps" in str(info.value)


def test_the_judge_uses_its_own_inputs_not_the_kernels(monkeypatch, capsys):
    from sgdteach.checking import sgd as module

    def lazy(theta, x, y, lr):   # right only where the step is zero
        return theta.copy()

    real = module._step_cases
    monkeypatch.setattr(module, "_step_cases", lambda seed: [
        (where, 0 * x, y, theta, 0.0) for where, x, y, theta, _ in real(seed)])
    checking.check_sgd_step(lazy)                  # the kernel's inputs were tampered with
    assert capsys.readouterr().out.startswith("✓")
    record = json.loads(json.dumps(make_record({"f": lazy}, "q/0", "check_sgd_step", "f", 0)))
    monkeypatch.undo()                             # the grader's process is not the kernel
    outcome, message = judging.judge_call(judging.ProbeCall("q/0", "check_sgd_step", "f", 0),
                                          record)
    assert outcome == "wrong result" and "row 1 of the reference data" in message
