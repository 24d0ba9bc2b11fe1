r"""Notebook 10's widget in a real browser: Run All Cells, then move the batch-size and α
sliders and pick another update rule, as a learner would, and check that the readout, the
figure inside the widget's ``Output`` and the printed losses change each time. Screenshots go
to ``tests/artifacts/browser/``."""

from __future__ import annotations

from lab_runs import on_notebook
from lab_widgets import Slider, save_screenshot, wait_for_redraw, widget_state
from test_browser_course import open_and_run, slug

from sgdteach.course.widgets.network import CONTROL_NAMES

NAME = "10_sgd_trains_a_network.ipynb"
LOSSES = r"loss (\d+\.\d{4})"          # "train: loss 0.1057, ..." and "test:  loss 0.1670, ..."
MOVES = (("batch size", "ArrowRight"), ("α (lr)", "ArrowLeft"))


@on_notebook(NAME)
def test_network_widget_follows_its_controls(notebook_runs, artifacts, no_writes):
    notebook = open_and_run(notebook_runs, NAME)
    labels = [label for label, _ in MOVES]
    cell = notebook.widget_cell(*labels)
    sliders = [Slider(cell, label) for label in labels]
    state = widget_state(cell, sliders)
    assert len(state.images) == 1, f"{NAME}: the widget's Output shows {len(state.images)} images"
    assert len(state.results(LOSSES)) == 2, f"{NAME}: no train and test loss:\n{state.text}"
    assert "batch size 32, α = 0.2, sgd, constant" in state.text, state.text
    save_screenshot(cell, artifacts, "10_0_after_run_all")

    for step, (slider, (label, key)) in enumerate(zip(sliders, MOVES, strict=True), start=1):
        before = state
        slider.press(key)
        state = wait_for_redraw(notebook, cell, sliders, before)
        save_screenshot(cell, artifacts, f"10_{step}_{slug(label)}_{key}")
        what = f"{NAME}: after {key} on {label!r}"
        assert state.readouts[label] != before.readouts[label], f"{what}: readout unchanged"
        others = {k: v for k, v in state.readouts.items() if k != label}
        assert others == {k: v for k, v in before.readouts.items() if k != label}, what
        assert len(state.images) == 1, f"{what}: {len(state.images)} images in the Output"
        assert state.images != before.images, f"{what}: the figure did not change"
        assert state.results(LOSSES) != before.results(LOSSES), f"{what}:\n{state.text}"
    assert "batch size 64," in state.text, state.text

    before = state
    cell.get_by_role("button", name=f"{CONTROL_NAMES['optimizer']}: adam", exact=True).click()
    state = wait_for_redraw(notebook, cell, sliders, before)
    save_screenshot(cell, artifacts, "10_3_adam")
    assert ", adam, constant" in state.text, state.text
    assert state.images != before.images and state.results(LOSSES) != before.results(LOSSES)
    assert state.readouts == before.readouts
    problems = notebook.problems()
    assert not problems, f"{NAME} after moving the controls:\n" + "\n".join(problems)
