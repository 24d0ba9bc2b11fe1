r"""The kernel launcher of the grader: set limits on the process, then become an IPython kernel.

``python -m sgdteach.grading.sandbox --memory-mb M --file-mb F --writable DIR... --report FILE
-- <ipykernel arguments>`` is the ``argv`` of the grader's kernel spec. Before ``exec`` of
``ipykernel_launcher`` it

* caps the address space (``RLIMIT_AS``: a memory bomb gets ``MemoryError``, not the machine),
  the size of any file written (``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored so the write fails
  instead of killing) and core dumps (none);
* asks Linux to kill the kernel when the grading worker that started it dies
  (``PR_SET_PDEATHSIG``), so no kernel outlives a killed worker;
* confines writes to the submission's temporary folder and the kernel's scratch folder with
  :mod:`~sgdteach.grading.landlock` when the system has it;
* writes what it applied to ``--report`` as JSON, for the grader to show.

All of these survive ``exec`` and are inherited by any process the submission starts.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import sys

from . import landlock

_PR_SET_PDEATHSIG = 1


def apply_limits(memory_mb: int, file_mb: int) -> list[str]:
    """Address-space, file-size and core-size limits for this process and its children; return
    the names of those the system refused (macOS, for one, does not enforce ``RLIMIT_AS``)."""
    import resource

    refused = []
    for name, value in (("RLIMIT_AS", memory_mb * 2**20), ("RLIMIT_FSIZE", file_mb * 2**20),
                        ("RLIMIT_CORE", 0)):
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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="python -m sgdteach.grading.sandbox")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("--report", required=True)
    args = parser.parse_args(argv[:split])
    dies_with_parent = die_with_parent(args.parent_pid)
    refused = apply_limits(args.memory_mb, args.file_mb)
    try:
        abi = landlock.restrict_writes(args.writable)
        confinement = f"writes confined by Landlock ABI {abi}" if abi else \
            "no Landlock on this system: writes are not confined"
    except OSError as exc:
        confinement = f"Landlock refused ({exc}): writes are not confined"
    with open(args.report, "w", encoding="utf-8") as f:
        json.dump({"memory_mb": args.memory_mb, "file_mb": args.file_mb,
                   "dies_with_worker": dies_with_parent, "limits_refused": refused,
                   "confinement": confinement, "confined": "confined by" in confinement}, f)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv[split + 1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
