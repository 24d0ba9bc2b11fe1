"""Online learning on streams, and out-of-core training whose memory is bounded by the block."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sgdteach
from sgdteach.datasets import drifting_stream, write_regression_npy
from sgdteach.streaming import NpyRows


def test_stream_one_pass_reaches_true_parameters():
    rng = np.random.default_rng(0)
    theta_true = np.array([1.5, -2.0, 0.5])

    def stream():
        for _ in range(3000):
            Xb = rng.standard_normal((8, 3))
            yield Xb, Xb @ theta_true + 0.01 * rng.standard_normal(8)

    h = sgdteach.minimize_stream(stream(), np.zeros(3), lr=0.02, record_every=100)
    np.testing.assert_allclose(h.theta, theta_true, atol=5e-3)
    assert h.samples_seen[-1] == 3000 * 8 and h.step[-1] == 3000
    assert np.all(np.isnan(h.epoch))
    assert h.loss[-1] < 1e-3 < h.loss[0]


def test_stream_is_the_same_loop_as_minimize(regression):
    """Feeding minimize's own batches through the stream driver gives the same parameters."""
    X, y, _ = regression
    h = sgdteach.minimize(X, y, lr=0.01, batch_size=10, epochs=2, sampling="cyclic")
    batches = ((X[s:s + 10], y[s:s + 10]) for _ in range(2) for s in range(0, len(y), 10))
    hs = sgdteach.minimize_stream(batches, np.zeros(3), lr=0.01)
    np.testing.assert_array_equal(h.theta, hs.theta)


def test_progressive_validation_scores_before_learning():
    X = np.array([[1.0, 0.0]])
    batches = [(X, np.array([1.0]))] * 3
    h = sgdteach.minimize_stream(batches, np.zeros(2), lr=0.25, record_every=1)
    # theta_1 goes 0 -> 0.5 -> 0.75; the loss of each batch is taken before its update.
    np.testing.assert_allclose(h.loss[:3], [1.0, 0.25, 0.0625])


def test_stream_errors():
    with pytest.raises(ValueError, match=r"minimize_stream: 'batches\[1\]\[0\]' must be of 2 "
                                         r"columns \(len\(theta0\)\)"):
        sgdteach.minimize_stream([(np.ones((2, 2)), np.ones(2)), (np.ones((2, 3)), np.ones(2))],
                                 np.zeros(2))
    with pytest.raises(TypeError, match=r"'batches' must be an iterable of \(X_batch, y_batch\)"):
        sgdteach.minimize_stream([np.ones(3)], np.zeros(2))
    with pytest.raises(ValueError, match=r"'batches' must yield at least one"):
        sgdteach.minimize_stream([], np.zeros(2))


def test_drifting_stream_is_tracked_better_by_constant_rate():
    batches, theta_true = drifting_stream(n_batches=2000, batch_size=5, drift=0.02, seed=1)
    const = sgdteach.minimize_stream(batches, np.zeros(2), lr=0.05, record_every=1)
    batches, _ = drifting_stream(n_batches=2000, batch_size=5, drift=0.02, seed=1)
    decay = sgdteach.minimize_stream(batches, np.zeros(2), lr=sgdteach.inverse_time(0.05, 0.05),
                                     record_every=1)
    err_const = np.linalg.norm(const.path[1:] - theta_true, axis=1)[-500:].mean()
    err_decay = np.linalg.norm(decay.path[1:] - theta_true, axis=1)[-500:].mean()
    assert err_const < err_decay


def test_npy_rows_reads_what_np_load_reads(tmp_path):
    a = np.arange(60, dtype=np.float32).reshape(20, 3)
    np.save(tmp_path / "a.npy", a)
    rows = NpyRows(tmp_path / "a.npy")
    np.testing.assert_array_equal(rows.read(5, 9), a[5:9])
    assert rows.read(5, 9).dtype == np.float64 and len(rows) == 20


def test_memmap_training_matches_in_memory_stream(tmp_path):
    px, py, theta = write_regression_npy(tmp_path, n=5000, d=3, chunk_rows=700, noise=0.1, seed=0)
    X, y = np.load(px), np.load(py)
    h = sgdteach.minimize_memmap(px, py, batch_size=32, block_rows=1000, epochs=3, lr=0.02,
                                 seed=0)
    star = np.linalg.lstsq(X, y, rcond=None)[0]
    assert np.linalg.norm(h.theta - star) < 0.05
    # Same blocks and batches from arrays instead of files: identical result.
    h2 = sgdteach.minimize_memmap(X, y, batch_size=32, block_rows=1000, epochs=3, lr=0.02, seed=0)
    np.testing.assert_array_equal(h.theta, h2.theta)
    assert h.epoch[-1] == 3.0


def test_writer_refuses_to_overwrite(tmp_path):
    write_regression_npy(tmp_path, n=10, d=2, seed=0)
    before = (tmp_path / "X.npy").read_bytes()
    with pytest.raises(FileExistsError, match="write_regression_npy: 'folder' must be a folder"):
        write_regression_npy(tmp_path, n=20, d=2, seed=1)
    assert (tmp_path / "X.npy").read_bytes() == before


def test_writer_matches_generator_in_one_chunk(tmp_path):
    a = write_regression_npy(tmp_path / "a", n=1000, d=4, chunk_rows=1000, seed=3)
    b = write_regression_npy(tmp_path / "b", n=1000, d=4, chunk_rows=137, seed=3)
    np.testing.assert_array_equal(a[2], b[2])
    assert np.load(a[0]).shape == (1000, 4) and np.all(np.load(b[0])[:, 0] == 1.0)


PEAK = textwrap.dedent("""
    import sys, numpy as np, sgdteach
    from sgdteach.streaming import NpyRows
    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    px, py, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    # Warm up the code path (one-time allocations of numpy and the interpreter) on tiny data.
    NpyRows(px).read(0, 10)
    sgdteach.minimize_memmap(np.ones((3000, 10)), np.ones(3000), batch_size=256,
                             block_rows=1000, lr=0.01, seed=0)
    base = status("VmRSS:")
    if mode == "train":
        sgdteach.minimize_memmap(px, py, batch_size=256, block_rows=20000, lr=0.01, seed=0)
    else:  # the naive way: a memory map touched end to end
        float(np.load(px, mmap_mode="r").sum())
    print(status("VmHWM:") - base)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_out_of_core_peak_memory_is_bounded_by_the_block(tmp_path):
    n, d, block = 1_000_000, 10, 20_000          # file 80 MB, block 1.6 MB: 50x
    px, py, _ = write_regression_npy(tmp_path, n=n, d=d, chunk_rows=100_000, seed=0)
    file_bytes = px.stat().st_size
    block_bytes = block * d * 8

    def peak(mode):
        out = subprocess.run([sys.executable, "-c", PEAK, str(px), str(py), mode],
                             capture_output=True, text=True, check=True)
        return int(out.stdout.strip())

    trained = peak("train")
    naive = peak("naive")
    # The block read and its shuffled copy (2 blocks), plus a batch and allocator slack: measured
    # 2.2 blocks here; 4 leaves room for other allocators while staying 12x below the file.
    assert trained < 4 * block_bytes, (trained, block_bytes)
    # The measurement can see a whole file: the memory-mapped sum makes it resident.
    assert naive > 0.8 * file_bytes, (naive, file_bytes)


def test_memmap_rejects_non_finite_rows(tmp_path):
    X = np.ones((300, 2))
    X[250, 1] = np.nan
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.ones(300))
    with pytest.raises(ValueError, match=r"minimize_memmap: 'X' must be finite \(no NaN or inf\)"):
        sgdteach.minimize_memmap(tmp_path / "X.npy", tmp_path / "y.npy", batch_size=10,
                                 block_rows=100, seed=0)
