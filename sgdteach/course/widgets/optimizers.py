r"""Notebook 08's widget: six update rules on one contour plot of a 2-D test function.

:func:`draw_optimizers` runs plain gradient descent ("sgd" with the exact gradient), momentum,
Nesterov, AdaGrad, RMSProp and Adam from the same start with the same learning rate :math:`\alpha`
for the same number of steps (:func:`sgdteach.course.experiments.optimizer_paths`) and draws their
paths on the contours of the chosen function: the ill-conditioned quadratic
:math:`\tfrac12(\theta_1^2 + 25 \theta_2^2)` or Rosenbrock's banana. The text gives each rule's
final distance to the minimiser, or the step at which it diverged. :func:`optimizers_widget` wires a
function menu and sliders for :math:`\alpha` (log scale) and the number of steps to it.

No maths here: the update rules are :mod:`sgdteach.optimizers`'. For speed the widget keeps one
figure, redraws the contours only when the function changes, and otherwise only replaces the
paths' data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._validation import POSITIVE, Interval, check_choice, check_number
from ...functions import TestFunction, quadratic, rosenbrock
from ...optimizers import OPTIMIZERS
from ..experiments import METHODS, optimizer_paths
from ._base import CourseWidget, label_style, slider_style

CONDITION = 25.0
DEFAULTS: dict[str, Any] = dict(function="quadratic", lr=0.03, steps=100)
MAX_STEPS = 3000
FUNCTIONS = ("quadratic", "rosenbrock")
CONTROL_NAMES = {   # the controls' accessible names (what a screen reader announces)
    "function": "function to minimise",
    "lr": "α (lr): learning rate of every update rule, log scale",
    "steps": "steps: number of updates",
}
# Each rule's own label; plain SGD with the exact gradient is gradient descent.
LABELS = {**{name: OPTIMIZERS[name]().label for name in METHODS}, "sgd": "GD (plain)"}


# Six paths that often overlap: each rule has its own colour, line style *and* marker, and the
# markers of different rules are offset along the path, so a path hidden under another still
# shows its markers.
MARKERS = ("o", "s", "^", "v", "D", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (8, 3)))


def path_style(i: int, *, markers: int = 10) -> dict[str, Any]:
    """Line keywords of the ``i``-th update rule's path: colour (Okabe–Ito), line style and a
    marker about ``markers`` times along the path, offset per rule.

    >>> sorted(path_style(3))
    ['color', 'linestyle', 'linewidth', 'marker', 'markersize', 'markevery']
    """
    from ..._style import OKABE_ITO

    every = 1.0 / markers
    return {"color": OKABE_ITO[i % len(OKABE_ITO)], "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "linewidth": 1.6, "marker": MARKERS[i % len(MARKERS)], "markersize": 6,
            "markevery": ((i % len(MARKERS)) * every / len(MARKERS), every)}


def function_by_name(function: str, func: str = "function_by_name") -> TestFunction:
    """The widget's functions by name: ``"quadratic"`` (condition 25) or ``"rosenbrock"``;
    ``func`` is the public function named in an error message."""
    check_choice(func, "function", function, FUNCTIONS)
    return quadratic(CONDITION) if function == "quadratic" else rosenbrock()


def summary(runs, lr: float, steps: int) -> str:
    """One line per rule: the final distance to the minimiser, or where it diverged."""
    lines = [f"α = {lr:.3g}, {steps} steps; final distance to the minimiser:"]
    for name, run in runs.items():
        if run.diverged_at is not None:
            lines.append(f"{LABELS[name]:<11} diverged at step {run.diverged_at}")
        else:
            lines.append(f"{LABELS[name]:<11} {run.distance:.4f}")
    return "\n".join(lines)


class OptimizersFigure:
    """The contour plot of :func:`draw_optimizers`, built once; :meth:`draw` replaces the paths."""

    def __init__(self) -> None:
        from matplotlib.figure import Figure

        from ..._style import BACKGROUND

        self.fig = Figure(figsize=(9.0, 5.4), facecolor=BACKGROUND)
        self.ax = self.fig.subplots()
        # the legend sits right of the axes, so it covers no path
        self.fig.subplots_adjust(left=0.08, right=0.75, bottom=0.11, top=0.92)
        self.function: str | None = None
        self.lines: list = []
        self.ends: list = []

    def _setup(self, function: str) -> None:
        """Contours, minimiser, start and one empty line per rule, for ``function``."""
        from ..plotting import plot_contours

        fn = function_by_name(function)
        ax = self.ax
        ax.clear()
        plot_contours(fn.value, fn.window, ax=ax, levels=20, resolution=100)
        self.lines = [ax.plot([], [], label=LABELS[name], **path_style(i))[0]
                      for i, name in enumerate(METHODS)]
        # each rule's end point, a larger marker edged in black, on top of every path
        self.ends = [ax.plot([], [], linestyle="none", marker=line.get_marker(), markersize=10,
                             color=line.get_color(), markeredgecolor="black", zorder=4)[0]
                     for line in self.lines]
        ax.plot(fn.minimizers[:, 0], fn.minimizers[:, 1], "*", color="black", markersize=13,
                label="minimum", zorder=3)
        ax.plot(*fn.start, "o", color="black", markersize=5, label="start", zorder=3)
        ax.plot([], [], "o", color="white", markeredgecolor="black", markersize=10,
                label="end point")
        ax.set_xlabel("θ₁", fontsize="large")   # plain text: mathtext costs time on every redraw
        ax.set_ylabel("θ₂", fontsize="large")
        ax.tick_params(labelsize="medium")
        self.legend = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="medium",
                                borderaxespad=0.0, framealpha=1.0)
        self.function = function

    def draw(self, function: str = DEFAULTS["function"], lr: float = DEFAULTS["lr"],
             steps: int = DEFAULTS["steps"]):
        """Run the six rules at these values and show their paths: ``(figure, text)``."""
        func = "draw_optimizers"
        check_choice(func, "function", function, FUNCTIONS)
        lr = check_number(func, "lr", lr, POSITIVE)
        steps = check_number(func, "steps", steps, Interval(1, MAX_STEPS, integer=True))
        if function != self.function:
            self._setup(function)
        fn = function_by_name(function, func)
        runs = optimizer_paths(fn, lr, steps, methods=METHODS)
        texts = self.legend.texts[:len(self.lines)]   # the legend lists the rules first
        for line, end, (name, run), text in zip(self.lines, self.ends, runs.items(), texts,
                                                strict=True):
            line.set_data(run.path[:, 0], run.path[:, 1])
            last = run.path[np.isfinite(run.path).all(axis=1)][-1:]    # none if all diverged
            end.set_data(last[:, 0], last[:, 1])
            text.set_text(LABELS[name] + (" (diverged)" if run.diverged_at else ""))
        self.ax.set_title(f"{fn.name}: same start, α = {lr:.3g}, {steps} steps",
                          fontsize="large")
        return self.fig, summary(runs, lr, steps)


def draw_optimizers(function: str = DEFAULTS["function"], lr: float = DEFAULTS["lr"],
                    steps: int = DEFAULTS["steps"]):
    r"""Plain GD, momentum, Nesterov, AdaGrad, RMSProp and Adam on one contour plot.

    Each rule starts at ``fn.start`` (dot) and takes ``steps`` steps with the exact gradient and
    the same learning rate ``lr`` (:math:`\alpha`) and its default hyper-parameters
    (:math:`\beta = 0.9`; RMSProp :math:`\gamma = 0.9`; Adam :math:`\beta_1 = 0.9`,
    :math:`\beta_2 = 0.999`). ``function`` is ``"quadratic"``
    (:math:`\tfrac12(\theta_1^2 + 25 \theta_2^2)`) or ``"rosenbrock"``.
    Returns ``(figure, text)`` (a new figure each call); ``text`` has each rule's final distance
    to the minimiser (star) or the step at which it diverged.
    """
    return OptimizersFigure().draw(function, lr, steps)


def optimizers_widget(*, function: str = DEFAULTS["function"], lr: float = DEFAULTS["lr"],
                      steps: int = DEFAULTS["steps"]) -> CourseWidget:
    """A function menu and sliders for ``lr`` (log scale) and ``steps``, wired to
    :func:`draw_optimizers`. At its defaults it shows exactly what ``draw_optimizers()`` draws."""
    import ipywidgets as w

    wide = slider_style()
    controls = {
        "function": w.ToggleButtons(value=function, options=list(FUNCTIONS),
                                    description="function",
                                    **label_style()),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.05,
                               description="α (lr)", readout_format=".3g", **wide),
        "steps": w.IntSlider(value=steps, min=10, max=MAX_STEPS, step=10, description="steps",
                             **wide),
    }
    return CourseWidget(controls, OptimizersFigure().draw, names=CONTROL_NAMES, height="600px")
