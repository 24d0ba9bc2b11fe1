r"""Every figure the course shows carries its description (:func:`.describe.describe`) as the
``alt`` text of its ``<img>``, in JupyterLab, in widget redraws and in exported HTML.

JupyterLab 4 renders an ``image/png`` output as an ``<img>`` with no ``alt`` and reads no
metadata for one (``renderImage`` of ``@jupyterlab/rendermime`` sets only ``src``, ``width``,
``height`` and two classes), so the text alternative travels as HTML: every figure's output
holds, beside its ``image/png`` (what other frontends and tests read), a ``text/html``
``<img src="data:image/png;base64,..." alt="...">`` of the same PNG. JupyterLab, Colab, VS Code
and nbconvert's HTML export all prefer ``text/html`` to ``image/png``, so that is what a reader
gets; JupyterLab's HTML sanitizer (for untrusted notebooks) keeps ``alt`` and ``data:`` sources.

- Figures a notebook shows (``display(fig)``, ``plt.show()``, the last figure of a cell):
  :func:`install` registers, in the running IPython, a mime-bundle printer for matplotlib's
  ``Figure`` that renders the PNG once with the PNG printer ``%matplotlib inline`` set up
  (moved out of the ``image/png`` formatter so the figure is not rendered twice) and adds the
  HTML. ``import sgdteach.course`` calls it, so notebooks need no code of their own.
- Figures inside widgets: :class:`DescribedImage`, an ``IPython.display.Image`` whose bundle
  holds the same HTML.
"""

from __future__ import annotations

import sys
from typing import Any

from .describe import describe, figure_html

_state: dict[str, Any] = {"png_printer": None}


def described_image(png: bytes, alt: str) -> Any:
    r"""An ``IPython.display.Image`` of ``png`` (a :class:`DescribedImage`) whose mime bundle
    also holds the ``<img>`` with ``alt`` as ``text/html`` (what JupyterLab renders)."""
    return _described_image_class()(data=png, format="png", alt=alt)


def _described_image_class() -> type:
    global DescribedImage
    if DescribedImage is None:
        from IPython.display import Image

        class _DescribedImage(Image):
            r"""A PNG with its text alternative ``alt``: ``image/png`` and an ``<img alt>``."""

            def _repr_mimebundle_(self, include=None, exclude=None):
                data, metadata = super()._repr_mimebundle_(include, exclude)
                return {**data, "text/html": figure_html(data["image/png"], self.alt)}, metadata

        _DescribedImage.__name__ = _DescribedImage.__qualname__ = "DescribedImage"
        DescribedImage = _DescribedImage
    return DescribedImage


#: The class of :func:`described_image`'s images (made on first use: IPython is imported late).
DescribedImage: Any = None


def _figure_bundle(fig: Any) -> tuple[dict, dict] | None:
    from matplotlib.figure import Figure

    png_formatter = get_ipython_or_none().display_formatter.formatters["image/png"]
    try:   # (re)registered by %matplotlib inline: take it over
        _state["png_printer"] = png_formatter.lookup_by_type(Figure)
        png_formatter.pop(Figure)
    except KeyError:
        pass
    printer = _state["png_printer"]
    if printer is None:
        return None
    png = printer(fig)
    metadata = None
    if isinstance(png, tuple):
        png, metadata = png
    if png is None:
        return None
    if isinstance(png, bytes):
        import base64

        png = base64.b64encode(png).decode("ascii")
    bundle = {"image/png": png, "text/html": figure_html(png, describe(fig), metadata)}
    return bundle, ({"image/png": metadata} if metadata else {})


def get_ipython_or_none() -> Any:
    r"""The running IPython shell, or None outside IPython (without importing IPython)."""
    if "IPython" not in sys.modules:
        return None
    return sys.modules["IPython"].get_ipython()


def install() -> bool:
    r"""Make every matplotlib figure the running IPython shows carry its description as
    ``alt`` (see the module). Returns whether an IPython shell was found. Idempotent."""
    shell = get_ipython_or_none()
    if shell is None:
        return False
    shell.display_formatter.mimebundle_formatter.for_type_by_name(
        "matplotlib.figure", "Figure", _figure_bundle)
    return True
