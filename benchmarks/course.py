"""What a learner waits for: importing sgdteach, a widget redraw, running the notebooks."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

from .config import ROOT, Config
from .timing import clock

NOTEBOOK_TIMEOUT = 300  # seconds per cell, as `make notebooks`
STALL_S = 30            # clock minus kernel-busy seconds that mark a stalled notebook run
HEAVY = ("matplotlib", "ipywidgets", "IPython", "sklearn", "scipy", "pandas")

IMPORT_PROBE = textwrap.dedent("""
    import json, sys, time
    start = time.perf_counter()
    import {module}
    seconds = time.perf_counter() - start
    print(json.dumps({{"seconds": seconds, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
""")


def _import_once(module: str) -> dict:
    code = IMPORT_PROBE.format(module=module, heavy=HEAVY)
    wall, proc = clock(lambda: subprocess.run([sys.executable, "-c", code], cwd=ROOT,
                                              capture_output=True, text=True, check=True))
    return {**json.loads(proc.stdout), "process_s": wall}


def import_ms(cfg: Config) -> dict:
    """``import sgdteach`` in a fresh interpreter: the time of the import statement (numpy
    included, interpreter start-up excluded), median of several; ``import numpy`` alone is timed
    the same way, alternately, for comparison."""
    _import_once("sgdteach")  # warm the file cache; not counted
    runs = {"sgdteach": [], "numpy": []}
    for _ in range(cfg.import_repeats):
        for module in runs:
            runs[module].append(_import_once(module))
    ms = {m: [1e3 * r["seconds"] for r in rs] for m, rs in runs.items()}
    return {
        "value": statistics.median(ms["sgdteach"]),
        "times": {"sgdteach_ms": [round(t, 2) for t in ms["sgdteach"]],
                  "numpy_alone_ms": [round(t, 2) for t in ms["numpy"]],
                  "numpy_alone_median_ms": statistics.median(ms["numpy"]),
                  "process_median_ms": 1e3 * statistics.median(
                      r["process_s"] for r in runs["sgdteach"])},
        "settings": {"runs": cfg.import_repeats, "estimate": "median",
                     "heavy_modules_imported": runs["sgdteach"][-1]["heavy"]},
    }


WIDGET_PROBE = textwrap.dedent("""
    import json, statistics, time
    from sgdteach.course.widgets import methods_widget
    start = time.perf_counter()
    w = methods_widget()
    build = time.perf_counter() - start
    changes = {changes!r}
    times = {{"lr": [], "batch_size": []}}
    for name, value in changes:
        start = time.perf_counter()
        w.controls[name].value = value
        times[name].append(time.perf_counter() - start)
    print(json.dumps({{"build_s": build, "times_s": times, "text": w.last_text}}))
""")


def _kernel_run(code: str, timeout: int = 120) -> str:
    """Run ``code`` as a one-cell notebook in a fresh python3 kernel (cwd: the repository), as
    :func:`sgdteach.tools.nbexec.notebook_client` runs every notebook; its stdout. The redraw times
    are taken inside the kernel."""
    import nbformat

    from sgdteach.tools.nbexec import notebook_client

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    notebook_client(nb, ROOT, timeout).execute()
    return "".join(o.get("text", "") for o in nb.cells[0].outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def widget_redraw_ms(cfg: Config) -> dict:
    """Median time, in a Jupyter kernel, to set a control of
    ``sgdteach.course.widgets.methods_widget()``
    (default sizes) and have it recompute and redraw (the widget redraws synchronously)."""
    lrs = [0.03, 0.06, 0.04, 0.02, 0.05, 0.035, 0.045, 0.025, 0.055]
    sizes = [20, 5, 30, 15, 40, 8, 25, 12, 35]
    k = max(1, cfg.widget_changes)
    changes = [c for pair in zip([("lr", v) for v in lrs * 3],
                                 [("batch_size", b) for b in sizes * 3], strict=True)
               for c in pair][:2 * k]
    out = _kernel_run(WIDGET_PROBE.format(changes=changes))
    result = json.loads(out.strip().splitlines()[-1])
    settings = {"where": "a fresh python3 Jupyter kernel via nbclient (sgdteach.tools.nbexec)",
                "changes": changes, "estimate": "median over all changes"}
    all_ms = [1e3 * t for ts in result["times_s"].values() for t in ts]
    return {
        "value": statistics.median(all_ms),
        "times": {"build_ms": 1e3 * result["build_s"],
                  **{f"{name}_ms": [round(1e3 * t, 1) for t in ts]
                     for name, ts in result["times_s"].items()},
                  **{f"{name}_median_ms": statistics.median(1e3 * t for t in ts)
                     for name, ts in result["times_s"].items() if ts}},
        "settings": settings, "last_text": result["text"],
    }


def _execute_notebook(path: Path) -> dict:
    """Run one notebook with :func:`sgdteach.tools.nbexec.notebook_client` (as ``execute_notebook``:
    fresh kernel, in its folder), keeping nbclient's per-cell timing: seconds on the clock and
    seconds the kernel was busy (iopub busy -> idle, summed over cells)."""
    import nbformat

    from sgdteach.tools.nbexec import notebook_client

    nb = nbformat.read(path, as_version=4)
    wall = clock(notebook_client(nb, path.parent, NOTEBOOK_TIMEOUT).execute)[0]
    busy = 0.0
    for cell in nb.cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        if "iopub.status.busy" in stamps and "iopub.status.idle" in stamps:
            busy += (datetime.fromisoformat(stamps["iopub.status.idle"])
                     - datetime.fromisoformat(stamps["iopub.status.busy"])).total_seconds()
    return {"s": round(wall, 3), "kernel_busy_s": round(busy, 3)}


def notebooks_s(cfg: Config) -> dict:
    """Executing every ``notebooks/*.ipynb`` with nbclient (each in a fresh kernel, in its
    folder, one after another, nothing saved): total seconds, each notebook counted at its best of
    ``cfg.notebook_passes`` passes over the whole suite (pass 2 starts after pass 1 has run every
    notebook, so a slow spell of a shared machine costs one pass, not the total).

    A run whose clock exceeds its kernel-busy time by more than ``STALL_S`` (a stalled client) is
    recorded under ``stalls`` and the notebook is run once more; the pass keeps the second run.
    """
    found = sorted(cfg.notebooks_dir.glob("*.ipynb"))
    paths = found[:cfg.notebooks_limit] if cfg.notebooks_limit is not None else found
    runs: dict[str, list[dict]] = {p.name: [] for p in paths}
    stalls: dict[str, list[dict]] = {}
    failed: dict[str, str] = {}
    for _ in range(cfg.notebook_passes):
        for path in paths:
            if path.name in failed:
                continue
            try:
                run = _execute_notebook(path)
                if run["s"] - run["kernel_busy_s"] > STALL_S:
                    stalls.setdefault(path.name, []).append(run)
                    run = _execute_notebook(path)
            except Exception as exc:  # recorded in the row, the others still run
                failed[path.name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}"
                continue
            runs[path.name].append(run)
    per = {k: min(rs, key=lambda r: r["s"]) for k, rs in runs.items() if rs and k not in failed}
    row = {"value": sum(r["s"] for r in per.values()),
           "times": {"per_notebook_s": {k: r["s"] for k, r in per.items()},
                     "kernel_busy_s": {k: r["kernel_busy_s"] for k, r in per.items()},
                     "pass_totals_s": [round(sum(rs[i]["s"] for rs in runs.values()
                                                 if len(rs) > i), 3)
                                       for i in range(cfg.notebook_passes)],
                     "all_runs_s": {k: [r["s"] for r in rs] for k, rs in runs.items()}},
           "sizes": {"notebooks": len(paths), "notebooks_found": len(found),
                     "folder": str(cfg.notebooks_dir)},
           "settings": {"runner": "sgdteach.tools.nbexec.notebook_client, as execute_notebook "
                                  f"(fresh kernel each, cell timeout {NOTEBOOK_TIMEOUT} s)",
                        "order": "sequential", "passes": cfg.notebook_passes,
                        "estimate": "sum over notebooks of each one's best pass",
                        "stall_threshold_s": STALL_S},
           "stalls": stalls}
    if not paths:
        row["value"], row["error"] = None, f"no notebooks in {cfg.notebooks_dir}"
    elif len(paths) < len(found):
        row["note"] = f"{cfg.name} run: only the first {len(paths)} of {len(found)} notebooks"
    if failed:
        row["failed"] = failed
        row["error"] = f"{len(failed)} of {len(paths)} notebooks failed"
    return row
