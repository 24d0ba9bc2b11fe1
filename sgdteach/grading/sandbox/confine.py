r"""How one submission's kernel is confined: the command line, environment and transport for
each ``--sandbox`` mode, and what held.

* ``bwrap`` (default): bubblewrap namespaces and mounts (:mod:`~sgdteach.grading.sandbox.bwrap`), a
  ``--disk-mb`` tmpfs as the only writable folder, a cgroup (tasks, total memory), then the
  launcher's rlimits and Landlock inside; ZMQ over Unix sockets (there is no network);
* ``landlock``: the launcher's rlimits and Landlock (writes only), a cgroup when one can be made;
  ZMQ over loopback TCP; the kernel can read what the grader can and signal its processes;
* ``none``: the launcher's rlimits only.

:func:`prepare` returns a :class:`Confinement`; :meth:`Confinement.describe` is what the result
(and so the gradebook, the feedback and the class summary) says about it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from ..contract import MODES, Job, Mode, SandboxReport
from . import bwrap, cgroups
from . import launcher as sandbox

_JOIN = ('for f; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 97; shift; done; shift; '
         'exec "$@"')
_KERNEL_ARGS = ["-f", "{connection_file}", "--HistoryManager.hist_file=:memory:",
                # the probes' record channel, captured before any cell runs
                "--IPKernelApp.exec_lines=["
                "\"__import__('sgdteach.grading.worker.probes', fromlist=['pin']).pin()\"]"]
KERNEL_CPUS = 1.0   # CPU time of all of a kernel's processes together (a cgroup)
NO_CPU_LIMIT = ("no CPU limit per kernel (no cgroup cpu controller the grader can write): a "
                "submission's processes can slow its neighbours into timeouts")


def kernel_env(home: str, tmp: str) -> dict[str, str]:
    """A small environment for the kernel: no secrets of the grader's, one BLAS thread."""
    keep = ("LANG", "LC_ALL", "LC_CTYPE", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=home, TMPDIR=tmp,
               IPYTHONDIR=f"{home}/ipython", MPLCONFIGDIR=f"{home}/mpl", MPLBACKEND="Agg",
               PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2", PYDEVD_DISABLE_FILE_VALIDATION="1",
               JUPYTER_PLATFORM_DIRS="1")
    return env


def _socket_dir(workdir: Path) -> Path:
    """A folder for the kernel's Unix sockets with a short path (``sun_path`` <= 107 bytes)."""
    base = workdir if len(str(workdir)) <= 60 else Path(tempfile.gettempdir())
    if len(str(base)) > 60:
        base = Path("/tmp")
    return Path(tempfile.mkdtemp(prefix="sgk-", dir=base))


@dataclass
class Confinement:
    """The kernel command line and its surroundings for one submission."""

    mode: Mode
    argv: list[str]
    env: dict[str, str]
    cwd: str
    transport: str
    ip: str
    connection_file: str
    interrupt_mode: str
    report: Path
    cgroup: cgroups.Cgroup | None = None
    sockets: Path | None = None
    layers: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def launcher_report(self) -> SandboxReport:
        """What the launcher applied (:mod:`~sgdteach.grading.sandbox.launcher` writes it)."""
        try:
            with open(self.report, encoding="utf-8") as f:
                return cast(SandboxReport, json.loads(f.read(65536)))
        except (OSError, ValueError):
            return SandboxReport(confinement="unknown: the kernel did not start", confined=False)

    def describe(self) -> SandboxReport:
        """What confined the kernel, for the result's ``sandbox`` entry."""
        out = self.launcher_report()
        out["mode"], out["layers"] = self.mode, list(self.layers)
        out["missing"] = list(self.missing)
        out["cpu_limited"] = self.cgroup is not None and self.cgroup.cpu_limited
        if self.cgroup is not None:
            out["cgroup"] = {"version": self.cgroup.version, "limits": self.cgroup.limits,
                             "peak_memory_mb": round((self.cgroup.peak_memory() or 0) / 2**20)}
        return out

    def close(self) -> None:
        """Kill whatever is left in the cgroup, remove it and the socket folder."""
        if self.cgroup is not None:
            self.cgroup.close()
        if self.sockets is not None:
            shutil.rmtree(self.sockets, ignore_errors=True)


def _cgroup(job: Job, name: str) -> cgroups.Cgroup | None:
    """A cgroup for the kernel: its memory and its disk (the bwrap tmpfs is memory), tasks,
    CPU time."""
    return cgroups.create(name, (job.memory_mb + job.disk_mb) * 2**20, job.max_tasks,
                          KERNEL_CPUS)


def prepare(job: Job, stage: Path, scratch: Path, attempt: int = 1) -> Confinement:
    """The confinement of the ``job``'s kernel in ``job.sandbox`` mode; ``stage`` is the
    copy of the submission's folder, ``scratch`` a private folder of the worker."""
    mode = job.sandbox
    if mode not in MODES:
        raise ValueError(f"prepare: 'sandbox' must be one of {MODES}; got {mode!r}")
    limits = ["--memory-mb", str(job.memory_mb), "--file-mb", str(job.file_mb)]
    group = None if mode == "none" else _cgroup(job, f"sgdteach-{os.getpid()}-{attempt}")
    layers, missing = [], []
    if group is not None:
        layers.append(f"cgroup {group.version} ({', '.join(group.limits)})")
    elif mode != "none":
        missing.append("no cgroup could be created: the number of processes and the total "
                       "memory of all of them are not limited")
    if mode != "none" and (group is None or not group.cpu_limited):
        missing.append(NO_CPU_LIMIT)
    if mode == "bwrap":
        sockets = _socket_dir(Path(job.workdir))
        name = stage.name if not stage.name.startswith(".") else "submission"
        cwd, home = f"{bwrap.SCRATCH}/{name}", f"{bwrap.SCRATCH}/.home"
        report = sockets / "sandbox.json"
        inner = sandbox.argv(limits + [
            "--nproc", str(job.max_tasks), "--writable", bwrap.SCRATCH,
            "--sockets", str(sockets), "--copy", bwrap.STAGE, cwd, "--report", str(report)],
            _KERNEL_ARGS)
        argv = bwrap.command(inner, stage=str(stage), scratch_mb=job.disk_mb,
                             sockets=str(sockets),
                             env=kernel_env(home, f"{bwrap.SCRATCH}/.tmp"),
                             package_view=job.package_view)
        layers[:0] = ["bubblewrap (user, PID, network, IPC, UTS namespaces; read-only view of "
                      f"Python; {job.disk_mb} MB tmpfs)"]
        if job.package_view:
            layers.insert(1, "package view (the exercises' answers absent)")
        conf = Confinement(mode, argv, {"PATH": "/usr/bin:/bin"}, str(sockets), "ipc",
                           str(sockets / "k"), str(sockets / "kernel.json"), "message", report,
                           group, sockets, layers, missing)
    else:
        report = scratch / "sandbox.json"
        options = limits + ["--parent-pid", str(os.getpid()), "--writable", str(stage),
                            "--writable", str(scratch), "--report", str(report)]
        missing.append("no package view (needs bubblewrap): the kernel can compute the "
                       "exercises' answers with the package's own functions")
        if mode == "none":
            options.append("--no-landlock")
            missing.append("no sandbox (--sandbox none): the kernel can read and, but for "
                           "rlimits, use everything the grader can")
        else:
            missing.append("no bubblewrap (--sandbox landlock): the kernel can read any file, "
                           "use the network and signal the grader's processes")
        argv = sandbox.argv(options, _KERNEL_ARGS)
        conf = Confinement(mode, argv, kernel_env(str(scratch), str(scratch)), str(stage),
                           "tcp", "127.0.0.1", str(scratch / "kernel.json"), "signal", report,
                           group, None, layers, missing)
    layers.append("rlimits (address space, file size, core)")
    if mode != "none":
        layers.append("Landlock (writes)")
    if group is not None:
        conf.argv = ["/bin/sh", "-c", _JOIN, "sh", *group.procs, "--", *conf.argv]
    return conf


def record_leftovers(workdir: Path, conf: Confinement) -> None:
    """Note the cgroup and socket folder of ``conf`` in ``workdir`` (the grader removes them
    with :func:`cleanup_leftovers` if the worker is killed before it can)."""
    record = workdir / "leftovers.json"
    with contextlib.suppress(OSError, ValueError):
        items = json.loads(record.read_text()) if record.exists() else []
        items.append({"cgroup": [conf.cgroup.version, [str(d) for d in conf.cgroup.dirs]]
                      if conf.cgroup else None,
                      "sockets": str(conf.sockets) if conf.sockets else None})
        record.write_text(json.dumps(items))


def cleanup_leftovers(workdir: Path) -> None:
    """Kill and remove what :func:`record_leftovers` noted (nothing if all is gone)."""
    with contextlib.suppress(OSError, ValueError):
        for item in json.loads((workdir / "leftovers.json").read_text()):
            if item.get("cgroup"):
                version, dirs = item["cgroup"]
                cgroups.Cgroup(version, [Path(d) for d in dirs]).close()
            if item.get("sockets"):
                shutil.rmtree(item["sockets"], ignore_errors=True)
