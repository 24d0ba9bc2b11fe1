r"""axe-core, the accessibility engine the browser tests run in the page (Deque, MPL-2.0).

Not vendored: :func:`axe_source` fetches the pinned release from the npm registry with
``npm pack`` the first time, checks the tarball against the pinned SHA-512 (the registry's
``dist.integrity``), and keeps ``axe.min.js`` and its licence in a cache folder (the tests'
git-ignored artifacts folder). ``.ci/run`` fetches it before the tests, like Chromium; run this
file (``python tests/browser/axe.py``) to fetch it by hand.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "4.14.1"
INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe"
             "37OgudVGtQ==")
CACHE = Path(__file__).resolve().parents[1] / "artifacts" / "axe-core"
# The WCAG 2.0 / 2.1 level A and AA rules (the bar).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def axe_source(cache: Path = CACHE) -> str:
    r"""Return the text of ``axe.min.js`` of axe-core :data:`VERSION`, fetching it if needed.

    Raises RuntimeError when npm is missing or the download fails or does not match.
    """
    target = cache / f"axe-core-{VERSION}"
    script = target / "axe.min.js"
    if script.is_file():
        return script.read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("axe-core is fetched with npm: install Node.js and npm "
                           "(apt-get install npm)")
    with tempfile.TemporaryDirectory(prefix="axe-core-") as tmp:
        run = subprocess.run([npm, "pack", f"axe-core@{VERSION}", "--silent"], cwd=tmp,
                             capture_output=True, text=True, timeout=300)
        tarballs = list(Path(tmp).glob("axe-core-*.tgz"))
        if run.returncode or len(tarballs) != 1:
            raise RuntimeError(f"npm pack axe-core@{VERSION} failed:\n{run.stderr[-2000:]}")
        data = tarballs[0].read_bytes()
    if _integrity(data) != INTEGRITY:
        raise RuntimeError(f"axe-core {VERSION}: the tarball does not match {INTEGRITY}")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for name in ("axe.min.js", "LICENSE"):
            member = tar.extractfile(f"package/{name}")
            assert member is not None
            (target / name).write_bytes(member.read())
    return script.read_text(encoding="utf-8")


if __name__ == "__main__":
    print(f"axe-core {VERSION}: {len(axe_source())} characters in {CACHE}", file=sys.stderr)
