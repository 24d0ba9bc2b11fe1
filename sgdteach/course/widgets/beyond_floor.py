r"""Notebook 11's widget: SGD, averaged SGD, SVRG and SAGA at one constant learning rate.

:func:`draw_floor_methods` runs the four methods on notebook 03's least-squares problem (100
rows, :func:`~sgdteach.course.widgets.methods.course_problem`) from the same start, with the same
constant :math:`\alpha`, epochs and seed: plain SGD and its Polyak–Ruppert average
(:func:`sgdteach.minimize`, ``average=True``: the same run, only what is reported differs), SVRG
and SAGA (:func:`sgdteach.variance_reduced`). Left: the chosen method's path of :math:`\theta`
on the contours of :math:`J`. Right: every method's excess loss :math:`J(\theta) - J^*` against
gradient evaluations (SVRG's snapshots and SAGA's first pass included), the chosen one drawn
thick. :func:`floor_methods_widget` wires a method menu and sliders for :math:`\alpha`, epochs
and seed to it.

No maths here: the runs are :mod:`sgdteach.descent`'s and :mod:`sgdteach.variance_reduction`'s.
The figure is built once; a redraw replaces the lines' data.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..._validation import POSITIVE, Interval, check_choice, check_number
from ...history import DivergenceError, History
from ._base import CourseWidget, label_style, slider_style
from .methods import START, WINDOW, course_problem

METHODS = ("SGD", "averaged SGD", "SVRG", "SAGA")
DEFAULTS: dict[str, Any] = dict(method="SVRG", lr=0.01, epochs=30, seed=0)
MAX_EPOCHS = 100
MAX_POINTS = 150        # record points per run
EXCESS_RANGE = (1e-14, 1e2)
CONTROL_NAMES = {   # the controls' accessible names (what a screen reader announces)
    "method": "method drawn on the contour plot (and thick on the right)",
    "lr": "α (lr): constant learning rate of every method, log scale",
    "epochs": "epochs: passes over the data (SVRG: snapshot passes as well)",
    "seed": "seed: random seed of the row order",
}


@lru_cache(maxsize=8)
def run_floor_methods(lr: float, epochs: int, seed: int
                      ) -> dict[str, History | DivergenceError]:
    """The four runs by name; a run that diverges is replaced by its :class:`DivergenceError`.

    Cached (the last 8 settings): the widget's first draw repeats the static figure's runs.
    The results are shared, so treat them as read-only."""
    from ...descent import minimize
    from ...variance_reduction import variance_reduced

    X, y, _, _ = course_problem()
    n = len(y)
    every = max(1, n * epochs // MAX_POINTS)
    calls = {
        "SGD": lambda: minimize(X, y, START, lr=lr, epochs=epochs, seed=seed,
                                record_every=every),
        "averaged SGD": lambda: minimize(X, y, START, lr=lr, epochs=epochs, seed=seed,
                                         record_every=every, average=True),
        "SVRG": lambda: variance_reduced(X, y, START, method="svrg", lr=lr, epochs=epochs,
                                         seed=seed, record_every=max(1, every // 2)),
        "SAGA": lambda: variance_reduced(X, y, START, method="saga", lr=lr, epochs=epochs,
                                         seed=seed, record_every=every),
    }
    out: dict[str, History | DivergenceError] = {}
    for name, call in calls.items():
        try:
            out[name] = call()
        except DivergenceError as exc:
            out[name] = exc
    return out


def summary(runs: dict[str, History | DivergenceError], lr: float, epochs: int) -> str:
    """One line per method: the final excess loss and the gradient evaluations, or where it
    diverged."""
    loss_star = course_problem()[3]
    lines = [f"α = {lr:.3g}, {epochs} epochs; final excess loss J − J* per method:"]
    for name, h in runs.items():
        if isinstance(h, DivergenceError):
            lines.append(f"{name:<13} diverged at step {h.step}")
        else:
            excess = h.final_loss - loss_star
            shown = f"{excess:.2e}" if excess >= EXCESS_RANGE[0] else f"<{EXCESS_RANGE[0]:.0e}"
            lines.append(f"{name:<13} J − J* {shown}   "
                         f"gradient evaluations {int(h.samples_seen[-1])}")
    return "\n".join(lines)


class FloorMethodsFigure:
    """The two panels of :func:`draw_floor_methods`, built once; :meth:`draw` replaces the data."""

    def __init__(self) -> None:
        from matplotlib.figure import Figure

        from ..._style import BACKGROUND
        from ..plotting import least_squares_surface, plot_contours, style

        X, y, theta_star, self.loss_star = course_problem()
        self.fig = Figure(figsize=(11, 4.6), facecolor=BACKGROUND)
        self.path_ax, self.loss_ax = self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.12, top=0.91, wspace=0.22)
        plot_contours(least_squares_surface(X, y), WINDOW, ax=self.path_ax, levels=15,
                      resolution=60)
        self.path_ax.plot(*theta_star, "*", color="black", markersize=12, label="θ*")
        self.path_ax.plot(*START, "o", color="black", markersize=4, label="start")
        self.path = self.path_ax.plot([], [], marker=".", markersize=3, linewidth=0.8)[0]
        self.path_ax.set_xlabel("θ₁")
        self.path_ax.set_ylabel("θ₂")
        self.curves = {name: self.loss_ax.plot([], [], label=name, **style(i))[0]
                       for i, name in enumerate(METHODS)}
        self.colours = {name: style(i)["color"] for i, name in enumerate(METHODS)}
        self.loss_ax.set_yscale("log")
        self.loss_ax.set_ylim(*EXCESS_RANGE)
        self.loss_ax.set_xlabel("gradient evaluations")
        self.loss_ax.set_ylabel("excess loss J(θ) − J(θ*)")
        self.legend = self.loss_ax.legend(loc="upper right", fontsize="small")
        self.n = len(y)

    def draw(self, method: str = DEFAULTS["method"], lr: float = DEFAULTS["lr"],
             epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]):
        """Run the four methods at these values and show them: ``(figure, text)``."""
        func = "draw_floor_methods"
        check_choice(func, "method", method, METHODS)
        lr = check_number(func, "lr", lr, POSITIVE)
        epochs = check_number(func, "epochs", epochs, Interval(1, MAX_EPOCHS, integer=True))
        seed = check_number(func, "seed", seed, Interval(0, None, integer=True))
        runs = run_floor_methods(lr, epochs, seed)
        most = 1
        for (name, h), text in zip(runs.items(), self.legend.get_texts(), strict=True):
            ok = isinstance(h, History)
            curve = self.curves[name]
            if isinstance(h, History):
                excess = np.maximum(h.loss - self.loss_star, EXCESS_RANGE[0])
                curve.set_data(h.samples_seen, excess)
                most = max(most, int(h.samples_seen[-1]))
            else:
                curve.set_data([], [])
            curve.set_linewidth(2.6 if name == method else 1.0)
            text.set_text(name if ok else f"{name} (diverged)")
        self.loss_ax.set_xlim(0, most)
        chosen = runs[method]
        if isinstance(chosen, History):
            self.path.set_data(chosen.path[:, 0], chosen.path[:, 1])
            self.path_ax.set_title(f"{method}: path of θ (α = {lr:.3g}, {epochs} epochs)",
                                   fontsize="medium")
        else:
            self.path.set_data([], [])
            self.path_ax.set_title(f"{method}: diverged at step {chosen.step}", fontsize="medium")
        self.path.set_color(self.colours[method])
        self.loss_ax.set_title("same α, per gradient evaluation", fontsize="medium")
        return self.fig, summary(runs, lr, epochs)


def draw_floor_methods(method: str = DEFAULTS["method"], lr: float = DEFAULTS["lr"],
                       epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]):
    r"""SGD, averaged SGD, SVRG and SAGA at one constant ``lr`` (:math:`\alpha`) on notebook
    03's problem; returns ``(figure, text)`` (a new figure each call).

    Left: ``method``'s path of :math:`\theta` (start: dot, :math:`\theta^*`: star) on the contours
    of :math:`J`. Right: each method's :math:`J(\theta) - J^*` against gradient evaluations
    (``method`` thick; values below 1e-14 drawn at 1e-14). ``text`` gives each method's final
    excess and gradient evaluations, or the step at which it diverged.
    """
    return FloorMethodsFigure().draw(method, lr, epochs, seed)


def floor_methods_widget(*, method: str = DEFAULTS["method"], lr: float = DEFAULTS["lr"],
                         epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]
                         ) -> CourseWidget:
    """A method menu and sliders for ``lr`` (log scale), ``epochs`` and ``seed``, wired to
    :func:`draw_floor_methods`. At its defaults it shows exactly what ``draw_floor_methods()``
    draws."""
    import ipywidgets as w

    wide = slider_style()
    controls = {
        "method": w.ToggleButtons(value=method, options=list(METHODS), description="method",
                                  **label_style()),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.05,
                               description="α (lr)", readout_format=".3g", **wide),
        "epochs": w.IntSlider(value=epochs, min=1, max=MAX_EPOCHS, description="epochs",
                              **wide),
        "seed": w.IntSlider(value=seed, min=0, max=20, description="seed", **wide),
    }
    return CourseWidget(controls, FloorMethodsFigure().draw, names=CONTROL_NAMES,
                        height="560px")
