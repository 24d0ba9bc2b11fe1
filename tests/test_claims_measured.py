"""claim(..., measured=spec): the ✓ line shows the rounded measured value beside its bound."""

import pytest

from sgdteach.course.claims import ClaimError, claim


@pytest.mark.parametrize("value, op, bound, spec, line", [
    (1.0312, ">=", 0.9, ".2f", "measured 1.03; expected >= 0.90"),
    (0.0421, "in", (0.01, 0.1), ".0%", "measured 4%; expected between 1% and 10%"),
    (12.6, "<", 20, ".3g", "measured 12.6; expected < 20"),
])
def test_the_line_shows_the_measured_value(value, op, bound, spec, line, capsys):
    claim(value, op, bound, "it holds", measured=spec)
    assert capsys.readouterr().out == f"✓ it holds ({line})\n"


def test_without_measured_the_line_is_unchanged(capsys):
    claim(1.0312, ">=", 0.9, "it holds")
    assert capsys.readouterr().out == "✓ it holds (>= 0.9)\n"


def test_a_false_claim_still_raises_with_measured():
    with pytest.raises(ClaimError, match="measured 0.5"):
        claim(0.5, ">", 1, "it holds", measured=".2f")


@pytest.mark.parametrize("spec", ["d", 2, "xyz"])
def test_a_bad_spec_gets_the_template_error(spec):
    with pytest.raises(TypeError, match="'measured' must be a format spec"):
        claim(1.0, "<", 2.0, "it holds", measured=spec)
