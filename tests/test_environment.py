"""The environment check of notebook 00 (sgdteach.environment)."""

from __future__ import annotations

import importlib.metadata

import pytest

from sgdteach import environment
from sgdteach.environment import _version_tuple, check_environment, package_status


def test_prints_every_package_and_ok_last(capsys):
    assert check_environment() is True
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "Environment OK"
    for _, dist, _, _ in environment.REQUIRED:
        line = next(line for line in lines if line.startswith(dist + " "))
        if dist != "sgdteach":  # an editable install may report another version string
            assert importlib.metadata.version(dist) in line


def test_missing_and_old_packages_are_named_with_the_fix(monkeypatch, capsys):
    monkeypatch.setattr(environment, "REQUIRED", environment.REQUIRED + (
        ("no_such_module_xyz", "no-such-dist", "1.0", "nothing"),
        ("numpy", "numpy", "999.0", "arrays"),
    ))
    assert check_environment() is False
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("Environment NOT OK: no-such-dist, numpy.")
    assert 'pip install -e ".[lab]"' in last


@pytest.mark.parametrize("text, expected", [("1.26.4", (1, 26, 4)), ("2.0.0rc1", (2, 0, 0)),
                                            ("3.11", (3, 11)), ("dev", ())])
def test_version_tuple(text, expected):
    assert _version_tuple(text) == expected


def test_package_status():
    assert package_status("no_such_module_xyz", "1.0")[0] is None
    version, problem = package_status("numpy", "1.0")
    assert version and problem == ""
