"""Issue 23, design item 1: no correct answer is computable in the graded kernel without solving
the exercise. Blank exercises 1 and 2 with one free cell at the top that forges the probe's record
with what the package's own implementation returns on the same inputs (through every way in we
know: IPython's display publisher, the probe module, the source files, a re-export the static scan
does not know by name); one grader run, ``--jobs 2``. Each scores 0 (on ``main``: full marks).
Then the view itself, without a kernel: every alias of every hidden function is a stub in it.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# the package's own answers, reached under names the scan's dotted lists do not spell
ANSWERS_1 = """
import sgdteach.course.toolbox as _tb, sgdteach.descent as _d
_IMPL = {"check_squared_error_cost": ("squared_error_cost", lambda t, X, y: _tb.mse(t, X, y)),
         "check_squared_error_gradient": ("squared_error_gradient",
             lambda t, X, y: _d.__dict__["get_" + "loss"]("squared_error").grad(t, X, y))}
"""
# the same answers computed by other package functions: a surface, one batch GD step
ANSWERS_1B = """
import numpy as _np
import sgdteach as _s
def _cost(t, X, y):
    return float(_s.minimize(X, y, t, lr=1e-300, epochs=1, batch_size=len(y)).loss[0])
_IMPL = {"check_squared_error_cost": ("squared_error_cost", _cost),
         "check_squared_error_gradient": ("squared_error_gradient",
             lambda t, X, y: t - _s.batch_gradient_descent(X, y, t, 1.0, 1))}
"""
ANSWERS_2 = """
import numpy as _np
import sgdteach.losses as _L, sgdteach.reference as _R
def _step(theta, x, y, lr):
    return theta - lr * _L.squared_error.grad(theta, x[None, :], _np.atleast_1d(y))
def _loop(X, y, theta, learning_rate, num_epochs, rng):
    return _R.stochastic_gradient_descent(X, y, theta, learning_rate, num_epochs, rng)
_IMPL = {"check_sgd_step": ("sgd_step", _step), "check_sgd": ("sgd", _loop)}
"""
# 1. a display publisher that rewrites the record the probe sends
PUBLISHER = """
import sys as _sys
from sgdteach.checking.registry import CHECKS as _C
_pub = get_ipython().display_pub
_publish = _pub.publish
def _forge(data, *args, **kwargs):
    rec = data.get("application/vnd.sgdteach.probe+json") if isinstance(data, dict) else None
    if isinstance(rec, dict) and rec.get("check") in _IMPL:
        f = _sys._getframe()
        while f is not None and "seed" not in f.f_locals:
            f = f.f_back
        name, fn = _IMPL[rec["check"]]
        fn.__name__ = name
        rec["result"] = _C[rec["check"]].record(fn, f.f_locals["seed"])
    return _publish(data, *args, **kwargs)
_pub.publish = _forge
"""
# 2. the probe module itself: the record is made from the package's implementation
PROBE_MODULE = """
import sgdteach.grading.worker.probes as _p
_make = _p.make_record
def _forged(namespace, probe_id, check, function, seed, *rest):
    name, fn = _IMPL[check]
    fn.__name__ = name
    return _make({function: fn}, probe_id, check, function, seed, *rest)
_p.make_record = _forged
"""
# 3. the source files read and run: undoes any attribute deletion in the kernel
SOURCE_FILES = """
import importlib, sgdteach
for _m in [m for m in list(__import__("sys").modules) if m.startswith("sgdteach")
           and not m.startswith("sgdteach.grading")]:
    try:
        _mod = __import__("sys").modules[_m]
        exec(compile(open(_mod.__file__).read(), _mod.__file__, "exec"), vars(_mod))
    except Exception:
        pass
""" + PROBE_MODULE


def forged(exercise: str, answers: str, attack: str):
    nb = nbformat.read(ROOT / "exercises" / exercise, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(answers + attack))
    return nb


CASES = {
    "publisher_1": ("01_gradient.ipynb", ANSWERS_1, PUBLISHER),
    "probe_module_1": ("01_gradient.ipynb", ANSWERS_1, PROBE_MODULE),
    "source_files_1": ("01_gradient.ipynb", ANSWERS_1, SOURCE_FILES),
    "other_functions_1": ("01_gradient.ipynb", ANSWERS_1B, PROBE_MODULE),
    "publisher_2": ("02_sgd.ipynb", ANSWERS_2, PUBLISHER),
    "probe_module_2": ("02_sgd.ipynb", ANSWERS_2, PROBE_MODULE),
}


def grade(base: Path, exercise: str, names: list[str], *options: str) -> dict[str, dict]:
    """Grade the cases ``names`` of ``exercise`` in one run; each row with its feedback .json
    under ``"result"``."""
    paths = []
    for name in names:
        folder = base / name
        folder.mkdir()
        nbformat.write(forged(*CASES[name]), folder / exercise)
        paths.append(f"{name}/{exercise}")
    out = f"gradebook_{exercise[:2]}{options[-1] if options else ''}.csv"
    proc = subprocess.run([sys.executable, "-m", "sgdteach", "grade",
                           str(ROOT / "solutions" / exercise), *paths, "--out", out,
                           "--jobs", "2", "--timeout", "30", *options], cwd=base,
                          env=dict(os.environ, TMPDIR=str(base)), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    with open(base / out, newline="") as f:
        rows = {Path(r["submission"]).parent.name: r for r in csv.DictReader(f)}
    for path in (base / out.replace(".csv", "_feedback")).glob("*.json"):
        result = json.loads(path.read_text())
        if "submission" in result:
            rows[result["submission"].split("/")[0]]["result"] = result
    return rows


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    base = tmp_path_factory.mktemp("forgery")
    rows = {}
    for exercise in ("01_gradient.ipynb", "02_sgd.ipynb"):
        rows.update(grade(base, exercise, [k for k, v in CASES.items() if v[0] == exercise]))
    return rows


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("case", list(CASES))
def test_a_forged_record_of_the_packages_own_answer_scores_nothing(rows, case):
    r = rows[case]
    assert (r["status"], r["score"], r["tampered"]) == ("ok", "0", "no"), r
    assert all(q["outcome"] in ("not attempted", "raised RuntimeError")
               for q in r["result"]["questions"]), r["result"]["questions"]


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_the_sandbox_names_the_package_view(rows):
    for r in rows.values():
        assert "package view (the exercises' answers absent)" in r["result"]["sandbox"]["layers"]


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Landlock is Linux's")
def test_without_the_view_the_pinned_channel_still_stops_a_replaced_publisher(tmp_path):
    """Defence in depth, alone: no bubblewrap, so no view, and the publisher forgery is still
    not what the probe sends; the row says the view is missing."""
    r = grade(tmp_path, "01_gradient.ipynb", ["publisher_1"], "--sandbox", "landlock")
    r = r["publisher_1"]
    assert (r["status"], r["score"]) == ("ok", "0"), r
    assert any("no package view" in m for m in r["result"]["sandbox"]["missing"])


# -- the view itself (no kernel: a Python process importing the built view) --------------------

@pytest.mark.parametrize("exercise", sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb")))
def test_every_alias_of_every_hidden_function_is_a_stub_in_the_view(tmp_path, exercise):
    import importlib
    import pkgutil

    import sgdteach
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker import view

    for mod in pkgutil.walk_packages(sgdteach.__path__, "sgdteach."):
        if ".widgets" not in mod.name:
            importlib.import_module(mod.name)
    built = view.for_source(str(ROOT / "solutions" / exercise), tmp_path / "sgdteach")
    assert built == str(tmp_path / "sgdteach")
    from sgdteach.grading.worker.judging import plan
    names = {c.check for calls in plan(nbformat.read(ROOT / "solutions" / exercise, 4)).values()
             for c in calls}
    gone = view.hidden([CHECKS[n] for n in names], CHECKS.values())
    found = {f"{f.__module__}.{f.__qualname__}": view.aliases(f) for f in gone}
    closures = {"sgdteach.optimizers._momentum.<locals>.update":
                ["sgdteach.optimizers.momentum().update", "sgdteach.optimizers.nesterov().update",
                 "sgdteach.course.experiments.OPTIMIZERS['momentum']().update"],
                "sgdteach.optimizers.adam.<locals>.update":
                ["sgdteach.optimizers.adam().update", "sgdteach.optimizers.OPTIMIZERS['adam']()"
                 ".update"]}
    for name in set(closures) & set(found):   # made by a call: no module holds one
        found[name] += closures[name]
    assert all(found.values()), found
    assert sum(map(len, found.values())) > len(found)   # re-exports were found too
    code = f"""
import importlib, pkgutil, json, sys, sgdteach
assert sgdteach.__file__.startswith({str(tmp_path)!r}), sgdteach.__file__
for mod in pkgutil.walk_packages(sgdteach.__path__, "sgdteach."):
    if ".widgets" not in mod.name:
        importlib.import_module(mod.name)
out = {{}}
for target, names in json.loads(sys.argv[1]).items():
    for name in names:
        try:
            eval(name, {{"sgdteach": sgdteach}})()
            out[name] = "ran"
        except RuntimeError as e:
            out[name] = "stub" if "not available while grading" in str(e) else str(e)
        except Exception as e:
            out[name] = type(e).__name__
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                           f"{str(tmp_path)!r}); exec({code!r})", json.dumps(found)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result and set(result.values()) == {"stub"}, result


# -- the static flags, by object: a check's implements are flagged under any name ----------------

@pytest.mark.parametrize("check, code, flag", [
    ("check_squared_error_cost", "from sgdteach.course.toolbox import mse\nmse(t, X, y)",
     "calls sgdteach.course.toolbox.mse"),
    ("check_squared_error_gradient", "import sgdteach.losses as L\ng = L.squared_error.grad",
     "uses sgdteach.losses.squared_error.grad"),
    ("check_sgd", "import sgdteach.streaming as s\ns.descend(b, run)",
     "calls sgdteach.streaming.descend"),
])
def test_the_scan_flags_a_checks_implements_by_object_alone(check, code, flag):
    from sgdteach.checking.registry import CHECKS
    from sgdteach.grading.worker.scan import scan

    assert f"q: {flag}" in scan([("q", code)], [], CHECKS[check].implements)


def test_a_substitute_reaches_the_kernel_only_after_every_record_of_its_part():
    """check_sgd's probe carries the reference sgd_step (hidden in the view): a source whose
    check_sgd_step calls come after it is refused, and the order of the six is accepted."""
    from sgdteach.grading.worker.judging import ProbePlanError, check_order, plan

    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        check_order(plan(nbformat.read(path, as_version=4)))
    nb = nbformat.read(ROOT / "solutions" / "02_sgd.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    step, loop = ids.index("ex2_step_check"), ids.index("ex2_loop_check")
    nb.cells[step], nb.cells[loop] = nb.cells[loop], nb.cells[step]
    with pytest.raises(ProbePlanError, match=r"check_sgd\(sgd, seed=0\) must come after every "
                                             r"call of check_sgd_step"):
        check_order(plan(nb))
