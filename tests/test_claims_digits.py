"""claim(..., digits=k): the ✓ line shows the measured value, rounded, next to the bound."""

from __future__ import annotations

import pytest

from sgdteach.course.claims import ClaimError, claim


def test_digits_prints_the_rounded_value(capsys):
    claim(1.0312, ">=", 0.9, "ratio", digits=3)
    claim(0.30214, "in", (0.29, 0.31), "limit", digits=2)
    assert capsys.readouterr().out.splitlines() == [
        "✓ ratio (measured 1.03; expected ≥ 0.9)",
        "✓ limit (measured 0.3; expected between 0.29 and 0.31)"]


def test_without_digits_the_line_is_unchanged(capsys):
    claim(1.0312, ">=", 0.9, "ratio")
    assert capsys.readouterr().out == "✓ ratio (>= 0.9)\n"


def test_digits_still_fails_and_is_checked():
    with pytest.raises(ClaimError, match="measured 0.5"):
        claim(0.5, ">", 1, "big", digits=2)
    for bad in (0, 7, 2.0, True):
        with pytest.raises(TypeError, match="claim: 'digits' must be None or an integer"):
            claim(1, ">", 0, "x", digits=bad)
