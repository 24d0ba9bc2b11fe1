r"""Learner comfort in JupyterLab: no news prompt at start-up; every widget control has a name.

The server of these tests runs with ``make lab``'s configuration folder (``jupyter-config/``,
:data:`lab_server.LAB_CONFIG`, first on ``JUPYTER_CONFIG_PATH``) and with notifications on, as a
learner has them. A control server without that folder shows the prompt: the check can fail.

Every control of every ``*_widget`` of :mod:`sgdteach.course.widgets` must be found by its ARIA role
and accessible name (Playwright's ``get_by_role``), the names taken from the widget objects
(:func:`sgdteach.course.widgets._a11y.expected_names`; a slider's editable readout is a text box
named ``"<slider's name>: value"``), and no slider, dropdown, checkbox or text box may be left
without one.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from lab_server import LAB_CONFIG, LabServer

pytestmark = pytest.mark.browser

ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
NEWS_PROMPT = re.compile("notified about official Jupyter news")


def open_launcher(page, server: LabServer) -> float:
    r"""Open JupyterLab's start page; return the time.monotonic() at which it was restored."""
    page.goto(f"{server.base_url}/lab?reset&token={server.token}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Launcher", timeout=60_000)
    return time.monotonic()


def page_config(page) -> dict:
    r"""The page configuration the server gave JupyterLab (its ``jupyter-config-data``)."""
    return json.loads(page.locator("#jupyter-config-data").text_content())


def test_make_lab_uses_the_configuration_of_these_tests(lab_server):
    dry_run = subprocess.run(["make", "-n", "lab"], cwd=LAB_CONFIG.parent, check=True,
                             capture_output=True, text=True).stdout
    assert f'JUPYTER_CONFIG_PATH="{LAB_CONFIG}' in dry_run, dry_run
    assert lab_server.lab_config


def test_no_news_prompt(browser, lab_server, artifacts):
    # Control: without the course's configuration JupyterLab asks about news.
    control = LabServer(lab_server.root_dir, artifacts / "jupyterlab-no-config.log",
                        lab_config=False).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        restored = open_launcher(page, control)
        page.get_by_text(NEWS_PROMPT).wait_for(timeout=30_000)
        delay = time.monotonic() - restored
        assert ANNOUNCEMENTS not in page_config(page)["disabledExtensions"]
    finally:
        context.close()
        control.stop()
    # The course's server: the plugin is disabled, and no prompt comes within several times the
    # control's delay.
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_launcher(page, lab_server)
        page.wait_for_timeout(1000 * max(5.0, 4 * delay))
        assert page.get_by_text(NEWS_PROMPT).count() == 0, f"news prompt (control: {delay:.1f} s)"
        assert ANNOUNCEMENTS in page_config(page)["disabledExtensions"]
        page.screenshot(path=str(artifacts / "no-news-prompt.png"))
    finally:
        context.close()


NBGRADER = "@jupyter/nbgrader"


def nbgrader_menu(page):
    return page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$"))


def test_no_nbgrader_menu(browser, lab_server, artifacts):
    """nbgrader (the dev extra) is the instructor's authoring tool: its menu, and the Create
    Assignment sidebar with it, is off in the course's server (jupyter-config's page_config)."""
    control = LabServer(lab_server.root_dir, artifacts / "jupyterlab-no-config-nbgrader.log",
                        lab_config=False).start()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_launcher(page, control)
        if NBGRADER not in {e["name"] for e in page_config(page)["federated_extensions"]}:
            pytest.skip("nbgrader's lab extension is not installed here")
        nbgrader_menu(page).wait_for(timeout=30_000)   # control: nbgrader shows its menu
    finally:
        context.close()
        control.stop()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_launcher(page, lab_server)
        page.locator(".lm-MenuBar-itemLabel", has_text="Help").wait_for(timeout=30_000)
        assert nbgrader_menu(page).count() == 0
        assert NBGRADER in page_config(page)["disabledExtensions"]
    finally:
        context.close()


# -- accessible names of the widgets' controls -----------------------------------------------
def builders() -> list[str]:
    from sgdteach.course import widgets

    return sorted(n for n in widgets.__all__ if n.endswith("_widget"))


def expected_roles(builder: str) -> list[tuple[str, str]]:
    r"""The (ARIA role, name) pairs of every control of ``builder()``, from the widget object."""
    from sgdteach.course import widgets
    from sgdteach.course.widgets._a11y import expected_names

    widget = getattr(widgets, builder)()
    return [pair for key, control in widget.controls.items()
            for pair in expected_names(control, widget.names[key])]


def typed_value(builder: str) -> tuple[str, str]:
    r"""(name of the readout text box, a value to type into it) for the first slider of
    ``builder()``: its default moved by one step (doubled or halved on a log slider)."""
    from sgdteach.course import widgets
    from sgdteach.course.widgets._a11y import READOUT, kind

    widget = getattr(widgets, builder)()
    key, control = next((k, c) for k, c in widget.controls.items() if kind(c) == "slider")
    v = control.value
    if type(control).__name__ == "FloatLogSlider":
        new = v * 2 if v * 2 <= control.base ** control.max else v / 2
    else:
        new = v + control.step if v + control.step <= control.max else v - control.step
    return widget.names[key] + READOUT, f"{new:g}"


def test_every_widget_control_has_its_accessible_name(lab_server, page, artifacts, no_writes):
    import nbformat
    from lab_page import Notebook
    from lab_widgets import save_screenshot

    path = artifacts / "a11y_widgets.ipynb"   # git-ignored, inside the server's root
    cells = [nbformat.v4.new_code_cell(f"from sgdteach.course import widgets\nwidgets.{b}()")
             for b in builders()]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, path)
    notebook = Notebook(page, lab_server, path.relative_to(lab_server.root_dir).as_posix())
    notebook.open()
    notebook.run_all(timeout=180)
    assert not notebook.problems(), "\n".join(notebook.problems())
    found = {}
    for index, builder in enumerate(builders()):
        cell = notebook.code_cell(index)
        cell.locator(".widget-output img").first.wait_for()
        expected = expected_roles(builder)
        for role, name in expected:
            control = cell.get_by_role(role, name=name, exact=True)
            control.first.wait_for(timeout=10_000)   # labelled once the views have rendered
            assert control.count() == 1, f"{builder}: {control.count()} {role}s named {name!r}"
            found.setdefault(builder, []).append(f"{role} {name!r}")
        outputs = cell.locator(".jp-Cell-outputWrapper")   # not the cell's editor (a textbox)
        for role in {role for role, _ in expected} | {"slider", "combobox", "checkbox",
                                                       "textbox"}:
            shown = outputs.get_by_role(role).count()
            named = sum(r == role for r, _ in expected)
            assert shown == named, f"{builder}: {shown} {role}s in the page, {named} named"
        if index == 0:   # the named readout works from the keyboard: type a value, Enter
            name, value = typed_value(builder)
            image = cell.locator(".widget-output img").first
            before = image.get_attribute("src")
            box = cell.get_by_role("textbox", name=name, exact=True)
            box.focus()
            page.keyboard.press("Control+A")
            page.keyboard.type(value)
            page.keyboard.press("Enter")
            page.wait_for_function(   # the Output's image is replaced by the redraw
                "([cell, src]) => (cell.querySelector('.widget-output img')?.getAttribute('src')"
                " || src) !== src", arg=[cell.element_handle(), before], timeout=30_000)
            found[builder].append(f"typed {value!r} into {name!r}: redrawn")
        save_screenshot(cell, artifacts, f"a11y_{builder}")
    print("accessible names found:\n" + "\n".join(
        f"{b}: " + "; ".join(names) for b, names in found.items()))

