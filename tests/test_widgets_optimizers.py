"""Notebook 08's widget: the numbers it prints come from the update rules (checked against closed
forms), its controls are the documented ones, and moving a control redraws with the new values."""

import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from sgdteach.course.widgets.optimizers import CONDITION, draw_optimizers, optimizers_widget


def _distances(text):
    """Rule label -> final distance (float) or 'diverged at step k' (int)."""
    out = {}
    for line in text.splitlines()[1:]:
        label, rest = line[:11].strip(), line[11:].strip()
        m = re.fullmatch(r"diverged at step (\d+)", rest)
        out[label] = int(m.group(1)) if m else float(rest)
    return out


def test_plain_gd_distance_is_the_closed_form():
    lr, steps = 0.03, 100
    fig, text = draw_optimizers("quadratic", lr, steps)
    w = np.array([-2.5, 1.5]) * (1 - lr * np.array([1.0, CONDITION])) ** steps
    assert _distances(text)["GD (plain)"] == pytest.approx(np.linalg.norm(w), abs=5e-5)
    assert set(_distances(text)) == {"GD (plain)", "momentum", "Nesterov", "AdaGrad", "RMSProp",
                                     "Adam"}
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:6] == ["GD (plain)", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"]


def test_divergence_is_reported_where_theory_puts_it():
    # lr above 2/25: plain GD's w2 grows by |1 - 25 lr| per step from 1.5, w_t = w0 (1 - lr
    # [1, 25])^t, until the loss passes 1e6 times the first one (minimize's divergence rule);
    # Adam's steps are about lr long, so it stays finite.
    lr = 0.1
    fig, text = draw_optimizers("quadratic", lr, 200)
    d = _distances(text)
    w0 = np.array([-2.5, 1.5])
    path = w0 * (1 - lr * np.array([1.0, 25.0])) ** np.arange(200)[:, None]
    loss = 0.5 * (path[:, 0] ** 2 + 25 * path[:, 1] ** 2)
    assert d["GD (plain)"] == int(np.argmax(loss > 1e6 * loss[0]))
    assert isinstance(d["Adam"], float)
    assert "GD (plain) (diverged)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_controls_and_redraw_follow_the_values():
    w = optimizers_widget()
    assert set(w.controls) == {"function", "lr", "steps"}
    lr = w.controls["lr"]
    assert type(lr).__name__ == "FloatLogSlider" and lr.description == "α (lr)"
    assert w.last_text == draw_optimizers()[1]            # defaults: the static figure's text
    w.controls["function"].value = "rosenbrock"
    w.controls["lr"].value = 0.001
    w.controls["steps"].value = 200
    assert w.last_text == draw_optimizers("rosenbrock", 0.001, 200)[1]
    assert w.last_text.startswith("α = 0.001, 200 steps")


def test_bad_values_raise_the_template_message():
    with pytest.raises(ValueError, match="draw_optimizers: 'function' must be one of"):
        draw_optimizers("himmelblau")
    with pytest.raises(ValueError,
                       match=r"draw_optimizers: 'steps' must be an integer in \[1, 3000\]"):
        draw_optimizers(steps=5000)
    with pytest.raises(TypeError):
        optimizers_widget(learning_rate=0.1)


def test_six_paths_are_told_apart_and_the_legend_covers_none():
    # newcomer report: paths hidden under each other, legend over the paths. Each rule needs its
    # own (line style, marker) pair, its end point drawn on top, and the legend outside the axes.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig, _ = draw_optimizers("quadratic", 0.03, 100)
    ax = fig.axes[0]
    paths, ends = ax.lines[:6], ax.lines[6:12]
    assert len({(str(p.get_linestyle()), p.get_marker()) for p in paths}) == 6
    for path, end in zip(paths, ends, strict=True):
        x, y = path.get_data()
        assert (end.get_xdata()[0], end.get_ydata()[0]) == (x[-1], y[-1])
        assert end.get_marker() == path.get_marker() and end.get_zorder() > path.get_zorder()
    renderer = FigureCanvasAgg(fig).get_renderer()
    assert ax.get_legend().get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1
