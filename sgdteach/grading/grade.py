r"""Batch grading: ``python -m sgdteach grade SOURCE.ipynb SUBMISSION.ipynb... --out
gradebook.csv [--jobs N] [--timeout SECONDS] [--redo] [--sandbox bwrap|landlock|none]
[--no-hidden-tests]``.

Before the first kernel starts, :mod:`~sgdteach.grading.guard` refuses (exit 2) an ``--out`` that
is the source, a submission or inside a submission's folder, one that is not writable, one
another run is writing (a lock), and a source without hidden tests unless ``--no-hidden-tests``.

Kernels run under bubblewrap by default (:mod:`~sgdteach.grading.sandbox.confine`). Where bubblewrap
cannot run (macOS, a container without user namespaces) the grader refuses (exit 2) unless
``--sandbox landlock`` or ``--sandbox none`` is given explicitly; every gradebook row and the class
summary name the mode used.

``SOURCE`` is the solution notebook (nbgrader markup, hidden tests included). Each submission is
graded by a worker process of its own (:mod:`~sgdteach.grading.worker.runner`) that runs it in a
fresh,
sandboxed kernel in a temporary copy of its folder; this process only schedules workers, enforces
a last-resort deadline on each, and writes the gradebook, the feedback files and the class summary
(:mod:`~sgdteach.grading.report.gradebook`). Every submission gets exactly one row, whatever
happened to
it. The workers' folders (each a staged copy of its submission's folder) live in one temporary
folder per run, locked by the run (:mod:`~sgdteach.grading.rundir`): each is removed as soon as
its submission is graded, and a later run removes what a killed run left. A re-run skips
submissions whose file and source are unchanged since they were graded (and did
not end in ``error``), unless ``--redo``. The exit code is 0 when every submission was graded
(whatever its score), 1 when some ended in ``error``, 2 for unusable arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .._files import package_root, write_atomic
from . import guard
from .contract import DEFAULT_MODE, MODES, Job, Result, Status, new_result
from .markup import MarkupError, grade_id, role, titles, validate
from .report.escape import terminal
from .report.feedback import feedback_html, feedback_markdown, redact, secrets
from .report.gradebook import (
    Paths,
    max_score,
    read_json,
    read_rows,
    row,
    sha256,
    write_rows,
)
from .report.progress import Progress
from .report.summary import sandbox_sentence, write_summary
from .rundir import RunFolder, clean_dead
from .sandbox import bwrap
from .sandbox.confine import NO_CPU_LIMIT, cleanup_leftovers
from .shard import Shard, select
from .worker import hidden, view


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sgdteach grade",
                                description="Grade notebook submissions against a solution.")
    p.add_argument("source", help="the solution notebook (nbgrader markup, hidden tests)")
    p.add_argument("submissions", nargs="+", help="submitted notebooks")
    p.add_argument("--out", required=True, help="the gradebook CSV to write")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once (1)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per cell (60)")
    p.add_argument("--notebook-timeout", type=float, default=None,
                   help="seconds for a whole notebook (10 x --timeout)")
    p.add_argument("--memory-mb", type=int, default=Job.memory_mb,
                   help=f"memory cap per kernel ({Job.memory_mb})")
    p.add_argument("--max-output-kb", type=int, default=1000,
                   help="output kept per cell, in thousands of characters (1000)")
    p.add_argument("--redo", action="store_true", help="grade again what is already graded")
    p.add_argument("--shard", metavar="I/N", help="grade only shard I of N (0 <= I < N) of the "
                   "sorted submissions; I may be $VAR, e.g. $JOB_COMPLETION_INDEX")
    p.add_argument("--sandbox", choices=MODES, default=DEFAULT_MODE,
                   help="how kernels are confined: bwrap (default; refused where bubblewrap "
                        "cannot run), landlock (rlimits and Landlock only) or none")
    p.add_argument("--secret", default=os.environ.get(hidden.ENV, ""),
                   help="draw the hidden tests' inputs from this secret (default: the "
                        f"environment variable {hidden.ENV}); the manifest records its hash")
    p.add_argument("--disk-mb", type=int, default=Job.disk_mb,
                   help=f"disk (a tmpfs) per kernel under --sandbox bwrap ({Job.disk_mb})")
    p.add_argument("--no-hidden-tests", action="store_true",
                   help="grade against a source without hidden tests (refused otherwise: the "
                        "released exercise is not the source)")
    args = p.parse_args(argv)
    try:
        args.shard = None if args.shard is None else Shard.parse(args.shard)
    except ValueError as exc:
        p.error(str(exc))
    for name, low in (("jobs", 1), ("timeout", 0.1), ("memory_mb", 256), ("max_output_kb", 1),
                      ("disk_mb", 128)):
        if getattr(args, name) < low:
            p.error(f"'--{name.replace('_', '-')}' must be >= {low}; got {getattr(args, name)}")
    args.notebook_timeout = args.notebook_timeout or 10 * args.timeout
    return args


def load_source(path: str):
    """Validate the source notebook; return its test cells' grade_ids (in order) and the total
    of their points."""
    import nbformat

    from .worker.judging import check_order, plan

    nb = nbformat.read(path, as_version=4)
    validate(nb, path)
    check_order(plan(nb, path))   # test cells: ones the grader can turn into probes (or asserts)
    tests = [c for c in nb.cells if role(c) == "test"]
    manual = sum(role(c) == "manual" for c in nb.cells)
    if manual:
        print(f"grade: {manual} manually graded cell(s) in {path} are not scored here",
              file=sys.stderr)
    return [grade_id(c) for c in tests], max_score(nb)


def _kill_kernel(pid_file: Path, workdir: Path) -> None:
    """Kill a worker's kernel process group if it is still ours (checked on /proc)."""
    try:
        pid = int(pid_file.read_text())
        if str(workdir) in Path(f"/proc/{pid}/cmdline").read_text(errors="replace"):
            os.killpg(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


RUNNING: set[subprocess.Popen] = set()   # live workers, killed if the grader is interrupted


def run_worker(job: Job, deadline: float, tries: int = 2) -> Result:
    """Grade one submission in a worker process; a worker killed before it wrote its result is
    tried once more, then reported as the submission's failure (``kernel_died``: only a hostile
    or crashing submission kills it), and one that hangs past ``deadline`` is ``timeout``.
    ``error`` is left for a grader bug the worker reported itself."""
    for attempt in range(1, tries + 1):
        result = _worker(job, deadline)
        if result is not None:
            return result
        if attempt < tries:   # a fresh folder for the second try
            workdir = Path(job.workdir)
            shutil.rmtree(workdir / "work", ignore_errors=True)
            shutil.rmtree(workdir / "scratch", ignore_errors=True)
    log = Path(job.workdir) / "worker.log"
    tail = log.read_bytes()[-600:].decode(errors="replace").strip() if log.exists() else ""
    return new_result(job, Status.KERNEL_DIED, [
        f"the grading worker was killed {tries} times before it could record a result (the "
        "submission killed it, or it ran out of memory)" + (f": {tail}" if tail else "")])


def _worker(job: Job, deadline: float) -> Result | None:
    """One run of ``python -m sgdteach.grading.worker.runner`` (its own session, output to
    ``worker.log``): its result, a ``timeout`` result, or ``None`` if it died without one."""
    workdir = Path(job.workdir)
    job_file, log_file = workdir / "job.json", workdir / "worker.log"
    job_file.write_text(job.to_json())
    env = dict(os.environ)
    root = package_root()   # the sgdteach the grader itself runs
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("MALLOC_ARENA_MAX", "2")   # the worker's address-space limit counts arenas
    with open(log_file, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sgdteach.grading.worker.runner",
                                 str(job_file)],
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
    RUNNING.add(proc)
    try:
        proc.wait(timeout=deadline)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        _kill_kernel(Path(job.kernel_pid_file), workdir)
    finally:
        RUNNING.discard(proc)
        cleanup_leftovers(workdir)   # cgroups and sockets of a worker that could not
    result: Result | None = read_json(Path(job.result), None)
    if not isinstance(result, dict) or result.get("submission") != job.key:
        result = None
    tail = log_file.read_bytes()[-1500:].decode(errors="replace")
    if result is not None and result["status"] == Status.ERROR:
        result["log"] = tail   # for the instructor: the worker's and the kernel's last words
    if result is None and timed_out:
        result = new_result(job, Status.TIMEOUT,
                            [f"the grading worker was stopped after {deadline:.0f} s"])
    return result


class Grader:
    """Schedules workers and keeps the gradebook, feedback and manifest up to date."""

    def __init__(self, args: argparse.Namespace, grade_ids: list[str], max_score: float):
        self.args, self.grade_ids, self.max_score = args, grade_ids, max_score
        self.paths = Paths(args.out)
        self.rows = read_rows(self.paths.gradebook, grade_ids)
        if self.paths.gradebook.exists() and not self.rows:
            print(f"grade: {self.paths.gradebook} has other columns (another source?): "
                  "starting a new gradebook", file=sys.stderr)
        self.manifest = read_json(self.paths.manifest, {}) if self.rows else {}
        self.source_hash = sha256(args.source)
        self.warned, self.view = False, ""
        self.shared: Counter[str] = Counter()   # submissions per folder: > 1 is a flat folder
        import nbformat

        source = nbformat.read(args.source, as_version=4)
        self.secrets = secrets(source, dict(os.environ))
        self.titles = titles(source)   # the feedback names questions by title, not grade_id
        if args.secret:
            self.secrets |= {args.secret, hidden.key(args.secret)}

    def fingerprint(self, path: str) -> dict[str, str | None]:
        return {"sha256": sha256(path) if os.path.isfile(path) else None,
                "source": self.source_hash,
                **({"secret": hidden.fingerprint(self.args.secret)} if self.args.secret else {})}

    def limits(self) -> dict[str, object]:
        """The limits and sandbox this run grades under (recorded per manifest entry; ``merge``
        refuses gradebooks graded under different ones)."""
        a = self.args
        return {"timeout": a.timeout, "notebook_timeout": a.notebook_timeout,
                "memory_mb": a.memory_mb, "max_output_kb": a.max_output_kb,
                "disk_mb": a.disk_mb, "sandbox": a.sandbox}

    def pending(self, keys: list[str]) -> list[str]:
        if self.args.redo:
            return keys
        return [k for k in keys if k not in self.rows or self.rows[k]["status"] == "error"
                or {n: (self.manifest.get(k) or {}).get(n) for n in ("sha256", "source")}
                != self.fingerprint(k)
                or not (self.paths.feedback / f"{self.paths.name(k)}.json").exists()]

    def record(self, result: Result) -> None:
        key = result["submission"]
        result = redact(result, self.secrets)
        result.setdefault("max_score", self.max_score)
        name = self.paths.name(key)
        found = read_json(self.paths.feedback / f"{name}.json", {})
        owner = found.get("submission", key) if isinstance(found, dict) else key
        if owner != key:   # never replace another row's feedback (a full SHA-256 in the name)
            raise RuntimeError(f"grade: {self.paths.feedback / name}.json belongs to "
                               f"{terminal(owner)!r}, not {terminal(key)!r}: not overwritten")
        write_atomic(self.paths.feedback / f"{name}.json", json.dumps(result, indent=1))
        write_atomic(self.paths.feedback / f"{name}.md", feedback_markdown(result, self.titles))
        write_atomic(self.paths.feedback / f"{name}.html", feedback_html(result, self.titles))
        sandbox = result.get("sandbox") or {}
        weak = ([sandbox.get("confinement", "")] if sandbox.get("confined") is False else []) + \
            [f"{limit} not applied" for limit in sandbox.get("limits_refused", [])] + \
            ([NO_CPU_LIMIT] if sandbox.get("cpu_limited") is False else [])
        if weak and not self.warned:   # once per run: the system lacks a protection
            self.warned = True
            print(f"grade: warning: {'; '.join(weak)}", file=sys.stderr)
        self.rows[key] = row(result, self.grade_ids, self.max_score)
        self.manifest[key] = {**self.fingerprint(key), "limits": self.limits()}
        write_atomic(self.paths.manifest, json.dumps(self.manifest, indent=1))
        write_rows(self.paths.gradebook, self.rows, self.grade_ids)

    def job(self, index: int, key: str, tmp: Path) -> Job:
        workdir = tmp / f"{index:05d}"
        workdir.mkdir()
        a = self.args
        return Job.at(workdir, key=key, path=os.path.abspath(key),   # not resolved: intake
                      source=str(Path(a.source).resolve()),         # checks links
                      timeout=a.timeout, notebook_timeout=a.notebook_timeout,
                      memory_mb=a.memory_mb, max_output_bytes=a.max_output_kb * 1000,
                      sandbox=a.sandbox, disk_mb=a.disk_mb, grader_pid=os.getpid(),
                      exclude=tuple(str(p.resolve()) for p in self.paths.outputs()),
                      package_view=self.view,
                      hidden_key=hidden.key(self.args.secret) if self.args.secret else "",
                      alone=self.shared[os.path.dirname(os.path.abspath(key))] > 1)

    @staticmethod
    def grade_one(job: Job, deadline: float) -> Result:
        """:func:`run_worker`, then the worker's folder (its staged copy of the submission's
        folder included) is removed."""
        try:
            return run_worker(job, deadline)
        finally:
            shutil.rmtree(job.workdir, ignore_errors=True)

    def run(self, keys: list[str]) -> int:
        todo = self.pending(keys)
        print(f"grade: {len(todo)} of {len(keys)} submission(s) to grade"
              + (f", {len(keys) - len(todo)} already graded (--redo grades them again)"
                 if len(todo) < len(keys) else ""), file=sys.stderr)
        progress = Progress(len(todo))
        deadline = 90 + self.args.notebook_timeout
        errors = 0
        if dead := clean_dead():
            print(f"grade: removed {len(dead)} folder(s) of killed grading runs", file=sys.stderr)
        run_folder = RunFolder()   # locked: a later run cleans it only if this one is gone
        tmp = run_folder.path
        pool = ThreadPoolExecutor(max_workers=self.args.jobs)
        try:
            if self.args.sandbox == "bwrap" and todo:
                self.view = view.for_source(self.args.source, tmp / "package")
            futures = [pool.submit(self.grade_one, self.job(i, k, tmp), deadline)
                       for i, k in enumerate(todo)]
            for future in as_completed(futures):
                result = future.result()
                errors += result["status"] == Status.ERROR
                self.record(result)
                progress.done(result["submission"], result["status"],
                              f"{self.rows[result['submission']]['score']}/"
                              f"{self.rows[result['submission']]['max_score']}")
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in list(RUNNING):   # workers run in their own session: stop them here
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
            print("\ngrade: interrupted; the gradebook keeps what was graded", file=sys.stderr)
            return 130
        finally:
            pool.shutdown(wait=True)
            progress.close()
            run_folder.close()
        results = [r for k in sorted(self.rows)
                   if (r := read_json(self.paths.feedback / f"{self.paths.name(k)}.json", None))]
        write_summary(self.paths.summary, results, self.grade_ids,
                      sandbox_sentence(results, self.args.sandbox),
                      source=self.source_hash)
        print(f"grade: wrote {self.paths.gradebook}, feedback in {self.paths.feedback}/, "
              f"summary {self.paths.summary}.md", file=sys.stderr)
        if errors:
            print(f"grade: {errors} submission(s) could not be graded (status error); their "
                  f".json feedback holds the worker's log", file=sys.stderr)
        return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    from . import _jsonschema_workaround  # noqa: F401  (before nbformat is imported)

    args = parse(argv)
    if args.sandbox == "bwrap" and (why := bwrap.problem()):
        print(f"grade: '--sandbox' bwrap cannot run here ({why}); install bubblewrap or allow "
              "user namespaces, or choose a weaker sandbox explicitly with --sandbox=landlock "
              "(rlimits and Landlock only) or --sandbox=none", file=sys.stderr)
        return 2
    try:
        grade_ids, max_score = load_source(args.source)
    except (OSError, ValueError, MarkupError) as exc:
        print(f"grade: 'SOURCE' must be a solution notebook with nbgrader test cells; got "
              f"{args.source!r}: {exc}", file=sys.stderr)
        return 2
    keys = list(dict.fromkeys(os.path.normpath(s) for s in args.submissions))
    try:
        guard.check(args.source, keys, args.out, args.no_hidden_tests)
        with guard.lock(args.out):
            grader = Grader(args, grade_ids, max_score)
            grader.shared.update(os.path.dirname(os.path.abspath(k)) for k in keys)
            return grader.run(select(keys, args.shard, args.out, sha256(args.source)))
    except guard.Refused as exc:
        print(terminal(str(exc)), file=sys.stderr)
        return 2

