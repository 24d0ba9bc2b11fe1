"""The command line and the notebook executor behind `make notebooks`."""

import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook


def run(*args):
    return subprocess.run([sys.executable, "-m", "sgdteach", *args], capture_output=True,
                          text=True, timeout=120)


def test_help_and_unknown_command():
    assert "commands:" in run("--help").stdout
    bad = run("fly")
    assert bad.returncode == 2
    assert "unknown command 'fly'; choose one of execute, release, grade" in bad.stderr


@pytest.fixture
def notebooks(tmp_path):
    good = new_notebook(cells=[new_code_cell("x = 6 * 7\nprint(x)")])
    good.cells[0].metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    bad = new_notebook(cells=[new_code_cell("raise ValueError('boom')")])
    paths = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    for nb, path in zip((good, bad), paths, strict=True):
        nbformat.write(nb, path)
    return paths


def test_execute_saves_outputs_and_strips_volatile_metadata(notebooks):
    good, bad = notebooks
    before_bad = bad.read_bytes()
    out = run("execute", str(good), str(bad))
    assert out.returncode == 1
    assert "FAILED" in out.stderr and str(bad) in out.stderr
    nb = nbformat.read(good, as_version=4)
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert nb.cells[0].execution_count == 1
    assert "execution" not in nb.cells[0].metadata
    assert bad.read_bytes() == before_bad          # a failing notebook is left as it was
    assert not list(good.parent.glob("*.tmp"))
