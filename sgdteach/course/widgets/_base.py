r"""The one widget pattern of the course: controls, and an output area redrawn when they change.

A builder supplies ``draw(**values) -> (figure, text)``: a pure function of the control values that
makes a matplotlib figure and a short text of the key numbers. The same function draws the static
figure in the notebook cell before the widget (what nbval checks), so the widget shows exactly what
the static cell shows at its defaults.

The figure is rendered to PNG here and displayed as an image inside an ``ipywidgets.Output`` of
fixed height: no ipympl, the inline route that works in JupyterLab, Colab and VS Code alike. The
image carries the figure's description (:func:`sgdteach.course.describe.describe`) as its ``alt``
text, at every redraw (:func:`sgdteach.course.figure_display.described_image`).
Every control has a descriptive accessible name (``names``; see :mod:`._a11y`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

LABEL_WIDTH = "90px"    # the column of control descriptions, the same in every widget


def label_style() -> dict[str, Any]:
    """Keyword arguments of a control whose description sits in the common label column."""
    return {"style": {"description_width": LABEL_WIDTH}}


def slider_style() -> dict[str, Any]:
    """Keyword arguments every course slider shares: the label column, a fixed width, and a
    redraw when the slider is released (not at every value it is dragged through)."""
    import ipywidgets as w

    return {**label_style(), "layout": w.Layout(width="420px"), "continuous_update": False}


def render_png(fig, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (and the figure closed, so nothing leaks into pyplot's state),
    on an opaque white background whatever the ``savefig.*`` settings say."""
    import matplotlib.pyplot as plt

    from ..._style import BACKGROUND

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=BACKGROUND, transparent=False)
    plt.close(fig)
    return buf.getvalue()


class CourseWidget:
    """Controls and an output area; changing a control's value redraws synchronously.

    ``names`` gives controls, by the same key, their accessible names (what a screen reader
    announces): the description and what it sets, e.g. ``"α (lr): learning rate, log scale"``;
    a control not in it is named by its description. See :mod:`sgdteach.course.widgets._a11y`.

    Attributes
    ----------
    controls : dict of ipywidgets controls, by argument name of ``draw``.
    names : dict of the controls' accessible names, by the same keys.
    output : the ``ipywidgets.Output`` holding the image and the printed numbers.
    box : the container to display (``display(widget)`` also works).
    last_text : the text printed under the latest figure.
    last_alt : the text alternative of the latest figure (its description).
    """

    def __init__(self, controls: Mapping[str, Any], draw: Callable[..., tuple[Any, str]], *,
                 names: Mapping[str, str] | None = None, height: str = "560px", dpi: int = 80):
        import ipywidgets as w

        from ._a11y import control_names, labelling_script

        self.controls = dict(controls)
        self.names = control_names(self.controls, names)
        self._draw = draw
        self._dpi = dpi
        self.last_text = ""
        self.last_alt = ""
        self.output = w.Output(layout=w.Layout(height=height, overflow="auto"))
        self.box = w.VBox([w.VBox(list(self.controls.values())), self.output])
        self._labelling = labelling_script(self.box, self.controls, self.names)
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.redraw()

    def values(self) -> dict[str, Any]:
        return {name: control.value for name, control in self.controls.items()}

    def _changed(self, change) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Recompute with the current values, and show the new figure and numbers."""
        from ..describe import describe

        fig, text = self._draw(**self.values())
        alt = describe(fig)
        self.show(render_png(fig, self._dpi), text, alt)

    def show(self, png: bytes, text: str, alt: str) -> None:
        """Replace the output: the image ``png`` with the text alternative ``alt``, then
        ``text``; and (re)label the controls."""
        from IPython.display import Javascript, display

        from ..figure_display import described_image

        self.last_text = text
        self.last_alt = alt
        with self.output:
            self.output.clear_output(wait=True)
            display(Javascript(self._labelling))
            display(described_image(png, alt))
            print(text)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)
