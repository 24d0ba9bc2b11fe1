r"""Text alternatives of figures: what a screen reader says instead of showing the picture.

:func:`describe` writes a figure's description from the figure itself: its title, each panel's
title, axis labels and ranges (log scales said), each labelled curve with where it starts and
ends (and its lowest point when that is not the end), contour sets, images, scatter sets and
bars, and last the one sentence the notebook wants the reader to take from the figure, given
with :func:`takeaway`. Numbers are rounded to two significant figures, so the text does not
change with the BLAS kernel or thread count that computed them.

The description reaches the page as the ``alt`` text of the figure's ``<img>``:
:func:`figure_html` builds that tag, and :mod:`sgdteach.course.figure_display` puts it beside
the PNG of every figure a notebook shows and of every widget redraw.

Example
-------
>>> import matplotlib; matplotlib.use("Agg")
>>> from matplotlib.figure import Figure
>>> fig = Figure(); ax = fig.subplots()
>>> _ = ax.plot([0, 1, 2], [4.0, 1.0, 0.5], label="SGD"); _ = ax.set_xlabel("epoch")
>>> _ = takeaway(fig, "The loss falls fast, then slowly.")
>>> print(describe(fig))  # doctest: +NORMALIZE_WHITESPACE
Figure with 1 panel. x axis 'epoch' from -0.1 to 2.1; y axis from 0.32 to 4.2. Curve 'SGD':
starts at (0, 4), ends at (2, 0.5). The loss falls fast, then slowly.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from .._validation import fail

MAX_SERIES = 8   # curves described one by one in a panel; the rest are counted
NOISE = 1e-8     # |value| below NOISE x the largest |value| of its series or axis is said "0"
_TAKEAWAY = "_sgdteach_takeaway"
_TIMING = "_sgdteach_timing"
_TIME_LABEL = re.compile(r"\b(wall[- ]time|seconds?|time \((?:m|µ)?s\b|\((?:m|µ)?s\))",
                         re.IGNORECASE)
_TEX = {r"\alpha": "α", r"\beta": "β", r"\theta": "θ", r"\eta": "η", r"\lambda": "λ",
        r"\mu": "μ", r"\sigma": "σ", r"\nabla": "∇", r"\ell": "ℓ", r"\star": "*",
        r"\cdot": "·", r"\times": "×", r"\le": "≤", r"\ge": "≥", r"\approx": "≈",
        r"\infty": "∞", r"\|": "‖", r"\,": " ", r"\;": " ", r"\!": ""}


def takeaway(fig: Any, sentence: str) -> Any:
    r"""Attach to ``fig`` the sentence a reader should take from it; return ``fig``.

    :func:`describe` ends the figure's description with it.
    """
    if not isinstance(sentence, str) or len(sentence.strip()) < 10:
        fail("takeaway", "sentence", "a sentence saying what the figure shows", sentence)
    setattr(fig, _TAKEAWAY, sentence.strip())
    return fig


def num(value: float) -> str:
    r"""``value`` to two significant figures (``0.0123 -> '0.012'``, ``1234 -> '1.2e+03'``)."""
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    text = f"{value:.2g}"
    return "0" if text == "-0" else text


def _said(values: np.ndarray) -> np.ndarray:
    r"""``values`` with those within rounding error of zero (below :data:`NOISE` times the
    largest magnitude) set to 0: which one of such values is smallest, or its digits, depends
    on the BLAS kernel."""
    values = np.asarray(values, dtype=float)
    scale = float(np.max(np.abs(values), initial=0.0))
    return np.where(np.abs(values) < NOISE * scale, 0.0, values)


def plain(label: str) -> str:
    r"""A matplotlib label as plain text: mathtext ``$\theta_0$`` becomes ``θ_0``."""
    def math(match: re.Match) -> str:
        text = match.group(1)
        for tex, char in _TEX.items():   # a command ends at a non-letter; TeX drops the space
            end = r"(?![A-Za-z])\s*" if tex[1:].isalpha() else ""
            text = re.sub(re.escape(tex) + end, char, text)
        text = re.sub(r"\\(?:mathrm|mathbf|operatorname|text)\{([^}]*)\}", r"\1", text)
        return re.sub(r"[{}\\]", "", text)

    return re.sub(r"\s+", " ", re.sub(r"\$([^$]*)\$", math, label)).strip()


def timing(ax: Any, axis: str = "x") -> Any:
    r"""Mark ``axis`` (``"x"`` or ``"y"``) of ``ax`` as measured time; return ``ax``.

    Timings differ from run to run and machine to machine, so :func:`describe` says which axis
    holds them and gives no number on it. An axis whose label names a time unit ("wall time
    (s)", "seconds per ...", "(ms)") counts as marked.
    """
    if axis not in ("x", "y"):
        fail("timing", "axis", "'x' or 'y'", axis)
    setattr(ax, _TIMING, getattr(ax, _TIMING, frozenset()) | {axis})
    return ax


def _is_timing(ax: Any, axis: str) -> bool:
    label = ax.get_xlabel() if axis == "x" else ax.get_ylabel()
    return axis in getattr(ax, _TIMING, ()) or bool(_TIME_LABEL.search(label))


def _axis(name: str, label: str, lim: tuple[float, float], scale: str, timed: bool) -> str:
    text = f"{name} axis" + (f" '{plain(label)}'" if label else "")
    if timed:
        text += " (measured times: they differ from machine to machine)"
    else:
        low, high = _said(np.sort(np.asarray(lim, dtype=float)))
        text += f" from {num(low)} to {num(high)}"
    return text + (f" ({scale} scale)" if scale != "linear" else "")


def _point(x: str, y: str, timed: tuple[bool, bool]) -> str:
    if timed[0] and timed[1]:
        return "a measured time"
    if timed[0] or timed[1]:
        return f"y = {y}" if timed[0] else f"x = {x}"
    return f"({x}, {y})"


def _legend_names(fig: Any, ax: Any) -> dict[tuple, str]:
    r"""{(colour, line style, marker): text} of the legend entries of ``ax``, then of the other
    panels and the figure: a curve with no label of its own is named by the legend entry drawn
    like it (panels often share one legend)."""
    from matplotlib.colors import to_hex

    names: dict[tuple, str] = {}
    for legend in [ax.get_legend(), *(a.get_legend() for a in fig.axes), *fig.legends]:
        if legend is None:
            continue
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=False):
            if hasattr(handle, "get_linestyle") and hasattr(handle, "get_marker"):
                key = (to_hex(handle.get_color()), handle.get_linestyle(), handle.get_marker())
                names.setdefault(key, text.get_text())
    return names


def _line(line: Any, legend: dict[tuple, str], timed: tuple[bool, bool]) -> str | None:
    from matplotlib.colors import to_hex

    label = line.get_label()
    if label.startswith("_"):
        label = legend.get((to_hex(line.get_color()), line.get_linestyle(),
                            line.get_marker()), "")
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    name = f" '{plain(label)}'" if label else ""
    if not ok.any():   # e.g. a legend's proxy artist
        return None
    x, y = x[ok], y[ok]
    if line.get_transform() != line.axes.transData:   # axhline / axvline: axes coordinates
        if np.ptp(y) == 0:
            return f"horizontal line{name} at y = {num(y[0])}"
        if np.ptp(x) == 0:
            return f"vertical line{name} at x = {num(x[0])}"
    x, y = _said(x), _said(y)
    if len(x) == 1:
        return f"marker{name} at {_point(num(x[0]), num(y[0]), timed)}"
    text = (f"curve{name}: starts at {_point(num(x[0]), num(y[0]), timed)}, "
            f"ends at {_point(num(x[-1]), num(y[-1]), timed)}")
    k = int(np.argmin(y))   # the first of equal lowest values (of several 0s, the first)
    if num(y[k]) not in (num(y[0]), num(y[-1])) and not timed[1]:
        text += f", lowest {num(y[k])}" + ("" if timed[0] else f" at x = {num(x[k])}")
    return text


def _collections(ax: Any) -> list[str]:
    from matplotlib.collections import (
        FillBetweenPolyCollection,
        LineCollection,
        PathCollection,
        QuadMesh,
    )
    from matplotlib.contour import ContourSet

    out = []
    for c in ax.collections:
        label = c.get_label()
        name = "" if label.startswith("_") else f" '{plain(label)}'"
        if isinstance(c, ContourSet):
            levels = np.asarray(c.levels, dtype=float)
            kind = "filled contours" if c.filled else "contour lines"
            out.append(f"{kind}{name} of {len(levels)} levels"
                       + (f" from {num(levels.min())} to {num(levels.max())}"
                          if len(levels) else ""))
        elif isinstance(c, PathCollection):
            out.append(f"scatter{name} of {np.shape(c.get_offsets())[0]} points")
        elif isinstance(c, QuadMesh):
            values: Any = np.ma.masked_invalid(np.ma.asarray(c.get_array(), dtype=float))
            rows, cols = np.shape(c.get_coordinates())[:2]
            out.append(f"colour map{name} of {rows - 1} by {cols - 1} cells"
                       + (f", values from {num(values.min())} to {num(values.max())}"
                          if values.count() else ""))
        elif isinstance(c, FillBetweenPolyCollection):
            out.append(f"shaded band{name}")
        elif isinstance(c, LineCollection):
            out.append(f"{len(c.get_segments())} line segments{name}")
    return out


def _panel(ax: Any) -> str:
    colorbar = getattr(ax, "_colorbar", None)
    if colorbar is not None:
        lo, hi = (ax.get_ylim() if colorbar.orientation == "vertical" else ax.get_xlim())
        label = plain(colorbar.ax.get_ylabel() or colorbar.ax.get_xlabel())
        return f"Colour bar{f' {label!r}' if label else ''} from {num(lo)} to {num(hi)}."
    timed = (_is_timing(ax, "x"), _is_timing(ax, "y"))
    axes = [_axis("x", ax.get_xlabel(), ax.get_xlim(), ax.get_xscale(), timed[0]),
            _axis("y", ax.get_ylabel(), ax.get_ylim(), ax.get_yscale(), timed[1])
            ] if ax.axison else []
    title = f"Panel '{plain(ax.get_title())}'" if ax.get_title() else ""
    text = f"{title}: " + "; ".join(axes) if title and axes else title or "; ".join(axes)
    legend = _legend_names(ax.figure, ax)
    items = [d for d in (_line(line, legend, timed) for line in ax.get_lines()) if d]
    if len(items) > MAX_SERIES:
        items = items[:MAX_SERIES] + [f"and {len(items) - MAX_SERIES} more curves"]
    items += _collections(ax)
    items += [f"image of {np.shape(im.get_array())[0]} by {np.shape(im.get_array())[1]} cells"
              for im in ax.images]
    bars = [p for c in ax.containers for p in getattr(c, "patches", ())]
    if bars:
        heights = [p.get_height() for p in bars]
        items.append(f"{len(bars)} bars, heights from {num(min(heights))} to "
                     f"{num(max(heights))}")
    sentences = ([text + "."] if text else []) + [item[0].upper() + item[1:] + "."
                                                  for item in items]
    return " ".join(sentences)


def describe(fig: Any) -> str:
    r"""Return a text alternative of the matplotlib figure ``fig``, generated from it.

    ``"Figure '<title>' with <n> panels. <per panel: title; x axis '<label>' from a to b
    (log scale); y axis ...; each labelled curve: starts at (x, y), ends at (x, y), lowest y
    at x; contours, scatters, images, bars>. <takeaway>"``, numbers to 2 significant figures.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        One paragraph of plain text.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        fail("describe", "fig", "a matplotlib Figure", type(fig).__name__,
             "Pass the figure, e.g. describe(ax.figure).", kind=TypeError)
    suptitle = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    panels = [ax for ax in fig.axes if ax.get_visible()]
    n = sum(getattr(ax, "_colorbar", None) is None for ax in panels)
    head = "Figure" + (f" '{plain(suptitle)}'" if suptitle else "")
    head += f" with {n} panel{'s' if n != 1 else ''}."
    parts = [head] + [_panel(ax) for ax in panels]
    if getattr(fig, _TAKEAWAY, None):
        parts.append(getattr(fig, _TAKEAWAY))
    return " ".join(parts)


def figure_html(png_base64: str, alt: str, metadata: dict | None = None) -> str:
    r"""The ``<img>`` tag of a PNG (base64 text) with ``alt`` as its text alternative; the
    ``width``/``height`` of ``metadata`` (as IPython gives for retina figures) are kept."""
    size = "".join(f' {k}="{int(metadata[k])}"' for k in ("width", "height")
                   if metadata and k in metadata)
    return (f'<img src="data:image/png;base64,{png_base64}" alt="{html.escape(alt)}"{size}>')
