r"""Generate the exercise notebooks from the solutions: ``python -m sgdteach release SOLUTIONS
EXERCISES`` (``make exercises``).

For every ``SOLUTIONS/*.ipynb`` (validated first, see :func:`sgdteach.grading.markup.validate`)
the exercise is the same notebook with answers replaced by ``# YOUR CODE HERE`` /
``raise NotImplementedError()``, hidden tests removed, outputs and execution counts cleared, test
and locked cells made read-only and nbgrader cells undeletable (as nbgrader's ``LockCells``), and
the notebook stamped with a digest of each test and locked cell as released
(:func:`~sgdteach.grading.markup.stamp`): the grader tells what a learner changed from what the
instructor changed since. Every test cell needs a title for the feedback
(:func:`~sgdteach.grading.markup.titles`: a Markdown heading above it, or its metadata
``sgdteach.title``); a solution with an untitled test cell is refused.
Notebooks are written atomically, byte-for-byte reproducible; an exercise whose solution is gone is
deleted (a notebook the release did not write is left alone). ``--check`` writes nothing and
exits 1 when ``EXERCISES`` is stale.

Nothing a learner wrote is lost: ``EXERCISES/.release.json`` records the SHA-256 of every notebook
the release wrote, and a notebook that differs from what was last written there (someone worked in
it) is neither overwritten nor deleted — the release stops and says so (:class:`EditedExercise`),
unless ``--force``, which first keeps the edited notebook as ``NAME.edited-<n>.ipynb``.
An exercise that would still hold ``BEGIN SOLUTION`` or ``BEGIN HIDDEN TESTS`` (say, an answer
region in a locked cell, or hidden tests in an answer cell) is refused (:func:`leaks`), and
nothing is written.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
from pathlib import Path

from .._files import write_atomic
from ..tools.nbexec import VOLATILE_CELL_KEYS, VOLATILE_NOTEBOOK_KEYS
from .markup import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    STAMP,
    MarkupError,
    check_titles,
    grade_id,
    learner_source,
    role,
    stamp,
    validate,
)

MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN)


def leaks(nb) -> list[str]:
    """``"cell N: 'MARKER'"`` for each cell of ``nb`` whose text still holds a solution or
    hidden-test marker (a released exercise must hold none)."""
    return [f"cell {i}: {marker!r}" for i, c in enumerate(nb.cells)
            for marker in MARKERS if marker in c.get("source", "")]


def make_exercise(solution, name: str = "notebook"):
    """The released version of a solution notebook node (the input is left unchanged)."""
    from .worker.judging import plan
    from .worker.solution import Trusted

    validate(solution, name)
    plans = plan(solution, name)   # every test cell as the grader will read it, or refused here
    check_titles(solution, name)   # the feedback names each question by its title
    released = Trusted(solution).released(plans)   # own cells: the visible expected values
    nb = copy.deepcopy(solution)
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.source = released.get(grade_id(cell) or "", None) or learner_source(cell)
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if role(cell) in ("test", "locked"):
            cell.metadata["editable"] = False
        if role(cell) is not None:
            cell.metadata["deletable"] = False
    if found := leaks(nb):
        raise MarkupError(f"{name}: the released exercise would still hold {'; '.join(found)} "
                          "(an answer or a hidden test). Put solution regions in answer cells "
                          "and hidden tests in test cells only.")
    nb.metadata[STAMP] = stamp(nb, name.removesuffix(".ipynb"))
    return nb


def exercise_text(solution_path: str | os.PathLike) -> str:
    """The exact text of the exercise generated from ``solution_path``."""
    import nbformat

    path = Path(solution_path)
    nb = nbformat.read(path, as_version=4)
    return nbformat.writes(make_exercise(nb, path.name)) + "\n"


MANIFEST = ".release.json"


class EditedExercise(RuntimeError):
    """A notebook in the exercises folder differs from what the release last wrote there."""


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _written(dst: Path) -> dict[str, str]:
    """What the last release wrote: notebook name -> SHA-256 of its text (empty when unknown)."""
    try:
        data = json.loads((dst / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(data, dict) else {}


def _backup(path: Path) -> Path:
    """Keep ``path`` as ``NAME.edited-<n>.ipynb`` (a name not taken yet); return the new path."""
    n = 1
    while (kept := path.with_name(f"{path.stem}.edited-{n}{path.suffix}")).exists():
        n += 1
    path.rename(kept)
    return kept


def release(solutions: str | os.PathLike, exercises: str | os.PathLike, *,
            check: bool = False, force: bool = False) -> list[str]:
    """Bring ``exercises`` in line with ``solutions``; return what changed (or would change).

    Raises :class:`~sgdteach.grading.markup.MarkupError` naming the notebook and cell when a
    solution's markup is invalid, and :class:`EditedExercise` when a notebook to be replaced or
    deleted was edited since the release wrote it (unless ``force``: it is kept under a new name);
    nothing is written then.
    """
    src, dst = Path(solutions), Path(exercises)
    if not src.is_dir():
        raise FileNotFoundError(f"release: 'solutions' must be a folder of notebooks; got "
                                f"{str(src)!r}. Check the path.")
    notebooks = sorted(src.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"release: 'solutions' must contain .ipynb files; got none in "
                                f"{str(src)!r}.")
    texts = {p.name: exercise_text(p) for p in notebooks}   # all validated before any write
    written = _written(dst)
    current = {n: (dst / n).read_text(encoding="utf-8") for n in sorted({*texts, *written})
               if (dst / n).exists()}                  # what is there now, read once
    replace = [dst / n for n, t in texts.items() if n in current and current[n] != t]
    stale = [dst / n for n in current if n not in texts]
    edited = [p for p in replace + stale if _sha(current[p.name]) != written.get(p.name)]
    if edited and not check and not force:
        names = ", ".join(str(p) for p in edited)
        them = "them" if len(edited) > 1 else "it"
        raise EditedExercise(
            f"release: {names} changed since the release wrote {them} (someone worked in it); "
            "nothing was written. Copy your work elsewhere (`make lab` keeps a learner's copies "
            "in my-exercises/), or run again with --force to keep the edited notebook as "
            "NAME.edited-N.ipynb and write the new exercise.")
    changes = []
    for name, text in texts.items():
        target = dst / name
        if not target.exists() or target in replace:
            changes.append(f"{'updated' if target.exists() else 'created'} {target}")
            if not check:
                if target in edited:
                    changes.append(f"kept your edited {target} as {_backup(target)}")
                dst.mkdir(parents=True, exist_ok=True)
                write_atomic(target, text)
    for path in stale:
        changes.append(f"deleted {path} (no solution {src / path.name})")
        if not check:
            if path in edited:
                changes.append(f"kept your edited {path} as {_backup(path)}")
            else:
                path.unlink()
    manifest = json.dumps({n: _sha(t) for n, t in sorted(texts.items())}, indent=1) + "\n"
    manifest_path = dst / MANIFEST
    if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != manifest:
        if not changes:
            changes.append(f"updated {manifest_path}")
        if not check:
            dst.mkdir(parents=True, exist_ok=True)
            write_atomic(manifest_path, manifest)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sgdteach release",
        description="Generate exercise notebooks (answers stubbed, hidden tests removed, outputs "
                    "cleared) from solution notebooks with nbgrader markup.")
    parser.add_argument("solutions", help="folder of solution notebooks (the single source)")
    parser.add_argument("exercises", help="folder to write the exercise notebooks to")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the exercises are out of date")
    parser.add_argument("--force", action="store_true",
                        help="replace exercises someone edited, keeping each as "
                             "NAME.edited-N.ipynb")
    args = parser.parse_args(argv)
    try:
        changes = release(args.solutions, args.exercises, check=args.check, force=args.force)
    except (MarkupError, FileNotFoundError, EditedExercise) as exc:
        print(f"release failed: {exc}", file=sys.stderr)
        return 2
    for line in changes:
        print(("stale: " if args.check else "") + line)
    if args.check and changes:
        print("exercises are out of date: run `make exercises`", file=sys.stderr)
        return 1
    if not changes:
        print(f"{args.exercises}: up to date ({len(list(Path(args.solutions).glob('*.ipynb')))} "
              "notebooks)")
    return 0
