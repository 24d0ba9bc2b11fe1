r"""Fast redraws for widget figures: render the fixed parts once, repaint only what changes.

Drawing text (tick labels, titles) dominates the cost of re-rendering a multi-panel matplotlib
figure; a slider move usually changes only the curves. :class:`BlitFigure` keeps the rendered
background as pixels and paints the changed artists over a copy of it (matplotlib "blitting").
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np

from ._base import CourseWidget

DPI = 80


class BlitFigure:
    """A figure whose fixed parts (axes, ticks, labels, contours) are rendered once and kept as
    pixels; :meth:`png` repaints only ``self.animated`` over a copy of them, and re-renders the
    fixed parts only when ``self.key`` (what they depend on, e.g. axis limits) changed.

    Subclasses build ``self.fig`` (made with ``animated=blit`` on the changing artists), list
    those artists in ``self.animated`` and set ``self.key`` in their ``draw``. With
    ``blit=False`` it is an ordinary figure (what the static notebook cell displays).
    """

    def __init__(self, figsize: tuple[float, float], blit: bool) -> None:
        from matplotlib.figure import Figure

        from ..._style import BACKGROUND

        self.fig = Figure(figsize=figsize, dpi=DPI, facecolor=BACKGROUND)
        self.blit = blit
        self.animated: list = []
        self.key: tuple = ()
        self._drawn_key: tuple | None = None
        self.draw: Callable[..., tuple[Any, str]]   # subclasses: update, return (figure, text)
        self._background = None

    def png(self) -> bytes:
        """The figure as PNG bytes, at :data:`DPI` dots per inch."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image

        canvas = self.fig.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.fig)
        if self._background is None or self._drawn_key != self.key:
            canvas.draw()   # everything not animated
            self._background, self._drawn_key = canvas.copy_from_bbox(self.fig.bbox), self.key
        else:
            canvas.restore_region(self._background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png",
                                                               compress_level=1)
        return buf.getvalue()


class BlitWidget(CourseWidget):
    """A :class:`CourseWidget` showing a :class:`BlitFigure`: ``plot.draw(**values)`` updates
    the data and returns ``(figure, text)``, ``plot.png()`` paints it."""

    def __init__(self, controls, plot: BlitFigure, **kwargs) -> None:
        self._plot = plot
        super().__init__(controls, plot.draw, **kwargs)

    def redraw(self) -> None:
        from ..describe import describe

        fig, text = self._draw(**self.values())
        self.show(self._plot.png(), text, describe(fig))
