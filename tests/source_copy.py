"""A private copy of the repository's committed files, for tests that build or install the
package: setuptools writes ``build/`` and ``sgdteach.egg-info/`` into the tree it builds, so two
builds of one tree at once (two pytest workers) remove each other's files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def committed_copy(dest: Path) -> Path:
    """Copy every file git tracks in the repository to ``dest`` (created) and return ``dest``."""
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest
