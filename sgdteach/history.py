"""What a run records, and when it counts as diverged.

:class:`History` is what every driver returns; :class:`Recorder` fills it while the loop of
:func:`sgdteach.descent.descend` runs (record points, wall time without the recording, the
divergence checks); :func:`diverged` is the one divergence rule, and :class:`DivergenceError`
what a blown-up run raises.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import numpy as np

from ._types import Array
from ._validation import fail
from .losses import Loss

EXPLODE_FACTOR = 1e6    # a recorded loss this many times the initial one counts as divergence


class DivergenceError(FloatingPointError, ValueError):
    """The iterates blew up (see :func:`diverged`). The message names the step, the learning rate
    and, for a quadratic loss, the 2/L bound; ``history`` holds the run up to the last record
    point before the blow-up. A ``ValueError`` too: the learning rate was too large."""

    def __init__(self, message: str, *, step: int, lr: float, bound: float | None = None,
                 history: History | None = None):
        super().__init__(message)
        self.step, self.lr, self.bound, self.history = step, lr, bound, history


def diverged(theta: Array, loss: float | None = None, loss0: float | None = None) -> bool:
    """The one divergence rule: ``theta`` is not finite, or the loss is not finite or above
    ``EXPLODE_FACTOR`` times ``max(loss0, 1)`` (``loss0``: the loss at the start). ``None``: no
    loss recorded, only ``theta`` is looked at.

    >>> diverged(np.array([1.0, np.inf])), diverged(np.zeros(2), 2e6, 1.0)
    (True, True)
    """
    if not np.isfinite(theta).all():
        return True
    if loss is None:
        return False
    return not loss <= EXPLODE_FACTOR * max(1.0 if loss0 is None else loss0, 1.0)


@dataclass
class History:
    r"""What a run did, recorded at step 0, every ``record_every`` steps, and at the end.

    Attributes
    ----------
    theta : (d,) final parameters.
    path : (k, d) parameters at each record point (``path[0]`` is ``theta0``).
    loss : (k,) loss at each record point: the full-data loss for in-memory data; for streams
        the loss on the batch about to be used (not yet seen), i.e. progressive validation. NaN
        where no loss was recorded (``record_loss=False``; step 0 of :func:`~sgdteach.minimize`'s
        default on large data).
    step, samples_seen : (k,) updates done and rows used so far.
    epoch : (k,) epochs done (``samples_seen`` over the epoch size; NaN for an endless stream).
    wall_time : (k,) seconds of descent so far, the time spent recording excluded.
    lr : (k,) the learning rate in force at each record point.
    settings : the arguments of the run (batch size, sampling, optimizer, seed, ...).
    last_iterate : (d,) the raw last iterate :math:`\theta_T`. With ``average`` on,
        ``theta``, ``path`` and ``loss`` are those of the averaged iterate :math:`\bar\theta`
        (the raw iterate where averaging has not started yet), as scikit-learn's ``coef_``;
        without, ``last_iterate`` is ``theta``.
    """

    theta: Array
    path: Array
    loss: Array
    step: Array
    samples_seen: Array
    epoch: Array
    wall_time: Array
    lr: Array
    settings: dict[str, Any] = field(default_factory=dict)
    last_iterate: Array | None = None

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def __repr__(self) -> str:
        s = self.settings
        return (f"History(steps={int(self.step[-1])}, epochs={self.epoch[-1]:.3g}, "
                f"batch_size={s.get('batch_size')}, final_loss={self.final_loss:.6g}, "
                f"theta={np.array2string(self.theta, precision=4)})")


#: The loss recorded at a record point: ``evaluate(theta, X_batch, y_batch)``; ``None``: none
#: at this point (NaN in the history).
Evaluate = Callable[[Array, Any, Any], float | None]


class Recorder:
    """The record points of one run, kept out of the loop's way.

    :meth:`record` stores ``theta``, the loss ``evaluate(theta, X_B, y_B)`` (NaN when
    ``evaluate`` is or returns None), the counters, the rate and the wall time without the
    recording, and raises :class:`DivergenceError` (:meth:`stop`) when :func:`diverged` says so;
    at step 0 a loss that is not finite is refused as a bad ``theta0``. :meth:`history` gives
    the :class:`History` so far.
    """

    def __init__(self, loss: Loss, evaluate: Evaluate | None, *, func: str,
                 samples_per_epoch: float, hint_X: Array | None,
                 settings: dict[str, Any] | None) -> None:
        self.loss, self.evaluate, self.func = loss, evaluate, func
        self.samples_per_epoch, self.hint_X = samples_per_epoch, hint_X
        self.settings = dict(settings or {})
        self.path: list[Array] = []
        self.losses: list[float] = []
        self.steps: list[int] = []
        self.samples: list[int] = []
        self.lrs: list[float] = []
        self.times: list[float] = []
        self.loss0: float | None = None
        self.recording_time = 0.0
        self.start = time.perf_counter()

    def record(self, theta: Array, t: int, samples: int, lr: float, X_B: Any, y_B: Any) -> None:
        """One record point: step ``t``, ``samples`` rows used, rate ``lr``, next batch."""
        t0 = time.perf_counter()
        value = self.evaluate(theta, X_B, y_B) if self.evaluate is not None else None
        if t == 0 and value is not None and not math.isfinite(value):
            fail(self.func, "theta0", "a start where the loss on the data is finite", theta,
                 f"The loss there is {value}: rescale the data (e.g. standardise X and y).")
        if self.loss0 is None:
            self.loss0 = value
        if diverged(theta, value, self.loss0):
            self.stop(theta, t, lr, math.nan if value is None else value)
        self.path.append(theta.copy())
        self.losses.append(math.nan if value is None else value)
        self.steps.append(t)
        self.samples.append(samples)
        self.lrs.append(lr)
        t1 = time.perf_counter()
        self.recording_time += t1 - t0
        self.times.append(t1 - self.start - self.recording_time)

    def stop(self, theta: Array, t: int, lr: float, value: float = math.nan) -> NoReturn:
        """Raise :class:`DivergenceError` for step ``t`` (``value``: the loss, NaN if none)."""
        hint, bound = _divergence_hint(self.hint_X, self.loss, lr)
        what = "parameters not finite" if math.isnan(value) else f"loss={value:.3g}"
        raise DivergenceError(f"{self.func}: diverged at step {t} with lr={lr:.3g} ({what}); "
                              f"{hint}.", step=t, lr=lr, bound=bound, history=self.history(theta))

    def history(self, theta: Array, last: Array | None = None) -> History:
        """The :class:`History` of the record points so far, ending at ``theta`` (``last``: the
        raw last iterate when ``theta`` is an average; ``None``: ``theta`` itself)."""
        samples = np.array(self.samples)
        return History(theta=theta, path=np.array(self.path), loss=np.array(self.losses),
                       step=np.array(self.steps), samples_seen=samples,
                       epoch=samples / self.samples_per_epoch, wall_time=np.array(self.times),
                       lr=np.array(self.lrs), settings=dict(self.settings),
                       last_iterate=theta if last is None else last)


class IterateAverage:
    r"""The Polyak–Ruppert average :math:`\bar\theta` of the iterates, from the one after which
    ``start`` samples have been seen on (scikit-learn's ``average``: 1 averages every iterate).

    .. math::

        \bar\theta \leftarrow \bar\theta + \frac{\theta_t - \bar\theta}{t - t_0 + 1}
        \quad (t \ge t_0), \qquad
        \bar\theta_T = \frac{1}{T - t_0 + 1} \sum_{t=t_0}^{T} \theta_t

    where :math:`\theta_t` is the iterate after step :math:`t` (steps counted from 1, so
    :math:`\theta_0` is never averaged) and :math:`t_0` the first step after which at least
    ``start`` samples have been seen. :meth:`of` is the estimate to report: :math:`\bar\theta`
    once averaging has started, the raw iterate before.

    >>> avg = IterateAverage(1, np.zeros(1))
    >>> for k, theta in enumerate([np.array([1.0]), np.array([2.0]), np.array([6.0])], 1):
    ...     avg.add(theta, samples=k)
    >>> avg.of(theta)
    array([3.])
    """

    __slots__ = ("start", "mean", "count")

    def __init__(self, start: int, theta0: Array) -> None:
        self.start, self.mean, self.count = start, np.array(theta0, dtype=np.float64), 0

    def add(self, theta: Array, samples: int) -> None:
        """Take in the iterate ``theta`` reached once ``samples`` samples have been seen."""
        if samples >= self.start:
            self.count += 1                                    # t - t0 + 1
            self.mean += (theta - self.mean) / self.count

    def of(self, theta: Array) -> Array:
        """:math:`\bar\theta` (a copy) once averaging has started, else ``theta``."""
        return self.mean.copy() if self.count else theta


def _divergence_hint(X: Array | None, loss: Loss, lr: float) -> tuple[str, float | None]:
    """For a quadratic loss, compare lr with 2/L (full data) and with the steepest row's 2/L_i;
    a bound that is not a positive finite number is left out, never printed."""
    generic = f"try a smaller lr than {lr:.3g}", None
    if X is None or not loss.quadratic or loss.smoothness is None:
        return generic
    try:
        L = loss.smoothness(X)
        norms = np.einsum("ij,ij->i", X, X)
        L_row = loss.smoothness(X[[int(np.argmax(norms))]])
    except ValueError:   # L beyond float64: no bound to give
        return generic
    if not (math.isfinite(L) and L > 0):
        return generic
    bound = 2.0 / L
    if lr > bound:
        return f"lr={lr:.3g} exceeds 2/L={bound:.3g}; try lr < {bound:.3g}", bound
    if not (math.isfinite(L_row) and L_row > 0 and 2.0 / L_row > 0):
        return f"lr={lr:.3g} is below 2/L={bound:.3g}; try a smaller lr or a larger batch", bound
    return (f"lr={lr:.3g} is below 2/L={bound:.3g} for the full data, but single rows are "
            f"steeper (2/L_i = {2.0 / L_row:.3g}); try a smaller lr or a larger batch"), bound
