"""Packaging: environment.yml and pyproject.toml cannot drift; the import stays light; the README
shows the two commands first; Binder's image holds no solutions."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from source_copy import committed_copy

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
    return name.lower().replace("_", "-"), requirement[len(name):].replace(" ", "")


def test_environment_yml_names_the_same_packages_as_pyproject():
    yaml = pytest.importorskip("yaml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = dict(_split(r) for r in project["dependencies"] + extras["lab"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    got = dict(_split(d) for d in conda if _split(d)[0] not in ("python", "pip"))
    assert got == wanted
    # repo2docker reads only an exact `python=X.Y` (`make binder-check` asks repo2docker itself);
    # the version must be one the package supports.
    python = [d for d in conda if _split(d)[0] == "python"][0]
    pinned = re.fullmatch(r"python=(\d+\.\d+)", python.replace(" ", ""))
    assert pinned, f"environment.yml: {python!r} is not of the form python=X.Y"
    assert pinned.group(1) in SpecifierSet(project["requires-python"])
    # The package is installed by postBuild, not by a local pip requirement (which would make
    # repo2docker copy the repository before building the environment: no layer cache).
    assert not [d for d in env["dependencies"] if isinstance(d, dict)]
    post_build = ROOT / "postBuild"
    assert post_build.is_file() and os.access(post_build, os.X_OK)


def test_import_is_light():
    code = ("import sys, sgdteach; heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', "
            "'sklearn', 'nbformat', 'nbclient') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_exist():
    import sgdteach

    for name in sgdteach.__all__:
        assert hasattr(sgdteach, name), name


LAZY_NAMES = """
import importlib, sys
import sgdteach
late = [m for m in sys.modules if m.split(".")[1:2] in (["checking"], ["datasets"], ["course"],
                                                        ["grading"], ["tools"])]
assert not late, f"imported by `import sgdteach`: {late}"
assert set(sgdteach.__all__) <= set(dir(sgdteach)), set(sgdteach.__all__) - set(dir(sgdteach))
for name, module in sgdteach._LAZY.items():
    direct = importlib.import_module(f"sgdteach.{module}")
    assert getattr(sgdteach, name) is (direct if name == module else getattr(direct, name)), name
import sgdteach.checking as checking
import sgdteach.course as course
assert set(checking.__all__) <= set(dir(checking)), set(checking.__all__) - set(dir(checking))
for name in course._SUBMODULES:
    assert getattr(course, name) is importlib.import_module(f"sgdteach.course.{name}"), name
star = {}
exec("from sgdteach import *", star)
assert all(star[n] is getattr(sgdteach, n) for n in sgdteach.__all__)
for module in (sgdteach, checking, course):
    try:
        module.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("no AttributeError")
print("ok")
"""


def test_lazy_names_are_the_submodules_objects():
    # A fresh interpreter, so that the names are resolved lazily here, not by earlier tests.
    out = subprocess.run([sys.executable, "-c", LAZY_NAMES], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no command block"
    commands = [line.strip() for line in blocks[0].splitlines() if line.strip()
                and not line.strip().startswith("#")]
    assert commands == ["make lab", "make test"]


def test_makefile_targets_exist():
    text = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "notebooks:", "exercises:", "bench:", "binder-check:"):
        assert re.search(rf"^{target}", text, flags=re.M), target
    assert "--allow-root" in text and "--no-browser" in text


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None,
                    reason="postBuild is a bash script; the copy is what git commits")
def test_binders_post_build_removes_the_solutions(tmp_path):
    """postBuild run in a copy of the repository's committed files, with ``python`` and
    ``jupyter`` stubbed: the image learners open holds the exercises and no solutions."""
    repo = committed_copy(tmp_path / "repo")
    assert (repo / "solutions").is_dir()
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("python", "jupyter"):
        (stubs / tool).write_text("#!/bin/sh\nexit 0\n")
        (stubs / tool).chmod(0o755)
    done = subprocess.run(["bash", str(repo / "postBuild")], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, "PATH": f"{stubs}:/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert not (repo / "solutions").exists()
    assert sorted(p.name for p in (repo / "exercises").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "solutions").glob("*.ipynb"))
