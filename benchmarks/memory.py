"""Out-of-core SGD: a data set on disk much larger than the memory that trains on it."""

from __future__ import annotations

import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import sgdteach

from .config import ROOT, Config
from .timing import clock

BLOCK_ROWS = 65536   # minimize_memmap's default
MARGIN = 2e9         # disk left free after writing the files


def file_over_peak_rss(cfg: Config) -> dict:
    """Size of ``X.npy`` + ``y.npy`` (written in chunks by ``write_regression_npy`` into a
    temporary folder, deleted afterwards) over the peak RSS of a fresh Python process that trains
    one epoch on them with ``sgdteach.minimize_memmap``."""
    d = cfg.file_d
    n = math.ceil(cfg.file_bytes / (8 * d))
    need = 8 * n * (d + 1)
    settings = {"batch_size": cfg.batch_size, "block_rows": BLOCK_ROWS, "epochs": 1,
                "shuffle": True, "lr": 0.01, "chunk_rows": 100_000,
                "peak_rss": "VmHWM of the child (/proc/self/status)"}
    with tempfile.TemporaryDirectory(prefix="sgdteach-bench-") as folder:
        free = shutil.disk_usage(folder).free
        if free < need + MARGIN:
            return {"value": None, "settings": settings,
                    "error": f"not enough disk in {folder}: {free / 1e9:.1f} GB free, "
                             f"{(need + MARGIN) / 1e9:.1f} GB needed"}
        write_s, (path_X, path_y, _) = clock(lambda: sgdteach.datasets.write_regression_npy(
            folder, n, d, chunk_rows=100_000, seed=cfg.seed))
        file_bytes = Path(path_X).stat().st_size + Path(path_y).stat().st_size
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks._train_child", str(path_X), str(path_y),
             str(cfg.batch_size), str(BLOCK_ROWS)],
            cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    children_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if proc.returncode != 0:
        return {"value": None, "settings": settings,
                "error": f"child failed ({proc.returncode}): {proc.stderr[-500:]}"}
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    return {
        "value": file_bytes / child["peak_rss_bytes"],
        "times": {"write_s": write_s, "train_one_epoch_s": child["train_s"]},
        "sizes": {"n": n, "d": d, "dtype": "float64", "file_bytes": file_bytes,
                  "peak_rss_bytes": child["peak_rss_bytes"],
                  "peak_rss_after_import_bytes": child["peak_rss_after_import_bytes"],
                  "ru_maxrss_self_bytes": child["ru_maxrss_bytes"],
                  "ru_maxrss_children_bytes": children_max,
                  "block_bytes": BLOCK_ROWS * d * 8},
        "settings": settings,
        "child": {k: child[k] for k in ("steps", "samples", "last_batch_loss", "theta_finite")},
        "note": "ru_maxrss_children is the largest of all children of this run so far "
                "(an upper bound), the row uses the child's own high-water mark",
    }
