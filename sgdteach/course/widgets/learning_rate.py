r"""Notebook 04's widget: a learning-rate schedule against a constant learning rate, for SGD.

:func:`draw_schedules` runs SGD (one row per step, rows reshuffled every epoch) on notebook 03's
least-squares problem twice from the same start with the same seed: once with the constant rate
:math:`\alpha_0` and once with a schedule :math:`\alpha_t` that starts at :math:`\alpha_0`. It
draws :math:`\alpha_t / \alpha_0`, the excess loss against epochs, and both paths near
:math:`\theta^*`; its text gives the final losses and the sums :math:`\sum_t \alpha_t` and
:math:`\sum_t \alpha_t^2` that the Robbins–Monro conditions are about. The schedules are
:mod:`sgdteach.schedules`'; each is set up from :math:`\alpha_0` and the run's length :math:`T`
(:func:`make_schedule`). :func:`schedules_widget` wires controls to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import schedules as sch
from ..._validation import COUNT, POSITIVE, check_choice, check_number
from ...descent import minimize
from ...history import DivergenceError, History
from ._base import CourseWidget, label_style, slider_style
from ._blit import DPI, BlitFigure, BlitWidget
from .methods import START, course_problem

# How each schedule of :data:`sgdteach.schedules.SCHEDULES` is set up from alpha_0 and the run's
# length T (keyword arguments of its factory); the constant rate is the comparison, not a choice.
SETUPS: dict[str, Callable[[float, int], dict[str, float]]] = {
    "step_decay": lambda lr, T: dict(drop=0.5, every=max(1, T // 5)),
    "exponential": lambda lr, T: dict(decay=0.01 ** (1.0 / T)),
    "inverse_time": lambda lr, T: dict(k=99.0 / T),
    "invscaling": lambda lr, T: dict(power=0.5),
    "cosine": lambda lr, T: dict(total_steps=T),
}
_MENU = {"inverse_time": "1/t"}   # a menu label other than the name with spaces
NAMES = {_MENU.get(name, name.replace("_", " ")): name for name in sch.SCHEDULES
         if name in SETUPS}       # menu label -> registry name, in the registry's order
SCHEDULES = tuple(NAMES)
DEFAULTS: dict[str, Any] = dict(schedule="1/t", lr=0.05, epochs=20, seed=0)
RECORDS = 200
CONTROL_NAMES = {   # the controls' accessible names (what a screen reader announces)
    "schedule": "schedule: the learning-rate schedule compared with a constant rate",
    "lr": "α₀ (lr): initial learning rate, log scale",
    "epochs": "epochs: passes over the data",
    "seed": "seed: random seed of the row order",
}
EXCESS_RANGE = (1e-5, 100.0)
ZOOM = ((-2.6, -1.2), (0.15, 0.65))


def make_schedule(name: str, lr: float, total_steps: int) -> Callable[[int], float]:
    r"""The schedule ``name`` starting at ``lr`` and set up for a run of ``total_steps`` steps.

    ``"step decay"`` halves :math:`\alpha` five times, every :math:`T/5` steps;
    ``"exponential"`` and ``"1/t"`` (:func:`~sgdteach.schedules.inverse_time`) reach
    :math:`\alpha_0/100` at :math:`t = T`; ``"invscaling"`` is :math:`\alpha_0/\sqrt{t+1}`;
    ``"cosine"`` anneals to 0 at :math:`T`.
    """
    check_choice("make_schedule", "name", name, SCHEDULES)
    key = NAMES[name]
    return sch.SCHEDULES[key](lr, **SETUPS[key](lr, total_steps))


def run_pair(schedule: str, lr: float, epochs: int, seed: int
             ) -> tuple[dict[str, History | DivergenceError], np.ndarray]:
    """SGD with the constant ``lr`` and with the schedule; and the schedule's rates per step."""
    X, y, _, _ = course_problem()
    T = len(y) * epochs
    rule = make_schedule(schedule, lr, T)
    rates = np.array([rule(t) for t in range(T)])
    out: dict[str, History | DivergenceError] = {}
    for label, rate in ((f"constant α={lr:.3g}", lr), (schedule, rule)):
        try:
            out[label] = minimize(X, y, START, lr=rate, batch_size=1, epochs=epochs,
                                  sampling="shuffle", seed=seed,
                                  record_every=max(1, T // RECORDS))
        except DivergenceError as exc:
            out[label] = exc
    return out, rates


def summary(results: dict[str, History | DivergenceError], rates: np.ndarray,
            loss_star: float) -> str:
    """Final excess losses, and the schedule's sums of rates and of squared rates."""
    lines = []
    for label, h in results.items():
        if isinstance(h, DivergenceError):
            lines.append(f"{label:<16} diverged at step {h.step}")
        else:
            lines.append(f"{label:<16} final loss {h.final_loss:.4f}   excess "
                         f"{h.final_loss - loss_star:.2e}")
    lines.append(f"schedule over T={len(rates)} steps: last rate {rates[-1]:.3g}, "
                 f"sum of rates {rates.sum():.4g}, sum of squared rates {(rates ** 2).sum():.4g}")
    return "\n".join(lines)


class SchedulesFigure(BlitFigure):
    """The three panels of :func:`draw_schedules`."""

    def __init__(self, blit: bool = False) -> None:
        from ..plotting import least_squares_surface, plot_contours, style

        super().__init__((11, 3.6), blit)
        X, y, theta_star, self.loss_star = course_problem()
        self.rate_ax, self.loss_ax, self.path_ax = self.fig.subplots(1, 3)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.9, wspace=0.28)
        colours = [style(i)["color"] for i in (5, 1)]
        self.rates = [self.rate_ax.plot([], [], color=c, animated=blit)[0] for c in colours]
        self.losses = [self.loss_ax.plot([], [], color=c, animated=blit)[0] for c in colours]
        plot_contours(least_squares_surface(X, y), ZOOM, ax=self.path_ax, levels=12,
                      resolution=60)
        self.path_ax.plot(*theta_star, "*", color="black", markersize=12)
        self.paths = [self.path_ax.plot([], [], ".", markersize=2, color=c, animated=blit)[0]
                      for c in colours]
        self.rate_ax.set(yscale="log", ylim=(1e-3, 2.0), xlabel="step t",
                         ylabel="α_t / α_0", title="learning rate")
        self.loss_ax.set(yscale="log", ylim=EXCESS_RANGE, xlabel="epochs",
                         ylabel="excess loss J(θ) − J(θ*)", title="loss")
        self.path_ax.set(xlabel="θ₁", ylabel="θ₂", title="iterates near θ* (second half)")
        self.legend = self.loss_ax.legend(self.losses, ["", ""], loc="lower left",
                                          fontsize="small")
        self.animated = [*self.rates, *self.losses, *self.paths, self.legend]

    def draw(self, schedule: str = DEFAULTS["schedule"], lr: float = DEFAULTS["lr"],
             epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]):
        """Run both and put them in the figure: ``(figure, text)``."""
        func = "draw_schedules"
        check_choice(func, "schedule", schedule, SCHEDULES)
        check_number(func, "lr", lr, POSITIVE)
        check_number(func, "epochs", epochs, COUNT)
        pair, rates = run_pair(schedule, lr, epochs, seed)
        results: dict[str, Any] = dict(pair)
        T = len(rates)
        self.rates[0].set_data([0, T], [1.0, 1.0])
        self.rates[1].set_data(np.arange(T), rates / lr)
        empty = np.array([])
        for i, (label, h) in enumerate(results.items()):
            ok = isinstance(h, History)
            self.legend.texts[i].set_text(label if ok else f"{label}: diverged")
            excess = np.maximum(h.loss - self.loss_star, EXCESS_RANGE[0] / 10) if ok else empty
            self.losses[i].set_data(h.epoch if ok else empty, excess)
            half = h.path[len(h.path) // 2:] if ok else np.empty((0, 2))
            self.paths[i].set_data(half[:, 0], half[:, 1])
        self.rate_ax.set_xlim(0, T)
        self.loss_ax.set_xlim(0, epochs)
        self.key = (epochs,)
        return self.fig, summary(results, rates, self.loss_star)


def draw_schedules(schedule: str = DEFAULTS["schedule"], lr: float = DEFAULTS["lr"],
                   epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]):
    r"""SGD with a constant rate ``lr`` against SGD with ``schedule`` (one of
    :data:`SCHEDULES`) starting at ``lr``; ``(figure, text)``, a new figure each call.

    Left: :math:`\alpha_t/\alpha_0`. Middle: :math:`J(\theta_t) - J(\theta^*)` against epochs.
    Right: the iterates of the second half of each run, around :math:`\theta^*`.
    """
    return SchedulesFigure().draw(schedule, lr, epochs, seed)


def schedules_widget(*, schedule: str = DEFAULTS["schedule"], lr: float = DEFAULTS["lr"],
                     epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"]
                     ) -> CourseWidget:
    """Controls for the schedule, the initial rate (log scale), epochs and seed, wired to
    :func:`draw_schedules`. At its defaults it shows what ``draw_schedules()`` draws."""
    import ipywidgets as w

    wide = slider_style()
    controls = {
        "schedule": w.Dropdown(value=schedule, options=list(SCHEDULES), description="schedule",
                               **label_style()),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=-0.5, step=0.05,
                               description="α₀ (lr)", readout_format=".3g", **wide),
        "epochs": w.IntSlider(value=epochs, min=1, max=60, description="epochs", **wide),
        "seed": w.IntSlider(value=seed, min=0, max=20, description="seed", **wide),
    }
    return BlitWidget(controls, SchedulesFigure(blit=True), names=CONTROL_NAMES,
                      height="420px", dpi=DPI)
