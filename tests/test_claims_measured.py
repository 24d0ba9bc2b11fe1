"""claim(..., measured=...): the ✓ line shows the rounded measured value next to its bound."""

import pytest

from sgdteach.course.claims import ClaimError, claim


def test_measured_value_is_printed_rounded(capsys):
    claim(1.0312, ">=", 0.9, "the slope is about 1", measured=".2f")
    assert capsys.readouterr().out == "✓ the slope is about 1 (measured 1.03; expected >= 0.9)\n"


def test_measured_with_an_interval(capsys):
    claim(7.03, "in", (5, 10), "about sevenfold", measured=".1f")
    out = capsys.readouterr().out
    assert out == "✓ about sevenfold (measured 7.0; expected between 5 and 10)\n"


def test_without_measured_the_line_is_unchanged(capsys):
    claim(0.004, "<", 0.01, "small")
    assert capsys.readouterr().out == "✓ small (< 0.01)\n"


def test_a_failing_claim_still_raises_with_measured():
    with pytest.raises(ClaimError, match="measured 2"):
        claim(2.0, "<", 1.0, "below one", measured=".2f")


@pytest.mark.parametrize("bad", [3, "x", ".2q"])
def test_a_bad_format_is_refused(bad):
    with pytest.raises(TypeError, match="'measured' must be a format specification"):
        claim(1.0, "<", 2.0, "fine", measured=bad)
