r"""Grade one submission, in a worker process of its own: ``python -m sgdteach.grading.runner
JOB.json`` writes the result next to the job as ``result.json``.

The worker reads the submission (never the grader: a hostile file can at worst crash this
process), assembles the notebook to run (:mod:`~sgdteach.grading.assemble`), copies the
submission's folder to a temporary folder, starts a fresh sandboxed kernel there and runs the cells
one by one. It stops at a dead kernel, at the second timeout in a row (the interrupt did not stop
the first), or when the whole notebook exceeds its time budget. Each test cell runs as a probe
cell; scoring judges the probes' records in this process (:mod:`~sgdteach.grading.judging`),
never the cells' replies.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import judging
from .assemble import assemble
from .markup import grade_id, points, role

MAX_NOTEBOOK_BYTES = 100 * 2**20
MAX_COPY_BYTES, MAX_COPY_FILES = 100 * 2**20, 1000


def copy_folder(src: Path, dst: Path, keep: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """Copy ``src`` to ``dst`` without other notebooks, hidden files, symlinks or the grader's
    own outputs (``exclude``: other learners' feedback must not be readable); size-capped."""
    notes, total, count = [], 0, 0
    dst.mkdir(parents=True)
    skip = {os.path.realpath(p) for p in exclude}
    for root, dirs, files in os.walk(src, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"
                   and not os.path.islink(os.path.join(root, d))
                   and os.path.realpath(os.path.join(root, d)) not in skip]
        rel = Path(root).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            if name.startswith(".") or path.is_symlink() or os.path.realpath(path) in skip or (
                    name.endswith(".ipynb") and (rel / name) != Path(keep)):
                continue
            size = path.stat().st_size
            if total + size > MAX_COPY_BYTES or count >= MAX_COPY_FILES:
                notes.append(f"folder copy stopped at {count} files ({total} bytes): "
                             "larger data files were not copied")
                return notes
            shutil.copyfile(path, dst / rel / name)
            total, count = total + size, count + 1
    return notes


def kernel_env(scratch: Path) -> dict[str, str]:
    """A small environment for the kernel: no secrets of the grader's, one BLAS thread."""
    import sgdteach

    package_root = str(Path(sgdteach.__file__).resolve().parent.parent)
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    paths = [package_root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env.update(PYTHONPATH=os.pathsep.join(paths), HOME=str(scratch), TMPDIR=str(scratch),
               IPYTHONDIR=str(scratch / "ipython"), MPLCONFIGDIR=str(scratch / "mpl"),
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MALLOC_ARENA_MAX="2",
               PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
    return env


def read_submission(path: Path):
    """The submission as a notebook node, or a reason why it is not one."""
    import nbformat

    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None, f"larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.get("cell_type") not in ("code", "markdown", "raw") or \
                    not isinstance(cell.get("source"), str) or \
                    not isinstance(cell.get("metadata"), dict):
                return None, "a cell lacks a valid type, source or metadata"
    except Exception as exc:  # any parse failure means: not a notebook
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    return nb, ""


class KernelStartError(RuntimeError):
    """The kernel died or hung before running anything (e.g. a port taken by another process
    between the manager choosing it and the kernel binding it): worth another try."""


def execute(nb, job: dict[str, Any], work: Path, scratch: Path, attempts: int = 3):
    """Run ``nb`` cell by cell in a fresh kernel; return (client, status, notes)."""
    for attempt in range(1, attempts + 1):
        try:
            return _run_cells(nb, job, work, scratch)
        except KernelStartError as exc:
            if attempt == attempts:
                raise RuntimeError(f"the kernel failed to start {attempts} times: "
                                   f"{exc.__cause__}") from exc
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _run_cells(nb, job: dict[str, Any], work: Path, scratch: Path):
    from nbclient.exceptions import DeadKernelError

    from .client import TIMEOUT_ENAME, GradingClient, kernel_manager_class

    report = scratch / "sandbox.json"
    km_class = kernel_manager_class(job["memory_mb"], job["file_mb"], os.getpid(),
                                    [str(work), str(scratch)], str(report))
    client = GradingClient(nb, timeout=job["timeout"], startup_timeout=60,
                           kernel_manager_class=km_class,
                           max_output_bytes=job["max_output_bytes"])
    status, notes, streak, started = "ok", [], 0, False

    def label(index: int) -> str:
        gid = grade_id(nb.cells[index])
        return f"cell '{gid}'" if gid else f"cell {index + 1} (a cell you added)"

    deadline = time.monotonic() + job["notebook_timeout"]
    try:
        with client.setup_kernel(cwd=str(work), env=kernel_env(scratch)):
            started = True
            Path(job["kernel_pid_file"]).write_text(str(client.km.provisioner.pid))
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if time.monotonic() > deadline:
                    status = "timeout"
                    notes.append(f"stopped before {label(index)}: the notebook ran past its "
                                 f"time budget of {job['notebook_timeout']:g} s")
                    break
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    notes.append(f"the kernel died while running {label(index)}")
                    status = "kernel_died"
                    break
                if client.replies.get(index, {}).get("ename") == TIMEOUT_ENAME:
                    status, streak = "timeout", streak + 1
                    notes.append(f"{label(index)} ran past {job['timeout']:g} s and was "
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
    for index in sorted(client.truncated):
        notes.append(f"output of {label(index)} truncated")
    return client, status, notes


def sandbox_report(scratch: Path) -> dict[str, Any]:
    """What the kernel launcher applied (memory cap, write confinement)."""
    try:
        return json.loads((scratch / "sandbox.json").read_text())
    except (OSError, ValueError):
        return {"confinement": "unknown: the kernel did not start", "confined": False}


def grade(job: dict[str, Any]) -> dict[str, Any]:
    """The result of one submission (see :mod:`sgdteach.grading.gradebook` for its use)."""
    import nbformat

    source = nbformat.read(job["source"], as_version=4)
    tests = [c for c in source.cells if role(c) == "test"]
    result: dict[str, Any] = {
        "submission": job["key"], "status": "ok", "tampered": False, "score": 0.0,
        "max_score": sum(points(c) for c in tests), "notes": [], "flags": [],
        "questions": [{"grade_id": c.metadata.nbgrader.grade_id, "points": 0.0,
                       "max_points": points(c), "outcome": "not run", "message": ""}
                      for c in tests]}
    path = Path(job["path"])
    submission, reason = read_submission(path)
    if submission is None:
        result.update(status="invalid_notebook", notes=[f"not a valid notebook: {reason}"])
        return result
    try:
        built = assemble(source, submission)
    except Exception as exc:  # a structurally odd notebook nbformat still accepted
        result.update(status="invalid_notebook", notes=[f"cannot read cells: {exc}"])
        return result
    result.update(tampered=built.tampered, notes=list(built.notes))
    plans = judging.prepare(source, built)   # each test cell becomes its probe cell
    work = Path(job["workdir"]) / "work" / path.parent.name
    scratch = Path(job["workdir"]) / "scratch"
    scratch.mkdir()
    result["notes"] += copy_folder(path.parent, work, path.name, tuple(job.get("exclude", ())))
    client, status, notes = execute(built.nb, job, work, scratch)
    result["status"] = status
    result["notes"] += notes
    result["sandbox"] = sandbox_report(scratch)
    judging.score(result, built, plans, client.replies)   # the probes' records, judged here
    for gid, index in built.answers.items():
        reply = client.replies.get(index)
        if reply and reply["status"] != "ok":
            text = f"{reply['ename']}: {reply['evalue'][:300]}".rstrip(": ")
            result["notes"].append(f"answer cell '{gid}' raised {text}")
    result["score"] = sum(q["points"] for q in result["questions"])
    return result


def main(argv: list[str] | None = None) -> int:
    from . import _speedup  # noqa: F401  (before nbformat is imported)

    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(Path(argv[0]).read_text())
    start = time.monotonic()
    try:
        result = grade(job)
    except Exception as exc:  # the grader records an error row and goes on
        result = {"submission": job["key"], "status": "error",
                  "notes": [f"grading failed: {type(exc).__name__}: {exc}"],
                  "trace": traceback.format_exc()[-4000:]}
    result["seconds"] = round(time.monotonic() - start, 2)
    tmp = Path(job["result"]).with_suffix(".tmp")
    tmp.write_text(json.dumps(result))
    os.replace(tmp, job["result"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
