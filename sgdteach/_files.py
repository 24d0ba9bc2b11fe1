r"""The one way sgdteach writes a file it must never leave half-written: a temporary file in the
same folder, then a rename (atomic on POSIX and on Windows).

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(folder / "a.txt", "hello")
>>> (folder / "a.txt").read_text()
'hello'
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process's umask, read without changing it for other threads: from /proc where there
    is one (Linux), else by the set-and-restore idiom."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8, a lone surrogate as U+FFFD; or bytes) to ``path``
    through a temporary file in the same folder and a rename, so a reader sees the old file or
    the new one, never a part. The folder is created when missing; the file gets the usual
    permissions (0666 less the umask), not ``mkstemp``'s 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8", "replace") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def package_root() -> str:
    """The folder that holds the ``sgdteach`` package: the repository for an editable install or a
    copy that is not installed, site-packages otherwise. The grader puts it on the worker's and
    the kernel's ``sys.path`` and mounts it read-only in the sandbox."""
    return os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
