r"""The instructor's files are safe from a careless invocation: checked before the first kernel
starts, each refusal one message (exit 2) saying why and what to do.

* ``--out`` (the gradebook and every file beside it, :meth:`Paths.outputs`) is never the source,
  never a submission and never inside a submission's folder — compared as resolved paths and with
  ``os.path.samefile`` (hard links too);
* the output location is writable: the feedback folder is created and a file written and removed
  there and beside the gradebook (:func:`check_writable`), so a read-only ``--out`` is found
  before the class runs, not after;
* one run per ``--out`` at a time: :func:`lock` holds ``fcntl.flock`` on
  ``.<gradebook>.lock`` beside the gradebook for the whole run; the kernel releases it when the
  process exits, however it exits (a crash or ``kill -9`` leaves no stale lock);
* a source without hidden tests (e.g. the released exercise instead of the solution) is graded
  only with ``--no-hidden-tests``: :func:`hidden_tests`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._validation import message
from .markup import BEGIN_HIDDEN, role
from .report.gradebook import Paths


class Refused(ValueError):
    """The invocation would put the instructor's files at risk (the message says what to do)."""


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def check_out(out: str, source: str, submissions: list[str]) -> None:
    """Refuse an ``--out`` that is, or writes over or into, the source or a submission."""
    outputs = Paths(out).outputs()
    fix = "Choose an --out in a folder of its own, e.g. --out results/gradebook.csv."
    for target in outputs:
        if _same(target, Path(source)) or _inside(Path(source), target):
            raise Refused(message("grade", "--out", "a path that is not the source notebook",
                                  out, f"{target} is {source}. {fix}"))
        for sub in submissions:
            if _same(target, Path(sub)) or _inside(Path(sub), target):
                raise Refused(message("grade", "--out", "a path that is no submission", out,
                                      f"{target} is (or holds) {sub}. {fix}"))
            if _inside(target, Path(sub).parent):
                raise Refused(message("grade", "--out", "a path outside every submission's "
                                      "folder", out, f"{target} would be written in "
                                      f"{Path(sub).parent}, the folder of {sub} (and a "
                                      f"learner's files could sit there first). {fix}"))


def check_writable(out: str) -> None:
    """Create the feedback folder and write (then remove) a file there and beside the gradebook;
    :class:`Refused` naming the folder when either fails."""
    paths = Paths(out)
    for folder in (paths.gradebook.parent, paths.feedback):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
                pass
        except OSError as exc:
            raise Refused(message("grade", "--out", "a location this user can write", out,
                                  f"{folder}: {exc.strerror or exc}. Choose another --out or "
                                  "fix its permissions.")) from None


def lock_path(out: str | os.PathLike) -> Path:
    """The lock file of a gradebook: hidden, beside it (never among the files merge compares)."""
    gradebook = Paths(out).gradebook
    return gradebook.with_name(f".{gradebook.name}.lock")


@contextlib.contextmanager
def lock(out: str) -> Iterator[None]:
    """Hold the ``--out``'s lock for the run; :class:`Refused` when another run holds it."""
    import fcntl

    path = lock_path(out)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(message("grade", "--out", "a gradebook no other run is writing", out,
                                  "Another grade run holds its lock: wait for it to finish, or "
                                  "choose another --out (merge the two afterwards).")) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)   # releases the lock (so does the process's exit, however it ends)


def hidden_tests(source: Any) -> bool:
    """Whether any test cell of ``source`` holds a ``BEGIN HIDDEN TESTS`` region."""
    return any(role(c) == "test" and BEGIN_HIDDEN in c.get("source", "") for c in source.cells)


def check(source: str, submissions: list[str], out: str, no_hidden_tests: bool) -> None:
    """Every check above but the lock, before anything is written or run."""
    import nbformat

    if not no_hidden_tests and not hidden_tests(nbformat.read(source, as_version=4)):
        raise Refused(message(
            "grade", "SOURCE", "the solution notebook, with hidden tests", source,
            "It has no BEGIN HIDDEN TESTS region (is it the released exercise?): pass the "
            "solution notebook, or --no-hidden-tests to grade with the visible tests only."))
    check_out(out, source, submissions)
    check_writable(out)
