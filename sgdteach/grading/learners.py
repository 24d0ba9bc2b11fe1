r"""Learners, not paths: the learner a submitted notebook belongs to.

A submission is named, in this order of precedence, by

1. a **roster** (``--roster roster.csv``): a CSV with a ``submission`` column (a learner's folder
   name, a file name, or the id found by 2–4) and an ``id`` column, optionally ``name``,
   ``email``, ``section``, ``sis_user_id``, ``sis_login_id``, ``canvas_id`` (used by the exports);
2. a **Canvas** download (``Download Submissions``): ``<name>_[LATE_]<user id>_<submission
   id>_<file>``, e.g. ``lastname_12345_67890_02_sgd.ipynb`` -> ``lastname_12345`` (the Canvas
   user id is kept for the Canvas export);
3. a **Moodle** download (``Download all submissions``): ``<Full Name>_<participant
   id>_assignsubmission_file_<file>``, or the same without ``_<file>`` as a folder when Moodle
   downloads "in folders" -> ``Full Name``. Moodle's participant id is drawn per assignment, so
   it cannot join exercises; the name does (a roster disambiguates namesakes);
4. the **folder** a learner's files are in: ``submissions/<id>/NN_x.ipynb`` -> ``<id>`` (the
   first folder under ``root`` when given, else the file's own folder).

>>> learner_id("submissions/alice/02_sgd.ipynb", "submissions")
'alice'
>>> learner_id("dl/lastname_LATE_12345_67890_02_sgd.ipynb", "dl")
'lastname_12345'
>>> learner_id("dl/Ada Lovelace_4242_assignsubmission_file_02_sgd.ipynb")
'Ada Lovelace'
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from .._validation import fail

# Canvas: name (lower case, no separators), optional LATE, user id, submission id, file name.
CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
# Moodle: full name (its "_" become spaces), participant id, the plugin, then the file name.
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_file_(?P<file>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_file$")

ROSTER_FIELDS = ("name", "email", "section", "sis_user_id", "sis_login_id", "canvas_id")


@dataclass(frozen=True)
class Learner:
    """A learner: ``id`` joins their exercises; the rest fills the exports (empty if unknown)."""

    id: str
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def get(self, key: str) -> str:
        return self.details.get(key, "")


def _folder(path: PurePath, root: str | os.PathLike | None) -> str:
    """The learner's folder: the first under ``root`` when given (and ``path`` is under it),
    else the file's own folder; ``""`` for a file directly in ``root`` or given bare."""
    parts = path.parent.parts
    if root is not None and path.parent.is_relative_to(PurePath(root)):
        parts = path.parent.relative_to(PurePath(root)).parts[:1]
    folder = parts[-1] if parts else ""
    return "" if folder in (".", "..", "/") else folder


def _parse(path: str | os.PathLike, root: str | os.PathLike | None) -> Learner | None:
    """The learner a path names by itself (rules 2–4), or ``None``."""
    p = PurePath(path)
    found = CANVAS.match(p.name)
    if found:
        return Learner(f"{found['name']}_{found['user']}", {"canvas_id": found["user"]})
    found = MOODLE_FILE.match(p.name)
    if found:
        return Learner(found["name"])
    folder = _folder(p, root)
    if not folder:
        return None
    found = MOODLE_FOLDER.match(folder)
    return Learner(found["name"] if found else folder)


class Roster:
    """A roster CSV: ``submission`` (folder, file name or parsed id) -> learner details."""

    def __init__(self, rows: dict[str, dict[str, str]] | None = None):
        self.rows = rows or {}

    @classmethod
    def read(cls, path: str | os.PathLike | None) -> Roster:
        if path is None:
            return cls()
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            if not {"submission", "id"} <= set(header):
                fail("roster", "roster", "a CSV with the columns 'submission' and 'id' (and "
                     f"optionally {', '.join(ROSTER_FIELDS)})", header,
                     "Add a header line such as submission,id,name,email.")
            rows = {r["submission"].strip(): r for r in reader if (r["submission"] or "").strip()}
        return cls(rows)

    def learner(self, path: str | os.PathLike, root: str | os.PathLike | None = None) -> Learner:
        """The learner of ``path``: the roster row matching its folder, file name or parsed id,
        else the parsed learner; refused (``ValueError``) when neither names one."""
        p = PurePath(path)
        parsed = _parse(path, root)
        names = [_folder(p, root), p.name, parsed.id if parsed else ""]
        for name in names:
            row = self.rows.get(name) if name else None
            if row is not None:
                details = dict(parsed.details) if parsed else {}
                details.update({k: (row.get(k) or "").strip() for k in ROSTER_FIELDS
                                if (row.get(k) or "").strip()})
                return Learner(row["id"].strip(), details)
        if parsed is None:
            fail("learner_id", "path", "in a learner's folder (submissions/<id>/file.ipynb), "
                 "named as a Canvas or Moodle download, or listed in the roster", str(path),
                 "Put each learner's notebook in a folder named after them, or pass --roster.")
        return parsed

    def everyone(self) -> list[Learner]:
        """Every learner the roster lists (so absent learners are listed too)."""
        return [Learner(r["id"].strip(), {k: (r.get(k) or "").strip() for k in ROSTER_FIELDS
                                          if (r.get(k) or "").strip()})
                for r in self.rows.values()]


def learner_id(path: str | os.PathLike, root: str | os.PathLike | None = None,
               roster: Roster | None = None) -> str:
    """The id of the learner who submitted ``path`` (see the module's rules).

    Parameters
    ----------
    path : the submitted notebook, e.g. ``submissions/alice/02_sgd.ipynb``.
    root : the folder the class's submissions were collected in (optional): the learner's
        folder is the first one under it.
    roster : a :class:`Roster` (optional), which wins over names read from the path.
    """
    return (roster or Roster()).learner(path, root).id

