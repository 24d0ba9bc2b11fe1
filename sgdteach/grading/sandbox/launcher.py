r"""The kernel launcher of the grader: set limits on the process, then become an IPython kernel.

It runs as ``python -I -c LAUNCH --memory-mb M --file-mb F ... -- <ipykernel arguments>``
(:func:`argv`): ``-I`` keeps the current folder (the submission's) and ``PYTHONPATH`` off
``sys.path``, so no file beside the notebook (an ``argparse.py``, say) is imported before the
limits hold. Inside bubblewrap (:mod:`~sgdteach.grading.sandbox.bwrap`) it is the second layer.
Before
``exec`` of the kernel it

* copies the read-only staged submission (``--copy SRC DST``) into the size-limited scratch
  folder the kernel runs in;
* caps the address space (``RLIMIT_AS``: a memory bomb gets ``MemoryError``), the size of any file
  written (``RLIMIT_FSIZE``, ``SIGXFSZ`` ignored so the write fails instead of killing), core
  dumps (none) and, inside a user namespace (``--nproc``), the number of tasks
  (``RLIMIT_NPROC``, counted per namespace since Linux 5.14; it never binds uid 0);
* without bubblewrap, asks Linux to kill the kernel when its worker dies (``PR_SET_PDEATHSIG``);
* confines writes to the ``--writable`` folders, and allows only Unix sockets in ``--sockets``,
  with :mod:`~sgdteach.grading.sandbox.landlock` when the system has it;
* writes what it applied to ``--report`` as JSON (before Landlock holds: the file is then out of
  the kernel's reach).

All of these survive ``exec`` and are inherited by any process the submission starts. The kernel
itself starts with ``-I`` too; the submission's folder joins ``sys.path`` after the standard
library once ipykernel is loaded, as in Jupyter, so it can import its own helper modules.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import sys

from ..._files import package_root
from . import landlock

_PR_SET_PDEATHSIG = 1
_LAUNCH = ("import sys; sys.path.append({root!r}); "
           "from sgdteach.grading.sandbox.launcher import main; sys.exit(main())")
_KERNEL = ("import os, sys; sys.path.append({root!r}); from ipykernel import kernelapp; "
           "i = next((i for i, p in enumerate(sys.path) if os.path.basename(p) in "
           "('site-packages', 'dist-packages')), len(sys.path)); sys.path.insert(i, ''); "
           "kernelapp.launch_new_instance()")


def argv(options: list[str], kernel_args: list[str]) -> list[str]:
    """The command line of the launcher with ``options`` and the kernel's ``kernel_args``."""
    return [sys.executable, "-I", "-c", _LAUNCH.format(root=package_root()), *options, "--",
            *kernel_args]


def apply_limits(memory_mb: int, file_mb: int, nproc: int = 0) -> list[str]:
    """Address-space, file-size, core-size (and, if ``nproc``, task-count) limits for this
    process and its children; return the names of those the system refused (macOS, for one,
    does not enforce ``RLIMIT_AS``)."""
    import resource

    refused = []
    limits = [("RLIMIT_AS", memory_mb * 2**20), ("RLIMIT_FSIZE", file_mb * 2**20),
              ("RLIMIT_CORE", 0)] + ([("RLIMIT_NPROC", nproc)] if nproc else [])
    for name, value in limits:
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError):
            refused.append(name)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return refused


def die_with_parent(parent_pid: int) -> bool:
    """Get SIGKILL when the parent exits (Linux); exit now if it already has. Returns whether
    the request was accepted."""
    done = False
    if sys.platform.startswith("linux"):
        done = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL),
                                                       0, 0, 0) == 0
    if os.getppid() != parent_pid:
        os._exit(1)
    return done


def main(args_in: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if args_in is None else args_in
    split = args_in.index("--") if "--" in args_in else len(args_in)
    parser = argparse.ArgumentParser(prog="sgdteach.grading.sandbox.launcher")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--nproc", type=int, default=0)
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("--sockets", action="append", default=[])
    parser.add_argument("--copy", nargs=2, metavar=("SRC", "DST"))
    parser.add_argument("--no-landlock", action="store_true")
    parser.add_argument("--report", required=True)
    args = parser.parse_args(args_in[:split])
    if args.copy:
        shutil.copytree(args.copy[0], args.copy[1], dirs_exist_ok=True)
        os.chdir(args.copy[1])
        for folder in (os.environ.get("HOME"), os.environ.get("TMPDIR")):
            if folder:   # in the empty scratch tmpfs (IPython, matplotlib, tempfile use them)
                os.makedirs(folder, exist_ok=True)
    dies = die_with_parent(args.parent_pid) if args.parent_pid else None
    refused = apply_limits(args.memory_mb, args.file_mb, args.nproc)
    report = {"memory_mb": args.memory_mb, "file_mb": args.file_mb, "nproc": args.nproc,
              "dies_with_worker": dies, "limits_refused": refused}

    def write(confinement: str, confined: bool = False) -> None:
        """Record how writes are confined; ``confined`` only where Landlock holds."""
        report.update(confinement=confinement, confined=confined)
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f)

    if args.no_landlock:
        write("Landlock not used (--sandbox none): writes are not confined")
    else:
        try:
            if not landlock.restrict_writes(
                    args.writable, sockets=tuple(args.sockets),
                    ready=lambda abi: write(f"writes confined by Landlock ABI {abi}", True)):
                write("no Landlock on this system: writes are not confined")
        except OSError as exc:
            write(f"Landlock refused ({exc}): writes are not confined")
    os.execv(sys.executable, [sys.executable, "-I", "-c", _KERNEL.format(root=package_root()),
                              *args_in[split + 1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
