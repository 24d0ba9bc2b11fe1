"""The release artefact: ``python -m build`` makes a wheel and an sdist that pass ``twine check``;
the wheel holds every file of the package's source tree (every subpackage and data file) and
nothing of the package that is not there, at the version of sgdteach/__init__.py."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from source_copy import committed_copy
from test_install_cell import source_version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    source = committed_copy(tmp_path_factory.mktemp("source"))   # builds write into their tree
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def source_files() -> set[str]:
    """Every file under sgdteach/ (bytecode caches aside), as paths inside a wheel."""
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "sgdteach").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_build_makes_a_wheel_and_an_sdist_that_pass_twine_check(dist):
    version = source_version()
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"sgdteach-{version}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"sgdteach-{version}.tar.gz"]
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_wheel_holds_the_whole_package_and_its_requirements(dist):
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(z.read(info))
    package = {n for n in names if n.startswith("sgdteach/")}
    assert package == source_files(), (
        f"missing from the wheel: {sorted(source_files() - package)}; "
        f"not in the source tree: {sorted(package - source_files())}")
    assert all(n.startswith(("sgdteach/", "sgdteach-")) for n in names), sorted(names)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert metadata["Version"] == source_version()
    assert metadata["Requires-Python"] == project["requires-python"]
    runtime = {str(Requirement(r)) for r in metadata.get_all("Requires-Dist")
               if Requirement(r).marker is None}
    assert runtime == {str(Requirement(r)) for r in project["dependencies"]}


def test_wheel_and_sdist_hold_no_solution_and_no_notebook(dist):
    """What pip hands a learner: no solutions/ folder, no notebook (an answer or a hidden test
    would be in one), in the wheel or the sdist (issue 23)."""
    import tarfile

    with zipfile.ZipFile(next(dist.glob("*.whl"))) as z:
        names = z.namelist()
    with tarfile.open(next(dist.glob("*.tar.gz"))) as t:
        names += [n.split("/", 1)[-1] for n in t.getnames()]
    assert not [n for n in names if n.startswith("solutions/") or n.endswith(".ipynb")], names
