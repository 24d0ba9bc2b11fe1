"""The environment check of notebook 00 (sgdteach.tools.environment) agrees with pyproject.toml
(parsed
here with tomllib, independently of the installed metadata the check reads)."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from sgdteach.tools import environment
from sgdteach.tools.environment import check_environment, course_requirements, package_status

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _from_pyproject() -> dict[str, str]:
    wanted = {}
    for text in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["lab"]:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate():
            wanted.setdefault(str(canonicalize_name(req.name)), str(req.specifier))
    return wanted


def test_requirements_are_pyprojects_minus_the_front_end():
    got = {r.name: r.specifier for r in course_requirements()}
    wanted = _from_pyproject()
    assert "jupyterlab" in wanted, "pyproject's lab extra no longer names JupyterLab: update"
    del wanted["jupyterlab"]
    assert got == wanted, "installed metadata is stale: pip install -e . again"
    assert environment.requires_python() == PROJECT["requires-python"]


def test_ipywidgets_minimum_is_colabs_and_8_1_9_is_excluded():
    spec = dict(course_requirements())["ipywidgets"]
    assert SpecifierSet(spec).contains("7.7.1") and not SpecifierSet(spec).contains("7.7.0")
    assert not SpecifierSet(spec).contains("8.1.9") and SpecifierSet(spec).contains("8.1.8")


def test_prints_every_package_and_ok_last(capsys):
    assert check_environment() is True
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "Environment OK"
    assert lines[0].split()[:2] == ["python", ".".join(map(str, sys.version_info[:3]))]
    for name in [r.name for r in course_requirements()] + ["sgdteach"]:
        line = next(line for line in lines if line.startswith(name + " "))
        assert importlib.metadata.version(name) in line


def test_missing_and_unusable_packages_are_named_with_the_fix(monkeypatch, capsys):
    real = environment.course_requirements
    monkeypatch.setattr(environment, "course_requirements", lambda: real() + [
        environment.Requirement("no-such-dist", ">=1.0"),
        environment.Requirement("numpy", ">=999.0"),
    ])
    assert check_environment() is False
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("Environment NOT OK: no-such-dist, numpy.")
    assert 'pip install -e ".[lab]"' in lines[-1] and "first code cell" in lines[-1]
    assert any(line.startswith("no-such-dist") and "missing" in line for line in lines)


def test_python_outside_requires_python_is_named(monkeypatch, capsys):
    monkeypatch.setattr(environment, "requires_python", lambda: ">=99")
    assert check_environment() is False
    lines = capsys.readouterr().out.splitlines()
    assert "need >=99" in lines[0] and lines[-1].startswith("Environment NOT OK: python.")


def test_not_installed_sgdteach_is_reported_not_raised(monkeypatch, capsys):
    def missing(distribution="sgdteach", extra="lab"):
        raise importlib.metadata.PackageNotFoundError(distribution)

    monkeypatch.setattr(environment, "course_requirements", missing)
    monkeypatch.setattr(environment, "DISTRIBUTION", "no-such-sgdteach")
    assert check_environment() is False
    assert "no-such-sgdteach" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize("specifier, ok", [(">=1.0", True), ("!=0.0.1,>=1", True),
                                           (">=999", False), ("<1", False)])
def test_package_status(specifier, ok):
    version, problem = package_status("numpy", specifier)
    assert version == importlib.metadata.version("numpy")
    assert (problem == "") is ok
    assert package_status("no-such-dist-xyz", ">=1") == (None, "missing")
