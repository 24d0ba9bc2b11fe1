r"""The grader side of the checks: what each test cell checks (read from the trusted source), the
probe cells that replace the test cells at grading time, and the judging of their records.

* :func:`plan` parses every test cell of the source with :mod:`ast` (hidden tests included) into
  check calls ``check_xxx(<answer function>, seed=<int>)``; anything else in a test cell is a
  :class:`ProbePlanError` naming the cell (imports of the checks are allowed). An instructor's
  own test cell (``compare_with_solution`` calls, or plain asserts) is planned, probed and
  judged by :mod:`sgdteach.grading.worker.own`, with the solution from the trusted source
  (:class:`~sgdteach.grading.worker.solution.Trusted`); ``partial=True`` scores a share.
* :func:`prepare` replaces each test cell of the assembled notebook by its probe cell
  (:mod:`sgdteach.grading.worker.probes`).
* :func:`score` reads the records in each test cell's *own* outputs, refuses oversize or
  malformed ones, judges each call in this process (inputs and references rebuilt here) and
  scores the cell: points when every call passed. The cell's execute reply never awards points;
  it only words a missing record (``timed out`` or ``not run``). Two records for one call, a
  record that does not parse, or a probe record outside its test cell mark the submission as
  tampered, and that part scores 0.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any, cast

from ...checking._core import CheckError, RecordError, parse_mistake
from ...checking.registry import CHECKS
from ..contract import Result
from ..markup import MarkupError, grade_id, hidden_lines, role
from ..outcomes import (
    NOT_ATTEMPTED,
    NOT_RUN,
    OUTPUT_LIMIT,
    PASSED,
    REJECTED,
    TIMED_OUT,
    TIMEOUT_ENAME,
    WRONG,
    raised,
)
from . import own
from .hidden import redrawn
from .probes import FORMAT, MAX_PROBE_BYTES, MIME
from .scan import flags
from .solution import Trusted
from .view import hidden, substitute_sources

CHECK_MODULES = ("sgdteach.checking",)


class ProbePlanError(MarkupError):
    """A source test cell holds something the grader cannot turn into probes."""


@dataclass(frozen=True)
class ProbeCall:
    """One check call of a test cell: ``check(function, seed=seed)``, recorded under ``id``."""

    id: str
    check: str
    function: str
    seed: int
    hidden: bool = False    # written between BEGIN and END HIDDEN TESTS (see .hidden)

    def text(self) -> str:
        return f"{self.check}({self.function}, seed={self.seed})"


Plan = list[ProbeCall] | own.OwnPlan | own.AssertPlan


def plan_cell(source: str, gid: str, where: str = "source") -> Plan:
    r"""The check calls of one test cell, or :class:`ProbePlanError`.

    >>> [c.text() for c in plan_cell("check_sgd(sgd)\ncheck_sgd(sgd, seed=4)", "q")]
    ['check_sgd(sgd, seed=0)', 'check_sgd(sgd, seed=4)']
    """
    def refuse(node: ast.AST | None, why: str) -> ProbePlanError:
        line = f" line {node.lineno}:" if node is not None and hasattr(node, "lineno") else ""
        code = ast.get_source_segment(source, node) if node is not None else None
        shown = f" `{code.splitlines()[0][:80]}`" if code else ""
        return ProbePlanError(
            f"{where}, test cell '{gid}':{line}{shown} {why}. A test cell may only import the "
            "checks and call them, e.g. check_sgd(sgd) or check_sgd(sgd, seed=404) (a hidden "
            "test: another seed), or be an instructor's own test: compare_with_solution(fn, "
            "inputs=[...]) calls, or plain asserts (see the README's 'Writing your own "
            "exercise').")

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise refuse(None, f"is not valid Python ({exc.msg}, line {exc.lineno})") from None
    if own.is_own(tree, CHECKS):
        return own.plan_own(tree, source, gid, refuse, CHECKS)
    calls: list[ProbeCall] = []
    hidden = hidden_lines(source)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in CHECK_MODULES and not node.level:
            bad = [a.name for a in node.names if a.name not in CHECKS or a.asname]
            if bad:
                raise refuse(node, f"imports {bad}, which are not checks (or renames them)")
            continue
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in CHECKS):
            raise refuse(node, "is not a check call")
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Name):
            raise refuse(node, "must pass the answer function by its name, alone")
        seed = 0
        for kw in call.keywords:
            if kw.arg != "seed" or not (isinstance(kw.value, ast.Constant)
                                        and type(kw.value.value) is int):
                raise refuse(node, "may only add seed=<an integer>")
            seed = kw.value.value
        calls.append(ProbeCall(f"{gid}/{len(calls)}", call.func.id, call.args[0].id, seed,
                               node.lineno in hidden))
    if not calls:
        raise refuse(None, "calls no check")
    return calls


def plan(nb: Any, where: str = "source") -> dict[str, Plan]:
    """Every test cell's check calls, by grade_id (``markup.validate`` gives every test cell
    one)."""
    return {cast(str, grade_id(c)): plan_cell(c.get("source", ""), cast(str, grade_id(c)), where)
            for c in nb.cells if role(c) == "test"}


def probe_source(calls: list[ProbeCall]) -> str:
    """The code of the probe cell that stands in for a test cell (a check with substitutes gets
    their source: they are hidden in the grading view, :mod:`~sgdteach.grading.worker.view`)."""
    lines = ["# sgdteach grader: this cell only records what your functions return",
             "from sgdteach.grading.worker.probes import probe as _sgdteach_probe", ""]
    for c in calls:
        subs = substitute_sources(CHECKS[c.check], hidden(CHECKS.values()))
        lines.append(f"_sgdteach_probe(globals(), {c.id!r}, {c.check!r}, {c.function!r}, "
                     f"{c.seed}" + (f", {subs!r})" if subs else ")"))
    return "\n".join(lines)


def checks_of(plans: dict[str, Plan]) -> dict[str, list[ProbeCall]]:
    """The test cells that call the package's checks (an instructor's own cells left out)."""
    return {gid: p for gid, p in plans.items() if isinstance(p, list)}


def check_order(plans: dict[str, Plan]) -> None:
    """A substitute's source reaches the kernel with the probe of the later part: every call of
    a check implementing it must come before (else :class:`ProbePlanError`)."""
    seen: list[ProbeCall] = []
    lists = checks_of(plans)
    for gid, calls in lists.items():
        for call in calls:
            for _, fn in CHECKS[call.check].substitutes:
                late = [c for other in lists.values() for c in other
                        if c not in seen and c is not call and fn in CHECKS[c.check].implements]
                if late:
                    raise ProbePlanError(
                        f"source, test cell '{gid}': {call.text()} must come after every call "
                        f"of {late[0].check} ({late[0].text()} comes later). Put the earlier "
                        "part's test cells first.")
            seen.append(call)


def prepare(source: Any, built: Any, hidden_key: str = "") -> dict[str, Plan]:
    """Plan the source's test cells (hidden seeds drawn from ``hidden_key``, see
    :mod:`~sgdteach.grading.worker.hidden`) and put the probe cells in place of them in
    ``built.nb``."""
    plans: dict[str, Plan] = {**plan(source)}
    plans.update(redrawn(checks_of(plans), hidden_key))
    check_order(plans)
    for gid, index in built.tests.items():
        p = plans[gid]
        built.nb.cells[index]["source"] = probe_source(p) if isinstance(p, list) else \
            own.probe_source(p)
    return plans


def _records(outputs: list) -> list[Any]:
    return [out["data"][MIME] for out in outputs or []
            if isinstance(out, dict) and isinstance(out.get("data"), dict) and MIME in out["data"]]


def _size(value: Any) -> int:
    try:
        return len(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return MAX_PROBE_BYTES + 1


def judge_call(call: ProbeCall, raw: Any) -> tuple[str, str]:
    """``(outcome, message)`` of one check call's record; :class:`RecordError` when the record
    is oversize or malformed."""
    if _size(raw) > MAX_PROBE_BYTES:
        raise RecordError(f"larger than {MAX_PROBE_BYTES} bytes")
    if not (isinstance(raw, dict) and set(raw) == {"format", "id", "check", "result"}
            and raw["format"] == FORMAT and raw["check"] == call.check
            and isinstance(raw["result"], dict)):
        raise RecordError("not a record of this check")
    result = raw["result"]
    if set(result) == {"missing"} and isinstance(result["missing"], str):
        return raised("NameError"), f"NameError: {result['missing'][:200]}"
    check = CHECKS[call.check]
    try:
        check.verdict(result, call.seed)
    except CheckError as err:
        return parse_mistake(str(err)) or WRONG, f"CheckError: {err}"
    except NotImplementedError as err:
        return NOT_ATTEMPTED, f"NotImplementedError: {err}".rstrip(": ")
    except RecordError:
        raise
    except TypeError as err:
        if str(err).startswith(f"{check.name}: '{check.arg}' must be"):
            return raised("TypeError"), f"TypeError: {err}"
        raise RecordError(f"the judge could not read it ({err})") from err
    except Exception as err:  # a record the schema let through but the judge cannot use
        raise RecordError(f"the judge could not read it ({type(err).__name__}: {err})") from err
    return PASSED, ""


def _missing(call: ProbeCall, reply: dict | None) -> tuple[str, str]:
    text = f"no probe record for {call.text()}"
    if reply is None:
        return NOT_RUN, f"{text}: the cell did not run"
    if reply.get("ename") == TIMEOUT_ENAME:
        return TIMED_OUT, f"{text}: the cell ran past the time limit"
    if reply.get("limit"):
        return OUTPUT_LIMIT, f"{text}: output limit ({reply['limit']})"
    if reply.get("status") != "ok":
        return NOT_RUN, f"{text}: the cell stopped with {reply.get('ename') or 'an error'}"
    return NOT_RUN, text


def judge_cell(gid: str, calls: list[ProbeCall], outputs: list, reply: dict | None,
               notes: list[str]) -> tuple[str, str, bool]:
    """``(outcome, message, tampered)`` of one test cell from its own outputs."""
    found: dict[str, list] = {}
    tampered = False
    known = {c.id for c in calls}
    unknown = 0
    for raw in _records(outputs):
        rid = raw.get("id") if isinstance(raw, dict) else None
        if rid in known:
            found.setdefault(rid, []).append(raw)
        else:
            unknown += 1
    if unknown:
        tampered = True
        notes.append(f"test cell '{gid}': {unknown} probe record(s) with an unknown id ignored")
    for call in calls:
        raws = found.get(call.id, [])
        if len(raws) > 1:
            notes.append(f"test cell '{gid}': {len(raws)} probe records for {call.text()}; "
                         "the part scores 0")
            return REJECTED, f"{len(raws)} records for {call.text()}", True
        if not raws:
            return (*_missing(call, reply), tampered)
        try:
            outcome, message = judge_call(call, raws[0])
        except RecordError as err:
            notes.append(f"test cell '{gid}': the probe record for {call.text()} was rejected "
                         f"({str(err)[:200]}); the part scores 0")
            return REJECTED, f"record rejected: {str(err)[:200]}", True
        if outcome != PASSED:
            return outcome, message, tampered
    return PASSED, "", tampered


def _trusted(trusted: Trusted | None) -> Trusted:
    if trusted is None:   # never the assembled notebook: it holds the learner's answers
        raise RuntimeError("score: an own test cell needs the trusted source (Trusted)")
    return trusted


def score(result: Result, built: Any, plans: dict[str, Plan],
          replies: dict[int, dict], trusted: Trusted | None = None) -> None:
    """Fill ``result``'s questions, score, notes, tampered flag and static flags."""
    tests = set(built.tests.values())
    for index, cell in enumerate(built.nb.cells):
        if index not in tests and cell.get("cell_type") == "code" and _records(
                cell.get("outputs")):
            result["tampered"] = True
            result["notes"].append(f"a probe record in cell {index + 1}, not a test cell, was "
                                   "ignored")
    for question in result["questions"]:
        gid = question["grade_id"]
        index = built.tests[gid]
        p, outputs = plans[gid], built.nb.cells[index].get("outputs")
        if isinstance(p, list):
            outcome, message, tampered = judge_cell(gid, p, outputs, replies.get(index),
                                                    result["notes"])
            share = 1.0 if outcome == PASSED else 0.0
        else:   # an instructor's own test cell
            outcome, message, tampered, share = own.judge_cell(
                gid, p, _records(outputs), replies.get(index), _trusted(trusted),
                _missing, result["notes"])
        question["outcome"], question["message"] = outcome, message
        question["points"] = question["max_points"] * share
        result["tampered"] = result["tampered"] or tampered
    lists = checks_of(plans)
    forbidden = sorted({name for calls in lists.values() for c in calls
                        for name in CHECKS[c.check].forbidden})
    checks = {CHECKS[c.check].name: CHECKS[c.check] for calls in lists.values() for c in calls}
    result["flags"] = flags(built, forbidden, hidden(checks.values())) + [
        f"{gid}: {own.KERNEL_JUDGED}" for gid, p in plans.items()
        if isinstance(p, own.AssertPlan) and gid in built.tests]
