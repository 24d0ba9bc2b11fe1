r"""Every widget exported by :mod:`sgdteach.course.widgets`, built headlessly (no kernel, no
browser).

For each ``<name>_widget`` in ``sgdteach.course.widgets.__all__``: build it, move one control, and
check
that the printed numbers and the image both changed; and check that ``draw_<name>()`` at its
defaults prints exactly what the widget prints at its defaults (what the notebook's static cell
shows above the widget). Plus a few checks specific to this package's own widgets: the numbers
they print against :func:`sgdteach.minimize` run directly, and argument errors.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import numpy as np
import pytest

import sgdteach
from sgdteach.course import widgets

BUILDERS = sorted(name for name in widgets.__all__ if name.endswith("_widget"))


def other_value(control):
    """A different valid value for ``control``."""
    if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons)):
        options = [o if not isinstance(o, tuple) else o[1] for o in control.options]
        return next(o for o in options if o != control.value)
    if isinstance(control, ipywidgets.FloatLogSlider):
        up = control.value * control.base ** (4 * control.step)
        return up if up <= control.base ** control.max else control.value / 2
    if isinstance(control, (ipywidgets.IntSlider, ipywidgets.FloatSlider)):
        return control.value + control.step if control.value + control.step <= control.max \
            else control.value - control.step
    raise AssertionError(f"no rule for a {type(control).__name__}")


@pytest.mark.parametrize("builder", BUILDERS)
def test_widget_matches_its_static_draw_and_redraws(builder, shown):
    import matplotlib.pyplot as plt

    draw = getattr(widgets, "draw_" + builder.removesuffix("_widget"), None)
    assert draw is not None, f"{builder} has no draw_* function exported next to it"
    w = getattr(widgets, builder)()
    assert isinstance(w, widgets.CourseWidget)
    assert len(shown) == 1 and shown[0].startswith(b"\x89PNG")
    fig, text = draw()                       # what the notebook's static cell shows
    plt.close(fig)
    assert fig.axes, "draw_* returned a figure without axes"
    assert text == w.last_text, "the widget at its defaults differs from draw_*() at its defaults"
    name = "lr" if "lr" in w.controls else next(iter(w.controls))
    w.controls[name].value = other_value(w.controls[name])
    assert len(shown) == 2, "moving a control did not redraw"
    assert w.last_text != text, f"moving {name!r} did not change the printed numbers"
    assert shown[1] != shown[0], f"moving {name!r} did not change the picture"
    if builder == "methods_widget":          # the controls the course documents
        assert list(w.controls) == ["batch_size", "lr", "epochs", "seed", "sampling"]
        assert w.controls["batch_size"].description == "batch size"
        assert isinstance(w.controls["lr"], ipywidgets.FloatLogSlider)
        assert w.controls["lr"].description == "α (lr)"


def test_methods_numbers_match_minimize():
    from sgdteach.course.widgets.methods import START, course_problem

    X, y, theta_star, loss_star = course_problem()
    _, text = widgets.draw_methods(batch_size=7, lr=0.02, epochs=3, seed=5, sampling="replacement")
    direct = sgdteach.minimize(X, y, START, lr=0.02, batch_size=7, epochs=3, seed=5,
                               sampling="replacement")
    assert f"mini-batch (b=7)     final loss {direct.final_loss:.4f}" in text
    assert f"least squares        final loss {loss_star:.4f}" in text
    assert np.allclose(theta_star, np.linalg.lstsq(X, y, rcond=None)[0])


def test_methods_reports_divergence_instead_of_raising():
    _, text = widgets.draw_methods(lr=1.0)
    assert text.count("diverged at step") == 3


def test_schedules_numbers_match_the_schedule():
    from sgdteach.course.widgets.learning_rate import make_schedule

    _, text = widgets.draw_schedules(schedule="cosine", lr=0.02, epochs=2, seed=1)
    rule = make_schedule("cosine", 0.02, 200)
    rates = np.array([rule(t) for t in range(200)])
    assert f"sum of rates {rates.sum():.4g}" in text
    assert rule(0) == 0.02 and rule(200) == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: widgets.draw_methods(batch_size=0), "'batch_size' must be"),
    (lambda: widgets.draw_methods(sampling="random"), "'sampling' must be one of"),
    (lambda: widgets.draw_schedules(schedule="linear"), "'schedule' must be one of"),
    (lambda: widgets.draw_schedules(lr=-1.0), "'lr' must be"),
])
def test_bad_arguments_get_the_standard_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()
