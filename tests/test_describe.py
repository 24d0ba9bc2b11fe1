"""describe(fig): the text alternative is generated from the figure (checked against the data the
test drew), rounds what it says (a perturbation far below the rounding leaves it unchanged),
names curves by their legend, gives no numbers on measured-time axes; the IPython hook shows
every figure as PNG plus an <img> whose alt is that description, rendering the PNG once."""

from __future__ import annotations

import base64
import html
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from sgdteach._validation import ValidationError
from sgdteach.course.describe import describe, figure_html, num, plain, takeaway, timing

pytestmark = pytest.mark.figures


def loss_figure(scale: float = 1.0) -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    epochs = np.arange(11.0)
    ax.plot(epochs, scale * (0.5 + 2.0 ** -epochs), label="SGD")
    ax.plot(epochs, scale * (1.0 + 0.05 * (epochs - 6) ** 2), label=r"$\alpha$ too large")
    ax.axhline(scale * 0.5, color="0.4", linestyle=":", label="optimum")
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="loss", title="Two runs", xlim=(0, 10))
    ax.legend()
    fig.suptitle("Loss against epochs")
    return fig


def test_the_description_says_what_was_drawn():
    text = describe(loss_figure())
    assert text.startswith("Figure 'Loss against epochs' with 1 panel.")
    assert "Panel 'Two runs': x axis 'epoch' from 0 to 10; y axis 'loss' from" in text
    assert "(log scale)" in text and text.count("(log scale)") == 1   # only y is logarithmic
    # the data drawn: 0.5 + 2^-t starts at 1.5, ends at 0.5 + 2^-10 = 0.500977 -> "0.5"
    assert "Curve 'SGD': starts at (0, 1.5), ends at (10, 0.5)." in text
    # 1 + 0.05 (t - 6)^2: 2.8 at 0, lowest 1 at t = 6, 1.8 at 10
    assert "Curve 'α too large': starts at (0, 2.8), ends at (10, 1.8), lowest 1 at x = 6." in text
    assert "Horizontal line 'optimum' at y = 0.5." in text


def test_rounding_makes_it_independent_of_the_last_bits():
    # What differs between BLAS kernels is ~1e-12 relative; 1e-5 is far beyond it, and still
    # inside every rounding bin of this figure's numbers at two significant figures.
    for scale in (1.0 + 1e-5, 1.0 - 1e-5):
        assert describe(loss_figure(scale)) == describe(loss_figure())
    assert num(0.012345) == "0.012" and num(1234.0) == "1.2e+03" and num(-0.0) == "0"


def test_values_at_rounding_error_of_zero_are_said_to_be_zero():
    # J(theta* + s u) - J* along a line: the values near s = 0 are rounding noise (~1e-16),
    # which of them is lowest, and its digits, depend on the BLAS kernel.
    s = np.linspace(-1, 1, 21)
    texts = set()
    for noise in (np.zeros(21), 1e-16 * np.cos(np.arange(21)), -1e-16 * np.cos(np.arange(21))):
        fig = Figure()
        fig.subplots().plot(s, 0.5 * s**2 + noise * (np.abs(s) < 0.15), label="along u")
        texts.add(describe(fig))
    assert len(texts) == 1, texts
    assert "Curve 'along u': starts at (-1, 0.5), ends at (1, 0.5), lowest 0 at x = 0." \
        in texts.pop()
    fig = Figure()
    fig.subplots().plot([0.0, 1.0], [np.nan, np.nan], label="legend proxy")
    assert "proxy" not in describe(fig)


def test_curves_without_labels_are_named_by_the_legend_entry_drawn_like_them():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    lines = [left.plot([0, 1], [k, 2 * k], color=c, linestyle=s)[0]
             for k, c, s in ((1, "#0072B2", "-"), (2, "#E69F00", "--"))]
    right.plot([0, 1, 2], [4, 2, 3], color="#E69F00", linestyle="--")
    left.legend(lines, ["plain", "momentum"])
    text = describe(fig)
    assert "Curve 'plain': starts at (0, 1), ends at (1, 2)." in text
    assert "Curve 'momentum': starts at (0, 4), ends at (2, 3), lowest 2 at x = 1." in text


def test_timing_axes_get_no_numbers():
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot([0.0123, 0.0456], [3.0, 1.0], label="run")
    ax1.set_xlabel("wall time (s)")   # recognised by its unit
    ax2.plot([1.0, 2.0], [0.0123, 0.0456], label="run")
    timing(ax2, "y")                  # marked
    text = describe(fig)
    assert "x axis 'wall time (s)' (measured times" in text
    assert "starts at y = 3, ends at y = 1" in text and "starts at x = 1, ends at x = 2" in text
    assert not re.search(r"0\.012|0\.046|0\.045", text), text
    with pytest.raises(ValidationError, match="axis"):
        timing(ax1, "z")


def test_images_contours_scatter_bars_and_colour_bars_are_named():
    fig = Figure()
    a, b, c = fig.subplots(1, 3)
    c.pcolormesh(np.arange(3.0), np.arange(4.0), np.arange(12.0).reshape(4, 3) / 10,
                 shading="nearest")
    image = a.imshow(np.arange(12.0).reshape(3, 4))
    fig.colorbar(image, ax=a, label="value")
    g = np.linspace(-1, 1, 20)
    b.contour(g, g, np.add.outer(g**2, g**2), levels=[0.5, 1.0])
    b.scatter([0, 1, 2], [1, 0, 1], label="data")
    b.bar([0, 1], [3.0, 5.0])
    text = describe(fig)
    assert "with 3 panels." in text and "Image of 3 by 4 cells." in text
    assert "Colour map of 4 by 3 cells, values from 0 to 1.1." in text
    assert "Colour bar 'value' from 0 to 11." in text
    assert "Contour lines of 2 levels from 0.5 to 1." in text
    assert "Scatter 'data' of 3 points." in text and "2 bars, heights from 3 to 5." in text


def test_takeaway_ends_the_description():
    fig = takeaway(loss_figure(), "SGD settles at the optimum; the large rate does not.")
    assert describe(fig).endswith("Panel 'Two runs'"[:0] + "the large rate does not.")
    with pytest.raises(ValidationError, match="sentence"):
        takeaway(fig, "")
    with pytest.raises(TypeError, match="Figure"):
        describe(fig.axes[0])


def test_plain_text_of_mathtext():
    assert plain(r"$\theta_0$") == "θ_0"
    assert plain(r"learning rate $\alpha_t$") == "learning rate α_t"
    assert plain(r"$\|\nabla J\|$") == "‖∇J‖"


def test_figure_html_escapes_the_alt_text():
    tag = figure_html("AAAA", 'a "quoted" <b>', {"width": 10})
    assert tag == ('<img src="data:image/png;base64,AAAA" alt="a &quot;quoted&quot; '
                   '&lt;b&gt;" width="10">')


def test_ipython_shows_every_figure_with_its_description(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline import backend_inline

    from sgdteach.course import figure_display

    shell = InteractiveShell.instance()
    try:
        backend_inline.configure_inline_support(shell, backend_inline.InlineBackend.instance())
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
        calls = []
        png_formatter = shell.display_formatter.formatters["image/png"]
        original = png_formatter.lookup_by_type(Figure)
        png_formatter.for_type(Figure, lambda f: calls.append(f) or original(f))
        assert figure_display.install()
        fig = takeaway(loss_figure(), "SGD settles at the optimum; the large rate does not.")
        data, _ = shell.display_formatter.format(fig)
        assert len(calls) == 1                                  # rendered once
        png = base64.b64decode(data["image/png"])
        assert png.startswith(b"\x89PNG")
        assert data["text/html"] == figure_html(data["image/png"], describe(fig))
        assert f'alt="{html.escape(describe(fig))}"' in data["text/html"]
        # a second figure: the PNG printer, now held by the hook, still renders it once
        data2, _ = shell.display_formatter.format(loss_figure(2.0))
        assert len(calls) == 2 and data2["image/png"] != data["image/png"]
    finally:
        shell.display_formatter.mimebundle_formatter.pop("matplotlib.figure.Figure", None)
        InteractiveShell.clear_instance()
