"""`make lab`'s editable install prints no setuptools box. setuptools warns "Editable installation.
Please be careful with folders in your working directory with the same name as your package" on
every editable install of a flat layout; the Makefile's install commands filter that one message
(QUIET_EDITABLE). The install here is pip's real one: a fresh venv, build isolation (the newest
setuptools from the index), run with the environment the Makefile sets, and once without it (the
warning must then appear, or the test proves nothing)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from source_copy import committed_copy

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _makefile_environment(tmp_path: Path) -> dict[str, str]:
    """The variables `make lab` sets on its `pip install -e` line (read from `make -n`)."""
    marker = tmp_path / "venv" / ".installed-lab"
    dry = subprocess.run(["make", "-s", "-n", "-C", str(ROOT), str(marker),
                          f"VENV={marker.parent}", f"BIN={Path(sys.executable).parent}"],
                         capture_output=True, text=True, check=True).stdout
    line = next(li for li in dry.splitlines() if " pip install " in li and " -e " in li)
    words = shlex.split(line.replace("${PYTHONWARNINGS:+$PYTHONWARNINGS,}", ""))
    assignments = [w for w in words[:words.index(sys.executable)] if "=" in w]
    return dict(w.split("=", 1) for w in assignments)


def _install(target: Path, extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | extra_env
    source = target.parent / "source"          # a copy: an install writes egg-info into its tree
    if not source.exists():
        committed_copy(source)
    run = subprocess.run([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"),
                          "install", "--quiet", "--no-deps", "--force-reinstall", "-e",
                          str(source)],
                         capture_output=True, text=True, env=env, timeout=600)
    if run.returncode != 0:
        pytest.skip(f"pip cannot build here (no index for setuptools?): {run.stderr[-300:]}")
    return run.stderr


def test_make_labs_editable_install_prints_no_setuptools_box(tmp_path):
    env = _makefile_environment(tmp_path)
    assert set(env) == {"PYTHONWARNINGS"}
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    loud = _install(target, {})
    assert "Editable installation" in loud, "the warning this test silences no longer appears"
    assert _install(target, env) == ""
