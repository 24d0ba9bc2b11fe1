"""Sizes and settings of a run (full, quick, tiny) and the shared least-squares data set."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Config:
    """One run's sizes. ``full`` is what the targets are judged on; ``quick`` (< 1 minute) and
    ``tiny`` (the smoke test) only exercise the code."""

    name: str
    n: int                      # rows of the shared least-squares data set
    d: int                      # its columns (the first is the intercept column of ones)
    noise: float = 0.5          # standard deviation of the label noise
    batch_size: int = 256
    repeats: int = 5            # best-of-k for every timed pair (interleaved)
    sgd_steps: int = 300_000    # steps of the per-step SGD comparison
    lr_grid: tuple[float, ...] = (0.01, 0.02, 0.03, 0.05, 0.07, 0.1)   # our mini-batch alpha
    sk_eta0_grid: tuple[float, ...] = (0.0003, 0.001, 0.003, 0.01, 0.03)  # sklearn eta0 = 2 alpha
    sk_schedules: tuple[str, ...] = ("constant", "invscaling")          # sklearn learning_rate
    tta_budget_epochs: int = 2    # epochs of the "shuffle" / "replacement" variants
    file_bytes: float = 2.2e9          # size of the on-disk X.npy
    file_d: int = 50
    import_repeats: int = 7
    widget_changes: int = 9
    notebooks_dir: Path = ROOT / "notebooks"
    notebooks_limit: int | None = None   # quick runs execute only the first few notebooks
    notebook_passes: int = 2    # passes over the whole suite; each notebook's best pass counts
    grade_copies: int = 100     # submissions graded by the grading row (scaled to 100)
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @cached_property
    def data(self) -> dict:
        """``X, y`` (make_regression, seed ``seed``), the lstsq optimum and its MSE; built once
        per run and shared by the rows that compare methods on the same data."""
        from sgdteach.datasets import make_regression

        X, y, _ = make_regression(self.n, self.d, noise=self.noise, seed=self.seed)
        theta_star = np.linalg.lstsq(X, y, rcond=None)[0]
        r = X @ theta_star - y
        return {"X": X, "y": y, "theta_star": theta_star, "mse_star": float(r @ r) / len(y)}

    def sizes(self) -> dict:
        return {"n": self.n, "d": self.d, "dtype": "float64", "noise": self.noise,
                "data": f"sgdteach.datasets.make_regression(n, d, noise, seed={self.seed})"}


FULL = dict(n=1_000_000, d=50, repeats=7)
QUICK = dict(n=200_000, d=50, repeats=3, sgd_steps=60_000, lr_grid=(0.03, 0.05),
             sk_eta0_grid=(0.001, 0.003), sk_schedules=("invscaling",), tta_budget_epochs=1,
             file_bytes=2e8, import_repeats=5, widget_changes=5, notebooks_limit=2,
             notebook_passes=1, grade_copies=10)
TINY = dict(n=20_000, d=5, batch_size=32, repeats=1, sgd_steps=3_000, lr_grid=(0.02, 0.05),
            sk_eta0_grid=(0.01,), sk_schedules=("invscaling",), tta_budget_epochs=1,
            file_bytes=2e6, file_d=5, import_repeats=2, widget_changes=2, grade_copies=2,
            notebook_passes=1)


def make(name: str, **overrides) -> Config:
    """``make("full" | "quick" | "tiny", **overrides)``."""
    base = {"full": FULL, "quick": QUICK, "tiny": TINY}[name]
    return Config(name=name, **{**base, **overrides})
