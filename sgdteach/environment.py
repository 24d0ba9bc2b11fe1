r"""The environment check of the first notebook: are the packages the course needs installed?

:func:`check_environment` prints one line per package (its version, or what is wrong) and a last
line ``Environment OK`` when everything the course needs is there, or ``Environment NOT OK:`` and
the fix. It never raises for a missing package: a learner on a bare kernel should read the fix.
"""

from __future__ import annotations

import importlib
import re
import sys

# (import name, distribution name, minimum version, why the course needs it)
REQUIRED: tuple[tuple[str, str, str, str], ...] = (
    ("numpy", "numpy", "1.24", "arrays"),
    ("matplotlib", "matplotlib", "3.7", "figures"),
    ("ipywidgets", "ipywidgets", "8.0", "sliders"),
    ("sklearn", "scikit-learn", "1.3", "real data sets"),
    ("threadpoolctl", "threadpoolctl", "3.0", "one-core timings (comes with scikit-learn)"),
    ("sgdteach", "sgdteach", "0.1", "the course package"),
)
MIN_PYTHON = (3, 10)


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"1.26.4"`` -> ``(1, 26, 4)``; stops at the first part that is not a number (``rc1``)."""
    parts = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        parts.append(int(match.group()))
        if match.end() < len(part):   # "0rc1": keep the 0, stop there
            break
    return tuple(parts)


def package_status(module: str, minimum: str) -> tuple[str | None, str]:
    """``(version or None, problem or "")`` for one importable module."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return None, f"missing ({exc.__class__.__name__})"
    version = str(getattr(mod, "__version__", "0"))
    if _version_tuple(version) < _version_tuple(minimum):
        return version, f"too old (need >= {minimum})"
    return version, ""


def check_environment(verbose: bool = True) -> bool:
    r"""Print the version of every package the course needs; return True when all are usable.

    The last printed line is ``Environment OK`` or ``Environment NOT OK: ...`` with the command
    that fixes it (``pip install "sgdteach[lab]"`` from the repository folder: ``pip install -e
    ".[lab]"``).

    Examples
    --------
    >>> check_environment(verbose=False)
    True
    """
    lines = []
    py_ok = sys.version_info[:2] >= MIN_PYTHON
    py = ".".join(map(str, sys.version_info[:3]))
    lines.append(f"{'python':<15}{py:<10}" + ("" if py_ok else "too old (need >= 3.10)"))
    problems = [] if py_ok else ["python"]
    for module, dist, minimum, why in REQUIRED:
        version, problem = package_status(module, minimum)
        shown = version if version is not None else "-"
        lines.append(f"{dist:<15}{shown:<10}" + (problem or why))
        if problem:
            problems.append(dist)
    if problems:
        lines.append(f"Environment NOT OK: {', '.join(problems)}. Fix: in the repository folder "
                     "run `pip install -e \".[lab]\"` (or `make lab`), then restart the kernel.")
    else:
        lines.append("Environment OK")
    if verbose:
        print("\n".join(lines))
    return not problems
