"""Hostile submissions for the grader's red-team tests: the solution of exercise 1 with attack
code appended to its answer cells (shared by test_redteam_sandbox.py and test_redteam_bounds.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat

from sgdteach.grading.markup import grade_id

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "01_gradient.ipynb"


def cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def solution():
    return nbformat.read(ROOT / "solutions" / SOURCE, as_version=4)


def attack(code: str, then: str = ""):
    """The solution with ``code`` appended to its first answer cell (``then`` to its second)."""
    nb = solution()
    cell(nb, "ex1_cost").source += "\n" + code
    if then:
        cell(nb, "ex1_gradient").source += "\n" + then
    return nb
