r"""Timings a notebook can make claims about: best of several interleaved runs, descent
seconds counted from the first update, and the time of one full gradient as the number of
examples grows (:func:`time_full_gradient`).

A single timing on a shared machine measures the machine as much as the code. Running every
contender once per round, round after round, and keeping each one's fastest round gives them all
the same conditions; a sentence then compares *ratios* of such best times, with a margin, never
raw milliseconds (which differ from machine to machine).
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import ContextManager, TypeVar

import numpy as np

from .._types import Array
from .._validation import COUNT, INDEX, check_number, fail
from ..history import History
from ..losses import squared_error

K = TypeVar("K", bound=Hashable)   # the contenders' names: strings, batch sizes, ...


def best_of_interleaved(runs: Mapping[K, Callable[[], float]], repeats: int = 5
                        ) -> dict[K, float]:
    r"""Call every function of ``runs`` once per round, for ``repeats`` rounds, and return the
    smallest value each returned:

    .. math::

        t_k = \min_{r = 1..R} t_k^{(r)}, \qquad
        \text{order: } 1, 2, \dots, K, \;1, 2, \dots, K, \;\dots

    Each function returns the seconds it measured (e.g. :func:`seconds_to_step` of a run), so
    what is timed is chosen by the caller; :func:`best_times` times plain calls. The rounds run
    with the BLAS and OpenMP thread pools at one thread (:func:`one_thread`).

    >>> best_of_interleaved({"a": iter([3.0, 1.0, 2.0]).__next__}, repeats=3)
    {'a': 1.0}
    """
    func = "best_of_interleaved"
    repeats = check_number(func, "repeats", repeats, COUNT)
    if not isinstance(runs, Mapping) or not runs or not all(map(callable, runs.values())):
        fail(func, "runs", "a non-empty mapping name -> function returning seconds", runs,
             "Pass e.g. {'batch GD': lambda: seconds_to_step(minimize(...), step)}.",
             kind=TypeError)
    best = dict.fromkeys(runs, math.inf)
    with one_thread():
        for _ in range(repeats):
            for name, run in runs.items():
                seconds = run()
                if not (isinstance(seconds, numbers.Real) and not isinstance(seconds, bool)
                        and 0 <= seconds < math.inf):
                    fail(func, "runs", "functions returning seconds >= 0",
                         f"{name!r} -> {seconds!r}",
                         "Return a duration, e.g. seconds_to_step(...); NaN means never reached.")
                best[name] = min(best[name], float(seconds))
    return best


def one_thread() -> ContextManager[object]:
    r"""A context in which the BLAS and OpenMP thread pools use one thread (``threadpoolctl``).

    Every timing of the course runs in it. With several threads, a small matrix product waits
    for all of them, and on a machine whose other cores are busy that wait can cost more than
    the product: the same code then looks several times slower, and a ratio of two timings
    depends on the load rather than on the code. On one thread it depends on the code.

    >>> from threadpoolctl import threadpool_info
    >>> with one_thread():
    ...     all(pool["num_threads"] == 1 for pool in threadpool_info())
    True
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def fastest_records(runs: Mapping[K, Callable[[], History]], repeats: int = 15
                    ) -> dict[K, History]:
    r"""Run every function of ``runs`` (each returns the :class:`~sgdteach.history.History` of a
    seeded run) once per round for ``repeats`` rounds, interleaved as in
    :func:`best_of_interleaved` and on one thread (:func:`one_thread`), and return each one's
    first history with every ``wall_time`` record replaced by its smallest over the rounds:

    .. math::

        w_k[j] = \min_{r = 1..R} w_k^{(r)}[j].

    The runs must repeat exactly (same seed, same records): only their clocks differ.

    >>> import sgdteach
    >>> X, y = sgdteach.datasets.reference_data()
    >>> h = fastest_records({"sgd": lambda: sgdteach.minimize(X, y, lr=0.01, epochs=3,
    ...                                                       seed=0)}, repeats=2)["sgd"]
    >>> h.wall_time.shape == h.loss.shape
    True
    """
    func = "fastest_records"
    repeats = check_number(func, "repeats", repeats, COUNT)
    if not isinstance(runs, Mapping) or not runs or not all(map(callable, runs.values())):
        fail(func, "runs", "a non-empty mapping name -> function returning a History", runs,
             "Pass e.g. {'SGD': lambda: sgdteach.minimize(X, y, lr=0.01, seed=0)}.",
             kind=TypeError)
    best: dict[K, History] = {}
    with one_thread():
        for _ in range(repeats):
            for name, run in runs.items():
                history = run()
                if not isinstance(history, History):
                    fail(func, "runs", "functions returning a History", f"{name!r} -> {history!r}",
                         "Return the run, e.g. lambda: sgdteach.minimize(..., seed=0).",
                         kind=TypeError)
                if name not in best:
                    best[name] = history
                elif not np.array_equal(history.step, best[name].step):
                    fail(func, "runs", "runs that repeat exactly (the same records each round)",
                         name, "Give each run a fixed seed.")
                else:
                    best[name].wall_time = np.minimum(best[name].wall_time, history.wall_time)
    return best


def best_times(funcs: Mapping[K, Callable[[], object]], *, repeat: int = 7,
               number: int = 1) -> dict[K, float]:
    """Seconds per call of each function, best of ``repeat`` rounds, the rounds interleaved
    (:func:`best_of_interleaved` of each function's time per call).

    Each round calls every function ``number`` times, one function after the other, so a burst
    of load from elsewhere slows all candidates of that round alike; the minimum over rounds is
    the least disturbed measurement. Compare the results as ratios, never print them into a
    text that is compared across machines.

    >>> t = best_times({"a": lambda: sum(range(10))}, repeat=2)
    >>> t["a"] > 0
    True
    """
    repeat = check_number("best_times", "repeat", repeat, COUNT)
    number = check_number("best_times", "number", number, COUNT)
    if not isinstance(funcs, Mapping) or not funcs or not all(map(callable, funcs.values())):
        fail("best_times", "funcs", "a non-empty mapping name -> function", funcs,
             "Pass e.g. {'full gradient': lambda: loss.grad(theta, X, y)}.", kind=TypeError)

    def per_call(func: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            t0 = time.perf_counter()
            for _ in range(number):
                func()
            return (time.perf_counter() - t0) / number
        return run

    return best_of_interleaved({name: per_call(func) for name, func in funcs.items()},
                               repeats=repeat)


def seconds_to_step(history: History, step: int) -> float:
    r"""Descent seconds from the first update to the first record at or after ``step``:
    ``wall_time[k] - wall_time[0]`` with ``k`` the first record whose ``history.step >= step``.

    The one definition of descent seconds in the course (``time_to_target(...).seconds`` reads
    it): recording is excluded (``History.wall_time``), and so is everything before step 0,
    such as copying the first chunk of shuffled rows, a one-off cost that does not belong to the
    updates.

    Time a run to a target found beforehand (the ``step`` of
    :func:`~sgdteach.course.experiments.time_to_target` on a run that recorded its loss) by
    repeating it with ``record_every=step, record_loss=False``: then nothing but the updates is
    timed, and no full-data loss is computed along the way. NaN when the run stopped before
    ``step``.

    >>> import sgdteach
    >>> X, y = sgdteach.datasets.reference_data()
    >>> h = sgdteach.minimize(X, y, lr=0.05, batch_size=3, epochs=100, record_every=69,
    ...                       record_loss=False)
    >>> seconds_to_step(h, 69) == float(h.wall_time[1] - h.wall_time[0])
    True
    """
    if not isinstance(history, History):
        fail("seconds_to_step", "history", "a History from sgdteach.minimize", history,
             kind=TypeError)
    step = check_number("seconds_to_step", "step", step, INDEX)
    at = np.flatnonzero(history.step >= step)
    if len(at) == 0:
        return math.nan
    return float(history.wall_time[at[0]] - history.wall_time[0])


def time_full_gradient(sizes: Sequence[int], *, d: int = 10, seed: int = 0, repeat: int = 7,
                       number: int = 5) -> dict[int, float]:
    r"""Seconds per full gradient of the mean squared error at :math:`\theta = 0`, for each
    number of examples :math:`m` in ``sizes``.

    The data are standard normal, :math:`X` of shape ``(m, d)``; the sizes are timed in turn,
    ``repeat`` rounds of ``number`` calls each, keeping each size's best round, with the BLAS
    thread pool limited to one thread (``threadpoolctl``) so that the times do not depend on how
    many cores are free.

    Parameters
    ----------
    sizes : sequence of int
        The values of :math:`m`, each at least 1.
    d : int
        Number of columns of :math:`X`.
    seed : int
        Seed of the random data.
    repeat, number : int
        Rounds, and calls per round (see :func:`~sgdteach.course.timing.best_times`).

    Returns
    -------
    dict
        ``{m: seconds per gradient}``, in the order of ``sizes``. Compare ratios only: the
        values differ from machine to machine.

    Examples
    --------
    >>> t = time_full_gradient([100, 200], repeat=2, number=1)
    >>> sorted(t) == [100, 200] and all(s > 0 for s in t.values())
    True
    """
    func = "time_full_gradient"
    d = check_number(func, "d", d, COUNT)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        fail(func, "sizes", "a non-empty sequence of example counts", sizes,
             "Pass e.g. [10_000, 20_000, 50_000].", kind=TypeError)
    sizes = [check_number(func, "sizes", m, COUNT) for m in sizes]
    rng = np.random.default_rng(seed)
    data = {m: (rng.standard_normal((m, d)), rng.standard_normal(m)) for m in sizes}
    theta = np.zeros(d)

    def gradient_of(X: Array, y: Array) -> Callable[[], Array]:
        return lambda: squared_error.grad(theta, X, y)

    return best_times({m: gradient_of(*data[m]) for m in sizes}, repeat=repeat, number=number)
