"""Notebook 10's widget: its numbers against a direct run, its cache, divergence, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from sgdteach import DivergenceError, minimize, schedules
from sgdteach.course.network_runs import digits_split
from sgdteach.course.widgets import draw_network, network_widget
from sgdteach.course.widgets import network as nw


def test_printed_numbers_are_those_of_a_direct_minimize_run():
    data = digits_split()
    _, text = draw_network(batch_size=64, lr=0.3, optimizer="momentum", schedule="cosine")
    T = nw.EPOCHS * 23                                  # ceil(1437 / 64) steps per epoch
    h = minimize(data.X_train, data.y_train, nw.NET.init(0), loss=nw.NET,
                 lr=schedules.cosine(0.3, T), batch_size=64, epochs=nw.EPOCHS,
                 optimizer="momentum", sampling="shuffle", seed=0)
    test_loss = nw.NET.value(h.theta, data.X_test, data.y_test)
    test_acc = nw.NET.accuracy(h.theta, data.X_test, data.y_test)
    assert f"test:  loss {test_loss:.4f}, accuracy {test_acc:.1%}" in text
    assert f"train: loss {nw.NET.value(h.theta, data.X_train, data.y_train):.4f}" in text


def test_runs_are_cached_and_the_warmup_schedule_is_used():
    run = nw.cached_run(256, 0.5, "sgd", "warmup + cosine")
    assert nw.cached_run(256, 0.5, "sgd", "warmup + cosine") is run
    T = nw.EPOCHS * 6
    rule = schedules.warmup_cosine(0.5, T, int(0.1 * T))
    np.testing.assert_allclose(run.history.lr, [rule(int(t)) for t in run.history.step])
    assert run.history.lr[0] < 0.5 / 5                  # the warmup starts small


def test_a_huge_rate_kills_the_network_and_a_divergence_is_reported():
    # the cross-entropy gradient is bounded (|P - Y| <= 1): a huge rate leaves dead ReLU units
    # and chance accuracy rather than overflow; a divergence, if any, is printed, not raised
    _, text = draw_network(batch_size=32, lr=1.99, optimizer="sgd", schedule="constant")
    acc = float(text.rsplit("accuracy ", 1)[1].rstrip("%")) / 100
    assert acc < 0.3
    err = DivergenceError("x", step=7, lr=3.0)
    assert "diverged at step 7" in nw.summary(err, 32, 3.0, "sgd", "constant")


def test_widget_controls_and_a_batch_size_move(monkeypatch):
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: None)
    w = network_widget()
    assert list(w.controls) == ["batch_size", "lr", "optimizer", "schedule"]
    assert w.controls["batch_size"].description == "batch size"
    assert w.controls["lr"].description == "α (lr)"
    before = w.last_text
    w.controls["batch_size"].value = 128
    assert "batch size 128" in w.last_text and w.last_text != before


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=33), r"draw_network: 'batch_size' must be one of 8, 16"),
    (dict(lr=-0.1), r"draw_network: 'lr' must be a finite number in \(0, 10\]; got -0\.1"),
    (dict(optimizer="lbfgs"), r"draw_network: 'optimizer' must be one of 'sgd'"),
    (dict(schedule="1/t"), r"draw_network: 'schedule' must be one of 'constant'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        draw_network(**kwargs)
