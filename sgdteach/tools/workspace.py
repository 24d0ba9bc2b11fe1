r"""A learner's own copies of the exercises: ``python -m sgdteach workspace [EXERCISES] [WORK]``
(run by ``make lab`` and by the Binder image's start-up).

Every ``EXERCISES/*.ipynb`` (default ``exercises/``) that ``WORK`` (default ``my-exercises/``,
ignored by git) does not have yet is copied there; a notebook already in ``WORK`` is never
touched, so a learner's answers survive ``make lab``, ``make exercises`` and ``git pull``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path


def sync(exercises: str | Path = "exercises", work: str | Path = "my-exercises") -> list[str]:
    """Copy the exercises ``work`` lacks (never overwriting one); return a line per copy.

    >>> import tempfile, pathlib
    >>> src, dst = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
    >>> _ = (src / "01.ipynb").write_text("{}")
    >>> sync(src, dst)[0].startswith("copied")
    True
    >>> sync(src, dst)
    []
    """
    src, dst = Path(exercises), Path(work)
    if not src.is_dir():
        raise FileNotFoundError(f"workspace: 'exercises' must be a folder of notebooks; got "
                                f"{str(src)!r}. Run it from the course's folder.")
    dst.mkdir(parents=True, exist_ok=True)
    lines = []
    for path in sorted(src.glob("*.ipynb")):
        mine = dst / path.name
        if not mine.exists():
            shutil.copyfile(path, mine)
            lines.append(f"copied {path} -> {mine}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sgdteach workspace",
        description="Copy the exercises a learner does not have yet into their own folder "
                    "(never overwriting one).")
    parser.add_argument("exercises", nargs="?", default="exercises")
    parser.add_argument("work", nargs="?", default="my-exercises")
    args = parser.parse_args(argv)
    try:
        lines = sync(args.exercises, args.work)
    except FileNotFoundError as exc:
        print(exc)
        return 2
    for line in lines:
        print(line)
    return 0
