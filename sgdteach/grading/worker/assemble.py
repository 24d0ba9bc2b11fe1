r"""Build the notebook that is actually run for a submission, and note any tampering.

Cells are matched to the source by ``grade_id``, never by position:

* **test and locked cells** always come from the source (hidden tests included), whatever the
  submission holds; a test or locked *code* cell the learner edited, deleted or duplicated marks
  the submission as tampered (the score is unaffected: the original runs). Tampering means the
  learner changed what they were given: a cell equal to the released version, to the source's
  own, or to the digest the learner's release stamped (the instructor changed it since) is not an
  edit, and a cell their release did not have is not a deletion (an earlier release: noted).
  A notebook from before release stamps may lack locked cells (noted), not test cells;
* **answer cells** come from the submission (a deleted one is simply missing);
* **free cells** the learner added stay, anchored after the graded or locked cell they follow.

The run follows the source's order of graded cells, so a moved test cell still runs after its
answer. At grading time :func:`sgdteach.grading.worker.judging.prepare` then puts each test cell's
probe
cell in its place (the indices in :attr:`Assembled.tests` stay valid).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..markup import grade_id, learner_source, meta, normal, read_stamp, released_digest, role


@dataclass
class Assembled:
    """The notebook to run, where its test cells are, and what was found along the way."""

    nb: Any
    tests: dict[str, int]                       # grade_id -> index of the test cell in nb.cells
    answers: dict[str, int]                     # grade_id -> index of the answer cell
    notes: list[str] = field(default_factory=list)
    tampered: bool = False


def _fresh(cell: Any) -> Any:
    out = copy.deepcopy(cell)
    if out.get("cell_type") == "code":
        out["outputs"] = []
        out["execution_count"] = None
    return out


def assemble(source: Any, submission: Any, released: dict[str, str] | None = None
             ) -> Assembled:
    """Combine ``source`` (the solution notebook) and ``submission`` (a learner's copy);
    ``released`` gives the exercise text of test cells the release rewrote (an instructor's own
    cells, with their ``expected=`` values), also not an edit."""
    known = {gid: cell for cell in source.cells if (gid := grade_id(cell))}
    order = [gid for cell in source.cells if (gid := grade_id(cell))]
    notes: list[str] = []
    tampered = False
    found: dict[str, Any] = {}
    extras: dict[str | None, list] = {None: []}
    anchor: str | None = None
    for cell in submission.cells:
        gid = grade_id(cell)
        if gid in known:
            if gid in found:
                notes.append(f"a second cell with grade_id '{gid}' was ignored")
                tampered |= role(known[gid]) in ("test", "locked")
                continue
            found[gid] = cell
            anchor = gid
            extras.setdefault(gid, [])
            continue
        if meta(cell):
            if meta(cell).get("grade") or (gid and role(cell) == "test"):
                notes.append(f"cell claiming grade_id '{gid}' is not in the source: run as "
                             "plain code, not graded")
                tampered = True
            cell = copy.deepcopy(cell)
            cell["metadata"].pop("nbgrader", None)
        extras[anchor].append(cell)

    given = read_stamp(submission)
    earlier: list[str] = []   # locked cells the learner's release did not have
    cells = list(extras[None])
    tests: dict[str, int] = {}
    answers: dict[str, int] = {}
    for gid in order:
        original = known[gid]
        kind = role(original)
        mine = found.get(gid)
        if kind in ("test", "locked"):
            is_code = original.get("cell_type") == "code"
            if mine is None:
                if is_code and (gid not in given if given is not None else kind == "locked"):
                    earlier.append(gid)
                elif is_code:
                    notes.append(f"{kind} cell '{gid}' was deleted; the original was run")
                    tampered = True
            elif (mine.get("cell_type") != original.get("cell_type")
                  or normal(mine.get("source", "")) not in (
                      normal(learner_source(original)), normal(original.get("source", "")),
                      normal((released or {}).get(gid, original.get("source", ""))))):
                if is_code and given and released_digest(mine) == given.get(gid):
                    notes.append(f"{kind} cell '{gid}' changed in the source since your "
                                 "release; the current one was run")
                elif is_code:
                    notes.append(f"{kind} cell '{gid}' was edited; the original was run")
                    tampered = True
            if kind == "test":
                tests[gid] = len(cells)
            cells.append(_fresh(original))
        elif mine is not None:
            cell = _fresh(mine)
            cell["metadata"]["nbgrader"] = copy.deepcopy(meta(original))
            if kind == "answer":
                answers[gid] = len(cells)
            cells.append(cell)
        elif kind in ("answer", "manual"):
            notes.append(f"answer cell '{gid}' is missing from the submission")
        cells.extend(extras.get(gid, []))
    if earlier:
        notes.append("your notebook is from an earlier release of this exercise: it lacks the "
                     f"cell(s) {', '.join(repr(g) for g in earlier)}, run from the current one")
    nb = copy.deepcopy(source)
    nb.cells = cells
    return Assembled(nb=nb, tests=tests, answers=answers, notes=notes, tampered=tampered)
