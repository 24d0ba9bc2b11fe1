r"""Checked claims: a sentence in a notebook that compares numbers is backed by a line of code.

:func:`claim` tests ``value <op> bound`` as the notebook runs, prints one ``✓`` line saying what
holds, and raises :class:`ClaimError` when it does not, so a sentence that stopped being true
stops the notebook instead of misleading its reader.

By default the ``✓`` line shows the statement and its bound, not the measured value: a value can
depend on the machine (BLAS kernel, thread count, timing), its bound does not. Where the value is
stable, pass ``digits=`` and the line shows it too, rounded to that many significant digits
("measured 1.03; expected > 0.9"), so a reader sees how tight the claim is.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import Any

from .._validation import fail

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class ClaimError(AssertionError):
    """A claim the notebook's text makes did not hold on this run."""


def _number(arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:   # numpy scalars and 0-d arrays
            import numpy as np

            arr = np.asarray(value)
            if arr.shape == () and arr.dtype.kind in "iuf":
                return float(arr)
        except (TypeError, ValueError):
            pass
        fail("claim", arg, "a real number", value, "Pass a float, e.g. float(x).",
             kind=TypeError)
    return float(value)


def claim(value: Any, op: str, bound: Any, what: str, *, digits: int | None = None) -> None:
    r"""Check that ``value <op> bound`` holds; print ``✓ what (op bound)`` or raise.

    Parameters
    ----------
    value : float
        The measured quantity.
    op : {"<", "<=", ">", ">=", "in"}
        The comparison; ``"in"`` takes ``bound = (low, high)`` and means
        :math:`\text{low} \le \text{value} \le \text{high}`.
    bound : float or (float, float)
        The bound, stated with the margin the sentence allows.
    what : str
        What the claim means, in the notebook's words (printed).
    digits : int, optional
        Also print the measured value, rounded to this many significant digits:
        ``✓ what (measured v; expected op bound)``. Use it only where the value is the same on
        every machine to that many digits (not for timings).

    Raises
    ------
    ClaimError
        When the claim does not hold (the message gives the measured value).

    Examples
    --------
    >>> claim(0.004, "<", 0.01, "the final loss is below 0.01")
    ✓ the final loss is below 0.01 (< 0.01)
    >>> claim(11.2, "in", (5, 20), "time grows about tenfold")
    ✓ time grows about tenfold (between 5 and 20)
    >>> claim(1.0312, ">", 0.9, "the slope is about 1", digits=3)
    ✓ the slope is about 1 (measured 1.03; expected > 0.9)
    """
    if not isinstance(what, str) or not what.strip():
        fail("claim", "what", "a non-empty sentence", what, "Say what the claim means.",
             kind=TypeError)
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, numbers.Integral)
                               or not 1 <= digits <= 15):
        fail("claim", "digits", "None or an integer from 1 to 15", digits,
             "Pass e.g. digits=2 to print the measured value to two significant digits.")
    v = _number("value", value)
    if op == "in":
        if not isinstance(bound, (tuple, list)) or len(bound) != 2:
            fail("claim", "bound", "a pair (low, high) with op='in'", bound,
                 "Pass e.g. bound=(5, 20).", kind=TypeError)
        low, high = _number("bound", bound[0]), _number("bound", bound[1])
        if not low <= high:
            fail("claim", "bound", "a pair with low <= high", bound, "Swap the two ends.")
        ok, stated = low <= v <= high, f"between {low:g} and {high:g}"
    elif op in _OPS:
        b = _number("bound", bound)
        ok, stated = _OPS[op](v, b), f"{op} {b:g}"
    else:
        fail("claim", "op", "one of '<', '<=', '>', '>=', 'in'", op, "Check the spelling.")
    if math.isnan(v) or not ok:
        raise ClaimError(f"claim failed: {what}: expected {stated}, measured {v:.6g}")
    if digits is None:
        print(f"✓ {what} ({stated})")
    else:
        print(f"✓ {what} (measured {v:.{int(digits)}g}; expected {stated})")
