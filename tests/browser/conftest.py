r"""Fixtures of the browser tests: a JupyterLab server, Debian's Chromium, a page per test.

The tests run when the Python ``playwright`` package and a Chromium executable are present
(``$SGDTEACH_CHROMIUM``, else ``chromium`` on the PATH, else ``/usr/bin/chromium``) and are
skipped with the reason otherwise. Playwright never downloads a browser here: it drives the
system Chromium through ``executable_path``.

The tests of this folder share one server and one browser per pytest process (session
fixtures; under pytest-xdist each worker that runs one of them starts its own pair, on its
own port); each test gets a fresh browser context and its kernels are shut down after it,
except the tests of one course notebook: they share one Run All Cells of it (fixture
``notebook_runs``, :class:`lab_runs.NotebookRuns`; ``@on_notebook(name)`` marks them; they
run one after the other and, with ``--dist loadgroup``, on the same xdist worker).
Screenshots and the server log (``jupyterlab-<worker>.log``) go to ``tests/artifacts/browser/``
(git-ignored). Run them alone with ``.venv/bin/python -m pytest tests/browser``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from lab_runs import NotebookRuns, new_page, notebook_group, print_errors

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "browser"
CHROMIUM = (
    os.environ.get("SGDTEACH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
# Chromium will not start as root with its sandbox on; the machine is offline: no background
# network traffic.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
] + (["--no-sandbox"] if os.geteuid() == 0 else [])


def skip_reason() -> str | None:
    r"""Return why the browser tests cannot run here, or None when they can."""
    for module, extra in [
        ("playwright", "dev"),
        ("psutil", "dev"),
        ("jupyterlab", "lab"),
        ("ipywidgets", "lab"),
    ]:
        if importlib.util.find_spec(module) is None:
            return (
                f"browser tests need the Python package '{module}' "
                f"(pip install -e '.[{extra}]'; never 'playwright install')"
            )
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (
            f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium, "
            "or set SGDTEACH_CHROMIUM to a Chromium executable)"
        )
    return None


def pytest_collection_modifyitems(config, items) -> None:
    r"""Skip this folder's tests with the reason when Chromium or playwright is missing; move
    the tests of one notebook's shared Run All next to the first of them."""
    reason = skip_reason()
    if reason:
        for item in items:
            if HERE in item.path.resolve().parents:
                item.add_marker(pytest.mark.skip(reason=reason))
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        group = notebook_group(item)
        if group is not None:
            first.setdefault(group, index)
    order = {id(item): (first.get(notebook_group(item) or "", index), index)
             for index, item in enumerate(items)}
    items.sort(key=lambda item: order[id(item)])


@pytest.fixture(scope="session")
def artifacts() -> Path:
    r"""The folder for screenshots and logs (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(artifacts):
    r"""A JupyterLab server rooted at the repository; always stopped with its kernels."""
    from lab_server import LabServer

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    server = LabServer(REPO_ROOT, artifacts / f"jupyterlab-{worker}.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    r"""Debian's Chromium driven by playwright (headless)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def _notebook_runs(browser, lab_server):
    runs = NotebookRuns(browser, lab_server)
    try:
        yield runs
    finally:
        runs.close()


@pytest.fixture
def notebook_runs(_notebook_runs):
    r"""The shared Run Alls (:class:`NotebookRuns`); the console errors of the current page are
    printed after the test (shown if it fails)."""
    yield _notebook_runs
    if _notebook_runs.current is not None:
        print_errors(_notebook_runs.current.errors)


@pytest.fixture
def page(browser, lab_server, _notebook_runs):
    r"""A fresh browser context and page; its console errors are printed if the test fails.

    Afterwards the page is closed and every kernel it started is shut down. A shared notebook
    run still open is closed first.
    """
    _notebook_runs.close()
    errors: list[str] = []
    page = new_page(browser, errors)
    try:
        yield page
    finally:
        print_errors(errors)
        page.context.close()
        lab_server.shutdown_kernels()


@pytest.fixture
def no_writes(lab_server):
    r"""Fail the test if the server saved or created any file while it ran (no autosave)."""
    mark = lab_server.log_size()
    yield
    writes = lab_server.writes(mark)
    assert not writes, "JupyterLab wrote into the repository:\n" + "\n".join(writes)
