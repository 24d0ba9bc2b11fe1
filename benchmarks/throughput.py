"""Raw speed of the loop: an epoch against the memory-bandwidth reference, a step against the
reference example's loop."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

import sgdteach
from sgdteach import sampling

from .config import Config
from .timing import interleaved, summary


def _epoch_parts(X, y, batch_size: int, seed: int) -> dict:
    """The pieces of one shuffled mini-batch epoch, each alone: what it costs at the least."""
    from sgdteach._validation import check_data
    from sgdteach.descent import descend, prepare

    n = len(y)
    perm = np.random.default_rng(seed).permutation(n)
    chunk_rows = sampling.gather_chunk_rows(X, batch_size)
    buffer = (np.empty((chunk_rows, X.shape[1])), np.empty(chunk_rows))
    xbuf, ybuf = buffer[0][:batch_size], buffer[1][:batch_size]

    def gather():  # what sampling.in_memory_batches gathers in an epoch, in this thread
        for start in range(0, n, chunk_rows):
            sampling._gather(X, y, perm[start:start + chunk_rows], buffer)

    def same_batch():  # the batches descend would get, without gathering them
        for _ in range(0, n, batch_size):
            yield xbuf, ybuf

    run = prepare("minimize", None, X.shape[1], loss="squared_error", lr=0.01, optimizer="sgd",
                  record_every=n)

    def steps():
        descend(same_batch(), run, evaluate=None)

    return {"argument_check": lambda: check_data("minimize", X, y),
            "permutation": lambda: np.random.default_rng(seed).permutation(n),
            "gather": gather, "steps_without_gather": steps}


@contextmanager
def _no_background_gather():
    """``minimize`` as if ``X`` fitted in the caches: every chunk gathered in the loop's thread."""
    saved = sampling.PREFETCH_BYTES
    sampling.PREFETCH_BYTES = float("inf")
    try:
        yield
    finally:
        sampling.PREFETCH_BYTES = saved


def epoch_over_fullgrad(cfg: Config) -> dict:
    r"""One epoch of mini-batch SGD (shuffle) over one full-gradient pass
    :math:`X^\top(X\theta - y)` on the same data.

    The full gradient streams X through memory twice with BLAS (gemv, all cores): the fastest
    anything that touches every row can be. The epoch is the whole ``sgdteach.minimize`` call,
    argument checks included, with no loss recording (``record_loss=False``). The pieces of an
    epoch are also timed alone (same run, interleaved): the O(nd) argument check, the epoch's
    permutation, gathering the rows of every batch (``np.take`` a chunk at a time, as
    ``sampling`` does) and the steps on an already gathered batch. ``minimize`` gathers the next
    chunk in a background thread while the steps run (X is larger than
    ``sampling.PREFETCH_BYTES``), so the epoch costs less than the sum of its pieces;
    ``epoch_one_thread`` is the same call with that thread turned off.
    """
    X, y = cfg.data["X"], cfg.data["y"]
    theta = np.full(cfg.d, 0.01)
    seeds = iter(range(10_000))
    last = {}

    def epoch():
        last["h"] = sgdteach.minimize(X, y, lr=0.01, batch_size=cfg.batch_size, epochs=1,
                                      sampling="shuffle", seed=next(seeds), record_loss=False)

    def epoch_one_thread():
        with _no_background_gather():
            epoch()

    def full_gradient():
        return X.T @ (X @ theta - y)

    full_gradient()  # warm the BLAS threads and the pages of X
    parts = _epoch_parts(X, y, cfg.batch_size, cfg.seed)
    times = interleaved({"epoch": epoch, "full_gradient": full_gradient,
                         "epoch_one_thread": epoch_one_thread, **parts}, cfg.repeats)
    summaries = {name: summary(t) for name, t in times.items()}
    fg = summaries["full_gradient"]["best_s"]
    return {
        "value": summaries["epoch"]["best_s"] / fg,
        "times": {**summaries, "epoch_loop_only_s": float(last["h"].wall_time[-1])},
        "epoch_one_thread_over_full_gradient": summaries["epoch_one_thread"]["best_s"] / fg,
        "parts_over_full_gradient": {
            **{name: summaries[name]["best_s"] / fg for name in parts},
            "sum_of_parts": sum(summaries[name]["best_s"] for name in parts) / fg},
        "sizes": {**cfg.sizes(), "bytes_X": X.nbytes,
                  "steps_per_epoch": sgdteach.sampling.steps_per_epoch(cfg.n, cfg.batch_size),
                  "chunk_bytes": sampling.CHUNK_BYTES, "prefetch_bytes": sampling.PREFETCH_BYTES},
        "settings": {"batch_size": cfg.batch_size, "sampling": "shuffle", "lr": 0.01,
                     "record_loss": False, "estimate": f"best of {cfg.repeats}, interleaved",
                     "full_gradient": "X.T @ (X @ theta - y)",
                     "background_gather": X.nbytes > sampling.PREFETCH_BYTES},
    }


def default_epoch_over_fullgrad(cfg: Config) -> dict:
    r"""One epoch of ``minimize`` as a learner first calls it, ``minimize(X, y, batch_size=256,
    epochs=1)`` (every other argument at its default: replacement sampling, plain SGD,
    ``lr=0.01``, the default record points with the full-data loss; a seed only to repeat the
    run), over one full-gradient pass :math:`X^\top(X\theta - y)` on the same data.

    What the default call pays beyond the loop is timed alone too (same run, interleaved): the
    same call with ``record_loss=False`` (the loop and the argument checks), the finiteness check
    of ``X`` and ``y``, and one full-data loss (what each record point with a loss costs).
    """
    from sgdteach._validation import check_data
    from sgdteach.losses import squared_error

    X, y = cfg.data["X"], cfg.data["y"]
    theta = np.full(cfg.d, 0.01)
    seeds = iter(range(10_000))
    last = {}

    def default_epoch():
        last["h"] = sgdteach.minimize(X, y, batch_size=cfg.batch_size, epochs=1, seed=next(seeds))

    def without_loss():
        sgdteach.minimize(X, y, batch_size=cfg.batch_size, epochs=1, seed=next(seeds),
                          record_loss=False)

    def full_gradient():
        return X.T @ (X @ theta - y)

    full_gradient()  # warm the BLAS threads and the pages of X
    parts = {"without_loss": without_loss, "finiteness_check": lambda: check_data("minimize", X, y),
             "one_full_loss": lambda: squared_error.value(theta, X, y)}
    times = interleaved({"default_epoch": default_epoch, "full_gradient": full_gradient, **parts},
                        cfg.repeats)
    summaries = {name: summary(t) for name, t in times.items()}
    fg = summaries["full_gradient"]["best_s"]
    h = last["h"]
    return {
        "value": summaries["default_epoch"]["best_s"] / fg,
        "times": summaries,
        "parts_over_full_gradient": {name: summaries[name]["best_s"] / fg for name in parts},
        "full_losses_recorded": int(np.isfinite(h.loss).sum()),
        "record_points": len(h.loss),
        "sizes": {**cfg.sizes(), "bytes_X": X.nbytes,
                  "steps_per_epoch": sgdteach.sampling.steps_per_epoch(cfg.n, cfg.batch_size),
                  "prefetch_bytes": sampling.PREFETCH_BYTES},
        "settings": {"call": f"minimize(X, y, batch_size={cfg.batch_size}, epochs=1, seed=k)",
                     "estimate": f"best of {cfg.repeats}, interleaved",
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
    """The least a numpy SGD step can do: pre-drawn indices, the row as a 1-D view, and three
    numpy calls (``x.dot(theta)``, one multiplication of the row by a number, the in-place
    subtraction); no schedule, no optimizer, no checks."""
    theta = np.array(theta, dtype=np.float64)
    targets = y.tolist()
    for r in rows.tolist():
        x = X[r]
        theta -= (2 * learning_rate * (x.dot(theta) - targets[r])) * x
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
        "note": "floor = the same steps with pre-drawn indices and nothing but three numpy "
                "calls per step (benchmarks.throughput.floor_loop): about the limit of any "
                "numpy loop that does one step per row",
        "sizes": {"n": len(y), "d": X.shape[1], "data": "sgdteach.datasets.reference_data()",
                  "steps": steps},
        "settings": {"lr": 0.01, "sampling": "replacement", "record_every": steps,
                     "record_loss": False, "estimate": f"best of {cfg.repeats}, interleaved",
                     "final_theta": {k: np.round(v, 3).tolist() for k, v in out.items()}},
    }
