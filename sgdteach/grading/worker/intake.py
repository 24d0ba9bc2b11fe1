r"""Read a submission safely, whatever lies in its folder: the notebook, the copy of its folder
the kernel gets, and the metadata of its test cells.

Rules (each odd case gets a row, never a crash):

* **Links.** A submission may be a symbolic link only to a file inside the folder that holds
  it (after resolving that folder's own links): a link out of it — to the instructor's solution,
  another learner's file — is ``rejected``, and so is any path that resolves to the source
  notebook. The learner's folder itself may not be a link (a folder linked to another learner's
  folder would be graded as the linker's work). Links inside the folder are never copied for the
  kernel. In a flat folder (an LMS download: every learner's files side by side) the kernel gets
  its own notebook only.
* **Special files.** A FIFO, socket or device is never opened: as the submission it is
  ``rejected``; in the folder it is skipped (with a note).
* **Text.** A notebook that is not UTF-8 is ``invalid_notebook``; lone surrogates (``"\ud800"``,
  valid JSON but not encodable) are replaced by U+FFFD, noted, and the notebook is graded.
* **Metadata.** A test or locked cell whose ``points``, ``grade_id`` or ``schema_version`` (or
  ``grade``/``solution``/``locked``) differ from the source's is tampering (the source's cell runs)
  — unless the cell is exactly as the learner's release stamped it: then the instructor changed
  the source since, and nobody is accused.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

from ..markup import COMPARED, grade_id, meta, read_stamp, released_digest, role

MAX_NOTEBOOK_BYTES = 100 * 2**20
MAX_COPY_BYTES, MAX_COPY_FILES = 100 * 2**20, 1000


class Rejected(Exception):
    """The submission is not graded: a link out of its folder, or not a regular file."""


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def resolve(path: Path, source: Path) -> Path:
    """The real path of the submission ``path``, checked against the rules above; raises
    :class:`Rejected` or ``FileNotFoundError``."""
    if os.path.islink(path.parent):
        raise Rejected(f"its folder {path.parent} is a symbolic link (to "
                       f"{os.path.realpath(path.parent)}); submit your own folder, not a link")
    info = os.lstat(path)
    real = os.path.realpath(path)
    if stat.S_ISLNK(info.st_mode):
        folder = os.path.realpath(path.parent)
        if not _inside(real, folder):
            raise Rejected(f"it is a symbolic link to a file outside its folder ({folder}); "
                           "submit the notebook itself")
        info = os.stat(path)
    if real == os.path.realpath(source):
        raise Rejected("it is the instructor's source notebook")
    if not stat.S_ISREG(info.st_mode):
        raise Rejected("it is not a regular file (a FIFO, socket, device or folder)")
    return Path(real)


def _clean(value: Any, found: list[int]) -> Any:
    """``value`` with lone surrogates replaced by U+FFFD (``found`` counts the strings)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            found.append(1)
            return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k, found): _clean(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v, found) for v in value]
    return value


def read_notebook(real: Path):
    """``(notebook, notes)`` or ``(None, reason)``; ``real`` is from :func:`resolve`."""
    import nbformat

    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None, "not a regular file"
            data = f.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            return None, f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
        text = data.decode("utf-8")
        found: list[int] = []
        nb = nbformat.reads(text, as_version=4)
        if "\\ud" in text.lower():   # a JSON escape of a surrogate: maybe a lone one
            nb = nbformat.from_dict(_clean(nb, found))
        for cell in nb.cells:
            if cell.get("cell_type") not in ("code", "markdown", "raw") or \
                    not isinstance(cell.get("source"), str) or \
                    not isinstance(cell.get("metadata"), dict):
                return None, "a cell lacks a valid type, source or metadata"
    except Exception as exc:  # any parse failure means: not a notebook
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        return None, f"{type(exc).__name__}: {first}"
    notes = ([f"text that is not valid Unicode (lone surrogates) in {len(found)} place(s) was "
              "replaced by \ufffd"] if found else [])
    return nb, notes


def metadata_tampering(source: Any, submission: Any) -> list[str]:
    """Notes on test and locked cells whose grading metadata differ from the source's."""
    originals = {gid: c for c in source.cells
                 if (gid := grade_id(c)) and role(c) in ("test", "locked")}
    notes, seen = [], set()
    given = read_stamp(submission) or {}
    for cell in submission.cells:
        gid = grade_id(cell)
        if gid not in originals or gid in seen:
            continue
        if gid in given and released_digest(cell) == given[gid]:
            seen.add(gid)   # as released: a difference is the instructor's change
            continue
        seen.add(gid)
        mine, theirs = meta(cell), meta(originals[gid])
        changed = [f"{k}: {theirs.get(k)!r} -> {mine.get(k)!r}" for k in COMPARED
                   if mine.get(k) != theirs.get(k)]
        if changed:
            notes.append(f"{role(originals[gid])} cell '{gid}' has changed metadata "
                         f"({'; '.join(changed)}); the source's was used")
    return notes


def copy_folder(src: Path, dst: Path, keep: str, exclude: tuple[str, ...] = (),
                alone: bool = False) -> list[str]:
    """Copy ``src`` to ``dst`` without other notebooks, hidden files, links, special files or the
    grader's own outputs (``exclude``: other learners' feedback must not be readable);
    size-capped; with ``alone`` (a flat folder shared by many learners), the notebook ``keep``
    only. Only ``lstat`` is used: nothing is followed or opened but regular files."""
    notes, total, count = [], 0, 0
    dst.mkdir(parents=True)
    skip = {os.path.realpath(p) for p in exclude}
    stack = [Path()]
    while stack:
        rel = stack.pop()
        try:
            entries = sorted(os.scandir(src / rel), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            name, path = entry.name, src / rel / entry.name
            if name.startswith(".") or name == "__pycache__" or stat.S_ISLNK(mode) or \
                    os.path.realpath(path) in skip or (alone and rel / name != Path(keep)):
                continue
            if stat.S_ISDIR(mode):
                (dst / rel / name).mkdir()
                stack.append(rel / name)
            elif not stat.S_ISREG(mode):
                notes.append(f"skipped '{rel / name}': not a regular file")
            elif not name.endswith(".ipynb") or (rel / name) == Path(keep):
                size = entry.stat(follow_symlinks=False).st_size
                if total + size > MAX_COPY_BYTES or count >= MAX_COPY_FILES:
                    return notes + [f"folder copy stopped at {count} files ({total} bytes): "
                                    "larger data files were not copied"]
                fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
                with os.fdopen(fd, "rb") as f, open(dst / rel / name, "wb") as out:
                    shutil.copyfileobj(f, out)
                total, count = total + size, count + 1
    return notes
