r"""Drive a notebook in JupyterLab 4 the way a learner does, with Playwright.

`Notebook` opens a notebook in a page, waits for its kernel, clears the saved outputs
(Edit → Clear Outputs of All Cells, so saved outputs cannot pass for fresh ones), runs it
(Run → Run All Cells), waits until every code cell has run, and reads what the learner sees:
prompts, error outputs, printed text, and which cell holds a widget (see ``lab_widgets``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:  # playwright is imported by the fixtures only, so collection never needs it
    from lab_server import LabServer
    from playwright.sync_api import Locator, Page

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ERROR_MIME = "application/vnd.jupyter.stderr"

# In the page: the state of every code cell of the visible notebook.
_CELLS_JS = """(panel) => [...document.querySelectorAll(panel + ' .jp-Notebook .jp-CodeCell')]
  .map((cell) => ({
    prompt: (cell.querySelector('.jp-InputArea-prompt')?.textContent || '').trim(),
    errors: [...cell.querySelectorAll(
        ':scope > .jp-Cell-outputWrapper .jp-OutputArea-output[data-mime-type="%s"]')]
      .map((e) => e.textContent),
    widgetErrors: [...cell.querySelectorAll('.jp-OutputArea-output')]
      .filter((e) => (e.textContent || '').includes('Error displaying widget')).length,
  }))""" % ERROR_MIME


@dataclass(frozen=True)
class CodeCell:
    r"""A code cell of the notebook file: its position among code cells, source, tags."""

    index: int
    source: str
    tags: tuple[str, ...]

    @property
    def runs(self) -> bool:
        r"""Whether JupyterLab sends it to the kernel (it skips blank cells)."""
        return bool(self.source.strip())

    @property
    def may_raise(self) -> bool:
        r"""Whether an error output is expected (the ``raises-exception`` tag)."""
        return "raises-exception" in self.tags


def code_cells(path: Path) -> list[CodeCell]:
    r"""Return the code cells of the notebook at ``path`` (read with nbformat)."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    return [
        CodeCell(i, c.source, tuple(c.get("metadata", {}).get("tags", [])))
        for i, c in enumerate(cells)
    ]


class Notebook:
    r"""One notebook open in JupyterLab.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A fresh page of the browser.
    server : LabServer
        The running server; ``path`` is relative to its root directory.
    path : str
        The notebook's path relative to the server root, with forward slashes.
    """

    def __init__(self, page: Page, server: LabServer, path: str) -> None:
        self.page = page
        self.server = server
        self.path = path
        self.cells = code_cells(server.root_dir / path)

    # -- opening and running -------------------------------------------------------------
    def open(self, timeout: float = 90.0) -> Notebook:
        r"""Load the notebook page and wait until its kernel is connected and idle."""
        self.page.goto(self.server.url(self.path), wait_until="domcontentloaded")
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell", timeout=timeout * 1000)
        self.wait_kernel_idle(timeout)
        # The toolbar's indicator says "idle" before a kernel exists: check the REST state
        # (above) and the status bar's "<kernel name> | Idle" (set once the page connects).
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')].some("
            "(e) => / \\| Idle$/.test(e.textContent) && !e.textContent.startsWith('No Kernel'))",
            timeout=timeout * 1000,
        )
        return self

    def session_kernel(self) -> dict | None:
        r"""Return the REST record of this notebook's kernel, or None while there is none."""
        for session in self.server.api("sessions"):
            if session.get("path") == self.path and session.get("kernel"):
                return session["kernel"]
        return None

    def wait_kernel_idle(self, timeout: float = 60.0) -> None:
        r"""Wait until the notebook's kernel exists, is idle and the page is connected to it.

        A dialog (e.g. "Select Kernel" when the notebook names a kernel that does not exist)
        fails at once with its text.
        """
        deadline = time.monotonic() + timeout
        kernel = None
        dialogs = self.page.locator(".jp-Dialog")
        while time.monotonic() < deadline:
            kernel = self.session_kernel()
            if kernel and kernel["execution_state"] == "idle" and kernel["connections"] > 0:
                return
            if dialogs.count():
                raise AssertionError(f"{self.path}: a dialog opened: {dialogs.first.inner_text()}")
            time.sleep(0.2)
        raise TimeoutError(f"{self.path}: kernel not idle after {timeout} s: {kernel}")

    def menu(self, menu: str, item: str) -> None:
        r"""Click a menu-bar menu, then one of its items (both by their visible label)."""
        self.page.get_by_role("menuitem", name=menu, exact=True).click()
        self.page.locator(".lm-Menu-content").get_by_role(
            "menuitem", name=re.compile(rf"^{re.escape(item)}\b")
        ).first.click()

    def run_all(self, timeout: float = 120.0) -> float:
        r"""Clear all outputs, Run All Cells, wait until every cell ran; return seconds taken."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function(
            "(panel) => [...document.querySelectorAll(panel + ' .jp-Notebook .jp-CodeCell"
            " .jp-InputArea-prompt')].every((p) => !/\\d/.test(p.textContent))",
            arg=PANEL,
        )
        start = time.monotonic()
        self.menu("Run", "Run All Cells")
        expected = [c.index for c in self.cells if c.runs]
        self.page.wait_for_function(
            f"""(panel) => {{
                const cells = ({_CELLS_JS})(panel);
                if (cells.some((c) => c.prompt.includes('*'))) return false;
                const numbered = {expected!r}.every((i) => /\\[\\d+\\]/.test(cells[i]?.prompt));
                return numbered || cells.some((c) => c.errors.length > 0);
            }}""",
            arg=PANEL,
            timeout=timeout * 1000,
            polling=250,
        )
        self.wait_kernel_idle(timeout)
        return time.monotonic() - start

    def cell_states(self) -> list[dict]:
        r"""Return prompt, error texts and widget-error count of every code cell in the page."""
        return self.page.evaluate(_CELLS_JS, PANEL)

    def problems(self) -> list[str]:
        r"""Return a description of every cell that did not run or shows an unexpected error."""
        states = self.cell_states()
        if len(states) != len(self.cells):
            return [f"page shows {len(states)} code cells, the file has {len(self.cells)}"]
        found = []
        for cell, state in zip(self.cells, states, strict=True):
            where = f"code cell {cell.index} ({cell.source.strip()[:40]!r})"
            if cell.runs and not re.fullmatch(r"\[\d+\]:", state["prompt"]):
                found.append(f"{where} did not run: prompt {state['prompt']!r}")
            if state["errors"] and not cell.may_raise:
                found.append(f"{where} error output:\n" + "\n".join(state["errors"])[-1500:])
            if state["widgetErrors"]:
                found.append(f"{where} shows 'Error displaying widget'")
        return found

    # -- reading cells ---------------------------------------------------------------------
    def code_cell(self, index: int) -> Locator:
        r"""Return the locator of the code cell number ``index`` (0-based, code cells only)."""
        return self.page.locator(f"{PANEL} .jp-Notebook .jp-CodeCell").nth(index)

    def cell_text(self, index: int) -> str:
        r"""Return the text of every output of code cell ``index``."""
        outputs = self.code_cell(index).locator(".jp-OutputArea-output")
        return "\n".join(outputs.all_inner_texts())

    def widget_cell(self, *slider_labels: str, timeout: float = 30.0) -> Locator:
        r"""Return the one code cell whose output holds sliders with all these descriptions.

        Waits (up to ``timeout`` seconds) for the widget's views and its figure to render.
        """
        cells = self.page.locator(f"{PANEL} .jp-Notebook .jp-CodeCell")
        for label in slider_labels:
            cells = cells.filter(
                has=self.page.locator(".widget-slider > label.widget-label").get_by_text(
                    label, exact=True
                )
            )
        deadline = time.monotonic() + timeout
        while cells.count() == 0 and time.monotonic() < deadline:
            time.sleep(0.25)
        if cells.count() != 1:
            raise AssertionError(
                f"{self.path}: expected one cell with sliders described {slider_labels}, "
                f"found {cells.count()}; slider labels in the page: {self.slider_labels()}"
            )
        cells.first.locator(".widget-output img").first.wait_for(timeout=timeout * 1000)
        return cells.first

    def slider_labels(self) -> list[str]:
        r"""Return the description labels of every slider in the notebook."""
        return self.page.locator(f"{PANEL} .widget-slider > label.widget-label").all_inner_texts()
