"""Benchmarks for sgdteach: the course's efficiency claims, measured as ratios in one run.

Run ``python -m benchmarks`` (``make bench``, up to 15 minutes) or ``python -m benchmarks --quick``
(``make bench-quick``, under a minute, smaller sizes: for development, its numbers are not the
targets' evidence). Each row is one function ``row(cfg) -> dict`` in a small module; the table's
targets live in :data:`benchmarks.rows.ROWS`. Absolute times drift on a shared machine, so every
figure is a ratio of two times taken in the same run, on the same data, interleaved and best-of-k.
"""
