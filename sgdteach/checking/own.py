r"""An instructor's own exercise check: the learner's function against the instructor's solution
on inputs the test cell lists, with named mistakes the instructor writes.

In a solution notebook's test cell::

    from sgdteach.checking import compare_with_solution
    compare_with_solution(mean_square, inputs=[([1.0, 2.0],), ([3.0],)], rtol=1e-6,
                          wrong={"forgot the square": lambda x: sum(x) / len(x)})
    ### BEGIN HIDDEN TESTS
    compare_with_solution(mean_square, inputs=[([0.5, -2.0, 4.0],)])
    ### END HIDDEN TESTS

Case ``k`` passes when ``fn(*inputs[k])`` equals the solution's value up to
``|got - want| <= atol + rtol |want|`` (same shape). Inputs are literals (numbers, strings, lists,
tuples, dicts, ``np.array([...])``), read by :func:`literal` — never evaluated as code.

Where the expected values come from: ``release`` runs the solution and writes the visible calls'
values into the exercise as ``expected=[...]`` (hidden inputs never reach the exercise), so the
learner's self-check compares with them; the grader recomputes every value from the trusted
source (:mod:`sgdteach.grading.worker.own`). Without ``expected`` (the solution notebook itself)
the call only runs the function and says so.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ._core import CheckError, Variant, close, match_variant, passed, require_callable, show
from ._record import Observation, Value, observe

NAME = "compare_with_solution"
WRONG_RESULT = "wrong result"


def literal(node: ast.AST | str) -> Any:
    """The value of a literal expression (``ast.literal_eval``), where ``np.array(<literal>)`` or
    ``numpy.array(<literal>)`` also stands for a float array; ``ValueError`` for anything else.

    >>> literal("[(np.array([1, 2]), 3.5)]")
    [(array([1., 2.]), 3.5)]
    """
    if isinstance(node, str):
        node = ast.parse(node.strip(), mode="eval").body

    def value(n: ast.AST) -> Any:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and \
                n.func.attr in ("array", "asarray") and isinstance(n.func.value, ast.Name) and \
                n.func.value.id in ("np", "numpy") and len(n.args) == 1 and not n.keywords:
            return np.array(ast.literal_eval(n.args[0]), dtype=np.float64)
        if isinstance(n, (ast.List, ast.Tuple)):
            items = [value(e) for e in n.elts]
            return items if isinstance(n, ast.List) else tuple(items)
        if isinstance(n, ast.Dict) and None not in n.keys:
            return {value(k): value(v) for k, v in zip(n.keys, n.values, strict=True)
                    if k is not None}
        return ast.literal_eval(n)

    return value(node)


def cases(inputs: Any) -> list[tuple]:
    """``inputs`` as a list of argument tuples (a bare value is one argument)."""
    return [tuple(c) if isinstance(c, tuple) else (c,) for c in inputs]


def as_expected(value: Any) -> float | list:
    """A solution's value as plain numbers (what ``release`` writes); ``ValueError`` when it is
    not a number or an array."""
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr.tolist()


def variants(wrong: Mapping[str, Any] | None) -> list[tuple[str, Callable, str]]:
    """``wrong={"mistake": fn}`` or ``{"mistake": (fn, "how to fix it")}`` as triples."""
    out = []
    for mistake, spec in (wrong or {}).items():
        fn, fix = (spec if isinstance(spec, tuple) else (spec, ""))
        out.append((str(mistake), fn, str(fix)))
    return out


def run_variant(fn: Callable, args: tuple) -> Any:
    """A known-wrong variant's value on ``args`` (``None`` when it raises: it names nothing)."""
    try:
        return np.asarray(fn(*copy.deepcopy(args)), dtype=np.float64)
    except Exception:   # an instructor's variant that fails on this input names nothing
        return None


def judge_case(name: str, k: int, obs: Observation, want: Any,
               wrong: Sequence[tuple[str, Any, str]], rtol: float, atol: float,
               where: str) -> CheckError | None:
    """``None`` when case ``k`` passes; else the :class:`CheckError` naming the mistake
    (``wrong`` holds ``(mistake, value on this case, fix)``)."""
    if obs.status == "not_implemented":
        return CheckError(NAME, "not attempted", name, "The function still raises "
                          "NotImplementedError.", "Write your code in its answer cell.")
    if obs.status == "raised":
        return CheckError(NAME, f"raised {obs.type}", name,
                          f"On {where}: {obs.type}: {obs.message}.",
                          "Run your function on that input yourself to see where it fails.")
    value = obs.value if isinstance(obs.value, Value) else None
    if value is None or value.none:
        return CheckError(NAME, "no return value", name, f"On {where}: received None.",
                          "End your function with a return statement.")
    if value.shape is None or value.array is None:
        return CheckError(NAME, WRONG_RESULT, name,
                          f"On {where}: expected {show(want)}, received {value.text}.")
    got = value.array if value.shape else float(value.array)
    if close(got, want, rtol=rtol, atol=atol):
        return None
    detail = f"On {where}: expected {show(want)}, received {show(got)}."
    hit = match_variant(got, want, [Variant(m, v, fix) for m, v, fix in wrong],
                        lambda a, b: close(a, b, rtol=rtol, atol=atol))
    return CheckError(NAME, hit.mistake if hit else WRONG_RESULT, name, detail,
                      hit.fix if hit else "")


def compare_with_solution(fn: Callable, inputs: Sequence[Any], *,
                          expected: Sequence[Any] | None = None, rtol: float = 1e-6,
                          atol: float = 1e-10, wrong: Mapping[str, Any] | None = None,
                          partial: bool = False) -> None:
    """Check ``fn`` on every case of ``inputs`` against ``expected`` (written by ``release``);
    print a ✓ line or raise :class:`CheckError` naming the first failing case's mistake.

    >>> compare_with_solution(lambda x: x * x, inputs=[2.0, (3.0,)], expected=[4.0, 9.0])
    ✓ <lambda>: matches the solution on 2 cases
    """
    require_callable(NAME, "fn", fn)
    name = getattr(fn, "__name__", "fn")
    args = cases(inputs)
    observations = [observe(fn, copy.deepcopy(a)) for a in args]
    if expected is None:
        print(f"✓ {name}: ran on {len(args)} cases (no stored expected values here: this is "
              "the solution notebook; the released exercise stores them)")
        return
    from ._record import decode_observation, transport

    failures = []
    for k, (a, obs, want) in enumerate(zip(args, transport(observations), expected, strict=True)):
        named = [(m, run_variant(w, a), fix) for m, w, fix in variants(wrong)]
        err = judge_case(name, k, decode_observation(obs), np.asarray(want, dtype=np.float64)
                         if np.ndim(want) else float(want), named, rtol, atol,
                         f"case {k + 1} of {len(args)}, {name}{_args(a)}")
        if err is not None:
            failures.append(err)
    if failures:
        raise failures[0]
    passed(name, f"matches the solution on {len(args)} cases")


def _args(args: tuple) -> str:
    """The arguments as the test cell wrote them (arrays rounded)."""
    return "(" + ", ".join(show(a) if isinstance(a, np.ndarray) else repr(a)[:80]
                           for a in args) + ")"
