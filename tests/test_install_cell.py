"""The install cell (sgdteach.tools.install_cell): every notebook, solution and exercise starts
with it,
pinned to the one version (sgdteach/__init__.py, which pyproject reads); the command that writes
it inserts, updates and leaves alone as it should; no notebook names an unchecked URL."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from source_copy import committed_copy

from sgdteach.grading.markup import role
from sgdteach.tools import install_cell

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
ALL = sorted(p for folder in ("notebooks", "solutions", "exercises")
             for p in (ROOT / folder).glob("*.ipynb"))
URL = re.compile(r"\b(?:https?|git\+\w+)://")

# Written out here, not taken from the module: the cell as a learner reads it.
TEMPLATE = '''# Colab / a bare kernel: install the course package when it is missing.
try:
    import sgdteach
except ImportError:
    import importlib, subprocess, sys
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-color",
                          "sgdteach=={version}"], capture_output=True, text=True)
    if pip.returncode != 0:
        class InstallFailed(Exception):
            def _render_traceback_(self):  # Jupyter shows this, not a traceback
                return [f"InstallFailed: {{self}}"]
        errors = [line for line in pip.stderr.splitlines() if line.startswith("ERROR")]
        why = (errors or pip.stderr.splitlines() or ["pip failed"])[-1].removeprefix("ERROR: ")
        raise InstallFailed(
            f"pip could not install sgdteach=={version}: {{why}}\\n"
            "What to do: open the course on Binder, or run `make lab` in a clone of its "
            "repository (see its README); or upload the wheel your instructor gives you and "
            "run %pip install sgdteach-{version}-py3-none-any.whl here, then run this cell again.")
    importlib.invalidate_caches()
    import sgdteach'''


def source_version() -> str:
    """``__version__`` read from sgdteach/__init__.py's syntax tree (nothing imported)."""
    tree = ast.parse((ROOT / "sgdteach" / "__init__.py").read_text())
    values = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
              and any(getattr(t, "id", None) == "__version__" for t in node.targets)]
    assert len(values) == 1, "sgdteach/__init__.py must set __version__ exactly once"
    return values[0]


def expected_cell() -> str:
    return TEMPLATE.format(version=source_version())


def first_code(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def test_the_version_lives_in_one_place():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"], "pyproject must not set a static version"
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "sgdteach.__version__"}
    assert "urls" not in project["project"], "a repository URL nobody checked"
    import sgdteach

    assert sgdteach.__version__ == source_version()
    assert install_cell.cell_source() == expected_cell()


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_starts_with_the_install_cell(path):
    nb = nbformat.read(path, as_version=4)
    cell = first_code(nb)
    assert cell.source == expected_cell(), (
        f"{path.name}: stale install cell; run `python -m sgdteach install-cell` on notebooks/ "
        "and solutions/, then `python -m sgdteach release solutions exercises`")
    if path.parent.name in ("solutions", "exercises"):   # locked: the grader runs the original
        assert role(cell) == "locked"
    if path.parent.name == "exercises":
        assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
    assert install_cell.update_file(path, check=True) is False


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_notebook_names_a_url(path):
    nb = nbformat.read(path, as_version=4)
    found = [c.source for c in nb.cells if URL.search(c.source)]
    assert not found, f"{path.name}: a URL nobody checked: {found[0][:200]!r}"


def _notebook(*cells, graded=False):
    nb = new_notebook(cells=list(cells))
    if graded:
        nb.cells[-1].metadata["nbgrader"] = {"grade": True, "grade_id": "t", "locked": False,
                                             "schema_version": 3, "solution": False, "points": 1}
    return nb


def test_apply_inserts_before_the_first_code_cell_and_is_idempotent():
    nb = _notebook(new_markdown_cell("# Title"), new_code_cell("x = 1"))
    assert install_cell.apply(nb, "9.8.7") is True
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert nb.cells[1].source == TEMPLATE.format(version="9.8.7")
    assert nb.cells[1].id == install_cell.CELL_ID and "nbgrader" not in nb.cells[1].metadata
    assert nb.cells[2].source == "x = 1"
    assert install_cell.apply(nb, "9.8.7") is False
    nbformat.validate(nb)


def test_apply_updates_an_old_cell_in_place_and_locks_it_in_a_graded_notebook():
    old = TEMPLATE.replace('"sgdteach=={version}"', '"sgdteach @ git+https://example.org/x"')
    nb = _notebook(new_code_cell(old, id="keep-me"), new_code_cell("check()"), graded=True)
    assert install_cell.apply(nb, "1.2.3") is True
    assert len(nb.cells) == 2 and nb.cells[0].id == "keep-me"
    assert nb.cells[0].source == TEMPLATE.format(version="1.2.3")
    assert role(nb.cells[0]) == "locked"
    assert install_cell.apply(nb, "1.2.3") is False
    assert install_cell.apply(nb, "1.2.4") is True   # a new version is a change


def test_cli_check_writes_nothing_and_update_writes_once(tmp_path, capsys):
    from sgdteach.__main__ import main

    path = tmp_path / "n.ipynb"
    nbformat.write(_notebook(new_code_cell("x = 1")), path)
    before = path.read_bytes()
    assert main(["install-cell", "--check", str(path)]) == 1
    assert path.read_bytes() == before
    assert main(["install-cell", str(path)]) == 0
    assert first_code(nbformat.read(path, as_version=4)).source == expected_cell()
    after = path.stat().st_mtime_ns
    assert main(["install-cell", str(path)]) == 0 and path.stat().st_mtime_ns == after
    assert main(["install-cell", str(tmp_path / "missing.ipynb")]) == 2
    assert "not a notebook file" in capsys.readouterr().err


def test_release_keeps_the_install_cell(tmp_path):
    from sgdteach.grading.release import release

    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    release(tmp_path / "solutions", tmp_path / "exercises")
    for path in sorted((tmp_path / "exercises").glob("*.ipynb")):
        assert first_code(nbformat.read(path, as_version=4)).source == expected_cell()


# -- the cell in a real kernel where sgdteach is missing --------------------------------------

SITE = Path(sysconfig.get_paths()["purelib"])


def _bare_kernel(tmp_path: Path, env: dict[str, str]) -> str:
    """A kernel spec (under ``tmp_path``, put on JUPYTER_PATH by the caller) whose Python has
    every package of this one except sgdteach: a venv whose site-packages links to each entry of
    ours but sgdteach's (its editable-install hook and its metadata, so pip sees it missing too).
    """
    root = tmp_path / "bare"
    venv.create(root, with_pip=False, symlinks=True)
    site = root / SITE.relative_to(sys.prefix)
    for entry in SITE.iterdir():
        if "sgdteach" not in entry.name.lower():
            (site / entry.name).symlink_to(entry)
    spec = tmp_path / "share" / "kernels" / "bare"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(root / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": "bare", "language": "python", "env": env}))
    return "bare"


def _run(tmp_path: Path, monkeypatch, env: dict[str, str], nb=None):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    for name in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(name)
    kernel = _bare_kernel(tmp_path, env)
    nb = nb or new_notebook(cells=[new_code_cell(install_cell.cell_source()),
                                   new_code_cell('print("the next cell ran")')])
    work = tmp_path / "work"   # the kernel's cwd: not the checkout (sys.path[0] there)
    work.mkdir()
    client = NotebookClient(nb, kernel_name=kernel, timeout=300,
                            resources={"metadata": {"path": str(work)}})
    try:
        client.execute()
        failed = False
    except CellExecutionError:
        failed = True
    return nb, failed


UNREACHABLE = {"PIP_INDEX_URL": "http://127.0.0.1:9/", "PIP_FIND_LINKS": "",
               "PIP_EXTRA_INDEX_URL": "", "PIP_CONFIG_FILE": os.devnull, "PIP_RETRIES": "0",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.mark.kernel
def test_a_failed_install_says_what_failed_and_what_to_do_in_one_message(tmp_path, monkeypatch):
    nb, failed = _run(tmp_path, monkeypatch, UNREACHABLE)
    assert failed, "Run All must stop at the install cell"
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["error"], outputs   # no pip output, no stream
    (error,) = outputs
    assert error.ename == "InstallFailed"
    shown = "\n".join(error.traceback)
    version = source_version()
    assert shown.startswith(f"InstallFailed: pip could not install sgdteach=={version}: ")
    assert "No matching distribution found for sgdteach" in shown          # pip's last error
    for way_out in ("Binder", "`make lab`", f"%pip install sgdteach-{version}-py3-none-any.whl"):
        assert way_out in shown
    for noise in ("Traceback", "File \"", "ImportError", "ModuleNotFoundError", "----", "\x1b"):
        assert noise not in shown
    assert nb.cells[1].outputs == []


@pytest.mark.kernel
def test_the_cell_installs_and_imports_when_pip_can(tmp_path, monkeypatch):
    """The other way: pip finds the release (a wheel of this checkout in a local folder, no
    index), the cell prints nothing and the notebook goes on with sgdteach imported."""
    wheels = tmp_path / "wheels"
    source = committed_copy(tmp_path / "source")       # builds write into their tree
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(wheels),
                            str(source)], capture_output=True, text=True)   # as tests/test_wheel
    assert build.returncode == 0, build.stderr
    env = UNREACHABLE | {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    nb = new_notebook(cells=[new_code_cell(install_cell.cell_source()),
                             new_code_cell("print(sgdteach.__version__)")])
    nb, failed = _run(tmp_path, monkeypatch, env, nb)
    assert not failed and nb.cells[0].outputs == []
    assert nb.cells[1].outputs[0].text == source_version() + "\n"
