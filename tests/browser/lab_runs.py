r"""One Run All Cells of a course notebook, shared by every browser test that checks it.

Several tests look at the same notebook after Run All Cells (its outputs' accessibility, its
widget's sliders, its environment check). :class:`NotebookRuns` (fixture ``notebook_runs`` of
``conftest.py``) runs each notebook once for all of them: the tests marked ``@on_notebook(name)``
run one after the other (``conftest.pytest_collection_modifyitems``) and, with pytest-xdist's
``--dist loadgroup``, on the same worker. Right after Run All, before any test moves a control,
it records what each of them asserts on: the duration, the cells' problems, the server's writes
and the accessibility audit of the outputs (:func:`lab_audit.audit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lab_page import Notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def on_notebook(name: str) -> pytest.MarkDecorator:
    r"""Mark a test that uses the shared Run All of ``notebooks/name`` (fixture
    ``notebook_runs``): pytest-xdist's ``--dist loadgroup`` sends all such tests of one notebook
    to one worker, and :func:`pytest_collection_modifyitems` runs them one after the other."""
    return pytest.mark.xdist_group(name=f"notebook-{name}")


def notebook_group(item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    name = marker and (marker.kwargs.get("name") or (marker.args or [None])[0])
    return name if isinstance(name, str) and name.startswith("notebook-") else None


def new_page(browser, errors: list[str]):
    r"""A fresh browser context's page whose console errors are appended to ``errors``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    return page


def print_errors(errors: list[str]) -> None:
    if errors:
        print("\n".join(["browser console errors:", *errors[-20:]]))


@dataclass
class NotebookRun:
    r"""One Run All Cells of a course notebook in a fresh page, and what was seen right after.

    ``seconds``: Run All's duration; ``problems``: :meth:`lab_page.Notebook.problems` right
    after it; ``writes``: files the server wrote from opening to the audit; ``audit``: the
    :func:`lab_audit.audit` of the outputs before any control moved (None and ``audit_error``
    set when it raised; only run when there were no problems).
    """

    name: str
    notebook: Notebook
    seconds: float
    problems: list[str]
    writes: list[str]
    errors: list[str] = field(default_factory=list)
    audit: dict | None = None
    audit_error: BaseException | None = None


class NotebookRuns:
    r"""Run each course notebook once for all the tests that check it (``@on_notebook``).

    Holds the page of the last notebook run; a request for another notebook, or any test using
    the plain ``page`` fixture, closes it and shuts down its kernels first.
    """

    TIMEOUT = 240.0   # Run All's limit; a test may demand less of ``seconds``

    def __init__(self, browser, lab_server) -> None:
        self.browser, self.lab_server = browser, lab_server
        self.current: NotebookRun | None = None
        self.context = None
        self.runs = 0

    def get(self, name: str) -> NotebookRun:
        r"""The run of ``notebooks/name``: the current one, or a new Run All Cells."""
        from lab_audit import audit
        from lab_page import Notebook

        if self.current is not None and self.current.name == name:
            return self.current
        self.close()
        path = NOTEBOOKS / name
        assert path.exists(), f"{path} is missing (written by the course-notebooks issue)"
        mark = self.lab_server.log_size()
        errors: list[str] = []
        page = new_page(self.browser, errors)
        self.context = page.context
        notebook = Notebook(page, self.lab_server, f"notebooks/{name}").open()
        seconds = notebook.run_all(timeout=self.TIMEOUT)
        self.runs += 1
        print(f"{name}: Run All Cells took {seconds:.1f} s (Run All #{self.runs} here)")
        run = NotebookRun(name, notebook, seconds, notebook.problems(), [], errors)
        if not run.problems:
            try:
                run.audit = audit(notebook)
            except Exception as exc:   # re-raised by the accessibility test alone
                run.audit_error = exc
        run.writes = self.lab_server.writes(mark)
        self.current = run
        return run

    def close(self) -> None:
        r"""Close the current notebook's page and shut down every kernel of the server."""
        if self.context is not None:
            self.context.close()
            self.lab_server.shutdown_kernels()
        self.context = self.current = None


