"""Warmup schedules against their formulas, written out independently here."""

import math

import numpy as np
import pytest

from sgdteach import minimize
from sgdteach import schedules as S


def test_warmup_ramps_linearly_then_follows_the_schedule():
    t = np.arange(60)
    got = [S.warmup(0.2, 10)(k) for k in t]
    np.testing.assert_allclose(got, np.where(t < 10, 0.2 * (t + 1) / 10, 0.2), rtol=1e-15)
    inner = S.exponential(0.2, 0.9)
    got = [S.warmup(inner, 10)(k) for k in t]
    np.testing.assert_allclose(got, np.where(t < 10, 0.2 * (t + 1) / 10, 0.2 * 0.9 ** (t - 10)))


def test_warmup_cosine_formula():
    lr, T, W, lo = 0.5, 100, 20, 0.01
    s = S.warmup_cosine(lr, total_steps=T, warmup_steps=W, lr_min=lo)
    for k in range(150):
        if k < W:
            want = lr * (k + 1) / W
        else:
            want = lo + 0.5 * (lr - lo) * (1 + math.cos(math.pi * min(k - W, T - W) / (T - W)))
        assert s(k) == pytest.approx(want, rel=1e-14, abs=1e-16)
    assert s(W - 1) == pytest.approx(lr) and s(W) == pytest.approx(lr)   # continuous peak
    assert s(T) == pytest.approx(lo) and s(10 * T) == pytest.approx(lo)
    assert S.get_schedule("warmup_cosine") is S.warmup_cosine


def test_minimize_follows_the_warmup_rates():
    X, y = np.ones((4, 1)), np.zeros(4)
    h = minimize(X, y, np.ones(1), lr=S.warmup_cosine(0.1, 8, 4), batch_size=4, epochs=8,
                 record_every=1)
    np.testing.assert_allclose(h.lr[:8], [S.warmup_cosine(0.1, 8, 4)(k) for k in range(8)])


def test_bad_warmup_arguments():
    with pytest.raises(ValueError, match=r"warmup_cosine: 'warmup_steps' must be an integer in "
                                         r"\[1, 99\]; got 100\. The warmup must end"):
        S.warmup_cosine(0.1, total_steps=100, warmup_steps=100)
    with pytest.raises(TypeError, match=r"warmup: 'warmup_steps' must be an integer"):
        S.warmup(0.1, 2.5)
    with pytest.raises(ValueError, match=r"warmup: 'lr' must be a finite number > 0"):
        S.warmup(-0.1, 5)
