r"""Per-submission limits on the number of tasks, on the memory and on the CPU time of *all* a
kernel's processes, with a Linux control group (cgroup v2 or v1, whichever the grader can write).

:func:`create` makes one cgroup per submission below the grader's own, sets

* cgroup v2: ``pids.max``, ``memory.max``, ``memory.swap.max = 0`` and ``cpu.max``;
* cgroup v1: ``pids.max`` (``pids`` hierarchy), ``memory.limit_in_bytes`` and, when the kernel
  accounts swap, ``memory.memsw.limit_in_bytes`` (``memory`` hierarchy), ``cpu.cfs_quota_us``
  over ``cpu.cfs_period_us`` (``cpu`` hierarchy);

and returns a :class:`Cgroup` whose :attr:`~Cgroup.procs` files the kernel launcher joins before
it ``exec``\ s the sandbox (so every process the submission starts is counted). Afterwards
:meth:`Cgroup.close` kills what is left in it and removes it. Tasks are threads too: a kernel
needs about a dozen. The v2 hierarchy is used when it has the controllers, else v1; where
neither can be written (no permission, macOS) :func:`create` returns ``None`` and the caller
says which limits still hold; :attr:`Cgroup.cpu_limited` says whether the CPU limit holds (a
kernel's processes then share ``cpus`` CPUs, whatever their number: a busy learner cannot
starve a neighbour, whose own timeouts are wall-clock). Temporary files on a ``tmpfs`` are
charged to the cgroup's memory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

MOUNTINFO, SELF = Path("/proc/self/mountinfo"), Path("/proc/self/cgroup")
PERIOD_US = 100_000   # the CFS period of the CPU limit


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """``(fstype, mount point, root, super options)`` of every cgroup mount."""
    out = []
    with contextlib.suppress(OSError):
        for line in MOUNTINFO.read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                out.append((tail[0], fields[4], fields[3], set(tail[2].split(","))))
    return out


def _own() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and ``""`` for v2."""
    own: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in SELF.read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                own[name] = path
    return own


def _below(mount: str, root: str, path: str) -> Path:
    rel = os.path.relpath(path, root) if path.startswith(root) else "."
    return Path(mount) / rel


@dataclass
class Cgroup:
    """One submission's cgroup(s): ``dirs`` (one for v2, one per controller for v1)."""

    version: str
    dirs: list[Path]
    limits: list[str] = field(default_factory=list)   # what holds, e.g. "pids.max=48"
    cpu_limited: bool = False

    @property
    def procs(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def _read(self, name: str) -> str | None:
        for d in self.dirs:
            with contextlib.suppress(OSError):
                return (d / name).read_text().strip()
        return None

    def peak_memory(self) -> int | None:
        """The most memory its processes used at once, in bytes (None if unknown)."""
        value = self._read("memory.peak" if self.version == "v2" else
                           "memory.max_usage_in_bytes")
        return int(value) if value and value.isdigit() else None

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
        return found

    def close(self) -> None:
        """Kill every process left in it, then remove it (idempotent)."""
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            if self.version == "v2" and (self.dirs[0] / "cgroup.kill").exists():
                with contextlib.suppress(OSError):
                    (self.dirs[0] / "cgroup.kill").write_text("1")
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        for d in self.dirs:
            for _ in range(20):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def _make(parent: Path, name: str) -> Path | None:
    try:
        (parent / name).mkdir()
        return parent / name
    except OSError:
        return None


def _quota(cpus: float) -> int:
    return max(1000, round(cpus * PERIOD_US))


def _v2(name: str, memory: int, tasks: int, cpus: float) -> Cgroup | None:
    own = _own().get("", "/")
    for fstype, mount, root, _ in _mounts():
        if fstype != "cgroup2":
            continue
        here = _below(mount, root, own)
        # ours, else beside ours (the no-internal-process rule); never above the mount
        for parent in (here, here.parent) if here != Path(mount) else (here,):
            try:
                controllers = set((parent / "cgroup.controllers").read_text().split())
            except OSError:
                continue   # not a cgroup (the parent of the mount point)
            if not {"pids", "memory"} <= controllers:
                continue
            _write(parent / "cgroup.subtree_control", "+pids +memory")
            if cpus and "cpu" in controllers:
                _write(parent / "cgroup.subtree_control", "+cpu")
            d = _make(parent, name)
            if d is None:
                continue
            group = Cgroup("v2", [d])
            if _write(d / "pids.max", str(tasks)):
                group.limits.append(f"pids.max={tasks}")
            if _write(d / "memory.max", str(memory)):
                group.limits.append(f"memory.max={memory // 2**20} MB")
                if _write(d / "memory.swap.max", "0"):
                    group.limits.append("memory.swap.max=0")
            if cpus and _write(d / "cpu.max", f"{_quota(cpus)} {PERIOD_US}"):
                group.limits.append(f"cpu.max={_quota(cpus)} {PERIOD_US} ({cpus:g} CPU)")
                group.cpu_limited = True
            if group.limits:
                return group
            group.close()
    return None


def _v1(name: str, memory: int, tasks: int, cpus: float) -> Cgroup | None:
    own = _own()
    group = Cgroup("v1", [])
    for fstype, mount, root, options in _mounts():
        if fstype != "cgroup":
            continue
        for controller, settings in (
                ("pids", [("pids.max", str(tasks), f"pids.max={tasks}")]),
                ("memory", [("memory.limit_in_bytes", str(memory),
                             f"memory.limit_in_bytes={memory // 2**20} MB"),
                            ("memory.memsw.limit_in_bytes", str(memory),
                             "memory.memsw.limit_in_bytes (no swap)")]),
                ("cpu", [("cpu.cfs_period_us", str(PERIOD_US), ""),
                         ("cpu.cfs_quota_us", str(_quota(cpus)),
                          f"cpu.cfs_quota_us={_quota(cpus)} ({cpus:g} CPU)")] if cpus else [])):
            if not settings or controller not in options or controller not in own:
                continue
            d = _make(_below(mount, root, own[controller]), name)
            if d is None:
                continue
            held = [label for file, value, label in settings
                    if (d / file).exists() and _write(d / file, value)]
            if held:
                group.dirs.append(d)
                group.limits += [label for label in held if label]
                group.cpu_limited |= controller == "cpu" and len(held) == len(settings)
            else:
                with contextlib.suppress(OSError):
                    d.rmdir()
    return group if group.dirs else None


def create(name: str, memory_bytes: int, tasks: int, cpus: float = 0) -> Cgroup | None:
    """A fresh cgroup ``name`` limiting its members to ``tasks`` tasks, ``memory_bytes`` of
    memory in total and (if ``cpus``) ``cpus`` CPUs, or ``None`` when this process cannot create
    one."""
    if not Path("/sys/fs/cgroup").is_dir():
        return None
    return _v2(name, memory_bytes, tasks, cpus) or _v1(name, memory_bytes, tasks, cpus)
