r"""Run a kernel under bubblewrap (``bwrap``): new user, PID, network, IPC, UTS and cgroup
namespaces, a read-only view of only what Python needs, and one size-limited writable folder.

Inside the sandbox a submission sees

==========================  ==================================================================
path                        what
==========================  ==================================================================
``/usr``, ``/lib*``, ...    the system's libraries and programs, read-only
Python's prefixes           the interpreter and standard library (``sys.base_prefix``), the
                            venv (``sys.prefix``) and site-packages, read-only
the ``sgdteach`` package    only the package folder (not the repository around it: no
                            ``solutions/``), read-only, at its real path; when grading,
                            the view without the exercises' answers in its place
``STAGE``                   the read-only copy of the submission's folder
``SCRATCH``                 an empty ``tmpfs`` of ``--disk-mb``: the only writable folder (the
                            launcher copies the submission there and runs the kernel in it)
the socket folder           the kernel's ZMQ sockets (IPC transport: there is no network)
``/proc``, ``/dev``         a fresh ``/proc`` of the new PID namespace, a minimal ``/dev``
==========================  ==================================================================

and nothing else: not the source notebook, the job file, the worker's log, other submissions or
the gradebook; no network (loopback included); no process outside (its PID namespace ends with
it, so a detached process dies with the submission); the environment is the kernel's own
(``--clearenv``). The root is read-only. :func:`problem` probes once whether ``bwrap`` works here
(it needs unprivileged user namespaces, or root).
"""

from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys

from ..._files import package_root

STAGE, SCRATCH = "/grading/stage", "/grading/work"
SHM_BYTES = 1 << 20        # /dev/shm: 1 MB (not a way around the scratch size)


def executable() -> str | None:
    return shutil.which("bwrap")


def package_dir() -> str:
    """The real folder of the ``sgdteach`` package (an editable install points into a repo)."""
    return os.path.join(package_root(), "sgdteach")


def python_dirs() -> list[str]:
    """Read-only folders Python needs: prefixes, site-packages, the sgdteach package."""
    dirs = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, *site.getsitepackages())}
    dirs.add(os.path.realpath(os.path.dirname(os.path.realpath(sys.executable))))
    dirs.add(package_dir())
    dirs = {d for d in dirs if os.path.isdir(d)}
    # keep only the outermost of nested folders (bwrap would mount both)
    return sorted(d for d in dirs if not any(d != o and d.startswith(o + os.sep) for o in dirs))


def _system() -> list[str]:
    """``/usr`` and the top-level links or folders pointing into it (``/lib``, ``/bin``...)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def command(argv: list[str], *, stage: str, scratch_mb: int, sockets: str,
            env: dict[str, str], package_view: str = "") -> list[str]:
    """The ``bwrap`` command line that runs ``argv`` in the sandbox described above;
    ``package_view`` (a folder) is mounted in place of the package
    (:mod:`~sgdteach.grading.worker.view`)."""
    exe = executable()
    if exe is None:
        raise FileNotFoundError("bwrap is not installed")
    args = [exe, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
            "--clearenv", *_system()]
    for folder in python_dirs():
        args += ["--ro-bind", folder, folder]
    if package_view:   # over the real package: its source is not in the sandbox at all
        args += ["--ro-bind", package_view, package_dir()]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
             "--size", str(scratch_mb * 2**20), "--tmpfs", SCRATCH,
             "--ro-bind", stage, STAGE, "--bind", sockets, sockets,
             "--remount-ro", "/", "--chdir", SCRATCH]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return [*args, "--", *argv]


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """Why bwrap cannot run a sandboxed Python here, or ``None`` when it can (probed once)."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux; this is {sys.platform}"
    if executable() is None:
        return "bwrap is not installed (apt-get install bubblewrap)"
    here = os.path.realpath(os.getcwd())
    try:
        cmd = command([sys.executable, "-I", "-c", "pass"], stage=here, scratch_mb=1,
                      sockets=here, env={})
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap failed to start: {exc}"
    if proc.returncode != 0:
        return f"bwrap failed (exit {proc.returncode}): {proc.stderr.strip()[:300]}"
    return None
