"""`make lab` as a learner meets it: the server the Makefile starts lists the course's notebooks
and the learner's own copies of every exercise (my-exercises/), and opens 00_start_here; the
learner's copies are never overwritten. The command line is read from `make -n lab`, so this
tests the Makefile's own flags."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))


def _lab_command(folder: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """The `jupyter lab` command of `make lab`, run from ``folder`` with this interpreter, and
    the variables it sets (JUPYTER_CONFIG_PATH: the course's jupyter-config/ alone)."""
    dry = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), "lab", "BIN=" + str(Path(
        sys.executable).parent)], capture_output=True, text=True, check=True).stdout
    line = " ".join(dry.replace("\\\n", " ").split("\n")[-2:])
    words = shlex.split(re.sub(r"\$\{\w+:\+[^}]*\}", "", line))
    start = words.index("lab") - 1
    env = dict(w.split("=", 1) for w in words[:start] if "=" in w)
    return [*words[start:], f"--port={port}", "--IdentityProvider.token=t", "--no-browser",
            "--allow-root", "--ServerApp.open_browser=False"], env


@pytest.fixture(scope="module")
def lab_server_kernel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clone")
    for name in ("notebooks", "exercises", "solutions", "sgdteach"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "README.md").write_text("# course\n")
    mine = folder / "my-exercises" / EXERCISES[0]
    mine.parent.mkdir()
    mine.write_text('{"learner": "my answers"}')
    sync = subprocess.run([sys.executable, "-m", "sgdteach", "workspace", "exercises",
                           "my-exercises"], cwd=folder, capture_output=True, text=True)
    assert sync.returncode == 0, sync.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command, env = _lab_command(folder, port)
    proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ | env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token=t", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield base, folder, sync.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _names(base: str, path: str = "") -> list[str]:
    with urllib.request.urlopen(f"{base}/api/contents/{path}?token=t", timeout=10) as r:
        return sorted(c["name"] for c in json.load(r)["content"])


def test_the_file_browser_shows_the_notebooks_and_the_learners_exercises(lab_server_kernel):
    base, _, _ = lab_server_kernel
    assert _names(base) == ["README.md", "my-exercises", "notebooks"]
    assert _names(base, "my-exercises") == EXERCISES
    assert "00_start_here.ipynb" in _names(base, "notebooks")


def test_lab_opens_start_here(lab_server_kernel):
    base, _, _ = lab_server_kernel

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(f"{base}/?token=t", timeout=10)
    assert err.value.headers["Location"].split("?")[0].endswith(
        "/lab/tree/notebooks/00_start_here.ipynb")


def test_a_learners_copy_is_never_overwritten(lab_server_kernel):
    _, folder, out = lab_server_kernel
    assert (folder / "my-exercises" / EXERCISES[0]).read_text() == '{"learner": "my answers"}'
    assert f"copied exercises/{EXERCISES[0]}" not in out
    assert out.count("copied") == len(EXERCISES) - 1


def _page_config(base: str) -> dict:
    """The page config JupyterLab hands its front end (the JSON in the /lab page)."""
    with urllib.request.urlopen(f"{base}/lab?token=t", timeout=30) as r:
        page = r.read().decode()
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                      page, re.S)
    assert found, "no page config in /lab"
    return json.loads(found.group(1))


def test_the_learners_lab_hides_nbgrader(lab_server_kernel):
    """nbgrader (a dev extra, the instructor's authoring tool) is installed but its lab extension
    (the Nbgrader menu, the Create Assignment sidebar) is disabled in the course's server only."""
    base, _, _ = lab_server_kernel
    config = _page_config(base)
    installed = {e["name"] for e in config["federated_extensions"]}
    if "@jupyter/nbgrader" not in installed:
        pytest.skip("nbgrader's lab extension is not installed here")
    assert "@jupyter/nbgrader" in config["disabledExtensions"]
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"]


def test_the_readmes_git_pull_advice_works(tmp_path):
    """README: running a notebook dirties the checkout; the command it gives before `git pull`
    lets the pull through, and the learner's my-exercises/ (ignored by git) survives it."""
    readme = (ROOT / "README.md").read_text()
    advice = re.search(r"\*\*Notebooks and `git pull`\.\*\*(.*?)(?:\n- |\n\n)", readme, re.S)
    assert advice, "README must say how to keep work through `git pull`"
    command = re.search(r"run `(git [^`]+)`", advice.group(1).replace("\n", " "))
    assert command and "pull" not in command.group(1), advice.group(1)

    def git(*args, cwd, check=True):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              cwd=cwd, capture_output=True, text=True, check=check)

    course, clone = tmp_path / "course", tmp_path / "clone"
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitignore", course / ".gitignore")
    (course / "notebooks" / "01.ipynb").write_text("course v1\n")
    git("init", "-q", cwd=course)
    git("add", ".", cwd=course)
    git("commit", "-qm", "v1", cwd=course)
    git("clone", "-q", str(course), str(clone), cwd=tmp_path)
    (clone / "my-exercises").mkdir()
    (clone / "my-exercises" / "01.ipynb").write_text("my answers\n")
    (clone / "notebooks" / "01.ipynb").write_text("course v1, run and saved\n")
    (course / "notebooks" / "01.ipynb").write_text("course v2\n")
    git("commit", "-qam", "v2", cwd=course)
    assert git("pull", "-q", cwd=clone, check=False).returncode != 0   # the friction itself
    git(*shlex.split(command.group(1))[1:], cwd=clone)
    git("pull", "-q", cwd=clone)
    assert (clone / "notebooks" / "01.ipynb").read_text() == "course v2\n"
    assert (clone / "my-exercises" / "01.ipynb").read_text() == "my answers\n"
