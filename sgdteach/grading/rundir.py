r"""The grader's temporary folder: one per run, owned through a lock, cleaned after a crash.

A run keeps its workers' folders (job, log, staged copy of the submission's folder, scratch) in
``$TMPDIR/sgdteach-grade-XXXX/``, whose file :data:`LOCK` it holds locked (``flock``) and names
its PID in. The lock dies with the process, ``kill -9`` included, so :func:`clean_dead` — run by
every grader at start-up — removes exactly the folders of runs that are gone (their cgroups and
socket folders first, :func:`~sgdteach.grading.sandbox.confine.cleanup_leftovers`); a live
run's folder, or a folder without the marker (another program's, an older grader's) or not
private to this user (what ``mkdtemp`` makes: its ``leftovers.json`` names what to remove), is
left alone. Each submission's own folder is removed as soon as it is graded
(``grade.Grader.grade_one``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .sandbox.confine import cleanup_leftovers

PREFIX, LOCK = "sgdteach-grade-", "owner.lock"


def _remove(folder: Path) -> None:
    for work in folder.iterdir():
        if work.is_dir() and not work.is_symlink():
            cleanup_leftovers(work)
    shutil.rmtree(folder, ignore_errors=True)


def clean_dead(base: Path | None = None) -> list[Path]:
    """Remove the folders of dead runs in ``base`` (the temporary folder); return them."""
    removed = []
    for folder in sorted(Path(base or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or \
                    info.st_mode & 0o077:   # not made by mkdtemp for this user: never trusted
                continue
            fd = os.open(folder / LOCK, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue   # no marker: not a run of ours, or one still being created
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.read(fd, 64).strip():   # empty: its owner has not locked it yet
                _remove(folder)
                removed.append(folder)
        except OSError:
            pass       # locked: its run is alive
        finally:
            os.close(fd)
    return removed


class RunFolder:
    """This run's temporary folder, locked until :meth:`close` removes it."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX))
        self._fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self._fd)
