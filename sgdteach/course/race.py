r"""A race to a target loss: each method's learning rate tuned on a grid, then timed fairly.

A comparison of batch GD, SGD and mini-batches is only as fair as their learning rates.
:func:`tune_to_target` gives each method its own :math:`\alpha`, the one that reaches the target
in the fewest samples on a *tuning copy* of the problem (fresh rows from the same distribution),
and says whether the best value sits inside the grid (a best value at either end means the grid
does not bracket it). :func:`seconds_to_target` then times each method up to the update that
reached the target, every contender once per round (:func:`~sgdteach.course.timing.
best_of_interleaved`), so that a sentence can compare ratios of the best times.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._types import Array
from .._validation import COUNT, Interval, check_data, check_number, check_vector, fail
from ..descent import minimize
from ..history import DivergenceError
from .experiments import Reached, time_to_target
from .timing import best_of_interleaved, seconds_to_step


class TunedRate(NamedTuple):
    """The grid, the samples each ``lr`` needed (``inf``: never reached or diverged), the best
    ``lr`` and its index ``best`` (the grid brackets it only when ``0 < best < len - 1``)."""

    grid: Array
    samples: Array
    lr: float
    best: int

    @property
    def bracketed(self) -> bool:
        """True when the best ``lr`` has a worse neighbour on both sides."""
        return 0 < self.best < len(self.grid) - 1


def tune_to_target(X: Any, y: Any, target: float, grid: Sequence[float], *, batch_size: int,
                   epochs: int = 1, record_every: int = 1, seed: int = 0) -> TunedRate:
    r"""The learning rate of ``grid`` that reaches ``loss <= target`` in the fewest samples and
    stays there: its mean recorded loss over the second half of the run is below the target.

    .. math::

        \alpha^\star = \arg\min_{\alpha \in G} N(\alpha), \qquad
        N(\alpha) = b \cdot \min\{t : J(\theta_t(\alpha)) \le J_{\text{target}}\}

    for :func:`sgdteach.minimize` runs on ``(X, y)`` (shape ``(m, d)`` and ``(m,)``; use a tuning
    copy of the data, not the rows the comparison is reported on) with ``batch_size`` :math:`b`,
    ``epochs`` epochs and the same ``seed`` for every :math:`\alpha`. :math:`N` is read at record
    points, so its resolution is ``record_every * batch_size`` samples. A run that diverges, never
    reaches the target, or whose second half averages above it (a rate whose noise floor lies above
    the target only dips below it by chance) counts :math:`N = \infty`. Ties go to the smaller
    :math:`\alpha`.

    >>> import sgdteach
    >>> X, y = sgdteach.datasets.reference_data()
    >>> tuned = tune_to_target(X, y, 1.0, [0.01, 0.05, 0.3], batch_size=3, epochs=200,
    ...                        record_every=1)
    >>> tuned.lr, tuned.bracketed
    (0.05, True)
    """
    func = "tune_to_target"
    X, y = check_data(func, X, y)
    target = check_number(func, "target", target, Interval())
    lrs = check_vector(func, "grid", grid)
    if len(lrs) < 3 or (lrs <= 0).any() or (np.diff(lrs) <= 0).any():
        fail(func, "grid", "at least 3 increasing positive learning rates", lrs,
             "Pass e.g. np.geomspace(0.01, 1, 7).")
    batch_size = check_number(func, "batch_size", batch_size, COUNT)
    samples = np.full(len(lrs), math.inf)
    for k, lr in enumerate(lrs):
        try:
            h = minimize(X, y, lr=float(lr), batch_size=batch_size, epochs=epochs,
                         record_every=record_every, seed=seed)
        except DivergenceError:
            continue
        n = time_to_target(h, target).samples
        if not math.isnan(n) and h.loss[len(h.loss) // 2:].mean() <= target:
            samples[k] = n
    if not np.isfinite(samples).any():
        fail(func, "grid", "a grid where at least one rate reaches the target", lrs,
             "Widen the grid or run more epochs.")
    index = int(np.argmin(samples))
    return TunedRate(lrs, samples, float(lrs[index]), index)


def seconds_to_target(contenders: Mapping[str, tuple[Any, Any, Reached, Mapping[str, Any]]],
                      *, repeats: int = 5, seed: int = 0) -> dict[str, float]:
    r"""Descent seconds of each contender up to the update that reached its target, best of
    ``repeats`` interleaved rounds.

    ``contenders[key] = (X, y, reached, settings)``: ``reached`` is the
    :class:`~sgdteach.course.experiments.Reached` of a run with ``settings`` (keyword arguments
    of :func:`sgdteach.minimize`: ``lr``, ``batch_size``, ...) that recorded its loss. Each timed
    run repeats it with the same ``seed`` up to step :math:`t^\star` = ``reached.step``, recording
    only there and computing no loss, so that only the updates are timed
    (:func:`~sgdteach.course.timing.seconds_to_step`). Batch GD (``batch_size == len(y)``) runs
    :math:`t^\star` epochs, one update each; a mini-batch run keeps its ``epochs``. The seconds
    depend on the machine: compare them as ratios.

    >>> import sgdteach
    >>> X, y = sgdteach.datasets.reference_data()
    >>> kw = dict(lr=0.05, batch_size=3, epochs=200)
    >>> reached = time_to_target(sgdteach.minimize(X, y, seed=0, record_every=1, **kw), 1.0)
    >>> t = seconds_to_target({"b = 3": (X, y, reached, kw)}, repeats=2)
    >>> t["b = 3"] > 0
    True
    """
    func = "seconds_to_target"
    repeats = check_number(func, "repeats", repeats, COUNT)
    if not isinstance(contenders, Mapping) or not contenders:
        fail(func, "contenders", "a non-empty mapping key -> (X, y, reached, settings)",
             contenders, kind=TypeError)

    def timed(X: Any, y: Any, reached: Any, settings: Any) -> Any:
        if not isinstance(reached, Reached) or math.isnan(reached.step):
            fail(func, "contenders", "entries whose run reached its target", reached,
                 "Time only runs with a finite reached.step.")
        step = int(reached.step)
        kw = {**settings, "record_every": max(step, 1), "record_loss": False, "seed": seed}
        if kw.get("batch_size") == len(y):
            kw["epochs"] = max(step, 1)          # batch GD: one update per epoch

        def run() -> float:
            return seconds_to_step(minimize(X, y, **kw), step)
        return run

    runs: dict[str, Callable[[], float]] = {}
    for key, entry in contenders.items():
        if not isinstance(entry, tuple) or len(entry) != 4:
            fail(func, "contenders", "a mapping key -> (X, y, reached, settings)", entry,
                 kind=TypeError)
        runs[key] = timed(*entry)
    return dict(best_of_interleaved(runs, repeats=repeats))
