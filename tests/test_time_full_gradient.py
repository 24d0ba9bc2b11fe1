"""course.timing.time_full_gradient: one full gradient's time, per number of examples."""

import pytest

from sgdteach._validation import ValidationError
from sgdteach.course.timing import time_full_gradient
from sgdteach.course.toolbox import loglog_slope


def test_returns_one_positive_time_per_size_in_order():
    t = time_full_gradient([2_000, 500, 1_000], repeat=2, number=2)
    assert list(t) == [2_000, 500, 1_000]
    assert all(s > 0 for s in t.values())


def test_a_hundred_times_the_rows_costs_clearly_more():
    # generous: a 100-fold work ratio must show as at least a 10-fold time ratio
    t = time_full_gradient([2_000, 200_000], repeat=5, number=3)
    assert t[200_000] / t[2_000] > 10
    assert loglog_slope(list(t), list(t.values())) > 0.5


@pytest.mark.parametrize("kwargs, kind, match", [
    (dict(sizes=[]), TypeError, "'sizes' must be a non-empty sequence"),
    (dict(sizes="100"), TypeError, "'sizes' must be a non-empty sequence"),
    (dict(sizes=[100, 0]), ValidationError, "'sizes' must be"),
    (dict(sizes=[100], d=0), ValidationError, "'d' must be"),
])
def test_bad_arguments_get_the_template_error(kwargs, kind, match):
    with pytest.raises(kind, match=f"time_full_gradient: {match}"):
        time_full_gradient(**kwargs)
