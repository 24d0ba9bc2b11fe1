"""Raw speed of the loop: an epoch against the memory-bandwidth reference, a step against the
reference example's loop."""

from __future__ import annotations

import numpy as np

import sgdteach

from .config import Config
from .timing import interleaved, summary


def _epoch_parts(X, y, batch_size: int, seed: int) -> dict:
    """The pieces of one shuffled mini-batch epoch, each alone: what it costs at the least."""
    from sgdteach import losses, optimizers, schedules
    from sgdteach._validation import check_data
    from sgdteach.descent import descend

    n = len(y)
    perm = np.random.default_rng(seed).permutation(n)
    xbuf, ybuf = np.empty((batch_size, X.shape[1])), np.empty(batch_size)

    def gather():  # what sampling.in_memory_batches does for every step, nothing else
        for start in range(0, n, batch_size):
            rows = perm[start:start + batch_size]
            k = len(rows)
            np.take(X, rows, axis=0, out=xbuf[:k], mode="clip")
            np.take(y, rows, out=ybuf[:k], mode="clip")

    def same_batch():  # the batches descend would get, without gathering them
        for _ in range(0, n, batch_size):
            yield xbuf, ybuf

    def steps():
        descend(same_batch(), np.zeros(X.shape[1]), loss=losses.squared_error,
                schedule=schedules.constant(0.01), optimizer=optimizers.sgd(),
                record_every=n, evaluate=None)

    return {"argument_check": lambda: check_data("minimize", X, y),
            "permutation": lambda: np.random.default_rng(seed).permutation(n),
            "gather": gather, "steps_without_gather": steps}


def epoch_over_fullgrad(cfg: Config) -> dict:
    r"""One epoch of mini-batch SGD (shuffle) over one full-gradient pass
    :math:`X^\top(X\theta - y)` on the same data.

    The full gradient streams X through memory twice with BLAS (gemv, all cores): the fastest
    anything that touches every row can be. The epoch is the whole ``sgdteach.minimize`` call,
    argument checks included, with no loss recording (``record_loss=False``). The pieces of an
    epoch are also timed alone (same run, interleaved): the O(nd) argument check, the epoch's
    permutation, gathering the rows of every batch (``np.take``, as ``sampling`` does) and the
    steps on an already gathered batch; their sum is the least a numpy epoch can cost.
    """
    X, y = cfg.data["X"], cfg.data["y"]
    theta = np.full(cfg.d, 0.01)
    seeds = iter(range(10_000))
    last = {}

    def epoch():
        last["h"] = sgdteach.minimize(X, y, lr=0.01, batch_size=cfg.batch_size, epochs=1,
                                      sampling="shuffle", seed=next(seeds), record_loss=False)

    def full_gradient():
        return X.T @ (X @ theta - y)

    full_gradient()  # warm the BLAS threads and the pages of X
    parts = _epoch_parts(X, y, cfg.batch_size, cfg.seed)
    times = interleaved({"epoch": epoch, "full_gradient": full_gradient, **parts}, cfg.repeats)
    summaries = {name: summary(t) for name, t in times.items()}
    fg = summaries["full_gradient"]["best_s"]
    return {
        "value": summaries["epoch"]["best_s"] / fg,
        "times": {**summaries, "epoch_loop_only_s": float(last["h"].wall_time[-1])},
        "parts_over_full_gradient": {
            **{name: summaries[name]["best_s"] / fg for name in parts},
            "sum_of_parts": sum(summaries[name]["best_s"] for name in parts) / fg},
        "sizes": {**cfg.sizes(), "bytes_X": X.nbytes,
                  "steps_per_epoch": sgdteach.sampling.steps_per_epoch(cfg.n, cfg.batch_size)},
        "settings": {"batch_size": cfg.batch_size, "sampling": "shuffle", "lr": 0.01,
                     "record_loss": False, "estimate": f"best of {cfg.repeats}, interleaved",
                     "full_gradient": "X.T @ (X @ theta - y)"},
    }


def reference_loop(X, y, theta, learning_rate, steps):
    """The reference example's SGD loop, verbatim: one ``np.random.randint`` per step."""
    m = len(y)
    for _ in range(steps):
        r = np.random.randint(m)  # noqa: NPY002 (the reference example's legacy RNG)
        x = X[r:r + 1]
        t = y[r:r + 1]
        e = x.dot(theta) - t
        g = 2 * x.T.dot(e)
        theta = theta - learning_rate * g
    return theta


def floor_loop(X, y, theta, learning_rate, rows):
    """The least a numpy SGD step can do: pre-drawn indices, two row slices, and the four array
    operations of the update, fused into one line; no schedule, no optimizer, no checks."""
    theta = np.array(theta, dtype=np.float64)
    for r in rows.tolist():
        x, t = X[r:r + 1], y[r:r + 1]
        theta -= (2 * learning_rate) * x.T.dot(x.dot(theta) - t)
    return theta


def sgd_step_over_reference_loop(cfg: Config) -> dict:
    """Per-step time of ``minimize(..., batch_size=1)`` over the reference loop, both on the
    reference example's data (3 rows, 2 columns) for the same number of steps.

    With 3 rows nothing is memory-bound: this measures pure per-step overhead (Python and numpy
    call costs). ``minimize`` records only at the start and the end (``record_every`` = all
    steps, no loss), as the reference loop records nothing.
    """
    X, y = sgdteach.datasets.reference_data()
    steps = cfg.sgd_steps - cfg.sgd_steps % len(y)
    out = {}

    def ours():
        out["ours"] = sgdteach.minimize(X, y, lr=0.01, batch_size=1, epochs=steps // len(y),
                                        sampling="replacement", seed=0, record_every=steps,
                                        record_loss=False).theta

    def reference():
        np.random.seed(0)  # noqa: NPY002
        out["reference"] = reference_loop(X, y, np.zeros(2), 0.01, steps)

    def floor():
        rows = np.random.default_rng(0).integers(0, len(y), size=steps)
        out["floor"] = floor_loop(X, y, np.zeros(2), 0.01, rows)

    times = interleaved({"ours": ours, "reference": reference, "floor": floor}, cfg.repeats)
    o, r, f = (summary(times[k]) for k in ("ours", "reference", "floor"))
    return {
        "value": o["best_s"] / r["best_s"],
        "times": {"ours": o, "reference": r, "floor": f,
                  **{f"{k}_per_step_us": 1e6 * t["best_s"] / steps
                     for k, t in (("ours", o), ("reference", r), ("floor", f))}},
        "floor_over_reference_loop": f["best_s"] / r["best_s"],
        "note": "floor = the same steps with pre-drawn indices and nothing but the update's "
                "numpy calls (benchmarks.throughput.floor_loop): the limit of any numpy loop "
                "that does one step per row",
        "sizes": {"n": len(y), "d": X.shape[1], "data": "sgdteach.datasets.reference_data()",
                  "steps": steps},
        "settings": {"lr": 0.01, "sampling": "replacement", "record_every": steps,
                     "record_loss": False, "estimate": f"best of {cfg.repeats}, interleaved",
                     "final_theta": {k: np.round(v, 3).tolist() for k, v in out.items()}},
    }
