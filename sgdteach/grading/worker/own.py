r"""The grader side of an instructor's own test cells: ``compare_with_solution`` calls
(:mod:`sgdteach.checking.own`) and plain ``assert`` cells (nbgrader style).

* :func:`plan_own` reads such a cell with :mod:`ast` (never runs it): an
  :class:`OwnPlan` (each call's function name, literal inputs, tolerances, the source of its
  ``wrong=`` dict, ``partial``) or an :class:`AssertPlan`; anything else is refused by the caller
  (:func:`sgdteach.grading.worker.judging.plan_cell`) with the cell named.
* :class:`~sgdteach.grading.worker.solution.Trusted` runs the instructor's SOURCE notebook
  (every code cell but the test cells) in the grading worker's own process, outside the
  sandbox, never the submission: there the name the call passes (``mean_square``) is the
  instructor's solution, and ``wrong=`` is evaluated. Why this process and not a second
  kernel: the source is the instructor's own code (they run it themselves), the worker already
  trusts it (it reads it to assemble the notebook), and a kernel would add its start-up time to
  every submission. It also gives ``release`` the visible calls' ``expected=[...]``.
* At grading time a probe cell only calls the learner's function on the inputs and records the
  observations (:func:`record`); the judge compares them here with the solution's values.
  ``partial=True`` on a call of the cell scores points × share of cases passed.
* An :class:`AssertPlan` cell runs as written in the learner's kernel; its outcome is that
  kernel's reply, so the gradebook flags it (:data:`KERNEL_JUDGED`, column ``flags``) and
  the notes say so.
"""

from __future__ import annotations

import ast
import contextlib
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ...checking import own
from ...checking._core import RecordError, parse_mistake, show
from ...checking._record import decode_observation, observe, transport
from ..markup import hidden_lines
from ..outcomes import NOT_ATTEMPTED, PASSED, WRONG, raised
from .probes import FORMAT, MIME, _Sink

if TYPE_CHECKING:
    from .solution import Trusted

KERNEL_JUDGED = "judged inside the learner's kernel (plain asserts)"
"""The flag (gradebook column ``flags``) of an assert test cell: its result is what the learner's
kernel reported, which their code could influence."""
KEYWORDS = {"inputs", "rtol", "atol", "wrong", "partial"}
MAX_CASES = 200


@dataclass(frozen=True)
class OwnCall:
    """One ``compare_with_solution(function, inputs=..., ...)`` call of a test cell."""

    id: str
    function: str
    inputs: str          # the literal's source text (read by checking.own.literal, both sides)
    rtol: float = 1e-6
    atol: float = 1e-10
    wrong: str = ""      # the source of the wrong= dict, evaluated in the trusted namespace
    partial: bool = False
    hidden: bool = False  # written between BEGIN and END HIDDEN TESTS

    def text(self) -> str:
        return f"{own.NAME}({self.function}, ...)"


@dataclass(frozen=True)
class OwnPlan:
    calls: list[OwnCall]

    @property
    def partial(self) -> bool:
        return any(c.partial for c in self.calls)


@dataclass(frozen=True)
class AssertPlan:
    source: str

    def text(self) -> str:
        return "the cell's asserts"


def is_own(tree: ast.Module, checks: dict) -> bool:
    """Whether a test cell is an instructor's own: it calls ``compare_with_solution`` or asserts,
    and names none of the package's ``checks`` (a mix is refused as a check cell)."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return not names & set(checks) and (own.NAME in names or any(
        isinstance(n, ast.Assert) for n in tree.body))


def plan_own(tree: ast.Module, source: str, gid: str, refuse: Any,
             checks: dict) -> OwnPlan | AssertPlan:
    """The plan of an own test cell; ``refuse(node, why)`` builds the error to raise."""
    if any(isinstance(n, ast.Name) and n.id in checks for n in ast.walk(tree)):
        raise refuse(None, "mixes the package's checks with asserts or compare_with_solution")
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == own.NAME
               for n in ast.walk(tree)):
        return AssertPlan(source)      # a plain assert cell (is_own), run as written
    hidden = hidden_lines(source)
    calls: list[OwnCall] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "sgdteach.checking" and \
                [(a.name, a.asname) for a in node.names] == [(own.NAME, None)]:
            continue
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == own.NAME):
            raise refuse(node, f"mixes {own.NAME} with other code")
        calls.append(_own_call(call, f"{gid}/{len(calls)}", source, refuse,
                               node.lineno in hidden))
    return OwnPlan(calls)


def _own_call(call: ast.Call, cid: str, source: str, refuse: Any, hidden: bool) -> OwnCall:
    if len(call.args) != 1 or not isinstance(call.args[0], ast.Name):
        raise refuse(call, f"{own.NAME} takes the answer function by its name, alone, then "
                           "inputs=[...]")
    values: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg not in KEYWORDS:
            raise refuse(call, f"{own.NAME} takes only {sorted(KEYWORDS)}; got {kw.arg!r}")
        if kw.arg == "wrong":
            if not isinstance(kw.value, ast.Dict) or not all(
                    isinstance(k, ast.Constant) and isinstance(k.value, str)
                    for k in kw.value.keys):
                raise refuse(call, "wrong= must be a dict {\"mistake\": function, ...}")
            values["wrong"] = ast.get_source_segment(source, kw.value) or ""
            continue
        try:
            value = own.literal(kw.value)
        except (ValueError, TypeError, SyntaxError):
            raise refuse(call, f"{kw.arg}= must be a literal (numbers, lists, tuples, "
                               "np.array([...]))") from None
        if kw.arg == "inputs":
            if not isinstance(value, list) or not 0 < len(value) <= MAX_CASES:
                raise refuse(call, f"inputs= must be a list of 1 to {MAX_CASES} cases")
            values["inputs"] = ast.get_source_segment(source, kw.value) or ""
        elif kw.arg == "partial":
            if not isinstance(value, bool):
                raise refuse(call, "partial= must be True or False")
            values["partial"] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise refuse(call, f"{kw.arg}= must be a number >= 0")
            values[kw.arg] = float(value)
    if "inputs" not in values:
        raise refuse(call, f"{own.NAME} needs inputs=[...]")
    return OwnCall(cid, call.args[0].id, hidden=hidden, **values)


# -- the kernel side: the probe -----------------------------------------------------------------

def record(namespace: dict, call_id: str, function: str, inputs: str) -> dict[str, Any]:
    """The record of one own call: the learner's function observed on every case."""
    if function not in namespace:
        result: dict[str, Any] = {"missing": f"name '{function}' is not defined"}
    elif not callable(namespace[function]):
        result = {"not_callable": show(namespace[function])[:200]}
    else:
        fn = namespace[function]
        with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
            result = {"calls": transport([observe(fn, copy.deepcopy(a))
                                          for a in own.cases(own.literal(inputs))])}
    return {"format": FORMAT, "id": call_id, "check": own.NAME, "result": result}


def probe(namespace: dict, call_id: str, function: str, inputs: str) -> None:
    from IPython.display import display

    display({MIME: record(namespace, call_id, function, inputs)}, raw=True)


def probe_source(plan: OwnPlan | AssertPlan) -> str:
    if isinstance(plan, AssertPlan):
        return plan.source
    lines = ["# sgdteach grader: this cell only records what your functions return",
             "from sgdteach.grading.worker.own import probe as _sgdteach_own", ""]
    lines += [f"_sgdteach_own(globals(), {c.id!r}, {c.function!r}, {c.inputs!r})"
              for c in plan.calls]
    return "\n".join(lines)


# -- the judge ------------------------------------------------------------------------------------

def judge_call(call: OwnCall, raw: Any, trusted: Trusted) -> tuple[int, int, str, str]:
    """``(passed, cases, outcome of the first failure, its message)``; :class:`RecordError`
    for a malformed record."""
    if not (isinstance(raw, dict) and set(raw) == {"format", "id", "check", "result"}
            and raw["format"] == FORMAT and raw["check"] == own.NAME
            and isinstance(raw["result"], dict)):
        raise RecordError("not a record of this check")
    result = raw["result"]
    args, wants, named = trusted.expected(call)
    if set(result) == {"missing"}:
        return 0, len(args), raised("NameError"), f"NameError: {str(result['missing'])[:200]}"
    if set(result) == {"not_callable"}:
        return 0, len(args), raised("TypeError"), (
            f"TypeError: {own.NAME}: '{call.function}' must be a function; got "
            f"{str(result['not_callable'])[:200]}.")
    calls = result.get("calls")
    if set(result) != {"calls"} or not isinstance(calls, list) or len(calls) != len(args):
        raise RecordError(f"expected {len(args)} recorded calls")
    good, first = 0, (PASSED, "")
    for k, (obs, want, wrong) in enumerate(zip(calls, wants, named, strict=True)):
        err = own.judge_case(call.function, k, decode_observation(obs),
                             np.asarray(want) if isinstance(want, list) else want, wrong,
                             call.rtol, call.atol,
                             f"{'hidden ' if call.hidden else ''}case {k + 1} of {len(args)}")
        if err is None:
            good += 1
        elif first[0] == PASSED:
            mistake = parse_mistake(str(err)) or WRONG
            outcome = NOT_ATTEMPTED if mistake == "not attempted" else mistake
            first = (outcome, f"CheckError: {err}")
    return good, len(args), first[0], first[1]


def judge_cell(gid: str, plan: OwnPlan | AssertPlan, records: list, reply: dict | None,
               trusted: Trusted, missing: Any, notes: list[str]
               ) -> tuple[str, str, bool, float]:
    """``(outcome, message, tampered, share of the points)`` of an own test cell."""
    if isinstance(plan, AssertPlan):
        notes.append(f"test cell '{gid}' (plain asserts) was judged inside the learner's kernel")
        if reply is None or reply.get("status") == "ok":
            return (PASSED, "", False, 1.0) if reply else (*missing(plan, reply), False, 0.0)
        ename = str(reply.get("ename") or "")
        if ename == "NotImplementedError":
            return NOT_ATTEMPTED, "NotImplementedError", False, 0.0
        text = f"{ename}: {str(reply.get('evalue', ''))[:300]}".rstrip(": ")
        return (WRONG if ename == "AssertionError" else raised(ename)), text, False, 0.0
    by_id: dict[str, list] = {}
    for raw in records:
        rid = raw.get("id") if isinstance(raw, dict) else None
        by_id.setdefault(rid if isinstance(rid, str) else "?", []).append(raw)
    if set(by_id) - {c.id for c in plan.calls}:
        notes.append(f"test cell '{gid}': probe record(s) with an unknown id ignored")
        return "rejected", "unknown probe records", True, 0.0
    good = total = 0
    outcome, message = PASSED, ""
    for call in plan.calls:
        raws = by_id.get(call.id, [])
        if len(raws) != 1:
            if raws:
                notes.append(f"test cell '{gid}': {len(raws)} records for {call.text()}")
                return "rejected", f"{len(raws)} records for {call.text()}", True, 0.0
            return (*missing(call, reply), False, 0.0)
        try:
            g, n, out, msg = judge_call(call, raws[0], trusted)
        except RecordError as err:
            notes.append(f"test cell '{gid}': the probe record for {call.text()} was rejected "
                         f"({str(err)[:200]}); the part scores 0")
            return "rejected", f"record rejected: {str(err)[:200]}", True, 0.0
        good, total = good + g, total + n
        if outcome == PASSED and out != PASSED:
            outcome, message = out, msg
    if outcome == PASSED:
        return PASSED, "", False, 1.0
    share = good / total if plan.partial and total else 0.0
    if plan.partial:
        message = f"{message} ({good} of {total} cases passed: {share:.0%} of the points)"
    return outcome, message, False, share
