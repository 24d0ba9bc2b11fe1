r"""What crosses the grader's process boundaries, typed, with one default per key.

* :class:`Job` — grader -> worker: what to grade and under which limits, written as
  ``job.json`` (:meth:`Job.to_json`) and read back strictly (:meth:`Job.from_json`: an unknown or
  missing key is refused);
* :class:`Result` — worker -> grader: the outcome of one submission, written as ``result.json``
  and kept as the feedback ``.json`` (a plain dict on disk: :func:`new_result` builds every one);
* :class:`SandboxReport` — how the kernel was confined (the result's ``sandbox`` entry), with the
  ``confined`` flag set where the confinement is decided (the launcher), never read off its prose;
* :class:`Status` — the status of a whole submission (the outcome of one test cell is another
  vocabulary: :mod:`~sgdteach.grading.outcomes`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from enum import Enum
from pathlib import Path
from typing import Any, Literal, TypedDict, get_args

from .._validation import message

Mode = Literal["bwrap", "landlock", "none"]
MODES: tuple[Mode, ...] = get_args(Mode)
DEFAULT_MODE: Mode = "bwrap"


class Status(str, Enum):
    """The status of a graded submission, as the gradebook's ``status`` column writes it."""

    OK = "ok"
    TIMEOUT = "timeout"
    KERNEL_DIED = "kernel_died"
    INVALID_NOTEBOOK = "invalid_notebook"
    REJECTED = "rejected"
    WRONG_EXERCISE = "wrong_exercise"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Job:
    """One submission to grade, as the grader hands it to a worker (see
    :mod:`~sgdteach.grading.grade` for the command-line options behind the limits)."""

    key: str                # the submission as the gradebook names it
    path: str               # its absolute path, links not resolved (intake checks them)
    source: str             # the solution notebook, resolved
    workdir: str            # the worker's private folder
    result: str             # where the worker writes its Result
    kernel_pid_file: str    # where the worker writes its kernel's PID
    timeout: float          # seconds per cell
    notebook_timeout: float  # seconds for the whole notebook
    memory_mb: int = 2048   # address space per kernel
    file_mb: int = 128      # largest file the kernel may write
    max_output_bytes: int = 1_000_000   # output kept per cell
    sandbox: Mode = DEFAULT_MODE
    disk_mb: int = 256      # the tmpfs under bwrap (and so part of the cgroup's memory)
    max_tasks: int = 40     # processes and threads of the kernel
    grader_pid: int = 0     # the worker dies with this process (0: no one)
    exclude: tuple[str, ...] = ()   # the grader's outputs, never copied into the sandbox
    package_view: str = ""  # the package as the kernel sees it (grading.worker.view; bwrap)
    hidden_key: str = ""    # hidden test seeds are drawn from it (grading.worker.hidden)
    alone: bool = False     # its folder holds other submissions: the kernel gets the notebook only

    @classmethod
    def at(cls, workdir: Path, **values: Any) -> Job:
        """A job whose result and kernel PID files are in ``workdir``."""
        return cls(workdir=str(workdir), result=str(workdir / "result.json"),
                   kernel_pid_file=str(workdir / "kernel.pid"), **values)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        """The job written by :meth:`to_json`; ``ValueError`` for any other object."""
        data = json.loads(text)
        names = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - names:
            raise ValueError(message("Job.from_json", "text", f"a JSON object with the keys "
                                     f"{sorted(names)}", str(text)[:200],
                                     "Write jobs with Job.to_json."))
        try:
            job = cls(**{**data, "exclude": tuple(data.get("exclude", ()))})
        except TypeError as exc:
            raise ValueError(message("Job.from_json", "text", "a JSON object with every "
                                     "required key of Job", str(text)[:200], str(exc))) from None
        if job.sandbox not in MODES:
            raise ValueError(message("Job.from_json", "sandbox", f"one of {MODES}",
                                     repr(job.sandbox), "Write jobs with Job.to_json."))
        return job


class Cgroup(TypedDict):
    version: str            # "v1" or "v2"
    limits: list[str]
    peak_memory_mb: int


class SandboxReport(TypedDict, total=False):
    """How one kernel was confined: ``mode`` always; the rest once the worker started one (the
    launcher's own report — what it applied — plus the layers the worker set up)."""

    mode: Mode
    confinement: str        # a sentence on how writes were confined
    confined: bool          # whether writes were confined (Landlock held)
    limits_refused: list[str]
    memory_mb: int
    file_mb: int
    nproc: int
    dies_with_worker: bool | None
    layers: list[str]       # what held, e.g. "bubblewrap (...)", "cgroup 2 (...)"
    missing: list[str]      # what this mode lacks, in words for the instructor
    cgroup: Cgroup
    cpu_limited: bool       # whether the kernel's processes shared confine.KERNEL_CPUS CPUs


class Question(TypedDict):
    grade_id: str
    points: float
    max_points: float
    outcome: str            # see sgdteach.grading.outcomes
    message: str


class Result(TypedDict, total=False):
    """The result of one submission (the feedback ``.json``); :func:`new_result` sets the keys
    every result has."""

    submission: str
    status: Status          # written and read back as its value, e.g. "ok"
    tampered: bool
    score: float
    max_score: float
    notes: list[str]
    flags: list[str]        # "<cell>: calls <name>" (worker.scan); "<test cell>: judged inside
    #                         the learner's kernel (plain asserts)" (worker.own.KERNEL_JUDGED)
    sandbox: SandboxReport
    questions: list[Question]
    seconds: float          # the worker's wall time
    worker_peak_rss_mb: int
    trace: str              # status error: the worker's traceback
    log: str                # status error: the end of the worker's log


def new_result(job: Job, status: Status, notes: list[str] | None = None) -> Result:
    """A result for ``job`` with ``status``, no points yet and the sandbox mode only."""
    return Result(submission=job.key, status=status, sandbox=SandboxReport(mode=job.sandbox),
                  notes=list(notes or []))
