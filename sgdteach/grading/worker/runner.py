r"""Grade one submission, in a worker process of its own: ``python -m sgdteach.grading.worker.runner
JOB.json`` writes the result next to the job as ``result.json``.

The worker reads the submission (never the grader: a hostile file can at worst crash this
process) through :mod:`~sgdteach.grading.worker.intake` (links, special files, bad text, changed
metadata), assembles the notebook to run (:mod:`~sgdteach.grading.worker.assemble`), stages a copy
of
the submission's folder, starts a fresh kernel confined as :mod:`~sgdteach.grading.sandbox.confine`
says (bubblewrap by default) and runs the cells one by one. It stops at a dead kernel, at the
second timeout in a row (the interrupt did not stop the first), or when the whole notebook
exceeds its time budget. Each test cell runs as a probe cell; scoring judges the
probes' records in this process (:mod:`~sgdteach.grading.worker.judging`), never the cells' replies.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ..._files import write_atomic
from ..contract import Job, Question, Result, SandboxReport, Status
from ..markup import STAMP, grade_id, points, role
from ..outcomes import NOT_RUN
from ..report.gradebook import max_score
from ..sandbox import confine
from ..sandbox import launcher as sandbox
from . import judging
from .assemble import assemble
from .copies import copies
from .intake import Rejected, copy_folder, metadata_tampering, read_notebook, resolve
from .kernel_output import CappedPipe
from .solution import Trusted

if TYPE_CHECKING:
    from jupyter_client.manager import KernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from nbformat import NotebookNode

    from .kernel_client import GradingClient


class KernelStartError(RuntimeError):
    """The kernel died or hung before running anything (e.g. a port taken by another process
    between the manager choosing it and the kernel binding it): worth another try."""


def execute(nb: NotebookNode, job: Job, work: Path, scratch: Path, attempts: int = 3
            ) -> tuple[GradingClient, Status, list[str], SandboxReport]:
    """Run ``nb`` cell by cell in a fresh confined kernel; return (client, status, notes,
    the description of the sandbox)."""
    for attempt in range(1, attempts + 1):
        conf = confine.prepare(job, work, scratch, attempt)
        confine.record_leftovers(Path(job.workdir), conf)
        try:
            client, status, notes = _run_cells(nb, job, conf)
            return client, status, notes, conf.describe()
        except KernelStartError as exc:
            if attempt == attempts:
                raise RuntimeError(f"the kernel failed to start {attempts} times: "
                                   f"{exc.__cause__}; {conf.launcher_report()}") from exc
            time.sleep(attempt)
        finally:
            conf.close()
    raise AssertionError("unreachable")


def _run_cells(nb: NotebookNode, job: Job, conf: confine.Confinement
               ) -> tuple[GradingClient, Status, list[str]]:
    from nbclient.exceptions import DeadKernelError

    from ..outcomes import TIMEOUT_ENAME
    from .kernel_client import GradingClient, kernel_manager_class

    km_class = kernel_manager_class(conf.argv, transport=conf.transport, ip=conf.ip,
                                    connection_file=conf.connection_file,
                                    interrupt_mode=conf.interrupt_mode)
    client = GradingClient(nb, timeout=job.timeout, startup_timeout=60,
                           kernel_manager_class=km_class,
                           max_output_bytes=job.max_output_bytes)
    status, notes, streak, started = Status.OK, [], 0, False

    def label(index: int) -> str:
        gid = grade_id(nb.cells[index])
        return f"cell '{gid}'" if gid else f"cell {index + 1} (a cell you added)"

    last_test = max((i for i, c in enumerate(nb.cells) if role(c) == "test"), default=-1)
    deadline = time.monotonic() + job.notebook_timeout
    pipe = CappedPipe(job.max_output_bytes)   # the kernel's fd 1 and 2, capped
    try:
        with client.setup_kernel(cwd=conf.cwd, env=conf.env, stdout=pipe.fd, stderr=pipe.fd):
            started = True
            pipe.release()
            # setup_kernel started the kernel: its manager and local provisioner are set
            km = cast("KernelManager", client.km)
            Path(job.kernel_pid_file).write_text(
                str(cast("LocalProvisioner", km.provisioner).pid))
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if time.monotonic() > deadline:
                    status = Status.TIMEOUT
                    notes.append(f"stopped before {label(index)}: the notebook ran past its "
                                 f"time budget of {job.notebook_timeout:g} s")
                    break
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    if index > last_test:   # every test cell's record is in: still graded
                        notes.append(f"the kernel died while running {label(index)}, after "
                                     "the last test cell")
                    else:
                        notes.append(f"the kernel died while running {label(index)}")
                        status = Status.KERNEL_DIED
                    break
                if client.replies.get(index, {}).get("ename") == TIMEOUT_ENAME:
                    status, streak = Status.TIMEOUT, streak + 1
                    notes.append(f"{label(index)} ran past {job.timeout:g} s and was "
                                 "interrupted")
                    if streak >= 2:
                        notes.append("the kernel did not recover from the interrupt: stopped")
                        break
                else:
                    streak = 0
    except Exception as exc:
        if started:
            raise
        raise KernelStartError(str(exc)) from exc
    finally:
        pipe.finish(timeout=1.0)
    notes += [note] if (note := pipe.note()) else []
    for index in sorted(client.truncated):
        notes.append(f"output of {label(index)} truncated")
    for index, reason in sorted(client.refused.items()):
        notes.append(f"output limit: output of {label(index)} refused ({reason})")
    return client, status, notes


def _stopped(result: Result, status: Status, notes: list[str]) -> Result:
    """``result``, not graded further: with ``status`` and these ``notes`` only."""
    result["status"], result["notes"] = status, notes
    return result


def other_exercise(source: NotebookNode, submission: NotebookNode) -> str | None:
    """Why ``submission`` is another exercise than ``source`` (it has answer or test cells, none
    of them the source's), or ``None``."""
    def graded(nb: NotebookNode) -> set[str]:
        return {gid for c in nb.cells if (gid := grade_id(c)) and role(c) in ("answer", "test")}

    mine, theirs = graded(submission), graded(source)
    if not mine or mine & theirs:
        return None
    stamp = submission.metadata.get(STAMP)
    name = stamp.get("exercise") if isinstance(stamp, dict) else None
    which = f"exercise {name!r}" if isinstance(name, str) else "another exercise"
    return (f"this notebook is {which} "
            f"(its graded cells {', '.join(sorted(mine)[:3])} are not in the source, whose are "
            f"{', '.join(sorted(theirs)[:3])}); hand in the notebook of this exercise")


def grade(job: Job) -> Result:
    """The result of one submission (see :mod:`sgdteach.grading.report.gradebook` for its use)."""
    import nbformat

    source = nbformat.read(job.source, as_version=4)
    tests = [c for c in source.cells if role(c) == "test"]
    result = Result(submission=job.key, status=Status.OK, tampered=False, score=0.0,
                    max_score=max_score(source), notes=[], flags=[],
                    sandbox=SandboxReport(mode=job.sandbox), questions=[
                        Question(grade_id=c.metadata.nbgrader.grade_id, points=0.0,
                                 max_points=points(c), outcome=NOT_RUN, message="")
                        for c in tests])
    path = Path(job.path)
    try:
        real = resolve(path, Path(job.source))
    except Rejected as exc:
        return _stopped(result, Status.REJECTED, [f"not graded: {exc}"])
    except OSError as exc:
        return _stopped(result, Status.INVALID_NOTEBOOK,
                        [f"not a valid notebook: {type(exc).__name__}: {exc.strerror}"])
    submission, read_notes = read_notebook(real)
    if submission is None:
        return _stopped(result, Status.INVALID_NOTEBOOK, [f"not a valid notebook: {read_notes}"])
    if (other := other_exercise(source, submission)) is not None:
        return _stopped(result, Status.WRONG_EXERCISE, [f"not graded: {other}"])
    trusted = Trusted(source)   # the instructor's solution, for their own test cells
    released = trusted.released(judging.plan(source))
    try:
        built = assemble(source, submission, released)
    except Exception as exc:  # a structurally odd notebook nbformat still accepted
        return _stopped(result, Status.INVALID_NOTEBOOK, [f"cannot read cells: {exc}"])
    changed = metadata_tampering(source, submission)
    result["tampered"] = built.tampered or bool(changed)
    result["notes"] = list(read_notes) + list(built.notes) + changed
    plans = judging.prepare(source, built, job.hidden_key)   # test cells become probe cells
    work = Path(job.workdir) / "work" / path.parent.name
    scratch = Path(job.workdir) / "scratch"
    scratch.mkdir()
    result["notes"] += copy_folder(path.parent, work, path.name, job.exclude, job.alone)
    client, status, notes, result["sandbox"] = execute(built.nb, job, work, scratch)
    result["status"] = status
    result["notes"] += notes
    judging.score(result, built, plans, client.replies, trusted)   # the records, judged here
    result["flags"] += copies(source, built)
    for gid, index in built.answers.items():
        reply = client.replies.get(index)
        if reply and reply["status"] != "ok":
            text = f"{reply['ename']}: {reply['evalue'][:300]}".rstrip(": ")
            result["notes"].append(f"answer cell '{gid}' raised {text}")
    result["score"] = sum(q["points"] for q in result["questions"])
    return result


WORKER_MEMORY_MB = 3072
"""The worker's own address-space limit (``RLIMIT_AS``): a backstop, as kernel messages are
decoded with limits (:mod:`~sgdteach.grading.worker.messages`) and outputs are capped."""


def limit_memory(mb: int = WORKER_MEMORY_MB) -> bool:
    """Cap this process's address space at ``mb`` MB (never above the hard limit); whether it
    holds."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    value = mb * 2**20 if hard == resource.RLIM_INFINITY else min(hard, mb * 2**20)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (value, hard))
        return True
    except (ValueError, OSError):
        return False


def peak_rss_mb() -> float:
    """The most resident memory this process has used, in MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def main(argv: list[str] | None = None) -> int:
    from .. import _jsonschema_workaround  # noqa: F401  (before nbformat is imported)

    argv = sys.argv[1:] if argv is None else argv
    job = Job.from_json(Path(argv[0]).read_text())
    if job.grader_pid:
        sandbox.die_with_parent(job.grader_pid)   # no worker outlives a killed grader
    limited = limit_memory()
    start = time.monotonic()
    try:
        result = grade(job)
    except Exception as exc:  # the grader records an error row and goes on
        why = f"{type(exc).__name__}: {exc}" if not isinstance(exc, MemoryError) else (
            f"the grading worker reached its own memory limit ({WORKER_MEMORY_MB} MB)"
            if limited else "MemoryError")
        result = Result(submission=job.key, status=Status.ERROR,
                        notes=[f"grading failed: {why}"],
                        trace=traceback.format_exc()[-4000:])
    result["seconds"] = round(time.monotonic() - start, 2)
    result["worker_peak_rss_mb"] = round(peak_rss_mb())
    write_atomic(job.result, json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
