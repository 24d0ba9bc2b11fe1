"""Schedules against their formulas, and the Robbins–Monro conditions in numbers."""

import math

import numpy as np
import pytest

from sgdteach import schedules as S


def test_formulas():
    t = np.arange(0, 500, 7)
    np.testing.assert_allclose([S.constant(0.3)(k) for k in t], 0.3)
    np.testing.assert_allclose([S.step_decay(1.0, 0.5, 100)(k) for k in t], 0.5 ** (t // 100))
    np.testing.assert_allclose([S.exponential(1.0, 0.99)(k) for k in t], 0.99 ** t)
    np.testing.assert_allclose([S.inverse_time(1.0, 0.1)(k) for k in t], 1 / (1 + 0.1 * t))
    np.testing.assert_allclose([S.invscaling(1.0, 0.25)(k) for k in t], (t + 1.0) ** -0.25)
    cos = [S.cosine(1.0, 400, 0.1)(k) for k in t]
    np.testing.assert_allclose(cos, 0.1 + 0.45 * (1 + np.cos(np.pi * np.minimum(t, 400) / 400)))


def test_invscaling_counts_from_one_like_sklearn():
    assert S.invscaling(0.5, 0.5)(0) == 0.5        # t = 1 on the first step
    assert S.invscaling(0.5, 0.5)(3) == 0.25       # t = 4


def test_robbins_monro_partial_sums():
    """1/(1+kt): sum of alpha diverges (grows like log T), sum of alpha^2 converges."""
    sched = S.inverse_time(1.0, 1.0)
    a = np.array([sched(k) for k in range(200_000)])
    assert a.sum() > 12                              # ~ log(2e5) + 0.58
    assert (a ** 2).sum() < math.pi ** 2 / 6 + 1e-9  # bounded by zeta(2)


def test_as_schedule():
    assert S.as_schedule(0.1)(123) == 0.1
    f = S.cosine(0.1, 10)
    assert S.as_schedule(f) is f
    with pytest.raises(ValueError,
                       match=r"as_schedule: 'lr' must be a finite number > 0; got -0.1"):
        S.as_schedule(-0.1)
    with pytest.raises(TypeError, match=r"'lr' must be a positive number or a callable"):
        S.as_schedule("0.1")
    with pytest.raises(ValueError, match=r"'lr' must be a schedule returning positive"):
        S.as_schedule(lambda t: 0.0)


def test_named_schedules():
    assert S.get_schedule("exponential")(1.0, decay=0.5)(2) == 0.25
    with pytest.raises(ValueError, match=r"get_schedule: 'name' must be one of 'constant', "
                                         r"'step_decay', 'exponential', 'inverse_time', "
                                         r"'invscaling', 'cosine', 'warmup', 'warmup_cosine'; "
                                         r"got 'linear'"):
        S.get_schedule("linear")


def test_bad_parameters():
    with pytest.raises(ValueError,
                       match=r"step_decay: 'drop' must be a finite number in \(0, 1\]; got 2.0"):
        S.step_decay(1.0, drop=2.0)
    with pytest.raises(TypeError, match=r"cosine: 'total_steps' must be an integer"):
        S.cosine(1.0, total_steps=10.5)
