r"""Self-test of the browser harness on a scratch notebook written for the test.

The scratch notebook holds a FloatSlider wired to an ``Output`` widget that draws a
matplotlib figure and prints the slope, a cell that raises under the ``raises-exception``
tag, and a last cell. The test proves each piece the course tests rely on can fail:
Run All runs every cell, an error output is seen (and excused only by the tag), the
keyboard moves the slider, the readout, the figure and the printed number change (and do
not for a slider wired to nothing), and a
save (which the course tests forbid) shows in the server log.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
from lab_page import Notebook
from lab_widgets import Slider, save_screenshot, wait_for_redraw, widget_state

WIDGET_CELL = '''\
import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

slope = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.25, description="slope",
                            continuous_update=False)
frozen = widgets.IntSlider(value=0, min=0, max=5, description="frozen")  # redraws nothing
out = widgets.Output()

def draw(*_):
    out.clear_output(wait=True)
    with out:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, slope.value])
        ax.set_ylim(0, 3)
        plt.show()
        print(f"slope {slope.value:.2f} area {slope.value / 2:.3f}")

slope.observe(draw, names="value")
draw()
display(widgets.VBox([slope, frozen, out]))'''


def scratch_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nb.cells = [
        nbformat.v4.new_markdown_cell("# harness self-test"),
        nbformat.v4.new_code_cell(WIDGET_CELL),
        nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        nbformat.v4.new_code_cell(""),
        nbformat.v4.new_code_cell("print('last cell ran')"),
    ]
    return nb


def test_harness_runs_a_widget_notebook(lab_server, page, artifacts):
    folder = tempfile.mkdtemp(prefix="scratch-", dir=artifacts)
    try:
        path = Path(folder) / "harness.ipynb"
        nbformat.write(scratch_notebook(), path)
        rel = path.relative_to(lab_server.root_dir).as_posix()
        mark = lab_server.log_size()
        notebook = Notebook(page, lab_server, rel).open()
        notebook.run_all(timeout=60)

        # Every cell ran; the tagged error is seen but excused; the blank cell is skipped.
        assert notebook.problems() == []
        states = notebook.cell_states()
        assert [s["prompt"] for s in states] == ["[1]:", "[2]:", "[ ]:", "[3]:"]
        assert any("ZeroDivisionError" in e for e in states[1]["errors"])
        assert "last cell ran" in notebook.cell_text(3)

        cell = notebook.widget_cell("slope")
        slider = Slider(cell, "slope")
        before = widget_state(cell, [slider])
        assert before.readouts == {"slope": "1.00"}
        assert len(before.images) == 1 and before.images[0].startswith("data:image/png")
        assert before.numbers == ("1.00", "0.500")
        save_screenshot(cell, artifacts, "harness_0_start")

        slider.press("ArrowRight")
        after = wait_for_redraw(notebook, cell, [slider], before)
        save_screenshot(cell, artifacts, "harness_1_slope_right")
        assert after.readouts == {"slope": "1.25"}
        assert len(after.images) == 1 and after.images != before.images
        assert after.numbers == ("1.25", "0.625")
        assert notebook.problems() == []

        # A slider wired to nothing: the readout moves, the figure and the text do not.
        frozen = Slider(cell, "frozen")
        still = widget_state(cell, [frozen])
        frozen.press("ArrowRight")
        moved = wait_for_redraw(notebook, cell, [frozen], still, timeout=3)
        assert (still.readouts, moved.readouts) == ({"frozen": "0"}, {"frozen": "1"})
        assert (moved.images, moved.text) == (after.images, after.text)

        # Nothing was written so far (autosave is off); a deliberate save is seen.
        assert lab_server.writes(mark) == []
        notebook.menu("File", "Save Notebook")
        for _ in range(40):
            if lab_server.writes(mark):
                break
            page.wait_for_timeout(250)
        assert [w.split("Saving file at ")[-1] for w in lab_server.writes(mark)] == [f"/{rel}"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
