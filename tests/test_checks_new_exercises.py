"""Exercises 7 (the logistic-loss gradient, notebook 09), 8 (one backpropagation layer,
notebook 10), 9 (online SGD's step and tracking error, notebook 06) and 10 (iterate averaging,
notebook 11): the solution passes; each
typical mistake, planted in a copy of the solution's code, is named with its input, expected and
received values and a fix; anything else says expected versus received; the grader judges the
probe's record as the notebook judges the function. No kernel: the answer cells of
solutions/*.ipynb run here, in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_checks import solution_code
from test_probe_judge import ADDRESS, in_grader, in_kernel

import sgdteach.checking as checking
from sgdteach.checking import CheckError, parse_mistake
from sgdteach.checking.registry import CHECKS

QUESTIONS = [
    ("07_logistic_gradient", "check_logistic_gradient", "logistic_gradient"),
    ("08_backprop_layer", "check_layer_backward", "layer_backward"),
    ("09_tracking_error", "check_online_step", "online_step"),
    ("09_tracking_error", "check_tracking_error", "tracking_error"),
    ("10_averaging", "check_averaged_sgd", "averaged_sgd"),
]
LOGISTIC = ("07_logistic_gradient", "logistic_gradient", "check_logistic_gradient")
LAYER = ("08_backprop_layer", "layer_backward", "check_layer_backward")
STEP = ("09_tracking_error", "online_step", "check_online_step")
ERROR = ("09_tracking_error", "tracking_error", "check_tracking_error")
AVG = ("10_averaging", "averaged_sgd", "check_averaged_sgd")
MEAN_10 = "theta_bar = theta_bar + (theta - theta_bar) / t"
RMS_9 = "float(np.sqrt(np.mean(np.sum(gaps**2, axis=1))))"
RETURN_7 = "    return -(X.T @ (y / (1.0 + np.exp(z)))) / len(y)"
DELTA_8 = "delta = G * (1.0 - A * A)"

# (notebook, function, check, edits planted in the solution, the mistake it must name)
PLANTED = [
    (*LOGISTIC, [("return -(X.T", "return (X.T")], "wrong sign"),
    (*LOGISTIC, [(") / len(y)", ")")], "not averaged (a sum)"),
    (*LOGISTIC, [("return -(X.T", "return (X.T"), (") / len(y)", ")")],
     "wrong sign and not averaged (a sum)"),
    (*LOGISTIC, [("np.exp(z)", "np.exp(-z)")], "sigmoid of the wrong argument"),
    (*LOGISTIC, [("z = y * (X @ theta)", "z = X @ theta")], "sigmoid of the wrong argument"),
    (*LOGISTIC, [(RETURN_7, "    return X.T @ (1 / (1 + np.exp(-(X @ theta))) - y) / len(y)")],
     "labels taken as {0, 1} (the formula σ(xᵀθ) − y)"),
    (*LOGISTIC, [(RETURN_7, "    return np.mean(-(y / (1.0 + np.exp(z)))[:, None] * X)")],
     "gradient averaged to one number"),
    (*LOGISTIC, [(RETURN_7,
                  "    return np.mean(-(y / (1.0 + np.exp(z)))[:, None] * X, axis=1)")],
     "averaged over the features instead of the examples"),
    (*LOGISTIC, [(") / len(y)", ").reshape(-1, 1) / len(y)")], "wrong shape"),
    (*LOGISTIC, [("z = y * (X @ theta)", "theta *= 2\n    z = y * (X @ theta) / 2")],
     "θ modified in place"),
    (*LAYER, [("A_prev.T @ delta,", "delta.T @ A_prev,")], "transposed"),
    (*LAYER, [("delta @ W.T", "delta @ W")], "transposed"),
    (*LAYER, [(DELTA_8, "delta = G")], "activation derivative missing"),
    (*LAYER, [("A = np.tanh(A_prev @ W + c)\n    " + DELTA_8,
               "H = A_prev @ W + c\n    delta = G * (1.0 - H * H)")],
     "activation derivative taken at H instead of A"),
    (*LAYER, [("A_prev.T @ delta,", "A_prev.T @ delta / len(A_prev),")],
     "averaged over the batch twice"),
    (*LAYER, [("delta.sum(axis=0)", "delta.mean(axis=0)")], "averaged over the batch twice"),
    (*LAYER, [("delta.sum(axis=0)", "delta.sum(axis=1)")], "summed over the wrong axis"),
    (*LAYER, [("delta.sum(axis=0)", "delta")], "bias gradient not summed over the batch"),
    (*LAYER, [(DELTA_8, "G *= 1.0 - A * A\n    delta = G")], "G modified in place"),
    (*LAYER, [("return A_prev.T @ delta, ", "return ")], "wrong return value"),
    (*STEP, [("return theta - lr", "return theta + lr")], "wrong sign"),
    (*STEP, [("(2.0 / len(y_batch))", "(1.0 / len(y_batch))")], "missing factor 2"),
    (*STEP, [("(2.0 / len(y_batch))", "2.0")], "not averaged (a sum)"),
    (*STEP, [("len(y_batch)", "X_batch.shape[1]")],
     "divided by d (the number of features) instead of b"),
    (*STEP, [("return theta - lr * ", "return theta - ")], "learning rate not applied"),
    (*STEP, [("    return theta - lr", "    theta -= lr"),
             ("y_batch))\n", "y_batch))\n    return theta\n")],
     "θ modified in place"),
    (*ERROR, [(RMS_9, "float(np.mean(np.sqrt(np.sum(gaps**2, axis=1))))")],
     "mean distance instead of the root of the mean square"),
    (*ERROR, [(RMS_9, "float(np.mean(np.sum(gaps**2, axis=1)))")],
     "root not taken (mean square, not RMS)"),
    (*ERROR, [("path[start:n]", "path[start + 1:n + 1]")],
     "iterate after the update compared (path off by one)"),
    (*ERROR, [("gaps = path[start:n] - theta_true[start:]", "gaps = path[:n] - theta_true")],
     "burn-in ignored (the start averaged in)"),
    (*ERROR, [("np.mean(np.sum(gaps**2, axis=1))", "np.mean(gaps**2)")],
     "averaged over the coordinates too"),
    (*ERROR, [(RMS_9, "np.sqrt(np.sum(gaps**2, axis=1))")], "wrong shape"),
    (*AVG, [("theta_bar = np.zeros_like(theta)", "theta_bar = theta0.copy()"),
            ("/ t\n", "/ (t + 1)\n")], "θ₀ included in the average"),
    (*AVG, [("        " + MEAN_10 + "\n", ""), ("        r = rng.integers(m)\n",
                                   "        r = rng.integers(m)\n        " + MEAN_10 + "\n")],
     "average taken before the step (θ₀, ..., θ_{t−1})"),
    (*AVG, [(MEAN_10, "theta_bar = theta_bar + theta")], "sum of the iterates, not their mean"),
    (*AVG, [("/ t\n", "/ (t + 1)\n")], "running mean divided by t + 1"),
    (*AVG, [("return theta, theta_bar", "return theta, theta")],
     "last iterate returned as the average"),
    (*AVG, [("theta = theta - lr * 2.0 * X[r] * (X[r] @ theta - y[r])",
             "at = theta if t == 1 else theta_bar\n"
             "        theta = at - lr * 2.0 * X[r] * (X[r] @ at - y[r])")],
     "the average fed back into the steps"),
    (*AVG, [("theta_bar = np.zeros_like(theta)", "theta_bar = theta0.copy()"),
            (MEAN_10, "theta_bar = 0.9 * theta_bar + 0.1 * theta")],
     "exponential moving average instead of the running mean"),
    (*AVG, [("theta = theta0.copy()", "theta = theta0"),
            ("theta = theta - lr * 2.0", "theta -= lr * 2.0")], "θ modified in place"),
    (*AVG, [("r = rng.integers(m)", "r = np.random.randint(m)")], "wrong last iterate"),
]
# the typical mistakes issue 21 names for these two exercises
NAMED = ["wrong sign", "not averaged (a sum)", "sigmoid of the wrong argument",
         "labels taken as {0, 1} (the formula σ(xᵀθ) − y)", "gradient averaged to one number",
         "transposed", "activation derivative missing", "averaged over the batch twice",
         "summed over the wrong axis",
         # online SGD's step and its tracking error
         "θ modified in place", "iterate after the update compared (path off by one)",
         "mean distance instead of the root of the mean square",
         "burn-in ignored (the start averaged in)",
         # Polyak–Ruppert averaging as a running mean
         "θ₀ included in the average", "running mean divided by t + 1",
         "the average fed back into the steps", "last iterate returned as the average"]
UNRECOGNISED = r"(?s)wrong result in .*On .*expected .*received .*\. \S"   # and a fix
DETAIL = re.compile(r"On .+: expected .+, received .+\. \S", re.S)   # input, values, then a fix


def test_the_checks_are_registered_for_the_grader():
    from sgdteach.checking import averaging, backprop, logistic, tracking

    registered = [logistic.GRADIENT, backprop.LAYER, tracking.STEP, tracking.ERROR,
                  averaging.AVERAGED]
    assert [CHECKS[check] for _, check, _ in QUESTIONS] == registered


@pytest.mark.parametrize("notebook, check, function", QUESTIONS)
def test_solution_passes_with_a_short_confirmation(notebook, check, function, capsys):
    namespace = solution_code(notebook)
    capsys.readouterr()
    for seed in (0, 707, 808, 909, 919, 1010):
        assert getattr(checking, check)(namespace[function], seed=seed) is None
    out = capsys.readouterr()
    assert out.out.count(f"✓ {function}:") == 6 and out.out.count("\n") == 6
    assert out.err == ""


@pytest.mark.parametrize("notebook, function, check, edits, mistake", PLANTED,
                         ids=[f"{p[1]}: {p[4]}" for p in PLANTED])
def test_planted_mistake_is_named_with_input_values_and_fix(notebook, function, check, edits,
                                                            mistake):
    namespace = solution_code(notebook, edits)
    with pytest.raises(CheckError) as info:
        getattr(checking, check)(namespace[function])
    err = info.value
    assert err.mistake == mistake
    assert parse_mistake(str(err)) == mistake
    head = f"{check}: {mistake} in '{function}'."
    assert str(err).startswith(head)
    rest = str(err)[len(head):]
    assert rest.strip().startswith("On ") and (
        DETAIL.search(str(err)) or "received shape" in rest or "received (" in rest
        or "changed from" in rest)


def test_every_typical_mistake_is_planted():
    assert set(NAMED) <= {p[4] for p in PLANTED}


@pytest.mark.parametrize("notebook, function, check, edits", [
    (*LOGISTIC, [("np.exp(z)", "np.exp(2 * z)")]),
    (*LAYER, [(DELTA_8, "delta = G * (1.0 - A)")]),
    (*STEP, [("(2.0 / len(y_batch))", "(3.0 / len(y_batch))")]),
    (*ERROR, [("gaps**2, axis=1", "np.abs(gaps) ** 3, axis=1")]),
    (*AVG, [("/ t\n", "/ (2 * t)\n")]),
])
def test_unrecognised_mistake_says_input_expected_and_received(notebook, function, check,
                                                               edits):
    namespace = solution_code(notebook, edits)
    with pytest.raises(CheckError, match=UNRECOGNISED) as info:
        getattr(checking, check)(namespace[function])
    assert info.value.mistake == "wrong result"


@pytest.mark.parametrize("notebook, check, function", QUESTIONS)
def test_not_attempted_is_said_once(notebook, check, function):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="is not attempted yet"):
        getattr(checking, check)(stub)
    assert in_grader(check, stub)[0] == "not attempted"


ALL = [(nb, check, fn, []) for nb, check, fn in QUESTIONS] + [
    (nb, check, fn, edits) for nb, fn, check, edits, _ in PLANTED]


@pytest.mark.parametrize("notebook, check, function, edits", ALL,
                         ids=[f"{a[2]}-{i}" for i, a in enumerate(ALL)])
def test_the_grader_judges_the_record_as_the_notebook_judges_the_function(
        notebook, check, function, edits):
    fn = solution_code(notebook, edits)[function]
    for seed in (0, 404):
        grader, kernel = in_grader(check, fn, seed), in_kernel(check, fn, seed)
        assert grader[0] == kernel[0]
        assert ADDRESS.sub("0x", grader[1]) == ADDRESS.sub("0x", kernel[1])


# -- in a real kernel: what the learner sees in the released notebooks -------------------------

EXERCISES = sorted({nb for nb, _, _ in QUESTIONS})
ANSI = re.compile(r"\x1b\[[0-9;]*m")
EXERCISES_DIR = Path(__file__).resolve().parents[1] / "exercises"


def _run_exercise(notebook: str, folder, edits: dict[str, str] | None = None):
    """Execute the released exercise as a learner would (errors allowed), answer cells replaced
    by ``edits`` (grade_id -> source); return the check cells and their error outputs."""
    import nbformat

    from sgdteach.grading.markup import grade_id, role
    from sgdteach.tools.nbexec import notebook_client

    nb = nbformat.read(EXERCISES_DIR / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        if grade_id(cell) in (edits or {}):
            cell.source = (edits or {})[grade_id(cell)]
    client = notebook_client(nb, folder, timeout=120)
    client.allow_errors = True
    client.execute()
    return {grade_id(c): [o for o in c.outputs if o.output_type == "error"]
            for c in nb.cells if role(c) == "test"}


@pytest.mark.kernel
@pytest.mark.parametrize("notebook", EXERCISES)
def test_an_untouched_exercise_says_not_attempted_once_per_check(notebook, tmp_path):
    checks = _run_exercise(notebook, tmp_path)
    assert checks
    for errors in checks.values():
        assert len(errors) == 1 and errors[0].ename == "NotAttemptedError"
        text = ANSI.sub("", "\n".join(errors[0].traceback))
        assert text.count("not attempted yet") == 1 and len(text.splitlines()) == 1


@pytest.mark.kernel
def test_a_wrong_layer_shows_its_message_and_nothing_else(tmp_path):
    wrong = ("import numpy as np\n\ndef layer_backward(A_prev, W, c, G):\n"
             "    A = np.tanh(A_prev @ W + c)\n"
             "    return A_prev.T @ G, G.sum(axis=0), G @ W.T\n")
    errors = _run_exercise("08_backprop_layer", tmp_path, {"ex8_layer": wrong})["ex8_layer_check"]
    assert len(errors) == 1
    text = ANSI.sub("", "\n".join(errors[0].traceback))
    assert text.startswith("CheckError: check_layer_backward: activation derivative missing in "
                           "'layer_backward'. On a batch of 4 rows")
    assert "expected" in text and "received" in text and "Traceback" not in text
    assert "sgdteach/checking" not in text and "compare(" not in text


def test_checks_touch_no_files(monkeypatch, capsys):
    import builtins
    import io
    import os

    functions = [(check, solution_code(nb)[fn]) for nb, check, fn in QUESTIONS]

    def refuse(*args, **kwargs):
        raise AssertionError(f"a check opened a file: {args[:1]}")

    for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
        monkeypatch.setattr(module, name, refuse)
    for check, fn in functions:
        getattr(checking, check)(fn)
    assert capsys.readouterr().out.count("✓") == len(QUESTIONS)
