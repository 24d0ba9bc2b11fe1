"""Notebook 11's widget: the numbers it prints are the runs' (the averaged line is the mean of
the SGD path, computed here by hand; SVRG and SAGA reach lstsq's minimum), its controls are the
documented ones, a diverged run is reported, and moving a control redraws with the new values."""

import re

import pytest

pytest.importorskip("ipywidgets")

import sgdteach
from sgdteach.course.widgets.beyond_floor import (
    START,
    course_problem,
    draw_floor_methods,
    floor_methods_widget,
)
from sgdteach.losses import mse


def _excess(text):
    """Method -> printed final excess (float; 0 for '<1e-14') or 'diverged at step k' (int)."""
    out = {}
    for line in text.splitlines()[1:]:
        name, rest = line[:13].strip(), line[13:].strip()
        m = re.fullmatch(r"diverged at step (\d+)", rest)
        if m:
            out[name] = int(m.group(1))
            continue
        value = re.match(r"J − J\* (\S+)", rest).group(1)
        out[name] = 0.0 if value.startswith("<") else float(value)
    return out


def test_averaged_line_is_the_mean_of_the_sgd_path_and_vr_reaches_lstsq():
    X, y, star, loss_star = course_problem()
    fig, text = draw_floor_methods("SGD", 0.01, 5, 3)
    printed = _excess(text)
    h = sgdteach.minimize(X, y, START, lr=0.01, epochs=5, seed=3, record_every=1)
    by_hand = h.path[1:].mean(axis=0)                # the iterates after each of the 500 steps
    assert printed["averaged SGD"] == pytest.approx(mse(by_hand, X, y) - loss_star, rel=6e-3)
    assert printed["SGD"] == pytest.approx(mse(h.theta, X, y) - loss_star, rel=6e-3)
    _, text = draw_floor_methods("SVRG", 0.01, 30, 0)
    done = _excess(text)
    assert done["SVRG"] < 1e-8 and done["SAGA"] < 1e-8 and done["SGD"] > 1e-3
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == [
        "SGD", "averaged SGD", "SVRG", "SAGA"]


def test_divergence_is_reported():
    fig, text = draw_floor_methods("SAGA", 0.5, 5, 0)
    assert all(isinstance(v, int) for v in _excess(text).values())
    assert fig.axes[0].get_title().startswith("SAGA: diverged at step")
    assert "SVRG (diverged)" in [t.get_text() for t in fig.axes[1].get_legend().get_texts()]


def test_controls_and_redraw_follow_the_values():
    w = floor_methods_widget(epochs=4)
    assert set(w.controls) == {"method", "lr", "epochs", "seed"}
    lr = w.controls["lr"]
    assert type(lr).__name__ == "FloatLogSlider" and lr.description == "α (lr)"
    assert w.last_text == draw_floor_methods(epochs=4)[1]   # as the static figure at these values
    w.controls["method"].value = "SAGA"
    w.controls["lr"].value = 0.005
    w.controls["seed"].value = 2
    assert w.last_text == draw_floor_methods("SAGA", 0.005, 4, 2)[1]
    assert w.last_text.startswith("α = 0.005, 4 epochs")


def test_bad_values_raise_the_template_message():
    with pytest.raises(ValueError, match="draw_floor_methods: 'method' must be one of"):
        draw_floor_methods("adam")
    with pytest.raises(ValueError,
                       match=r"draw_floor_methods: 'epochs' must be an integer in \[1, 100\]"):
        draw_floor_methods(epochs=500)
    with pytest.raises(TypeError):
        floor_methods_widget(learning_rate=0.1)
