r"""Notebook 10's widget: a neural network on the digits, trained by mini-batch SGD or another
update rule, under a learning-rate schedule.

:func:`draw_network` trains :data:`NET` (64 pixels, 32 ReLU units, 10 classes) for
:data:`EPOCHS` epochs with :func:`sgdteach.course.network_runs.train` at the chosen batch size, rate
:math:`\alpha`, update rule and schedule, from the same initialisation and row order (seed 0),
and draws the rate :math:`\alpha_t`, the train and test loss and accuracy against
epochs; its text gives the final losses and accuracies. :func:`network_widget` wires controls
to it.

A run takes from a few hundredths of a second (large batches) to about half a second (batch 8):
runs are cached (:func:`cached_run`), so returning to a setting is instant, and only the curves
are repainted (:class:`~sgdteach.course.widgets._blit.BlitFigure`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ... import schedules as sch
from ..._validation import COUNT, Interval, check_choice, check_number, fail
from ...history import DivergenceError
from ...networks import MLP
from ...sampling import steps_per_epoch
from ..network_runs import Run, digits_split, train
from ._base import CourseWidget, label_style, slider_style
from ._blit import DPI, BlitFigure, BlitWidget

NET = MLP([64, 32, 10], activation="relu")
EPOCHS = 10
RECORDS_PER_EPOCH = 3
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512)
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
SCHEDULES = ("constant", "cosine", "warmup + cosine")
WARMUP_FRACTION = 0.1
DEFAULTS: dict[str, Any] = dict(batch_size=32, lr=0.2, optimizer="sgd", schedule="constant")
LR = Interval(0, 10.0, closed="right")   # the slider reaches 10**0.3 = 2
LOSS_RANGE = (0.005, 5.0)
CONTROL_NAMES = {   # the controls' accessible names (what a screen reader announces)
    "batch_size": "batch size: rows per update",
    "lr": "α (lr): peak learning rate, log scale",
    "optimizer": "update rule of the weights",
    "schedule": "schedule of the learning rate",
}


def make_lr(schedule: str, lr: float, total_steps: int):
    r"""The rate of ``schedule`` peaking at ``lr`` for a run of ``total_steps`` steps: the
    number ``lr``, :func:`~sgdteach.schedules.cosine` to 0 at the end, or
    :func:`~sgdteach.schedules.warmup_cosine` with a linear warmup over the first
    :data:`WARMUP_FRACTION` of the steps."""
    check_choice("make_lr", "schedule", schedule, SCHEDULES)
    if schedule == "constant":
        return lr
    if schedule == "cosine":
        return sch.cosine(lr, total_steps)
    return sch.warmup_cosine(lr, total_steps, max(1, int(WARMUP_FRACTION * total_steps)))


@lru_cache(maxsize=512)
def cached_run(batch_size: int, lr: float, optimizer: str, schedule: str
               ) -> Run | DivergenceError:
    """One widget run (or the divergence that stopped it), computed once per setting."""
    data = digits_split()
    T = EPOCHS * steps_per_epoch(len(data.y_train), batch_size)
    try:
        return train(NET, data, lr=make_lr(schedule, lr, T), batch_size=batch_size,
                     epochs=EPOCHS, optimizer=optimizer, seed=0,
                     records_per_epoch=RECORDS_PER_EPOCH)
    except DivergenceError as exc:
        return exc


def summary(run: Run | DivergenceError, batch_size: int, lr: float, optimizer: str,
            schedule: str) -> str:
    """The setting, then the final losses and accuracies (or where the run diverged)."""
    head = f"batch size {batch_size}, α = {lr:.3g}, {optimizer}, {schedule} ({EPOCHS} epochs)"
    if isinstance(run, DivergenceError):
        return f"{head}\ndiverged at step {run.step}: try a smaller α"
    return (f"{head}\ntrain: loss {run.train_loss[-1]:.4f}, accuracy "
            f"{run.train_accuracy[-1]:.1%}\ntest:  loss {run.test_loss[-1]:.4f}, accuracy "
            f"{run.test_accuracy[-1]:.1%}")


class NetworkFigure(BlitFigure):
    """The three panels of :func:`draw_network`: rate, losses, accuracies."""

    def __init__(self, blit: bool = False) -> None:
        from ..plotting import style

        super().__init__((11, 3.6), blit)
        self.rate_ax, self.loss_ax, self.acc_ax = self.fig.subplots(1, 3)
        self.fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.9, wspace=0.3)
        self.rate = self.rate_ax.plot([], [], animated=blit, **style(4))[0]
        self.loss = self.loss_ax.plot([], [], animated=blit, label="train", **style(0))[0]
        self.test_loss = self.loss_ax.plot([], [], animated=blit, label="test", **style(1))[0]
        self.train_acc = self.acc_ax.plot([], [], animated=blit, label="train", **style(0))[0]
        self.test_acc = self.acc_ax.plot([], [], animated=blit, label="test", **style(1))[0]
        self.rate_ax.set(yscale="log", ylim=(1e-5, 2.0), xlim=(0, EPOCHS), xlabel="epochs",
                         ylabel="α_t", title="learning rate")
        self.loss_ax.set(yscale="log", ylim=LOSS_RANGE, xlim=(0, EPOCHS), xlabel="epochs",
                         ylabel="mean cross-entropy", title="loss")
        self.loss_ax.legend(loc="upper right")
        self.acc_ax.set(ylim=(0.0, 1.02), xlim=(0, EPOCHS), xlabel="epochs",
                        ylabel="accuracy", title="accuracy")
        self.acc_ax.legend(loc="lower right")
        self.status = self.loss_ax.text(0.5, 0.5, "", transform=self.loss_ax.transAxes,
                                        ha="center", animated=blit)
        self.animated = [self.rate, self.loss, self.test_loss, self.train_acc, self.test_acc,
                         self.status]

    def draw(self, batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
             optimizer: str = DEFAULTS["optimizer"], schedule: str = DEFAULTS["schedule"]):
        """Train (or fetch the cached run) and put it in the figure: ``(figure, text)``."""
        func = "draw_network"
        batch_size = check_number(func, "batch_size", batch_size, COUNT)
        if batch_size not in BATCH_SIZES:
            fail(func, "batch_size", "one of " + ", ".join(map(str, BATCH_SIZES)), batch_size,
                 "Pick a batch size the slider offers.")
        lr = check_number(func, "lr", lr, LR)
        check_choice(func, "optimizer", optimizer, OPTIMIZERS)
        check_choice(func, "schedule", schedule, SCHEDULES)
        run = cached_run(batch_size, lr, optimizer, schedule)
        n = len(digits_split().y_train)
        spe = steps_per_epoch(n, batch_size)
        rule = sch.as_schedule(make_lr(schedule, lr, EPOCHS * spe))
        steps = np.arange(EPOCHS * spe + 1)
        self.rate.set_data(steps / spe, [rule(int(t)) for t in steps])
        if isinstance(run, DivergenceError):
            for line in (self.loss, self.test_loss, self.train_acc, self.test_acc):
                line.set_data([], [])
            self.status.set_text(f"diverged at step {run.step}")
        else:
            h = run.history
            self.loss.set_data(h.epoch, np.clip(run.train_loss, *LOSS_RANGE))
            self.test_loss.set_data(h.epoch, np.clip(run.test_loss, *LOSS_RANGE))
            self.train_acc.set_data(h.epoch, run.train_accuracy)
            self.test_acc.set_data(h.epoch, run.test_accuracy)
            self.status.set_text("")
        return self.fig, summary(run, batch_size, lr, optimizer, schedule)


def draw_network(batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
                 optimizer: str = DEFAULTS["optimizer"], schedule: str = DEFAULTS["schedule"]):
    r"""Train the digits network with these settings and draw it; ``(figure, text)``.

    ``batch_size`` is one of :data:`BATCH_SIZES`, ``lr`` the (peak) rate :math:`\alpha`,
    ``optimizer`` one of :data:`OPTIMIZERS` (default hyper-parameters: :math:`\beta = 0.9`,
    RMSProp :math:`\rho = 0.9`, Adam :math:`\beta_1 = 0.9, \beta_2 = 0.999`), ``schedule`` one of
    :data:`SCHEDULES` (:func:`make_lr`). Left: :math:`\alpha_t`. Middle: train and test loss.
    Right: train and test accuracy. A new figure each call.
    """
    return NetworkFigure().draw(batch_size, lr, optimizer, schedule)


def network_widget(*, batch_size: int = DEFAULTS["batch_size"], lr: float = DEFAULTS["lr"],
                   optimizer: str = DEFAULTS["optimizer"], schedule: str = DEFAULTS["schedule"]
                   ) -> CourseWidget:
    """Controls for the batch size, α (log scale), update rule and schedule, wired to
    :func:`draw_network`. At its defaults it shows what ``draw_network()`` draws."""
    import ipywidgets as w

    wide = slider_style()
    label = label_style()
    controls = {
        "batch_size": w.SelectionSlider(value=batch_size, options=list(BATCH_SIZES),
                                        description="batch size", **wide),
        "lr": w.FloatLogSlider(value=lr, base=10, min=-4, max=0.3, step=0.1,
                               description="α (lr)", readout_format=".3g", **wide),
        "optimizer": w.ToggleButtons(value=optimizer, options=list(OPTIMIZERS),
                                     description="update rule", **label),
        "schedule": w.ToggleButtons(value=schedule, options=list(SCHEDULES),
                                    description="schedule", **label),
    }
    return BlitWidget(controls, NetworkFigure(blit=True), names=CONTROL_NAMES, height="440px",
                      dpi=DPI)
