"""The exercise checks: each solution passes; each known mistake, planted in a copy of the
solution's code, is named; anything else says expected versus received. No kernel: the answer
cells of solutions/*.ipynb are executed here, in-process."""

from __future__ import annotations

import builtins
import io
import os
from pathlib import Path

import nbformat
import pytest

import sgdteach.checking as checking
from sgdteach.checking import CheckError, parse_mistake
from sgdteach.grading.markup import grade_id, role

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"

# (notebook, the check, the function it checks) for every question of every exercise.
QUESTIONS = [
    ("01_gradient", "check_squared_error_cost", "squared_error_cost"),
    ("01_gradient", "check_squared_error_gradient", "squared_error_gradient"),
    ("02_sgd", "check_sgd_step", "sgd_step"),
    ("02_sgd", "check_sgd", "sgd"),
    ("03_minibatches", "check_minibatches", "minibatches"),
    ("03_minibatches", "check_minibatch_sgd", "minibatch_sgd"),
    ("04_schedules", "check_invscaling", "invscaling"),
    ("04_schedules", "check_step_decay", "step_decay"),
    ("05_momentum_adam", "check_momentum_step", "momentum_step"),
    ("05_momentum_adam", "check_adam_step", "adam_step"),
    ("06_budget", "check_budget", "choose_settings"),
]


def solution_code(notebook: str, edits: list[tuple[str, str]] = ()) -> dict:
    """Run a solution's setup and answer cells, after applying text ``edits`` (each must match
    exactly once, so a changed solution makes the test fail rather than test nothing)."""
    nb = nbformat.read(SOLUTIONS / f"{notebook}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"
             and (role(c) == "answer" or (grade_id(c) or "").endswith("_setup"))]
    source = "\n\n".join(c.source for c in cells)
    for old, new in edits:
        assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
        source = source.replace(old, new)
    namespace: dict = {}
    exec(compile(source, notebook, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("notebook, check, function", QUESTIONS)
def test_solution_passes_with_a_short_confirmation(notebook, check, function, capsys):
    namespace = solution_code(notebook)
    capsys.readouterr()
    assert getattr(checking, check)(namespace[function]) is None   # nbgrader: no partial credit
    out = capsys.readouterr()
    assert out.out.startswith(f"✓ {function}:") and out.out.count("\n") == 1
    assert out.err == ""                                          # nbgrader: stderr = failure


# (notebook, function, check, edits planted in the solution, the mistake it must name)
PLANTED = [
    ("01_gradient", "squared_error_cost", "check_squared_error_cost",
     [("float(r @ r) / len(y)", "float(r @ r)")], "not averaged (a sum)"),
    ("01_gradient", "squared_error_cost", "check_squared_error_cost",
     [("float(r @ r) / len(y)", "float(r @ r) / (2 * len(y))")], "extra factor 1/2"),
    ("01_gradient", "squared_error_cost", "check_squared_error_cost",
     [("float(r @ r) / len(y)", "float(np.sqrt(r @ r / len(y)))")],
     "square root taken (RMSE, not MSE)"),
    ("01_gradient", "squared_error_cost", "check_squared_error_cost",
     [("float(r @ r) / len(y)", "r ** 2")], "wrong shape"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(X.T @ (X @ theta - y))", "(X.T @ (y - X @ theta))")], "wrong sign"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(2.0 / len(y)) *", "(1.0 / len(y)) *")], "missing factor 2"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(2.0 / len(y)) *", "2.0 *")], "not averaged (a sum)"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(2.0 / len(y)) *", "(-1.0 / len(y)) *")], "wrong sign and missing factor 2"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(X.T @ (X @ theta - y))", "(X.T @ (X @ theta - y)).reshape(-1, 1)")], "wrong shape"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("return theta - lr * 2.0 * x * (x @ theta - y)",
       "theta -= lr * 2.0 * x * (x @ theta - y)\n    return theta")], "θ modified in place"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("return theta - lr", "return theta + lr")], "wrong sign"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("lr * 2.0 * x", "lr * x")], "missing factor 2"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("lr * 2.0 * x", "2.0 * x")], "learning rate not applied"),
    ("02_sgd", "sgd", "check_sgd",
     [("for _ in range(num_epochs):\n        for _ in range(m):\n            r = rng.integers(m)",
       "for _ in range(num_epochs):\n        r = rng.integers(m)\n        for _ in range(m):")],
     "the same sample every step"),
    ("02_sgd", "sgd", "check_sgd",   # a different generator call: found by counting sample use
     [("    m = len(y)\n", "    m = len(y)\n    r0 = int(rng.random() * m)\n"),
      ("X[r], y[r]", "X[r0], y[r0]")], "the same sample every step"),
    ("02_sgd", "sgd", "check_sgd",
     [("for _ in range(m):", "for _ in range(1):")], "one step per epoch instead of m"),
    ("02_sgd", "sgd", "check_sgd",
     [("learning_rate)\n    return", "learning_rate / m)\n    return")],
     "averaged over the data set instead of the batch"),
    ("02_sgd", "sgd", "check_sgd",
     [("theta = sgd_step(theta, X[r], y[r], learning_rate)",
       "theta = theta - learning_rate * (2.0 / m) * (X.T @ (X @ theta - y))")],
     "full-data gradient at every step (batch GD, not SGD)"),
    ("02_sgd", "sgd", "check_sgd",
     [("for _ in range(m):\n            r = rng.integers(m)", "for r in rng.permutation(m):")],
     "sampled without replacement"),
    ("02_sgd", "sgd", "check_sgd",
     [("theta = sgd_step(theta, X[r], y[r], learning_rate)",
       "theta -= learning_rate * 2.0 * X[r] * (X[r] @ theta - y[r])")], "θ modified in place"),
    ("02_sgd", "sgd", "check_sgd",
     [("    r = rng.integers(m)", "    r = np.random.randint(m)")], "rng argument ignored"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("lr * 2.0 * x * (x @ theta - y)", "lr * np.mean(2.0 * x * (x @ theta - y))")],
     "gradient averaged to one number"),
    ("02_sgd", "sgd_step", "check_sgd_step",
     [("lr * 2.0 * x * (x @ theta - y)", "lr * 2.0 * x.T @ (x * theta - y)")],
     "prediction computed entry by entry (x * theta)"),
    ("02_sgd", "sgd", "check_sgd",
     [("            r = rng.integers(m)", "            r = rng.integers(m - 1)")],
     "last row never drawn"),
    ("02_sgd", "sgd", "check_sgd",   # re-seeding inside the epoch loop replays the same draws
     [("    for _ in range(num_epochs):\n",
       "    for _ in range(num_epochs):\n        rng = np.random.default_rng(0)\n")],
     "the same indices in every epoch"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("range(0, n, batch_size)", "range(0, n - batch_size + 1, batch_size)")],
     "last partial batch dropped"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("    for _ in range(epochs):\n        perm = rng.permutation(n)\n",
       "    perm = rng.permutation(n)\n    for _ in range(epochs):\n")],
     "no reshuffle between epochs"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("perm = rng.permutation(n)", "perm = np.arange(n)")], "no shuffle (rows in stored order)"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("perm = rng.permutation(n)", "perm = rng.integers(0, n, size=n)")],
     "indices drawn with replacement"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("perm = rng.permutation(n)", "perm = np.random.permutation(n)")],
     "rng argument ignored"),
    ("03_minibatches", "minibatches", "check_minibatches",
     [("range(0, n, batch_size)", "range(0, n + 1, batch_size)")], "wrong batch sizes"),
    ("03_minibatches", "minibatches", "check_minibatches",   # the prompt says: use yield
     [("    for _ in range(epochs):\n", "    batches = []\n    for _ in range(epochs):\n"),
      ("yield perm[start:start + batch_size]",
       "batches.append(perm[start:start + batch_size])\n    return batches")],
     "returns a list: all batches exist at once"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("(2.0 / len(idx))", "(2.0 / len(y))")], "averaged over the data set instead of the batch"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("(2.0 / len(idx))", "2.0")], "not averaged (a sum)"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("(2.0 / len(idx))", "(1.0 / len(idx))")], "missing factor 2"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("theta = theta - lr", "theta = theta + lr")], "wrong sign"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("theta = theta - lr", "theta -= lr")], "θ modified in place"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",
     [("        Xb, yb = X[idx], y[idx]\n",
       "        if len(idx) < batch_size:\n            continue\n"
       "        Xb, yb = X[idx], y[idx]\n")],
     "last partial batch dropped"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",   # its own batches, one order
     [("    for idx in minibatches(len(y), batch_size, epochs, rng):\n",
       "    perm = rng.permutation(len(y))\n"
       "    for idx in [perm[s:s + batch_size] for _ in range(epochs)\n"
       "                for s in range(0, len(y), batch_size)]:\n")],
     "no reshuffle between epochs"),
    ("03_minibatches", "minibatch_sgd", "check_minibatch_sgd",   # the mistake the text warns of
     [("(2.0 / len(idx))", "(2.0 / batch_size)")],
     "short last batch divided by batch_size instead of its size"),
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(2.0 / len(y)) *", "(2.0 / X.shape[1]) *")],
     "divided by d (the number of features) instead of m"),
    ("06_budget", "choose_settings", "check_budget",
     [("lr=sgdteach.cosine(0.1, total_steps=1000)", "lr=0.001"),
      ("batch_size=10", "batch_size=1000")], "target loss not reached"),
    ("06_budget", "choose_settings", "check_budget",
     [("lr=sgdteach.cosine(0.1, total_steps=1000)", "lr=[0.1]")],
     "setting not a number, a name or a schedule"),
    ("05_momentum_adam", "adam_step", "check_adam_step",
     [("beta2=0.999, eps", "beta2=0.99, eps")], "wrong result"),
    ("04_schedules", "invscaling", "check_invscaling",
     [("return lr0 / (step + 1) ** power", "return lr0 / step ** power")],
     "schedule counted from 0 instead of 1"),
    ("04_schedules", "invscaling", "check_invscaling",
     [("return lr0 / (step + 1) ** power", "return lr0 if step == 0 else lr0 / step ** power")],
     "schedule counted from 0 instead of 1"),
    ("04_schedules", "invscaling", "check_invscaling",
     [("return lr0 / (step + 1) ** power", "return lr0 / (step + 2) ** power")],
     "schedule off by one step (counted from 2)"),
    ("04_schedules", "invscaling", "check_invscaling",
     [("return lr0 / (step + 1) ** power", "return lr0 * (step + 1) ** power")],
     "learning rate grows instead of decaying"),
    ("04_schedules", "invscaling", "check_invscaling",
     [("        return lr0 / (step + 1) ** power\n    return schedule",
       "        return lr0 / (step + 1) ** power\n    return schedule(0)")],
     "returns a number, not a schedule"),
    ("04_schedules", "step_decay", "check_step_decay",
     [("return lr0 * drop ** (step // every)", "return lr0 * drop ** ((step + 1) // every)")],
     "schedule off by one step (drops one step early)"),
    ("04_schedules", "step_decay", "check_step_decay",
     [("return lr0 * drop ** (step // every)", "return lr0 * drop ** step")],
     "drop applied at every step"),
    ("04_schedules", "step_decay", "check_step_decay",
     [("return lr0 * drop ** (step // every)", "return lr0 * drop ** (step / every)")],
     "exponent not rounded down"),
    ("05_momentum_adam", "momentum_step", "check_momentum_step",
     [("velocity = beta * velocity + g", "velocity = beta * velocity + (1 - beta) * g")],
     "gradient scaled by (1 − β)"),
    ("05_momentum_adam", "momentum_step", "check_momentum_step",
     [("    velocity = beta * velocity + g\n    return lr * velocity, velocity",
       "    step = lr * velocity\n    velocity = beta * velocity + g\n    return step, velocity")],
     "step taken with the old velocity"),
    ("05_momentum_adam", "momentum_step", "check_momentum_step",
     [("velocity = beta * velocity + g", "velocity = beta * velocity - g")], "wrong sign"),
    ("05_momentum_adam", "adam_step", "check_adam_step",
     [("m_hat = m / (1 - beta1 ** t)", "m_hat = m"), ("v_hat = v / (1 - beta2 ** t)", "v_hat = v")],
     "bias correction missing"),
    ("05_momentum_adam", "adam_step", "check_adam_step",   # t used before it is increased
     [("    t = t + 1\n", ""), ("return lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t",
                             "return lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t + 1")],
     "bias correction off by one step"),
    ("05_momentum_adam", "adam_step", "check_adam_step",   # increased twice
     [("(1 - beta1 ** t)", "(1 - beta1 ** (t + 1))"),
      ("(1 - beta2 ** t)", "(1 - beta2 ** (t + 1))")],
     "bias correction off by one step"),
    ("05_momentum_adam", "adam_step", "check_adam_step",
     [("v_hat = v / (1 - beta2 ** t)", "v_hat = v")], "bias correction on m only"),
    ("05_momentum_adam", "adam_step", "check_adam_step",
     [("(np.sqrt(v_hat) + eps), m, v, t", "(np.sqrt(v_hat) + eps), m, v, t - 1")],
     "step count t never increased"),
    ("06_budget", "choose_settings", "check_budget",
     [("epochs=10", "epochs=20")], "over the budget of gradient evaluations"),
    ("06_budget", "choose_settings", "check_budget",
     [("lr=sgdteach.cosine(0.1, total_steps=1000)", "lr=5.0")], "diverged"),
    ("06_budget", "choose_settings", "check_budget",
     [("lr=sgdteach.cosine(0.1, total_steps=1000)", "lr=0.001")], "target loss not reached"),
    ("06_budget", "choose_settings", "check_budget",
     [('sampling="shuffle"', 'sampling="shuffle", seed=1')], "unknown setting"),
]


@pytest.mark.parametrize("notebook, function, check, edits, mistake", PLANTED,
                         ids=[f"{p[1]}: {p[4]}" for p in PLANTED])
def test_planted_mistake_is_named(notebook, function, check, edits, mistake):
    namespace = solution_code(notebook, edits)
    with pytest.raises(CheckError) as info:
        getattr(checking, check)(namespace[function])
    err = info.value
    assert err.mistake == mistake
    assert parse_mistake(str(err)) == mistake            # the grader reads it back from text
    assert str(err).startswith(f"{check}: {mistake} in '{function}'.")


NAMED = ["wrong sign", "missing factor 2", "averaged over the data set instead of the batch",
         "not averaged (a sum)", "the same sample every step", "no reshuffle between epochs",
         "last partial batch dropped", "θ modified in place", "bias correction missing",
         "bias correction off by one step", "schedule counted from 0 instead of 1",
         # the four the new-user report found named only "wrong result"
         "gradient averaged to one number", "prediction computed entry by entry (x * theta)",
         "last row never drawn", "the same indices in every epoch"]


def test_every_mistake_of_the_issue_is_planted():
    assert set(NAMED) <= {p[4] for p in PLANTED}


@pytest.mark.parametrize("notebook, function, check, edits", [
    ("01_gradient", "squared_error_gradient", "check_squared_error_gradient",
     [("(2.0 / len(y)) * (X.T @ (X @ theta - y))", "0.3 * ((X @ theta - y) @ X)")]),
    ("02_sgd", "sgd", "check_sgd", [("    r = rng.integers(m)", "    r = int(rng.random() * m)")]),
    ("05_momentum_adam", "adam_step", "check_adam_step", [("g * g", "g")]),
])
def test_unrecognised_mistake_says_input_expected_and_received(notebook, function, check,
                                                               edits):
    namespace = solution_code(notebook, edits)
    with pytest.raises(CheckError, match=r"wrong result in .*On .*expected .*received ") as info:
        getattr(checking, check)(namespace[function])
    assert info.value.mistake == "wrong result"


def test_an_exception_in_the_learners_code_names_the_input_and_keeps_the_cause():
    def cost(theta, X, y):
        return float(X[:, 5].sum())

    with pytest.raises(CheckError, match=r"raised IndexError in 'cost'\. On the reference data"
                       ) as info:
        checking.check_squared_error_cost(cost)
    assert isinstance(info.value.__cause__, IndexError)


@pytest.mark.parametrize("notebook, check, function", QUESTIONS)
def test_not_attempted_passes_through_as_not_implemented(notebook, check, function):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        getattr(checking, check)(stub)


def test_a_non_function_gets_the_template_type_error():
    with pytest.raises(TypeError, match=r"^check_sgd: 'sgd' must be a function; got 3\.0\. "
                                        r"Pass the function itself"):
        checking.check_sgd(3.0)


def test_checks_touch_no_files(monkeypatch, capsys):
    namespaces = {nb: solution_code(nb) for nb, _, _ in QUESTIONS}

    def refuse(*args, **kwargs):
        raise AssertionError(f"a check opened a file: {args[:1]}")

    for module, name in ((builtins, "open"), (io, "open"), (os, "open")):
        monkeypatch.setattr(module, name, refuse)
    for notebook, check, function in QUESTIONS:
        getattr(checking, check)(namespaces[notebook][function])
    assert capsys.readouterr().out.count("✓") == len(QUESTIONS)
