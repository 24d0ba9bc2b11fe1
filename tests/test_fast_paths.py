"""The two fast paths of ``minimize`` against the plain ones they replace.

* SGD (``batch_size=1``): plain rows and ``Loss.grad_one``, with plain SGD's learning rate
  folded into the per-sample gradient; checked against an optimizer that computes ``lr * g``.
* Mini-batches of a large X: the next chunk of rows gathered in a background thread; checked
  bit for bit against the same run in one thread, and for leftover threads.
"""

import threading

import numpy as np
import pytest

import sgdteach
from sgdteach import minimize, optimizers, sampling
from sgdteach.losses import Loss, squared_error


def gather_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("sgdteach-gather")]


@pytest.mark.parametrize("sampling_", sampling.SAMPLINGS)
@pytest.mark.parametrize("loss", ["squared_error", "huber", "logistic", "hinge"])
def test_sgd_with_folded_lr_is_the_general_update(regression, loss, sampling_):
    X, y, _ = regression
    if loss in ("logistic", "hinge"):
        y = np.where(y > np.median(y), 1.0, -1.0)
    sgd = optimizers.sgd()
    # The same rule as a new function object: not sgd_update, so the loop does not recognise
    # plain SGD and takes the general path, grad_one unscaled and then lr * g.
    unfolded = optimizers.Optimizer("sgd, unrecognised", sgd.init,
                                    lambda g, state, lr: (lr * g, state))
    lr = sgdteach.inverse_time(0.02, k=0.01)
    a = minimize(X, y, loss=loss, lr=lr, batch_size=1, epochs=3, sampling=sampling_, seed=5,
                 record_every=50)
    b = minimize(X, y, loss=loss, lr=lr, batch_size=1, epochs=3, sampling=sampling_, seed=5,
                 record_every=50, optimizer=unfolded)
    assert not np.array_equal(a.path[1], a.path[0])
    np.testing.assert_allclose(a.path, b.path, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(a.samples_seen, b.samples_seen)
    assert a.step[-1] == a.samples_seen[-1] == 3 * len(y)


def test_momentum_on_rows_is_the_hand_loop(ref):
    """A stateful rule on the rows path gets the unscaled per-sample gradient."""
    X, y = ref
    h = minimize(X, y, lr=0.01, batch_size=1, epochs=4, sampling="cyclic", optimizer="momentum")
    theta, v = np.zeros(2), np.zeros(2)
    for _ in range(4):
        for i in range(3):
            v = 0.9 * v + 2 * X[i] * (X[i] @ theta - y[i])
            theta = theta - 0.01 * v
    np.testing.assert_allclose(h.theta, theta, rtol=1e-13)


@pytest.mark.parametrize("chunk_bytes", [1, 1000])   # one batch per chunk; several
@pytest.mark.parametrize("batch_size", [7, 32])       # 200 rows: leftover batches of 4 and 8
@pytest.mark.parametrize("sampling_", ["shuffle", "replacement"])
def test_background_gather_gives_the_same_run(regression, monkeypatch, chunk_bytes, batch_size,
                                             sampling_):
    X, y, _ = regression
    one_thread = minimize(X, y, lr=0.03, batch_size=batch_size, epochs=3, sampling=sampling_,
                          seed=2, record_every=5)
    seen = []

    def spying_grad(theta, Xb, yb):
        seen.append(bool(gather_threads()))
        return squared_error.grad(theta, Xb, yb)

    monkeypatch.setattr(sampling, "PREFETCH_BYTES", 0)   # every X counts as large
    monkeypatch.setattr(sampling, "CHUNK_BYTES", chunk_bytes)
    spy = Loss("squared_error", squared_error.value, spying_grad)
    two_threads = minimize(X, y, loss=spy, lr=0.03, batch_size=batch_size, epochs=3,
                           sampling=sampling_, seed=2, record_every=5)
    assert all(seen) and len(seen) == one_thread.step[-1]
    np.testing.assert_array_equal(two_threads.path, one_thread.path)
    np.testing.assert_array_equal(two_threads.loss, one_thread.loss)
    assert gather_threads() == []


def test_background_gather_stops_when_the_run_fails(regression, monkeypatch):
    X, y, _ = regression
    monkeypatch.setattr(sampling, "PREFETCH_BYTES", 0)
    monkeypatch.setattr(sampling, "CHUNK_BYTES", 1)
    with pytest.raises(sgdteach.DivergenceError, match="diverged at step"):
        minimize(X, y, lr=50.0, batch_size=8, epochs=50, sampling="shuffle", seed=0,
                 record_every=10)
    assert gather_threads() == []


def test_chunks_hold_whole_batches(regression, monkeypatch):
    """A chunk never splits a batch: the batches are those of the one-batch-per-chunk run."""
    X, y, _ = regression
    runs = []
    for chunk_bytes in (1, 3 * 8 * 7 * 5 + 1, 10**9):  # 1, 5 and all batches of 7 rows a chunk
        monkeypatch.setattr(sampling, "CHUNK_BYTES", chunk_bytes)
        batches = sampling.in_memory_batches(X, y, 7, 2, "shuffle", np.random.default_rng(4))
        runs.append([(xb.copy(), yb.copy()) for xb, yb in batches])
    for run in runs[1:]:
        assert [len(yb) for _, yb in run] == [len(yb) for _, yb in runs[0]]
        for (xa, ya), (xb, yb) in zip(runs[0], run, strict=True):
            np.testing.assert_array_equal(xa, xb)
            np.testing.assert_array_equal(ya, yb)
