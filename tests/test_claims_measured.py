"""claim(..., measured=fmt): the ✓ line shows the rounded measured value next to the bound."""

import pytest

from sgdteach.course.claims import ClaimError, claim


def test_the_line_shows_the_rounded_value_and_the_bound(capsys):
    claim(1.0312, ">=", 0.9, "the slope is about one", measured=".2f")
    assert capsys.readouterr().out == "✓ the slope is about one (measured 1.03; expected >= 0.9)\n"
    claim(0.00745, "in", (0.005, 0.01), "the floor", measured=".2g")
    assert capsys.readouterr().out == (
        "✓ the floor (measured 0.0075; expected between 0.005 and 0.01)\n")


def test_without_measured_the_line_is_unchanged(capsys):
    claim(0.004, "<", 0.01, "the final loss is below 0.01")
    assert capsys.readouterr().out == "✓ the final loss is below 0.01 (< 0.01)\n"


def test_a_false_claim_still_raises_and_prints_nothing(capsys):
    with pytest.raises(ClaimError, match="measured 2"):
        claim(2.0, "<", 1.0, "it holds", measured=".1f")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("fmt, kind", [(2, TypeError), ("q", ValueError)])
def test_a_bad_format_is_named(fmt, kind):
    with pytest.raises(kind, match="claim: 'measured' must be"):
        claim(1.0, "<", 2.0, "it holds", measured=fmt)
