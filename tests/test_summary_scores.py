"""The class summary's score distribution: mean, median and histogram in % of the maximum,
checked against values computed by hand (and numpy's percentile definition of the median)."""

from __future__ import annotations

import numpy as np
import pytest

from sgdteach.grading.report.summary import BINS, chart_png, distribution, percents, write_summary


def result(key: str, score: float, max_score: float = 5.0, outcome: str = "passed") -> dict:
    return {"submission": key, "status": "ok", "score": score, "max_score": max_score,
            "questions": [{"grade_id": "q", "points": score, "max_points": max_score,
                           "outcome": outcome}]}


CLASS = [result("a", 5), result("b", 3, outcome="wrong sign"), result("c", 0, outcome="wrong sign"),
         result("d", 5)]


def test_scores_are_percent_of_the_maximum():
    assert percents(CLASS).tolist() == [100.0, 60.0, 0.0, 100.0]


def test_distribution_line_has_mean_median_and_histogram():
    line = distribution(percents(CLASS))
    # mean (100 + 60 + 0 + 100) / 4 = 65; median of 0, 60, 100, 100 is (60 + 100) / 2 = 80
    assert "mean 65 %, median 80 %" in line
    assert "0-10 %: 1" in line and "50-60 %: 0" in line and "60-70 %: 1" in line
    assert "90-100 %: 2" in line               # 100 % falls in the last bin, not beyond it
    assert BINS[0] == 0 and BINS[-1] == 100 and len(BINS) == 11


@pytest.mark.figures   # writes the chart
def test_summary_markdown_shows_the_distribution_and_keeps_the_outcomes(tmp_path):
    base = tmp_path / "gradebook_summary"
    write_summary(base, CLASS, ["q"])
    md = base.with_suffix(".md").read_text(encoding="utf-8")
    assert "mean 65 %, median 80 %" in md and "| wrong sign | 2 | 50% |" in md
    assert base.with_suffix(".csv").read_text().splitlines()[0] == \
        "question,outcome,submissions,share"
    assert base.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.figures
def test_chart_with_distribution_is_wider_than_without():
    from io import BytesIO

    from matplotlib.image import imread

    table = {"q": [("passed", 2, 0.5), ("wrong sign", 2, 0.5)]}
    plain = imread(BytesIO(chart_png(table)))
    both = imread(BytesIO(chart_png(table, np.array([100.0, 60.0, 0.0, 100.0]))))
    assert both.shape[1] > plain.shape[1] and both.shape[2] == 4
