r"""What a learner meets in JupyterLab besides the notebooks: no news prompt at start-up.

The server of these tests runs with ``make lab``'s configuration folder (``jupyter-config/``,
:data:`lab_server.LAB_CONFIG`, first on ``JUPYTER_CONFIG_PATH``) and with notifications on, as a
learner has them. A control server without that folder shows the prompt: the check can fail.
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
