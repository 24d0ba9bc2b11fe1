r"""Measurements of descent runs that are not descent itself, by concept.

Each function runs :mod:`sgdteach`'s descent (or reads its :class:`~sgdteach.History`) and turns
it into the one number a notebook prints: the fraction of SGD runs that escape a shallow basin
(noise and local minima), how far an online learner trails a drifting target and what theory
predicts (tracking), peak memory and time to a target loss (memory and time), and the paths of
several update rules on a 2-D function (update rules). The test functions themselves live in
:mod:`sgdteach.functions`.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

import numpy as np

from .._types import Array
from .._validation import (
    COUNT,
    NON_NEGATIVE,
    POSITIVE,
    UNIT,
    Interval,
    check_choice,
    check_matrix,
    check_number,
    check_vector,
    fail,
)
from ..descent import minimize
from ..functions import TestFunction, as_finite_sum, barrier
from ..history import DivergenceError, History
from ..optimizers import OPTIMIZERS, get_optimizer
from .timing import seconds_to_step

T = TypeVar("T")
METHODS = tuple(OPTIMIZERS)   # every update rule, in the registry's order


# -- noise and local minima ------------------------------------------------------------------------

def temperature(lr: float, batch_size: int, noise: float) -> float:
    r"""The "temperature" of SGD with gradient noise of variance :math:`\sigma^2 / b` per
    coordinate.

    .. math::

        \tau = \frac{\alpha \sigma^2}{2 b}

    One SGD step :math:`\theta \leftarrow \theta - \alpha \nabla J(\theta) - \alpha \xi` adds
    noise of variance :math:`\alpha^2 \sigma^2 / b`; a Langevin step of length :math:`\alpha` at
    temperature :math:`\tau` adds :math:`2 \tau \alpha`. ``lr`` is :math:`\alpha`, ``batch_size``
    :math:`b`, ``noise`` :math:`\sigma`.

    >>> temperature(0.1, 2, 3.0)
    0.225
    """
    lr = check_number("temperature", "lr", lr, POSITIVE)
    batch_size = check_number("temperature", "batch_size", batch_size, COUNT)
    noise = check_number("temperature", "noise", noise, NON_NEGATIVE)
    return _finite_result("temperature", "lr, noise", (lr, noise),
                          lambda: lr * noise**2 / (2.0 * batch_size))


def _finite_result(func: str, args: str, values: Any, compute: Callable[[], float]) -> float:
    """``compute()``, or the template error when the arguments make it overflow float64."""
    try:
        result = compute()
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        fail(func, args, "small enough for a finite result", values, "Use moderate values.")
    return result


def escape_arguments(func: str, fn: Any, batch_sizes: Sequence[int], lrs: Sequence[float],
                     seeds: Sequence[int], steps: int, n: int
                     ) -> tuple[list[int], list[float], list[int], int, int]:
    """The validated arguments of an escape experiment (:func:`escape_fraction` and its
    vectorised twin :func:`sgdteach.course.parallel_runs.escape_fractions`)."""
    if not isinstance(fn, TestFunction) or not fn.name.startswith("shallow_and_deep"):
        fail(func, "fn", "a function made by sgdteach.functions.shallow_and_deep", fn,
             kind=TypeError)
    steps = check_number(func, "steps", steps, COUNT)
    n = check_number(func, "n", n, COUNT)
    sizes = [check_number(func, "batch_sizes", b, Interval(1, n, integer=True))
             for b in batch_sizes]
    rates, runs = [check_number(func, "lrs", lr, POSITIVE) for lr in lrs], [int(s) for s in seeds]
    if not (sizes and rates and runs):
        fail(func, "batch_sizes, lrs, seeds", "non-empty", (sizes, rates, runs))
    return sizes, rates, runs, steps, n


def escape_fraction(fn: TestFunction, batch_sizes: Sequence[int], lrs: Sequence[float],
                    seeds: Sequence[int], *, steps: int = 400, noise: float = 3.0,
                    n: int = 400, data_seed: int = 0) -> Array:
    r"""Fraction of SGD runs started in the shallow minimum of :func:`shallow_and_deep
    <sgdteach.functions.shallow_and_deep>` that cross the barrier within ``steps`` updates.

    ``fn`` is written as a finite sum of ``n`` terms with :func:`~sgdteach.functions.as_finite_sum`
    (``noise`` is :math:`\sigma`, ``data_seed`` seeds it), so a batch of :math:`b` rows has
    gradient noise of variance :math:`\sigma^2/b`. For every batch size :math:`b`, learning rate
    :math:`\alpha` and seed, :func:`sgdteach.minimize` runs ``steps`` updates (sampling with
    replacement) from ``fn.minimizers[1]``; a run *escapes* when some iterate has
    :math:`w_1 <` :func:`~sgdteach.functions.barrier`.

    Returns
    -------
    (len(batch_sizes), len(lrs)) array of fractions in [0, 1].

    Raises
    ------
    DivergenceError when a run blows up (choose smaller ``lrs`` or ``noise``).
    """
    batch_sizes, lrs, seeds, steps, n = escape_arguments("escape_fraction", fn, batch_sizes, lrs,
                                                         seeds, steps, n)
    loss, C, y = as_finite_sum(fn, n=n, noise=noise, seed=data_seed)
    edge = barrier(fn)
    out = np.empty((len(batch_sizes), len(lrs)))
    for i, b in enumerate(batch_sizes):
        epochs = math.ceil(steps / math.ceil(n / b))    # enough epochs for `steps` updates
        for j, lr in enumerate(lrs):
            escaped = 0
            for seed in seeds:
                h = minimize(C, y, fn.minimizers[1], loss=loss, lr=lr, batch_size=b,
                             epochs=epochs, seed=seed, record_every=1, record_loss=False)
                escaped += bool((h.path[:steps + 1, 0] < edge).any())
            out[i, j] = escaped / len(seeds)
    return out


# -- tracking a drifting target (online learning) --------------------------------------------------

def tracking_error(history: History, theta_true: Array, *, burn_in: float = 0.5) -> float:
    r"""Root-mean-square distance between the online iterate and the moving target.

    .. math::

        \text{err} = \Big(\frac{1}{|\mathcal T|} \sum_{t \in \mathcal T}
                     \|\theta_t - \theta^\star_t\|^2\Big)^{1/2},
        \qquad \mathcal T = \{\lceil \text{burn\_in}\cdot N \rceil, \dots, N-1\}

    where :math:`\theta_t` is the iterate used on batch :math:`t` (``history.path[t]``; record
    every step: ``record_every=1``) and :math:`\theta^\star_t` = ``theta_true[t]`` (as returned
    by :func:`~sgdteach.datasets.drifting_stream`), :math:`N` = ``len(theta_true)``. The first
    ``burn_in`` fraction is skipped: it measures the start, not the tracking.
    """
    func = "tracking_error"
    theta_true = check_matrix(func, "theta_true", theta_true)
    burn_in = check_number(func, "burn_in", burn_in, UNIT)
    N = len(theta_true)
    if math.ceil(burn_in * N) >= N:
        fail(func, "burn_in", f"small enough to leave a batch of the {N} after it", burn_in,
             f"Use burn_in < {(N - 1) / N:.3g}.")
    if history.settings.get("record_every") != 1 or len(history.path) < N:
        fail(func, "history", f"recorded at every step for {N} batches", history,
             "Run minimize_stream(..., record_every=1) on the same stream.")
    if history.path.shape[1] != theta_true.shape[1]:
        fail(func, "theta_true", f"of {history.path.shape[1]} columns", theta_true)
    start = math.ceil(burn_in * N)
    diff = history.path[start:N] - theta_true[start:]
    return float(np.sqrt(np.mean(np.einsum("ij,ij->i", diff, diff))))


def lms_tracking_theory(lr: float, batch_size: int, d: int, *, drift: float,
                        noise: float) -> float:
    r"""Steady-state RMS tracking error of constant-rate SGD (squared error) on a drifting stream
    with inputs :math:`x \sim \mathcal N(0, I_d)`.

    With :math:`e_t = \theta_t - \theta^\star_t`, :math:`A_t = X_t^\top X_t / b` and
    :math:`E[A_t^2] = \frac{b + d + 1}{b} I` (Gaussian rows), the error obeys
    :math:`e_{t+1} = (I - 2\alpha A_t) e_t + \frac{2\alpha}{b} X_t^\top\varepsilon_t -
    \delta\,\xi_t`, whose mean square :math:`s` settles where

    .. math::

        s = \frac{4\alpha^2 \sigma^2 d / b + d\,\delta^2}
                 {4\alpha - 4\alpha^2 (b + d + 1)/b}
        \;\approx\; d\Big(\frac{\alpha\sigma^2}{b} + \frac{\delta^2}{4\alpha}\Big)
        \quad (\alpha \text{ small}).

    ``lr`` is :math:`\alpha`, ``batch_size`` :math:`b`, ``drift`` :math:`\delta`, ``noise``
    :math:`\sigma`. Returns :math:`\sqrt s`. Noise grows with :math:`\alpha`, lag with
    :math:`1/\alpha`: there is a best constant rate.

    >>> round(lms_tracking_theory(0.1, 10, 2, drift=0.01, noise=0.1), 4)
    0.0284
    """
    func = "lms_tracking_theory"
    lr = check_number(func, "lr", lr, POSITIVE)
    b = check_number(func, "batch_size", batch_size, COUNT)
    d = check_number(func, "d", d, COUNT)
    drift = check_number(func, "drift", drift, NON_NEGATIVE)
    noise = check_number(func, "noise", noise, NON_NEGATIVE)
    bound = b / (b + d + 1)
    if lr >= bound:
        fail(func, "lr", f"< b / (b + d + 1) = {bound:.4g} (else the error grows)", lr)
    denom = 4.0 * lr - 4.0 * lr**2 * (b + d + 1) / b
    return _finite_result(func, "drift, noise", (drift, noise), lambda: math.sqrt(
        (4.0 * lr**2 * noise**2 * d / b + d * drift**2) / denom))


# -- memory and time -------------------------------------------------------------------------------

def peak_memory(func: Callable[[], T]) -> tuple[T, int]:
    """Call ``func()`` and return ``(its result, peak bytes allocated during the call)``.

    Measured with :mod:`tracemalloc`, which sees Python objects and numpy array buffers (not
    memory held by the OS page cache or by C libraries that bypass Python's allocator). The
    number is the peak *above* what was allocated before the call.

    >>> _, peak = peak_memory(lambda: np.ones(1_000_000))
    >>> peak >= 8_000_000
    True
    """
    if not callable(func):
        fail("peak_memory", "func", "a callable taking no arguments", func,
             "Wrap the call: peak_memory(lambda: minimize_memmap(...)).", kind=TypeError)
    if tracemalloc.is_tracing():
        fail("peak_memory", "tracemalloc", "not tracing already", "tracing",
             "Call tracemalloc.stop() first: a nested measurement would reset the outer peak.",
             kind=RuntimeError)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, int(peak - before)


class Reached(NamedTuple):
    """When a run first recorded a loss at or below a target (NaN when it never did)."""

    step: float
    samples: float
    seconds: float


def time_to_target(history: History, target: float) -> Reached:
    """Updates, samples (gradient evaluations) and descent seconds until the first record point
    with ``loss <= target``. The resolution is the run's ``record_every``; the seconds are
    :func:`~sgdteach.course.timing.seconds_to_step`'s, counted from the first update.

    >>> import sgdteach
    >>> X, y = sgdteach.datasets.reference_data()
    >>> h = sgdteach.minimize(X, y, lr=0.05, batch_size=3, epochs=500, record_every=1)
    >>> time_to_target(h, 1.0).step
    69.0
    """
    target = check_number("time_to_target", "target", target, Interval())
    hit = np.flatnonzero(history.loss <= target)
    if len(hit) == 0:
        return Reached(math.nan, math.nan, math.nan)
    k = hit[0]
    return Reached(float(history.step[k]), float(history.samples_seen[k]),
                   seconds_to_step(history, int(history.step[k])))


# -- update rules side by side ---------------------------------------------------------------------

class OptimizerRun(NamedTuple):
    """Path ``(k, 2)`` of one rule, the step it diverged at (or None), final distance to the
    nearest minimiser (inf when it diverged)."""

    path: Array
    diverged_at: int | None
    distance: float


def optimizer_paths(fn: TestFunction, lr: float | Mapping[str, float], steps: int, *,
                    methods: Sequence[str] = METHODS, start: Array | None = None,
                    options: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> dict[str, OptimizerRun]:
    r"""Run each update rule in ``methods`` for ``steps`` exact-gradient steps on ``fn``.

    .. math::

        g_t = \nabla f(w_t), \qquad (\text{step}_t, s_{t+1}) = \text{update}(g_t, s_t, \alpha),
        \qquad w_{t+1} = w_t - \text{step}_t

    with the ``(init, update)`` pairs of :mod:`sgdteach.optimizers` (``options[name]`` are keyword
    arguments for the rule, e.g. ``{"momentum": {"beta": 0.8}}``). Each run is
    :func:`sgdteach.minimize` on ``as_finite_sum(fn, n=1, noise=0)`` with ``batch_size=1``,
    recording every step; a run that diverges (by minimize's one rule,
    :func:`sgdteach.history.diverged`) stops there and reports the step instead of raising, so
    one bad rule does not hide the others. ``lr`` is :math:`\alpha`, one number for all rules or
    one per rule; ``start`` defaults to ``fn.start``.
    """
    func = "optimizer_paths"
    if not isinstance(fn, TestFunction):
        fail(func, "fn", "a TestFunction from sgdteach.functions", fn, kind=TypeError)
    steps = check_number(func, "steps", steps, COUNT)
    w0 = fn.start if start is None else check_vector(func, "start", start, 2)
    options = dict(options or {})
    loss, C, y = as_finite_sum(fn, n=1, noise=0.0, seed=0)
    runs = {}
    for name in methods:
        check_choice(func, "methods", name, OPTIMIZERS)
        rate = lr[name] if isinstance(lr, Mapping) else lr
        rate = check_number(func, "lr", rate, POSITIVE)
        opt = OPTIMIZERS[name](**options.get(name, {})) if name in options \
            else get_optimizer(name)
        try:
            h = minimize(C, y, w0, loss=loss, lr=rate, batch_size=1, epochs=steps, optimizer=opt,
                         seed=0, record_every=1)
            path, diverged_at = h.path, None
        except DivergenceError as exc:
            assert exc.history is not None
            path, diverged_at = exc.history.path, exc.step
        dist = math.inf if diverged_at else \
            float(np.min(np.linalg.norm(fn.minimizers - path[-1], axis=1)))
        runs[name] = OptimizerRun(path, diverged_at, dist)
    return runs
