"""Smoke test of the benchmark code (``python -m benchmarks``): every row runs on tiny sizes and
returns the fields the table and results.json need. No timing assertions: targets are judged by
``make bench`` only."""

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import config  # noqa: E402
from benchmarks.__main__ import _jsonable, run_rows, table  # noqa: E402
from benchmarks.rows import ROWS  # noqa: E402

# Fields each row must record besides value / target / met (dotted paths into the row's dict).
FIELDS = {
    "epoch_over_fullgrad": ["times.epoch.best_s", "times.full_gradient.best_s", "sizes.n",
                            "settings.batch_size"],
    "default_epoch_over_fullgrad": ["times.default_epoch.best_s", "times.full_gradient.best_s",
                                    "parts_over_full_gradient.one_full_loss",
                                    "full_losses_recorded", "sizes.n"],
    "tta_minibatch_over_sklearn": ["times.ours_tta_s", "times.sklearn_tta_s", "winners.ours.lr",
                                   "winners.sklearn.eta0", "problem.mse_star",
                                   "settings.sklearn.eta0_grid"],
    "tta_batch_over_minibatch": ["times.batch_gd_tta_s", "times.minibatch_tta_s",
                                 "batch_gd.steps", "settings.batch_gd.lr_value"],
    "sgd_step_over_reference_loop": ["times.ours_per_step_us", "times.reference_per_step_us",
                                     "times.floor_per_step_us", "sizes.steps"],
    "file_over_peak_rss": ["sizes.file_bytes", "sizes.peak_rss_bytes", "times.write_s",
                           "child.theta_finite"],
    "widget_redraw_ms": ["times.build_ms", "times.lr_median_ms", "last_text"],
    "import_ms": ["times.sgdteach_ms", "times.numpy_alone_median_ms"],
    "notebooks_s": ["times.per_notebook_s", "sizes.notebooks"],
    "grade_100_jobs2_s": ["times.measured_s", "sizes.submissions", "settings.jobs",
                          "settings.scaled"],
}


def _get(row: dict, dotted: str):
    for part in dotted.split("."):
        row = row[part]
    return row


@pytest.fixture
def tiny(tmp_path):
    import nbformat

    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nbformat.write(nb, folder / "tiny.ipynb")
    return config.make("tiny", notebooks_dir=folder)


def test_every_row_has_a_smoke_check():
    assert set(FIELDS) == {row.key for row in ROWS}


@pytest.mark.parametrize("key", [row.key for row in ROWS])
def test_row_runs_on_tiny_sizes(tiny, key):
    row = run_rows(tiny, [key], echo=lambda *a, **k: None)[key]
    assert "traceback" not in row, row.get("traceback")
    assert {"value", "target", "unit", "met", "machine"} <= row.keys()
    assert row["machine"]["cpu"] and "blas" in row["machine"]
    assert row["value"] is not None and math.isfinite(row["value"]) and row["value"] > 0, row
    assert row["met"] in (True, False)
    for field in FIELDS[key]:
        _get(row, field)
    json.dumps(_jsonable(row))  # results.json must be able to hold it
    assert key in table({key: row})


def test_tiny_notebook_row_counts_and_runs_the_notebook(tiny):
    row = run_rows(tiny, ["notebooks_s"], echo=lambda *a, **k: None)["notebooks_s"]
    assert row["sizes"]["notebooks"] == 1 and "failed" not in row
    assert list(row["times"]["per_notebook_s"]) == ["tiny.ipynb"]


def test_notebook_row_counts_each_notebooks_best_pass(tiny):
    import dataclasses

    cfg = dataclasses.replace(tiny, notebook_passes=2)
    row = run_rows(cfg, ["notebooks_s"], echo=lambda *a, **k: None)["notebooks_s"]
    runs = row["times"]["all_runs_s"]["tiny.ipynb"]
    assert len(runs) == 2 and len(row["times"]["pass_totals_s"]) == 2
    assert row["value"] == min(runs) == row["times"]["per_notebook_s"]["tiny.ipynb"]


def test_tiny_grading_row_grades_every_copy_to_full_marks(tiny):
    row = run_rows(tiny, ["grade_100_jobs2_s"], echo=lambda *a, **k: None)["grade_100_jobs2_s"]
    assert "error" not in row, row.get("error")
    assert row["sizes"] == {"submissions": 2, "rows": 2, "full_marks": 2}
    assert row["settings"]["scaled"] and "scaled by 100/2" in row["note"]
    assert row["value"] == pytest.approx(row["times"]["measured_s"] * 50, rel=0.01)
