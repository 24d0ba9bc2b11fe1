r"""The environment check of the first notebook: are the packages the course needs installed?

:func:`check_environment` prints one line per package (its version, or what is wrong) and a last
line ``Environment OK`` when everything the course needs is there, or ``Environment NOT OK:`` and
the fix. It never raises for a missing package: a learner on a bare kernel should read the fix.

What it checks has one source, ``pyproject.toml``, read back from the installed distribution's
metadata (:func:`importlib.metadata.requires` and ``Requires-Python``): the runtime dependencies
and the kernel-side packages of the ``lab`` extra (not JupyterLab itself, which is the front end:
Colab, VS Code or Binder bring their own).
"""

from __future__ import annotations

import importlib.metadata
import sys
from typing import NamedTuple

DISTRIBUTION = "sgdteach"
COURSE_EXTRA = "lab"
# Requirements of the course extra that are not kernel packages (the front end).
FRONT_ENDS = frozenset({"jupyterlab"})
# Why the course needs each package (shown when it is fine).
WHY = {
    "numpy": "arrays",
    "matplotlib": "figures",
    "ipywidgets": "sliders",
    "scikit-learn": "real data sets",
    "threadpoolctl": "one-core timings (comes with scikit-learn)",
}
FIX = ("Fix: run the notebook's first code cell (it installs sgdteach), or in the repository "
       "folder run `pip install -e \".[lab]\"` (or `make lab`); then restart the kernel.")


class Requirement(NamedTuple):
    """One package the course needs: distribution ``name`` and its version ``specifier``."""

    name: str
    specifier: str


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares it (``Scikit_Learn`` -> ``scikit-learn``)."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def course_requirements(distribution: str = DISTRIBUTION,
                        extra: str = COURSE_EXTRA) -> list[Requirement]:
    """The kernel packages the course needs, read from ``distribution``'s installed metadata.

    The runtime dependencies and those of ``extra`` whose environment markers hold here, minus
    :data:`FRONT_ENDS`, each once (the first specifier wins).

    Raises
    ------
    importlib.metadata.PackageNotFoundError
        When ``distribution`` is not installed (e.g. imported from a source folder).

    Examples
    --------
    >>> [r.name for r in course_requirements()][:3]
    ['numpy', 'matplotlib', 'ipywidgets']
    """
    from packaging.requirements import Requirement as Parsed

    found: dict[str, Requirement] = {}
    for text in importlib.metadata.requires(distribution) or []:
        req = Parsed(text)
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = _normal(req.name)
        if name not in FRONT_ENDS:
            found.setdefault(name, Requirement(name, str(req.specifier)))
    return list(found.values())


def requires_python(distribution: str = DISTRIBUTION) -> str:
    """``Requires-Python`` of the installed ``distribution`` (``">=3.10"``), ``""`` if unset."""
    found = importlib.metadata.metadata(distribution).get_all("Requires-Python") or [""]
    return found[0]


def package_status(name: str, specifier: str) -> tuple[str | None, str]:
    """``(installed version or None, problem or "")`` for the distribution ``name``.

    Examples
    --------
    >>> package_status("numpy", ">=1")[1]
    ''
    >>> package_status("no-such-distribution", ">=1")
    (None, 'missing')
    """
    from packaging.specifiers import SpecifierSet

    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None, "missing"
    if not SpecifierSet(specifier).contains(version, prereleases=True):
        return version, f"version not usable (need {specifier})"
    return version, ""


def _line(name: str, version: str | None, note: str) -> str:
    return f"{name:<15}{version if version is not None else '-':<10}{note}"


def check_environment(verbose: bool = True) -> bool:
    r"""Print the version of every package the course needs; return True when all are usable.

    The packages and their versions come from sgdteach's installed metadata (see
    :func:`course_requirements`); the last printed line is ``Environment OK`` or ``Environment
    NOT OK: ...`` with the fix.

    Examples
    --------
    >>> check_environment(verbose=False)
    True
    """
    try:
        import packaging  # noqa: F401  (installed with matplotlib and pip's own environments)

        wanted = course_requirements()
        python_spec = requires_python()
    except ImportError:
        wanted, python_spec = [], None
    except importlib.metadata.PackageNotFoundError:
        wanted, python_spec = [], ""
    problems: list[str] = []
    py = ".".join(map(str, sys.version_info[:3]))
    if python_spec is None:   # cannot compare versions without packaging
        lines = [_line("packaging", None, "missing: needed to read the course's requirements")]
        problems.append("packaging")
    else:
        from packaging.specifiers import SpecifierSet

        py_ok = SpecifierSet(python_spec).contains(py, prereleases=True)
        lines = [_line("python", py, "" if py_ok else f"version not usable (need {python_spec})")]
        problems += [] if py_ok else ["python"]
    for name, specifier in wanted:
        version, problem = package_status(name, specifier)
        lines.append(_line(name, version, problem or WHY.get(name, "")))
        if problem:
            problems.append(name)
    try:
        own = importlib.metadata.version(DISTRIBUTION)
        lines.append(_line(DISTRIBUTION, own, "the course package"))
    except importlib.metadata.PackageNotFoundError:
        lines.append(_line(DISTRIBUTION, None, "not installed (imported from a folder?)"))
        problems.append(DISTRIBUTION)
    if problems:
        lines.append(f"Environment NOT OK: {', '.join(problems)}. {FIX}")
    else:
        lines.append("Environment OK")
    if verbose:
        print("\n".join(lines))
    return not problems
