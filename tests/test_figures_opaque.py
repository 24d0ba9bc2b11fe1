"""Every figure the package draws has an opaque white background, whatever the user's rcParams.

Each public figure-making function of :mod:`sgdteach.course.plotting` (the list is read from the
module,
so a new one must be added here), the two in other modules, every ``draw_*`` of
:mod:`sgdteach.course.widgets` and the image every ``*_widget`` displays are rendered to PNG the
way the
learner sees them: a figure shown inline as the course notebooks render it
(``IPython.core.pylabtools.print_figure`` at the figure's fixed size, ``bbox_inches=None``, as
their first cell configures the inline backend; the figure's own face colour), a widget's image
as it displays it, the GIF of ``animate_paths`` frame by frame, the grader's class-summary chart.
Every pixel must have alpha 255 and the corner (the figure's background) must be white: with
matplotlib's defaults and with rcParams that ask for transparency everywhere
(``figure.facecolor``, ``axes.facecolor``, ``savefig.facecolor`` "none", ``savefig.transparent``
True). At the fixed size nothing may run off the canvas: the border rows and columns are
background (:func:`images.off_canvas`).
"""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from images import frames, off_canvas
from IPython.core.pylabtools import print_figure

import sgdteach
from sgdteach.course import momentum_rates as rates
from sgdteach.course import plotting, toolbox, widgets
from sgdteach.datasets import make_regression

TRANSPARENT = {"figure.facecolor": "none", "axes.facecolor": "none",
               "savefig.facecolor": "none", "savefig.transparent": True}
RC = {"defaults": {}, "transparent rcParams": TRANSPARENT}
NOT_FIGURES = {"least_squares_surface", "style"}   # public functions of plotting that draw nothing


def _problem():
    X, y, _ = make_regression(40, 2, noise=0.5, seed=0)
    return X, y


def _runs():
    X, y = _problem()
    return {"batch": sgdteach.minimize(X, y, lr=0.05, batch_size=40, epochs=5, record_every=1),
            "SGD": sgdteach.minimize(X, y, lr=0.01, epochs=5, seed=0, record_every=1)}


def _surface():
    return plotting.least_squares_surface(*_problem())


# name -> a call drawing a figure of its own, returning what the function returns
PLOTTING = {
    "plot_losses": lambda: plotting.plot_losses(_runs()),
    "plot_contours": lambda: plotting.plot_contours(_surface(), ((-3, 3), (-3, 3))),
    "plot_paths": lambda: plotting.plot_paths(_runs(), surface=_surface()),
    "plot_schedule": lambda: plotting.plot_schedule(sgdteach.cosine(0.1, 100), steps=100),
    "new_figure": lambda: plotting.new_figure(2, 2)[0],   # what the others draw on
}
OTHERS = {
    "rates.plot_rate_map": lambda: rates.plot_rate_map(
        rates.rate_map(np.linspace(0.01, 1, 12), np.linspace(0, 0.95, 10), [0.5, 2.0])),
    "toolbox.draw_toolbox": lambda: toolbox.draw_toolbox(*_problem()),
}
DRAWS = sorted(n for n in widgets.__all__ if n.startswith("draw_"))
BUILDERS = sorted(n for n in widgets.__all__ if n.endswith("_widget"))


def public_plotting_functions() -> set[str]:
    return {name for name, f in inspect.getmembers(plotting, inspect.isfunction)
            if f.__module__ == plotting.__name__ and not name.startswith("_")}


def assert_opaque_white(png: bytes, what: str) -> None:
    for k, rgba in enumerate(frames(png)):
        alpha = rgba[..., 3]
        assert alpha.min() == 255, (f"{what} (frame {k}): {np.count_nonzero(alpha < 255)} of "
                                    f"{alpha.size} pixels not opaque")
        assert tuple(rgba[0, 0, :3]) == (255, 255, 255), (
            f"{what} (frame {k}): background {tuple(rgba[0, 0])} is not white")
        cut = off_canvas(rgba)
        assert not cut, f"{what} (frame {k}): ink on the border, cut off the canvas: {cut}"


def inline_png(fig) -> bytes:
    """The PNG the course notebooks show for ``fig``: the inline backend with
    ``print_figure_kwargs = {"bbox_inches": None}``, the figure at its fixed size."""
    return print_figure(fig, "png", bbox_inches=None)


def test_every_public_plotting_function_is_checked():
    assert public_plotting_functions() - NOT_FIGURES == set(PLOTTING) | {"animate_paths"}


@pytest.mark.parametrize("rc", RC)
@pytest.mark.parametrize("name", sorted(PLOTTING) + sorted(OTHERS))
def test_figure_functions_draw_on_opaque_white(name, rc):
    with matplotlib.rc_context(RC[rc]):
        out = {**PLOTTING, **OTHERS}[name]()
        fig = out if isinstance(out, matplotlib.figure.Figure) else out.figure
        png = inline_png(fig)
    plt.close(fig)
    assert_opaque_white(png, f"{name} under {rc}")


@pytest.mark.parametrize("rc", RC)
def test_animate_paths_gif_is_opaque_white(tmp_path, rc):
    with matplotlib.rc_context(RC[rc]):
        path = plotting.animate_paths(_runs(), tmp_path / "paths.gif", surface=_surface(),
                                      max_frames=4)
    assert_opaque_white(path.read_bytes(), f"animate_paths under {rc}")


@pytest.mark.parametrize("rc", RC)
@pytest.mark.parametrize("name", DRAWS)
def test_widget_draw_functions_draw_on_opaque_white(name, rc):
    with matplotlib.rc_context(RC[rc]):
        fig, _ = getattr(widgets, name)()
        png = inline_png(fig)
    assert_opaque_white(png, f"{name}() under {rc}")


@pytest.mark.parametrize("rc", RC)
@pytest.mark.parametrize("name", BUILDERS)
def test_widget_images_are_opaque_white(name, rc, shown):
    with matplotlib.rc_context(RC[rc]):
        getattr(widgets, name)()
    assert shown, f"{name}() displayed no image"
    assert_opaque_white(shown[-1], f"the image {name}() shows under {rc}")


@pytest.mark.parametrize("rc", RC)
def test_grading_summary_chart_is_opaque_white(rc):
    from sgdteach.grading.report.summary import chart_png

    table = {"1a": [("passed", 7, 0.7), ("wrong sign", 3, 0.3)],
             "1b": [("passed", 4, 0.4), ("not averaged", 5, 0.5), ("not attempted", 1, 0.1)]}
    with matplotlib.rc_context(RC[rc]):
        png = chart_png(table)
    assert_opaque_white(png, f"the class summary chart under {rc}")
