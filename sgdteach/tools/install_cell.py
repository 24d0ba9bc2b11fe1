r"""The install cell: the first code cell of every notebook, solution and exercise.

``python -m sgdteach install-cell FILE.ipynb...`` writes it (or brings it up to date) from one
place, ``sgdteach.__version__``. On Colab or any kernel without sgdteach it installs the released
package pinned to the version the notebook was written for, as d2l and fastbook do; where sgdteach
is installed (``make lab``, Binder, nbval, the grader) it does nothing (:data:`CELL`). When pip
fails (no such release on the index, no network) the learner reads one message, pip's last error
line and what to do, with no traceback, and Run All stops there.

In a notebook with nbgrader markup (a solution) the cell is a locked nbgrader cell, so the
release (``python -m sgdteach release``) keeps it read-only in the exercise and the grader runs the
original, whatever a submission holds. ``--check`` writes nothing and exits 1 when a file is stale.
"""

from __future__ import annotations

import argparse
import os
import sys
from string import Template
from typing import Any

MARKER = "# Colab / a bare kernel: install the course package when it is missing."
CELL_ID = "install-sgdteach"
NBGRADER = {"grade": False, "grade_id": "install_sgdteach", "locked": True, "schema_version": 3,
            "solution": False}


# The cell as a learner reads it; ``$version`` is the one placeholder.
CELL = Template(MARKER + """
try:
    import sgdteach
except ImportError:
    import importlib, subprocess, sys
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-color",
                          "sgdteach==$version"], capture_output=True, text=True)
    if pip.returncode != 0:
        class InstallFailed(Exception):
            def _render_traceback_(self):  # Jupyter shows this, not a traceback
                return [f"InstallFailed: {self}"]
        errors = [line for line in pip.stderr.splitlines() if line.startswith("ERROR")]
        why = (errors or pip.stderr.splitlines() or ["pip failed"])[-1].removeprefix("ERROR: ")
        raise InstallFailed(
            f"pip could not install sgdteach==$version: {why}\\n"
            "What to do: open the course on Binder, or run `make lab` in a clone of its "
            "repository (see its README); or upload the wheel your instructor gives you and "
            "run %pip install sgdteach-$version-py3-none-any.whl here, then run this cell again.")
    importlib.invalidate_caches()
    import sgdteach""")


def cell_source(version: str | None = None) -> str:
    """The install cell's source for sgdteach ``version`` (default: this one's).

    Plain Python (no ``%pip``: IPython's magic runs pip through ``shell.system``, which never
    raises, so a failed install went on to an ``ImportError`` traceback under pip's own output).
    pip runs with its output captured; when it fails, the cell raises one exception whose
    ``_render_traceback_`` (the protocol of ``sgdteach.checking``'s messages) is the whole
    message: pip's last error line and the two ways out. Run All stops there.
    """
    if version is None:
        from .. import __version__ as version
    return CELL.substitute(version=version)


def _has_nbgrader_markup(nb: Any) -> bool:
    return any("nbgrader" in cell.get("metadata", {}) for cell in nb.cells)


def install_cell_index(nb: Any) -> int | None:
    """Index of the notebook's install cell (its first code cell, when it starts with
    :data:`MARKER`), else ``None``."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            return index if cell.source.startswith(MARKER) else None
    return None


def apply(nb: Any, version: str | None = None) -> bool:
    """Make the first code cell of ``nb`` the install cell, in place; return whether it changed.

    An existing install cell is updated (its id and outputs kept); otherwise a new cell goes just
    before the first code cell (at the end of a notebook without code). Nothing else changes.
    """
    from nbformat.v4 import new_code_cell

    source = cell_source(version)
    index = install_cell_index(nb)
    inserted = index is None
    if index is None:
        cell = new_code_cell(source)
        ids = {c.get("id") for c in nb.cells}
        if CELL_ID not in ids:
            cell.id = CELL_ID
        first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"),
                          len(nb.cells))
        nb.cells.insert(first_code, cell)
        index = first_code
    cell = nb.cells[index]
    before = (cell.source, dict(cell.metadata))
    cell.source = source
    if _has_nbgrader_markup(nb):
        cell.metadata["nbgrader"] = dict(NBGRADER)
    return inserted or (cell.source, dict(cell.metadata)) != before


def update_file(path: str | os.PathLike, *, check: bool = False) -> bool:
    """Apply :func:`apply` to the notebook at ``path``; return whether it was (or would be)
    changed. The file is rewritten atomically, and only when its text changes."""
    import nbformat

    from .nbexec import save_atomic

    nb = nbformat.read(path, as_version=4)
    apply(nb)
    text = nbformat.writes(nb)
    text = text if text.endswith("\n") else text + "\n"
    with open(path, encoding="utf-8") as f:
        changed = f.read() != text
    if changed and not check:
        save_atomic(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sgdteach install-cell",
        description="Write or update the install cell (pip install sgdteach==VERSION when the "
                    "import fails) as the first code cell of each notebook. Run it on notebooks/ "
                    "and solutions/, then regenerate exercises/ with `release`.")
    parser.add_argument("notebooks", nargs="+", help="the .ipynb files to update")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook's install cell is stale")
    args = parser.parse_args(argv)
    stale = []
    for name in args.notebooks:
        if not name.endswith(".ipynb") or not os.path.isfile(name):
            print(f"install-cell: {name!r} is not a notebook file (.ipynb); check the path.",
                  file=sys.stderr)
            return 2
        if update_file(name, check=args.check):
            stale.append(name)
            print(f"{'stale' if args.check else 'updated'} {name}")
    if args.check and stale:
        print("install cells are out of date: run `python -m sgdteach install-cell` on them",
              file=sys.stderr)
        return 1
    if not stale:
        print(f"install cell up to date in {len(args.notebooks)} notebooks")
    return 0
