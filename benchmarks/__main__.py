"""``python -m benchmarks [--quick] [--only KEY ...] [--out PATH]``: run the rows, print the table,
write the JSON (``benchmarks/results.json`` for a full run; a quick run writes
``benchmarks/_data/results-quick.json`` so it never overwrites the evidence)."""

from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
import time
import traceback
from pathlib import Path

from . import config, machine
from .rows import ROWS
from .timing import load

HERE = Path(__file__).resolve().parent


def run_rows(cfg: config.Config, keys: list[str] | None = None, echo=print) -> dict:
    """Run the rows (all, or those in ``keys``) and return ``{key: row dict}``."""
    results = {}
    for row in ROWS:
        if keys and row.key not in keys:
            continue
        echo(f"... {row.key}", flush=True)
        start = time.perf_counter()
        try:
            out = row.run(cfg)
        except Exception as exc:  # one broken row must not hide the others: recorded, shown
            out = {"value": None, "error": f"{type(exc).__name__}: {exc}",
                   "traceback": traceback.format_exc(limit=5)}
        value = out.get("value")
        met = None if "error" in out and value is None else row.met(value)
        if "error" in out and met:
            met = False  # e.g. a notebook failed: the time of the others proves nothing
        results[row.key] = {"value": value, "target": f"{row.op} {row.target:g}",
                            "unit": row.unit, "met": met, **out,
                            "row_seconds": round(time.perf_counter() - start, 2),
                            "load_average": load(), "machine": machine.describe()}
        echo(f"    {format_value(value, row.unit)} ({results[row.key]['row_seconds']} s)",
             flush=True)
    return results


def format_value(value, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.3g} {unit}" if unit != "ratio" else f"{value:.3g}"


def table(results: dict) -> str:
    lines = [f"{'key':<30} {'value':>12} {'target':>9}  met?"]
    for key, r in results.items():
        met = {True: "yes", False: "NO", None: "n/a"}[r["met"]]
        if r.get("error"):
            met += f"  ({r['error'][:70]})"
        lines.append(f"{key:<30} {format_value(r['value'], r['unit']):>12} {r['target']:>9}  "
                     f"{met}")
    return "\n".join(lines)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if hasattr(obj, "item"):  # numpy scalars
        return _jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    return obj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--only", nargs="+", metavar="KEY", choices=[r.key for r in ROWS],
                        help="run only these rows")
    parser.add_argument("--out", type=Path, help="where to write the JSON")
    args = parser.parse_args(argv)
    cfg = config.make("quick" if args.quick else "full")
    out = args.out or (HERE / "_data" / "results-quick.json" if args.quick
                       else HERE / "results.json")
    start = time.perf_counter()
    results = run_rows(cfg, args.only)
    meta = {"mode": cfg.name, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "total_seconds": round(time.perf_counter() - start, 1),
            "machine": machine.describe(), "load_average_end": load(),
            "command": "python -m benchmarks" + (" --quick" if args.quick else "")}
    print()
    print(table(results))
    print(f"\n{cfg.name} run, {meta['total_seconds']} s; JSON: {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_jsonable({"meta": meta, **results}), indent=1) + "\n",
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
