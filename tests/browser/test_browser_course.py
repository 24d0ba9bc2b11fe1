r"""The course in a real browser: JupyterLab + Chromium, the way a learner uses it.

For each widget notebook: open it, clear the saved outputs, Run All Cells, check every code
cell ran and none shows an error, then move the widget's sliders with the keyboard and check
that the readout, the figure inside the widget's ``Output`` and the printed numbers change.
A screenshot of each state goes to ``tests/artifacts/browser/``. Notebook 00 must report
``Environment OK`` from its environment check cell. The Run All is the one the notebook's
accessibility test audits (:mod:`lab_runs`: one Run All per notebook for all its tests).
"""

from __future__ import annotations

import re

import pytest
from lab_page import Notebook
from lab_runs import on_notebook
from lab_widgets import Slider, save_screenshot, wait_for_redraw, widget_state

# The numbers a widget prints that must change when a slider moves (first regex group).
FINAL_LOSSES = r"final loss (\d+\.\d+)"
FINAL_DISTANCES = r"^\S.*\s(\d+\.\d{4})$"  # "Nesterov    0.0003": one line per update rule
FINAL_EXCESS = r"J − J\* (\S+)"  # "SAGA          J − J* 7.87e-12   ...": one line per method


def widget_case(name: str, moves, results: str, id: str):
    r"""One widget notebook's case; it shares its Run All with the notebook's other tests."""
    return pytest.param(name, moves, results, id=id, marks=on_notebook(name))


# (notebook, sliders moved in turn: (description label, key pressed), printed results)
WIDGET_NOTEBOOKS = [
    widget_case("03_batch_vs_stochastic_vs_minibatch.ipynb",
                (("batch size", "ArrowRight"), ("α (lr)", "ArrowLeft")), FINAL_LOSSES,
                id="03-methods_widget"),
    widget_case("04_learning_rate.ipynb",
                (("α₀ (lr)", "ArrowLeft"), ("epochs", "ArrowRight")), FINAL_LOSSES,
                id="04-schedules_widget"),
    widget_case("08_momentum_and_adaptive_methods.ipynb",
                (("α (lr)", "ArrowLeft"), ("steps", "ArrowRight")), FINAL_DISTANCES,
                id="08-optimizers_widget"),
    widget_case("11_beyond_the_noise_floor.ipynb",
                (("α (lr)", "ArrowLeft"), ("epochs", "ArrowRight")), FINAL_EXCESS,
                id="11-floor_methods_widget"),
]


def open_and_run(notebook_runs, name: str) -> Notebook:
    r"""Open ``notebooks/name``, Run All Cells (once for all tests of the notebook: the
    ``notebook_runs`` fixture) and check that every code cell ran cleanly, within 120 s."""
    run = notebook_runs.get(name)
    assert run.seconds <= 120, f"{name}: Run All Cells took {run.seconds:.1f} s (> 120 s)"
    assert not run.problems, f"{name} after Run All Cells:\n" + "\n".join(run.problems)
    assert not run.writes, "JupyterLab wrote into the repository:\n" + "\n".join(run.writes)
    return run.notebook


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.mark.parametrize(("name", "moves", "results"), WIDGET_NOTEBOOKS)
def test_widget_redraws_when_sliders_move(notebook_runs, artifacts, no_writes,
                                          name, moves, results):  # fmt: skip
    notebook = open_and_run(notebook_runs, name)
    labels = [label for label, _ in moves]
    cell = notebook.widget_cell(*labels)
    sliders = [Slider(cell, label) for label in labels]
    stem = name.split("_")[0]
    state = widget_state(cell, sliders)
    assert len(state.images) == 1, f"{name}: the widget's Output shows {len(state.images)} images"
    assert len(state.results(results)) >= 2, (
        f"{name}: the widget's Output does not print its results ({results}):\n{state.text}"
    )
    save_screenshot(cell, artifacts, f"{stem}_0_after_run_all")

    for step, (slider, (label, key)) in enumerate(zip(sliders, moves, strict=True), start=1):
        if slider.at_end(key):
            key = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}[key]
        before = state
        slider.press(key)
        state = wait_for_redraw(notebook, cell, sliders, before)
        save_screenshot(cell, artifacts, f"{stem}_{step}_{slug(label)}_{key}")
        what = f"{name}: after {key} on {label!r}"
        assert state.readouts[label] != before.readouts[label], f"{what}: readout unchanged"
        others = {k: v for k, v in state.readouts.items() if k != label}
        assert others == {k: v for k, v in before.readouts.items() if k != label}, what
        assert len(state.images) == 1, f"{what}: {len(state.images)} images in the Output"
        assert state.images != before.images, f"{what}: the figure did not change"
        assert state.results(results) != before.results(results), (
            f"{what}: the printed results did not change:\n{state.text}"
        )
        problems = notebook.problems()
        assert not problems, f"{what}:\n" + "\n".join(problems)


@on_notebook("00_start_here.ipynb")
def test_environment_check_reports_success(notebook_runs, artifacts, no_writes):
    name = "00_start_here.ipynb"
    notebook = open_and_run(notebook_runs, name)
    checks = [c.index for c in notebook.cells if re.search(r"\bcheck_environment\(", c.source)]
    assert len(checks) == 1, (
        f"{name}: expected one code cell calling check_environment(), found {len(checks)}"
    )
    save_screenshot(notebook.code_cell(checks[0]), artifacts, "00_environment_check")
    lines = notebook.cell_text(checks[0]).splitlines()
    assert "Environment OK" in [line.strip() for line in lines], "\n".join(lines)
    assert not any("NOT OK" in line for line in lines), "\n".join(lines)
