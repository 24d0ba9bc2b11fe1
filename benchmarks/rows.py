"""The table: every row's key, function, target and unit."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import NamedTuple

from . import course, grading, memory, throughput, tta


class Row(NamedTuple):
    key: str
    run: Callable
    op: str          # "<=" or ">="
    target: float
    unit: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return {"<=": operator.le, ">=": operator.ge}[self.op](value, self.target)


ROWS = (
    Row("epoch_over_fullgrad", throughput.epoch_over_fullgrad, "<=", 3, "ratio"),
    Row("default_epoch_over_fullgrad", throughput.default_epoch_over_fullgrad, "<=", 3.5,
        "ratio"),
    Row("tta_minibatch_over_sklearn", tta.tta_minibatch_over_sklearn, "<=", 0.5, "ratio"),
    Row("tta_batch_over_minibatch", tta.tta_batch_over_minibatch, ">=", 10, "ratio"),
    Row("sgd_step_over_reference_loop", throughput.sgd_step_over_reference_loop, "<=", 0.5,
        "ratio"),
    Row("file_over_peak_rss", memory.file_over_peak_rss, ">=", 10, "ratio"),
    Row("widget_redraw_ms", course.widget_redraw_ms, "<=", 100, "ms"),
    Row("import_ms", course.import_ms, "<=", 150, "ms"),
    Row("notebooks_s", course.notebooks_s, "<=", 60, "s"),
    Row("grade_100_jobs2_s", grading.grade_100_jobs2_s, "<=", 120, "s"),
)
