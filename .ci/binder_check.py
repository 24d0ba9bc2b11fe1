r"""Check what Binder (repo2docker) builds from this repository, offline and without Docker.

Run by ``make binder-check`` in a venv of its own with ``jupyter-repo2docker`` installed. It
copies the files git would commit (tracked, plus untracked but not ignored) to a temporary
folder, picks the build pack there the way ``Repo2Docker.build`` does (the first of the app's
``buildpacks`` whose ``detect()`` is true), and checks, with repo2docker's own code:

- the conda build pack reads ``environment.yml``;
- the Python version it picks is :data:`EXPECTED_PYTHON`, without its warning "Python version
  unspecified" (it reads only an exact ``python=X.Y``), and it has a frozen base environment
  for that version (``get_build_script_files`` raises otherwise);
- ``environment.yml`` has no local pip requirement (such as ``-e .``), so the environment is
  built before the repository is copied into the image, and its image layer stays cached
  until ``environment.yml`` changes (``CondaBuildPack._should_preassemble_env``);
- the executable ``postBuild`` (which installs the package) is the post-build script, and in
  the rendered Dockerfile the environment is built before ``COPY src/`` and ``postBuild`` runs
  after it.

Prints one line per check and exits 1 on the first failure.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_PYTHON = "3.12"
PLATFORM = "linux/amd64"   # what mybinder.org builds


def committed_files(root: Path) -> list[str]:
    r"""Return the files of ``root`` that a clone would have: tracked or untracked-not-ignored."""
    out = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [name for name in out.split("\0") if name and (root / name).is_file()]


def copy_repository(root: Path, dest: Path) -> None:
    r"""Copy the files a clone would have from ``root`` to ``dest`` (modes kept)."""
    for name in committed_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def check(ok: bool, what: str, detail: str = "") -> None:
    r"""Print ``what`` as passed, or print it with ``detail`` and exit 1."""
    if ok:
        print(f"ok    {what}")
        return
    print(f"FAIL  {what}" + (f"\n      {detail}" if detail else ""), file=sys.stderr)
    sys.exit(1)


def run_checks(repo: Path) -> None:
    r"""Pick the build pack in ``repo`` (the working directory) and check it (module doc)."""
    from repo2docker import __version__
    from repo2docker.app import Repo2Docker
    from repo2docker.buildpacks import CondaBuildPack
    from repo2docker.utils import is_local_pip_requirement

    print(f"repo2docker {__version__} on a copy of {ROOT} in {repo}")
    warnings = _Warnings()
    logging.getLogger("repo2docker").addHandler(warnings)
    app = Repo2Docker()
    picked = next((bp for BP in app.buildpacks
                   if (bp := BP(base_image=app.base_image)).detect()), None)
    check(isinstance(picked, CondaBuildPack), "repo2docker picks the conda build pack",
          f"picked {type(picked).__name__}: is environment.yml at the top of the repository?")
    assert isinstance(picked, CondaBuildPack)
    bp = picked
    bp.platform = PLATFORM
    check(os.path.samefile(bp.environment_yaml_path, repo / "environment.yml"),
          "it reads environment.yml", str(bp.environment_yaml_path))
    version = bp.python_version
    check(version == EXPECTED_PYTHON, f"Python version it picks: {version}",
          f"expected {EXPECTED_PYTHON}: environment.yml must say `python={EXPECTED_PYTHON}`")
    unspecified = [m for m in warnings.messages if "Python version unspecified" in m]
    check(not unspecified, "no 'Python version unspecified' warning", "; ".join(unspecified))
    files = bp.get_build_script_files()   # raises ValueError for an unsupported version
    lock = f"conda/environment.py-{EXPECTED_PYTHON}-linux-64.lock"
    check(lock in files, f"it has a frozen base environment for {version} ({lock})")
    deps = bp.environment_yaml.get("dependencies", [])
    local = [line for dep in deps if isinstance(dep, dict)
             for line in dep.get("pip", []) if is_local_pip_requirement(line)]
    check(not local, "environment.yml has no local pip requirement",
          f"{local}: install the package in postBuild instead")
    check(bp._should_preassemble_env, "the environment is built before the repository is copied")
    check(os.path.realpath(bp.environment_yaml_path) in
          {os.path.realpath(p) for p in bp.get_preassemble_script_files()},
          "environment.yml is copied alone for that step (its layer caches)")
    post = bp.get_post_build_scripts()
    check(len(post) == 1 and os.path.samefile(post[0], repo / "postBuild"),
          "postBuild is the post-build script", f"post-build scripts: {post}")
    check(os.access(post[0], os.X_OK), "postBuild is executable", "git update-index --chmod=+x")
    dockerfile = bp.render({"NB_USER": "jovyan", "NB_UID": "1000"})
    env_at = dockerfile.find("env update")
    copy_at = dockerfile.find("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    post_at = dockerfile.find("./postBuild")
    check(-1 < env_at < copy_at < post_at,
          "Dockerfile: environment, then COPY src/, then ./postBuild",
          f"positions {env_at}, {copy_at}, {post_at}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sgdteach-binder-") as tmp:
        repo = Path(tmp) / "repo"
        copy_repository(ROOT, repo)
        cwd = os.getcwd()
        os.chdir(repo)   # repo2docker's build packs look for their files in the working dir
        try:
            run_checks(repo)
        finally:
            os.chdir(cwd)


if __name__ == "__main__":
    main()
