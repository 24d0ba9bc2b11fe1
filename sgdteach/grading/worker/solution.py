r"""The instructor's solution, run where it is trusted: :class:`Trusted` executes the SOURCE
notebook (every code cell but the test cells) in the grading worker's own process, outside the
sandbox — never the submission — to compute what each ``compare_with_solution`` call of an own
test cell compares with (:mod:`sgdteach.grading.worker.own`), and the exercise text ``release``
writes (the visible calls with ``expected=[...]``). Why not a second kernel: see
:mod:`~sgdteach.grading.worker.own`.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import os
from dataclasses import dataclass, field
from typing import Any

from ...checking import own
from ..markup import MarkupError, grade_id, learner_source, role
from .own import OwnCall, OwnPlan, plan_own
from .probes import _Sink


class SolutionError(MarkupError):
    """The solution notebook failed while computing the values of its own test cells."""


@dataclass
class Trusted:
    """The instructor's source notebook, run (lazily, once) without its test cells."""

    source: Any
    _space: dict | None = field(default=None, repr=False)

    def space(self) -> dict:
        if self._space is None:
            os.environ.setdefault("MPLBACKEND", "Agg")
            space: dict = {"__name__": "__sgdteach_solution__"}
            with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()):
                for index, cell in enumerate(self.source.cells):
                    if cell.get("cell_type") == "code" and role(cell) != "test":
                        try:
                            exec(compile(cell.get("source", ""), "<solution>", "exec"), space)
                        except Exception as exc:
                            raise SolutionError(
                                f"solution notebook, cell {index}: raised {type(exc).__name__}: "
                                f"{exc} while it was run (without its test cells) to compute "
                                f"what {own.NAME} compares with. Make the notebook run top to "
                                "bottom in plain Python (no IPython magics).") from exc
            self._space = space
        return self._space

    def expected(self, call: OwnCall) -> tuple[list[tuple], list, list]:
        """The cases, the solution's value on each, and the wrong variants' values on each
        (``(mistake, value, fix)`` per case)."""
        space = self.space()
        solution = space.get(call.function)
        if not callable(solution):
            raise SolutionError(f"{own.NAME}: '{call.function}' must be a function the solution "
                             f"notebook defines; got {solution!r}. Define it in an answer cell.")
        args = own.cases(own.literal(call.inputs))
        try:
            wants = [own.as_expected(solution(*copy.deepcopy(a))) for a in args]
            wrong = own.variants(eval(call.wrong, space) if call.wrong else None)
        except Exception as exc:
            raise SolutionError(f"{own.NAME}: the solution '{call.function}' (or wrong=) must "
                                "return a number or an array on every input; got "
                                f"{type(exc).__name__}: {exc}. Fix the solution or the inputs."
                                ) from exc
        named = [[(m, own.run_variant(w, a), fix) for m, w, fix in wrong] for a in args]
        return args, wants, named

    def released(self, plans: dict) -> dict[str, str]:
        """The exercise text of each own test cell: its visible calls with ``expected=[...]``."""
        out: dict[str, str] = {}
        for cell in self.source.cells:
            gid = grade_id(cell)
            if role(cell) != "test" or not isinstance(plans.get(gid), OwnPlan):
                continue
            text = learner_source(cell)
            edits = []
            tree = ast.parse(text)
            for node in tree.body:
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                    plan = plan_own(ast.Module([node], []), text, "x", _raise, {})
                    assert isinstance(plan, OwnPlan)
                    wants = self.expected(plan.calls[0])[1]
                    edits.append((node.value.end_lineno or 0, node.value.end_col_offset or 0,
                                  wants))
            lines = text.split("\n")
            for line, col, wants in sorted(edits, reverse=True):
                row = lines[line - 1]
                lines[line - 1] = row[:col - 1] + f", expected={wants!r}" + row[col - 1:]
            out[str(gid)] = "\n".join(lines)
        return out


def _raise(node: Any, why: str) -> ValueError:
    return ValueError(why)
