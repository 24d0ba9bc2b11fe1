r"""Notebook 03's widget: batch, stochastic and mini-batch gradient descent on the same problem.

:func:`draw_methods` runs the three methods with :func:`sgdteach.minimize` on one least-squares
problem (same data, start, learning rate, epochs, seed and sampling: only the batch size differs)
and draws, side by side, each method's path of :math:`\theta` on the same loss contours, then the
excess loss :math:`J(\theta) - J(\theta^*)` against epochs, against gradient evaluations (rows
used) and against wall time. :func:`methods_widget` wires sliders to it.

No maths here: the runs are :mod:`sgdteach.descent`'s. Speed: drawing six axes' text costs more
than the runs, so the widget draws the fixed parts (contours, axes, ticks, labels) once and on a
redraw only paints the new curves over a copy of them (matplotlib "blitting").
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..._validation import COUNT, POSITIVE, Interval, check_choice, check_number
from ...datasets import make_regression
from ...descent import minimize
from ...history import DivergenceError, History
from ...losses import least_squares_solution, mse
from ...sampling import SAMPLINGS
from ._base import CourseWidget, label_style, slider_style
from ._blit import DPI, BlitFigure, BlitWidget

N_ROWS = 100            # rows of the course problem: small, so a redraw stays under 100 ms
MAX_PATH_POINTS = 150   # points drawn per curve, log-spaced in the step (the runs record every step)
DEFAULTS: dict[str, Any] = dict(batch_size=10, lr=0.05, epochs=20, seed=0, sampling="shuffle")
START = np.array([0.5, 1.5])
WINDOW = ((-3.5, 1.5), (-0.7, 1.9))
EXCESS_RANGE = (1e-5, 100.0)
TIMING_REPEATS = 3      # runs per method; each record keeps its fastest wall time
LOSS_AXES = (("epoch", "epochs (= gradient evaluations / m)"), ("step", "updates, log scale"),
             ("wall_time", "wall time (ms), log scale"))
TIME_FLOOR_MS = 1e-3    # the wall-time axis starts at 1 µs: no update is faster
SCALE = {"wall_time": 1e3}   # seconds -> ms on the wall-time axis
LABELS = ("batch GD", "stochastic", "mini-batch")
CONTROL_NAMES = {   # the controls' accessible names (what a screen reader announces)
    "batch_size": "batch size: rows per mini-batch update",
    "lr": "α (lr): learning rate, log scale",
    "epochs": "epochs: passes over the data",
    "seed": "seed: random seed of the row order",
    "sampling": "sampling of the rows",
}


@lru_cache(maxsize=1)
def course_problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""The problem of notebook 03: ``(X, y, theta_star, loss_star)``.

    100 rows of a linear regression with a bias column and one feature centred at 1.5 (so the
    contours of :math:`J` are tilted ellipses, condition number about 20) and noise 1, seed 0.
    """
    X, y, _ = make_regression(N_ROWS, 2, noise=1.0, seed=0)
    X[:, 1] += 1.5
    X.setflags(write=False)
    y.setflags(write=False)
    theta_star = least_squares_solution(X, y)
    return X, y, theta_star, mse(theta_star, X, y)


def run_methods(batch_size: int, lr: float, epochs: int, seed: int, sampling: str,
                timing_repeats: int = TIMING_REPEATS) -> dict[str, History | DivergenceError]:
    """The three runs by label; a run that diverges is replaced by its :class:`DivergenceError`.

    Every run records every step (step 1 included, so each curve starts at the first update;
    the recording is not counted in the wall time). Each run is repeated ``timing_repeats``
    times, the three methods in turn; the runs are identical (same seed) except for their clocks, and each record point keeps its smallest
    wall time over the repeats, so a moment of load elsewhere does not show up as a jump."""
    X, y, _, _ = course_problem()
    n = len(y)
    out: dict[str, History | DivergenceError] = {}
    for _ in range(timing_repeats):
        for name, b in zip(LABELS, (n, 1, batch_size), strict=True):
            label = f"{name} (b={b})"
            try:
                h = minimize(X, y, START, lr=lr, batch_size=b, epochs=epochs,
                             sampling=sampling, seed=seed, record_every=1)
            except DivergenceError as exc:
                out[label] = exc
                continue
            first = out.get(label)
            if isinstance(first, History):
                first.wall_time = np.minimum(first.wall_time, h.wall_time)
            else:
                out[label] = h
    return out


def summary(results: dict[str, History | DivergenceError], loss_star: float) -> str:
    """One line per method: final loss, updates and gradient evaluations, or where it diverged."""
    lines = []
    for label, h in results.items():
        if isinstance(h, DivergenceError):
            lines.append(f"{label:<20} diverged at step {h.step} (lr={h.lr:.3g})")
        else:
            lines.append(f"{label:<20} final loss {h.final_loss:.4f}   updates "
                         f"{int(h.step[-1]):>5}   gradient evaluations {int(h.samples_seen[-1])}")
    lines.append(f"{'least squares':<20} final loss {loss_star:.4f}")
    return "\n".join(lines)


def _drawn_points(records: int) -> np.ndarray:
    """Indices of the records drawn: the first 20, then about ``MAX_PATH_POINTS`` log-spaced
    ones, and the last (a log axis of updates or time needs the early ones, a path all turns)."""
    spaced = np.geomspace(1, max(records - 1, 1), MAX_PATH_POINTS).astype(int)
    return np.unique(np.r_[np.arange(min(records, 20)), spaced, records - 1])


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is >= x (a stable axis limit)."""
    power = 10.0 ** np.floor(np.log10(x))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= x))


class MethodsFigure(BlitFigure):
    """The six panels of :func:`draw_methods`."""

    def __init__(self, blit: bool = False) -> None:
        from matplotlib.ticker import MaxNLocator

        from ..plotting import least_squares_surface, plot_contours, style

        super().__init__((11, 6.6), blit)
        X, y, theta_star, self.loss_star = course_problem()
        self._time_limit = 0.0
        axes = self.fig.subplots(2, 3, sharey="row")
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.08, top=0.95, wspace=0.12,
                                 hspace=0.3)
        self.path_axes, self.loss_axes = axes
        surface = least_squares_surface(X, y)
        self.paths, self.titles, self.curves, self.ends = [], [], [], []
        for i, ax in enumerate(self.path_axes):
            plot_contours(surface, WINDOW, ax=ax, levels=15, resolution=60)
            ax.plot(*theta_star, "*", color="black", markersize=12)
            ax.plot(*START, "o", color="black", markersize=4)
            self.paths.append(ax.plot([], [], marker=".", markersize=3, linewidth=0.8,
                                      color=style(i)["color"], animated=blit)[0])
            self.titles.append(ax.set_title("", fontsize="medium", animated=blit))
            ax.xaxis.set_major_locator(MaxNLocator(5))
            ax.set_xlabel("θ₁ (intercept)")
            ax.set_ylabel("θ₂ (slope)" if i == 0 else "")
        for j, (ax, (_, xlabel)) in enumerate(zip(self.loss_axes, LOSS_AXES, strict=True)):
            self.curves.append([ax.plot([], [], animated=blit, **style(k))[0] for k in range(3)])
            self.ends.append([ax.plot([], [], "o", markersize=7, color=style(k)["color"],
                                      animated=blit)[0] for k in range(3)])   # each run's end
            ax.set_yscale("log")
            ax.set_ylim(*EXCESS_RANGE)
            ax.set_xlabel(xlabel)
            if j >= 1:
                ax.set_xscale("log")
            else:
                ax.xaxis.set_major_locator(MaxNLocator(5))
        self.loss_axes[0].set_ylabel("excess loss J(θ) − J(θ*)")
        n = len(y)
        self.animated = [*self.paths, *self.titles, *(c for row in self.curves for c in row),
                         *(e for row in self.ends for e in row)]
        self.legend = self.loss_axes[0].legend(self.curves[0], [f"batch GD (b={n})",
                                                                "stochastic (b=1)",
                                                                "mini-batch (b=?)"],
                                               loc="lower left", fontsize="small")
        self.legend.set_animated(blit)     # its mini-batch entry names b: repainted each draw
        self.animated.append(self.legend)

    def _layout(self, epochs: int, time_max: float, batch_size: int) -> None:
        """Set the axis limits; they are the fixed parts' only inputs (the cache key). The wall
        time axis only grows, or shrinks on a tenfold change, so timing jitter keeps the cache."""
        if not self._time_limit or time_max > self._time_limit \
                or time_max < self._time_limit / 10:
            self._time_limit = _nice_ceiling(1.5 * time_max)
        n = len(course_problem()[1])
        self.loss_axes[0].set_xlim(0, epochs)
        self.loss_axes[1].set_xlim(1, n * epochs)
        self.loss_axes[2].set_xlim(TIME_FLOOR_MS, 1e3 * self._time_limit)
        self.legend.get_texts()[2].set_text(f"mini-batch (b={batch_size})")
        self.key = (epochs, self._time_limit)

    def draw(self, batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
             epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"],
             sampling: str = DEFAULTS["sampling"]):
        """Run the three methods at these values and put them in the figure: ``(figure, text)``."""
        func = "draw_methods"
        n = len(course_problem()[1])
        check_number(func, "batch_size", batch_size, Interval(1, n, integer=True))
        check_number(func, "lr", lr, POSITIVE)
        check_number(func, "epochs", epochs, COUNT)
        check_choice(func, "sampling", sampling, SAMPLINGS)
        results: dict[str, Any] = run_methods(batch_size, lr, epochs, seed, sampling)
        empty = np.array([])
        time_max = 1e-3
        for i, (label, h) in enumerate(results.items()):
            ok = isinstance(h, History)
            on_path = (np.unique(np.r_[np.arange(min(len(h.step), 20)),
                                       np.linspace(0, len(h.step) - 1, MAX_PATH_POINTS).astype(int)])
                       if ok else slice(0))           # the first steps, then evenly spaced ones
            self.paths[i].set_data(h.path[on_path, 0] if ok else empty,
                                   h.path[on_path, 1] if ok else empty)
            self.titles[i].set_text(label if ok else f"{label}: diverged at step {h.step}")
            keep = _drawn_points(len(h.step)) if ok else slice(0)
            excess = np.maximum(h.loss - self.loss_star, EXCESS_RANGE[0] / 10) if ok else empty
            for curve, end, (field, _) in zip(self.curves, self.ends, LOSS_AXES, strict=True):
                x = SCALE.get(field, 1) * getattr(h, field) if ok else empty
                if field == "wall_time" and ok:
                    x = np.maximum(x, TIME_FLOOR_MS)           # step 0 (time 0) at the axis start
                curve[i].set_data(x[keep], excess[keep])
                end[i].set_data(x[-1:], excess[-1:])
            if ok:
                time_max = max(time_max, float(h.wall_time[-1]))
        self._layout(epochs, time_max, batch_size)
        return self.fig, summary(results, self.loss_star)


def draw_methods(batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
                 epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"],
                 sampling: str = DEFAULTS["sampling"]):
    r"""Run batch GD, SGD and mini-batch (``batch_size`` rows) with the same ``lr``, ``epochs``,
    ``seed`` and ``sampling``; return ``(figure, text)`` (a new figure each call).

    Top row: the three paths of :math:`\theta` (start: dot, minimiser :math:`\theta^*`: star), each
    on the same contours of :math:`J(\theta)`. Bottom row: :math:`J(\theta) - J(\theta^*)` against
    epochs (every method uses the same rows per epoch, so this is also per gradient evaluation),
    against updates (log scale) and against wall time in ms (log scale; a marker at each run's
    end; wall time varies from run to run;
    everything else is fixed by ``seed``). ``text`` gives each method's final loss.
    """
    return MethodsFigure().draw(batch_size, lr, epochs, seed, sampling)


def methods_widget(*, batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
                   epochs: int = DEFAULTS["epochs"], seed: int = DEFAULTS["seed"],
                   sampling: str = DEFAULTS["sampling"]) -> CourseWidget:
    """Sliders for batch size, learning rate (log scale), epochs, seed and sampling, wired to
    :func:`draw_methods`. At its defaults it shows exactly what ``draw_methods()`` draws."""
    import ipywidgets as w

    n = len(course_problem()[1])
    wide = slider_style()
    controls = {
        "batch_size": w.IntSlider(value=batch_size, min=1, max=n, description="batch size",
                                  **wide),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-3, max=0, step=0.05,
                               description="α (lr)", readout_format=".3g", **wide),
        "epochs": w.IntSlider(value=epochs, min=1, max=60, description="epochs", **wide),
        "seed": w.IntSlider(value=seed, min=0, max=20, description="seed", **wide),
        "sampling": w.ToggleButtons(value=sampling, options=list(SAMPLINGS),
                                    description="sampling", **label_style()),
    }
    return BlitWidget(controls, MethodsFigure(blit=True), names=CONTROL_NAMES, height="660px",
                      dpi=DPI)
