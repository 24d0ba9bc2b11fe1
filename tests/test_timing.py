"""sgdteach.course.timing: interleaved best-of timings and descent seconds, against hand-counted
rounds and the run's own records."""

import math
import time

import pytest

from sgdteach.course import timing
from sgdteach.course.timing import best_times


def test_best_of_interleaved_takes_each_minimum_in_round_robin_order():
    calls = []

    def run(name, values):
        it = iter(values)
        return lambda: calls.append(name) or next(it)

    best = timing.best_of_interleaved({"a": run("a", [3.0, 1.0, 2.0]),
                                       "b": run("b", [0.5, 0.7, 0.4])}, repeats=3)
    assert best == {"a": 1.0, "b": 0.4}
    assert calls == ["a", "b"] * 3
    with pytest.raises(ValueError, match="best_of_interleaved: 'runs' must be functions"):
        timing.best_of_interleaved({"a": lambda: math.nan})
    with pytest.raises(TypeError, match="best_of_interleaved: 'runs'"):
        timing.best_of_interleaved({})


def test_best_times_takes_the_minimum_and_keeps_the_order():
    calls = []
    t = best_times({"slow": lambda: (calls.append("slow"), time.sleep(0.002)),
                    "fast": lambda: calls.append("fast")}, repeat=3)
    assert calls == ["slow", "fast"] * 3          # interleaved rounds
    assert t["slow"] >= 0.002 > t["fast"]
    with pytest.raises(ValueError, match="best_times: 'repeat'"):
        best_times({"a": lambda: None}, repeat=0)
    for funcs in ({}, {"a": 3.0}, [lambda: None]):
        with pytest.raises(TypeError, match="best_times: 'funcs'"):
            best_times(funcs)


def test_seconds_to_step_reads_the_record_at_that_step(ref):
    import sgdteach

    X, y = ref
    h = sgdteach.minimize(X, y, lr=0.05, batch_size=3, epochs=100, record_every=30,
                          record_loss=False)
    assert timing.seconds_to_step(h, 30) == h.wall_time[1] - h.wall_time[0]
    assert timing.seconds_to_step(h, 31) == h.wall_time[2] - h.wall_time[0]
    assert math.isnan(timing.seconds_to_step(h, 1000))
    with pytest.raises(TypeError, match="seconds_to_step: 'step' must be an integer"):
        timing.seconds_to_step(h, 2.5)


def test_every_timing_runs_on_one_blas_thread():
    """A timed function sees one thread in every pool (the fix for ratios that depended on the
    machine's load), and the pools are restored afterwards."""
    from threadpoolctl import threadpool_info

    seen = []
    best_times({"a": lambda: seen.append([p["num_threads"] for p in threadpool_info()])},
               repeat=2)
    assert seen and all(n == [1] * len(n) for n in seen)
    assert threadpool_info() == threadpool_info()    # restored: the pools answer as before
    seen.clear()
    timing.fastest_records({"a": lambda: seen.append([p["num_threads"] for p in threadpool_info()])
                            or _history([0.0, 1.0])}, repeats=2)
    assert seen and all(n == [1] * len(n) for n in seen)


def _history(wall, step=None):
    import numpy as np

    from sgdteach.history import History

    k = len(wall)
    step = np.arange(k, dtype=float) if step is None else np.asarray(step, dtype=float)
    return History(theta=np.zeros(2), path=np.zeros((k, 2)), loss=np.zeros(k), step=step,
                   samples_seen=step, epoch=step, wall_time=np.asarray(wall, dtype=float),
                   lr=np.zeros(k))


def test_fastest_records_keeps_each_records_minimum_over_interleaved_rounds():
    import numpy as np

    calls = []

    def runs(name, walls):
        it = iter(walls)
        return lambda: calls.append(name) or _history(next(it))

    best = timing.fastest_records({"a": runs("a", [[0, 3, 5], [0, 1, 6], [0, 2, 4]]),
                                   "b": runs("b", [[0, 9], [0, 8], [0, 7]])}, repeats=3)
    assert calls == ["a", "b"] * 3
    np.testing.assert_array_equal(best["a"].wall_time, [0, 1, 4])
    np.testing.assert_array_equal(best["b"].wall_time, [0, 7])
    it = iter([[0.0, 1.0], [0.0, 1.0, 2.0]])
    with pytest.raises(ValueError, match="fastest_records: 'runs' must be runs that repeat"):
        timing.fastest_records({"a": lambda: _history(next(it))}, repeats=2)
    with pytest.raises(TypeError, match="fastest_records: 'runs'"):
        timing.fastest_records({"a": lambda: 3.0}, repeats=1)
