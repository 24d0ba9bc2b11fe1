r"""Checked claims: a sentence in a notebook that compares numbers is backed by a line of code.

:func:`claim` tests ``value <op> bound`` as the notebook runs, prints one ``✓`` line saying what
holds, and raises :class:`ClaimError` when it does not, so a sentence that stopped being true
stops the notebook instead of misleading its reader.

By default the ``✓`` line shows the statement and its bound, not the measured value: a value can
depend on the machine (BLAS kernel, thread count, timing), its bound does not. Where the value is
stable across machines, pass ``measured=`` a format spec (``".2f"``, ``".0%"``) rounded to what is
stable, and the line shows it too, so the reader sees how tight the claim is.
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


def claim(value: Any, op: str, bound: Any, what: str, *, measured: str | None = None) -> None:
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
    measured : str, optional
        A format spec for the measured value (e.g. ``".2f"``, ``".3g"``, ``".0%"``). When given,
        the line reads ``✓ what (measured <value>; expected <op bound>)``, the bound in the same
        format. Use it only for a value that is the same on every machine to the digits shown
        (not a timing).

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
    >>> claim(1.0312, ">=", 0.9, "the slope is about 1", measured=".2f")
    ✓ the slope is about 1 (measured 1.03; expected >= 0.90)
    """
    if not isinstance(what, str) or not what.strip():
        fail("claim", "what", "a non-empty sentence", what, "Say what the claim means.",
             kind=TypeError)
    v = _number("value", value)
    if measured is not None:
        try:
            shown = format(v, measured) if isinstance(measured, str) else None
        except ValueError:
            shown = None
        if shown is None:
            fail("claim", "measured", "a format spec for a float", measured,
                 "Pass e.g. measured='.2f' or '.0%'.", kind=TypeError)
    if op == "in":
        if not isinstance(bound, (tuple, list)) or len(bound) != 2:
            fail("claim", "bound", "a pair (low, high) with op='in'", bound,
                 "Pass e.g. bound=(5, 20).", kind=TypeError)
        low, high = _number("bound", bound[0]), _number("bound", bound[1])
        if not low <= high:
            fail("claim", "bound", "a pair with low <= high", bound, "Swap the two ends.")
        shown_low, shown_high = (format(x, measured or "g") for x in (low, high))
        ok, stated = low <= v <= high, f"between {shown_low} and {shown_high}"
    elif op in _OPS:
        b = _number("bound", bound)
        ok, stated = _OPS[op](v, b), f"{op} {format(b, measured or 'g')}"
    else:
        fail("claim", "op", "one of '<', '<=', '>', '>=', 'in'", op, "Check the spelling.")
    if math.isnan(v) or not ok:
        raise ClaimError(f"claim failed: {what}: expected {stated}, measured {v:.6g}")
    if measured is None:
        print(f"✓ {what} ({stated})")
    else:
        print(f"✓ {what} (measured {shown}; expected {stated})")
