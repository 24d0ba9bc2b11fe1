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
