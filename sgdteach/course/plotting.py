r"""Pictures of descent runs: loss curves, paths on contours, schedules, and path animations.

Every function takes ``ax=None`` (a new figure of a fixed size is made when omitted) and returns
the Axes, so figures compose. Colours are the Okabe–Ito palette (safe for colour-blind readers);
line styles differ too, so curves stay distinguishable in grey-scale.

Every figure the package makes has an opaque white background (:data:`BACKGROUND`), whatever the
user's ``figure.facecolor``: shown inline (IPython renders with the figure's own face colour), in
a widget, or in a GIF from :func:`animate_paths`. A figure passed in through ``ax`` stays as its
maker set it, and ``fig.savefig`` honours ``savefig.transparent``: a transparent export is then
what the user asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .._style import BACKGROUND, OKABE_ITO
from .._types import Array
from ..history import History

LINESTYLES = ("-", "--", "-.", ":")
FIGSIZE = (6.4, 4.0)
X_AXES = {"epoch": ("epoch", "epochs"), "samples": ("samples_seen", "samples seen (gradient "
          "evaluations)"), "step": ("step", "updates"), "time": ("wall_time", "wall time (s)")}


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=FIGSIZE):
    """``(figure, axes)`` as :func:`matplotlib.pyplot.subplots` gives them: a fixed size,
    constrained layout and the opaque :data:`BACKGROUND` of every figure the package makes."""
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", facecolor=BACKGROUND)


def _new_axes(ax, figsize=FIGSIZE):
    if ax is not None:
        return ax
    _, ax = new_figure(figsize=figsize)
    return ax


def _named(histories) -> list[tuple[str, History]]:
    """Accept one History, a list of them, or a mapping label -> History."""
    if isinstance(histories, History):
        return [("run", histories)]
    if isinstance(histories, Mapping):
        return list(histories.items())
    return [(f"run {i}", h) for i, h in enumerate(histories)]


def style(i: int) -> dict:
    """Colour and line style of the ``i``-th curve."""
    return {"color": OKABE_ITO[i % len(OKABE_ITO)], "linestyle": LINESTYLES[i % len(LINESTYLES)]}


def plot_losses(histories: History | Sequence[History] | Mapping[str, History], *,
                x: str = "epoch", ax=None, logy: bool = True, optimum: float | None = None,
                title: str | None = None):
    """Loss against epochs, samples seen, updates or wall time (``x``), one curve per run.

    ``optimum`` (e.g. the least-squares loss) draws a dotted reference line.
    """
    from .._validation import check_choice

    check_choice("plot_losses", "x", x, X_AXES)
    field, label = X_AXES[x]
    ax = _new_axes(ax)
    for i, (name, h) in enumerate(_named(histories)):
        ax.plot(getattr(h, field), h.loss, label=name, **style(i))
    if optimum is not None:
        ax.axhline(optimum, color="0.4", linestyle=":", label="optimum")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def least_squares_surface(X: Array, y: Array) -> Callable[[Array], Array]:
    r"""The mean squared error as a function of :math:`\theta \in \mathbb R^2`, vectorised over
    leading axes (for contour grids): ``surface(W)`` with ``W`` of shape ``(..., 2)``."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        from .._validation import fail

        fail("least_squares_surface", "X", "of shape (n, 2) to draw contours", X)
    A = X.T @ X / len(y)
    b = X.T @ y / len(y)
    c = y @ y / len(y)

    def surface(W: Array) -> Array:
        W = np.asarray(W, dtype=np.float64)
        return np.einsum("...i,ij,...j->...", W, A, W) - 2.0 * W @ b + c

    return surface


def plot_contours(surface: Callable[[Array], Array], window, *, ax=None, levels: int = 25,
                  resolution: int = 200, log: bool = True):
    """Contour lines of ``surface`` (``(..., 2) -> (...)``) over
    ``window = ((x0, x1), (y0, y1))``; log-spaced levels show narrow valleys."""
    ax = _new_axes(ax, (5.6, 4.4))
    (x0, x1), (y0, y1) = window
    g1, g2 = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = surface(np.stack([g1, g2], axis=-1))
    lv: Array | int = levels
    if log:  # levels at min + geometric steps of the range: dense near the minimum
        low, span = float(Z.min()), float(Z.max() - Z.min()) + 1e-12
        lv = low + np.geomspace(1e-3 * span, span, levels)
    ax.contour(g1, g2, Z, levels=lv, colors="0.7", linewidths=0.7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    return ax


def plot_paths(histories: History | Sequence[History] | Mapping[str, History], *,
               surface: Callable[[Array], Array] | None = None, window=None, ax=None,
               minimizer: Array | None = None, title: str | None = None):
    r"""The path of :math:`\theta` of each run, on the contours of ``surface`` when given.

    ``window`` defaults to a box around all paths. ``minimizer`` marks the optimum with a star.
    """
    runs = _named(histories)
    if window is None:
        pts = np.vstack([h.path[:, :2] for _, h in runs]
                        + ([np.atleast_2d(minimizer)] if minimizer is not None else []))
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.15 * np.maximum(hi - lo, 1e-3)
        window = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    ax = plot_contours(surface, window, ax=ax) if surface is not None else _new_axes(ax)
    for i, (name, h) in enumerate(runs):
        st = style(i)
        ax.plot(h.path[:, 0], h.path[:, 1], label=name, linewidth=1.2, marker=".",
                markersize=3, **st)
        ax.plot(*h.path[0, :2], "o", color=st["color"], markersize=5)
    if minimizer is not None:
        m = np.atleast_2d(minimizer)
        ax.plot(m[:, 0], m[:, 1], "*", color="black", markersize=12, label="minimum")
    ax.set_xlabel(r"$\theta_1$")
    ax.set_ylabel(r"$\theta_2$")
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_schedule(schedules: Callable[[int], float] | Mapping[str, Callable[[int], float]],
                  steps: int = 1000, *, ax=None, logy: bool = False):
    """Learning rate against step for one schedule or a mapping label -> schedule."""
    if callable(schedules):
        schedules = {getattr(schedules, "__qualname__", "schedule"): schedules}
    ax = _new_axes(ax)
    t = np.arange(steps)
    for i, (name, sched) in enumerate(schedules.items()):
        ax.plot(t, [sched(int(k)) for k in t], label=name, **style(i))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"learning rate $\alpha_t$")
    ax.legend(loc="best", fontsize="small")
    return ax


def animate_paths(histories, path: str | Path, *, surface=None, window=None,
                  minimizer: Array | None = None, fps: int = 15, max_frames: int = 60) -> Path:
    """Write a GIF of the runs' paths growing over time (matplotlib + Pillow); returns the path.

    Refuses to overwrite an existing file: choose a new name or delete the old one first.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    from .._validation import fail

    path = Path(path)
    if path.suffix.lower() != ".gif":
        fail("animate_paths", "path", "a file name ending in .gif", str(path))
    if path.exists():
        fail("animate_paths", "path", "a file that does not exist yet", str(path),
             "Choose another name or delete the old file.", kind=FileExistsError)
    runs = _named(histories)
    fig, ax = new_figure(figsize=(5.6, 4.4))
    plot_paths(dict(runs), surface=surface, window=window, ax=ax, minimizer=minimizer)
    lines = ax.get_lines()[0:2 * len(runs):2]
    longest = max(len(h.path) for _, h in runs)
    frames = np.unique(np.linspace(1, longest, min(max_frames, longest)).astype(int))

    def draw(k: int):
        for line, (_, h) in zip(lines, runs, strict=True):
            line.set_data(h.path[:k, 0], h.path[:k, 1])
        return lines

    opaque = {"facecolor": BACKGROUND, "transparent": False}   # whatever savefig.* say
    FuncAnimation(fig, draw, frames=frames, blit=False).save(path, writer=PillowWriter(fps=fps),
                                                             savefig_kwargs=opaque)
    plt.close(fig)
    return path
