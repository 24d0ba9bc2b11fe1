"""``python -m benchmarks.report [results.json]``: the results as Markdown (the tables of
RESULTS.md: machine, summary, the absolute times each ratio divides)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _ms(seconds) -> str:
    return "-" if seconds is None else f"{1e3 * seconds:.3g} ms"


def _divided(key: str, r: dict) -> str:
    """The two absolute numbers behind a row's value."""
    t = r.get("times") or {}
    s = r.get("sizes") or {}
    try:
        if key == "epoch_over_fullgrad":
            return f"epoch {_ms(t['epoch']['best_s'])} / full gradient " \
                   f"{_ms(t['full_gradient']['best_s'])}"
        if key == "default_epoch_over_fullgrad":
            return f"default epoch {_ms(t['default_epoch']['best_s'])} / full gradient " \
                   f"{_ms(t['full_gradient']['best_s'])} ({r['full_losses_recorded']} full loss)"
        if key == "tta_minibatch_over_sklearn":
            return f"ours {_ms(t['ours_tta_s'])} / sklearn {_ms(t['sklearn_tta_s'])}"
        if key == "tta_batch_over_minibatch":
            return f"batch GD {_ms(t['batch_gd_tta_s'])} / mini-batch {_ms(t['minibatch_tta_s'])}"
        if key == "sgd_step_over_reference_loop":
            return f"{t['ours_per_step_us']:.3g} µs / {t['reference_per_step_us']:.3g} µs per " \
                   f"step (floor {t['floor_per_step_us']:.3g} µs)"
        if key == "file_over_peak_rss":
            return f"{s['file_bytes'] / 1e9:.3g} GB / {s['peak_rss_bytes'] / 1e6:.4g} MB"
        if key == "widget_redraw_ms":
            return f"{len(t.get('lr_ms', [])) + len(t.get('batch_size_ms', []))} changes"
        if key == "import_ms":
            return f"numpy alone {t['numpy_alone_median_ms']:.3g} ms"
        if key == "notebooks_s":
            passes = r["settings"].get("passes", 1)
            best = f", best of {passes} passes" if passes > 1 else ""
            return f"{s['notebooks']} notebooks{best}"
        if key == "grade_100_jobs2_s":
            return f"{s['submissions']} submissions in {t['measured_s']:.3g} s" + \
                (" (scaled)" if r["settings"]["scaled"] else "")
    except (KeyError, TypeError):
        pass
    return r.get("error", "")


def markdown(results: dict) -> str:
    meta = results["meta"]
    m = meta["machine"]
    pools = m["blas"].get("threadpools") or [{}]
    lines = [
        f"Run: `{meta['command']}` ({meta['mode']}), {meta['date']}, {meta['total_seconds']} s.",
        "",
        "| machine | |", "|---|---|",
        f"| CPU | {m['cpu']} ({m['cores']} cores) |",
        f"| memory | {m['memory_gb']} GB |",
        f"| Python / numpy | {m['python']} / {m['numpy']} |",
        f"| BLAS | {m['blas'].get('name')} {m['blas'].get('version')}, "
        f"{pools[0].get('num_threads')} threads, {pools[0].get('architecture')} kernels |",
        f"| OS | {m['platform']} |",
        "",
        "| key | value | target | met? | divides |", "|---|---|---|---|---|",
    ]
    for key, r in results.items():
        if key == "meta":
            continue
        met = {True: "yes", False: "**no**", None: "n/a"}[r["met"]]
        unit = "" if r["unit"] == "ratio" else f" {r['unit']}"
        lines.append(f"| `{key}` | {_fmt(r['value'])}{unit} | {r['target']}{unit} | {met} | "
                     f"{_divided(key, r)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else HERE / "results.json"
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
