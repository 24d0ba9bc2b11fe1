"""experiments.claim: a checked sentence passes quietly with one ✓ line, fails loudly."""

import numpy as np
import pytest

from sgdteach.course.claims import ClaimError, claim


@pytest.mark.parametrize("value, op, bound, stated", [
    (1.25, "<", 2.0, "< 2"), (2.0, "<=", 2.0, "<= 2"), (3.75, ">", 2.5, "> 2.5"),
    (2.0, ">=", 2.0, ">= 2"), (np.float64(5.5), "in", (4, 6), "between 4 and 6"),
    (np.int64(4), "in", (4, 6), "between 4 and 6"), (np.array(0.5), "<", 1, "< 1")])
def test_a_true_claim_prints_its_statement_not_its_value(value, op, bound, stated, capsys):
    claim(value, op, bound, "it holds")
    assert capsys.readouterr().out == f"✓ it holds ({stated})\n"


@pytest.mark.parametrize("value, op, bound", [
    (2.0, "<", 2.0), (2.5, "<=", 2.0), (2.0, ">", 2.0), (1.0, ">=", 2.0),
    (7.0, "in", (4, 6)), (float("nan"), "<", 1.0), (float("nan"), "in", (0, 1))])
def test_a_false_claim_raises_with_the_measured_value(value, op, bound):
    with pytest.raises(ClaimError, match="claim failed: it holds: expected .* measured"):
        claim(value, op, bound, "it holds")


@pytest.mark.parametrize("kwargs, kind, match", [
    (dict(op="~"), ValueError, "'op' must be one of"),
    (dict(value="1"), TypeError, "'value' must be a real number"),
    (dict(value=True), TypeError, "'value' must be a real number"),
    (dict(value=np.ones(2)), TypeError, "'value' must be a real number"),
    (dict(op="in", bound=3), TypeError, "'bound' must be a pair"),
    (dict(op="in", bound=(3, 1)), ValueError, "low <= high"),
    (dict(what=""), TypeError, "'what' must be a non-empty sentence"),
])
def test_bad_arguments_get_the_template_error(kwargs, kind, match):
    args = dict(value=1.0, op="<", bound=2.0, what="it holds") | kwargs
    with pytest.raises(kind, match=match):
        claim(**args)


@pytest.mark.parametrize("value, op, bound, digits, shown", [
    (1.0312, ">", 0.9, 3, "measured 1.03; expected > 0.9"),
    (np.float64(2.9712), "in", (2.5, 3.5), 2, "measured 3; expected between 2.5 and 3.5"),
    (4.46e-4, "<", 1e-3, 2, "measured 0.00045; expected < 0.001")])
def test_digits_prints_the_measured_value_rounded(value, op, bound, digits, shown, capsys):
    claim(value, op, bound, "it holds", digits=digits)
    assert capsys.readouterr().out == f"✓ it holds ({shown})\n"


@pytest.mark.parametrize("digits", [0, 16, 2.0, True, "2"])
def test_bad_digits_get_the_template_error(digits):
    with pytest.raises(ValueError, match="'digits' must be None or an integer from 1 to 15"):
        claim(1.0, "<", 2.0, "it holds", digits=digits)
