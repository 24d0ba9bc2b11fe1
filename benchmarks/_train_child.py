"""Child process of the ``file_over_peak_rss`` row: train one epoch on .npy files, report peak RSS.

``python -m benchmarks._train_child X.npy y.npy`` prints one JSON line. Peak resident memory is the
kernel's high-water mark of this process (``VmHWM`` in /proc/self/status), cross-checked with
``getrusage(RUSAGE_SELF).ru_maxrss``; both in bytes.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def vm_hwm_bytes() -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    path_X, path_y, batch_size, block_rows = argv[0], argv[1], int(argv[2]), int(argv[3])
    import numpy as np

    import sgdteach

    after_import = vm_hwm_bytes()
    start = time.perf_counter()
    h = sgdteach.minimize_memmap(path_X, path_y, lr=0.01, batch_size=batch_size,
                                 block_rows=block_rows, epochs=1, seed=0)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "peak_rss_bytes": vm_hwm_bytes(),
        "ru_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "peak_rss_after_import_bytes": after_import,
        "train_s": seconds, "steps": int(h.step[-1]), "samples": int(h.samples_seen[-1]),
        "last_batch_loss": float(h.loss[-1]), "theta_finite": bool(np.isfinite(h.theta).all()),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
