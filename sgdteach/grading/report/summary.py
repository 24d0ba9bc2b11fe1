r"""The class summary: per question, the share of submissions with each outcome — passed, each
named mistake, not attempted, not run — as a Markdown table, a CSV file and a bar chart, so an
instructor sees at a glance what to re-teach; beside it, the distribution of scores (in % of the
maximum: mean, median and a histogram in steps of 10 %)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np

from ..._files import write_atomic
from ..contract import Result
from ..outcomes import NEUTRAL, PASSED
from .escape import csv_cell, mathtext
from .escape import markdown as md

# Okabe–Ito: passed is green, outcomes that are not mistakes grey, and each named mistake keeps
# one colour across all questions.
GREEN, GREY = "#009E73", "#999999"
OTHERS = ["#D55E00", "#E69F00", "#0072B2", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def tally(results: list[Result], grade_ids: list[str]) -> dict[str, list[tuple]]:
    """For each grade_id, ``[(outcome, count, share), ...]``: passed first, then by count."""
    table = {}
    for gid in grade_ids:
        counts: Counter[str] = Counter()
        for result in results:
            outcome = {q["grade_id"]: q["outcome"] for q in result.get("questions", [])}.get(gid)
            counts[outcome or f"not graded ({result['status']})"] += 1
        total = max(sum(counts.values()), 1)
        order = sorted(counts, key=lambda o: (o != PASSED, -counts[o], o))
        table[gid] = [(o, counts[o], counts[o] / total) for o in order]
    return table


def percents(results: list[Result]) -> np.ndarray:
    """Each submission's score in % of its maximum (``100 * score / max_score``)."""
    return np.array([100.0 * r.get("score", 0.0) / r["max_score"] for r in results
                     if r.get("max_score")], dtype=float)


BINS = np.linspace(0.0, 100.0, 11)   # 0-10 %, ..., 90-100 % (100 % in the last bin)


def distribution(scores: np.ndarray) -> str:
    """One line: mean, median and the histogram of ``scores`` (in %), e.g. ``Scores (% of the
    maximum): mean 65 %, median 80 %; 0-10 %: 1, ..., 90-100 %: 2.``"""
    if scores.size == 0:
        return "Scores: no submission has a maximum score."
    counts, _ = np.histogram(scores, BINS)
    bins = ", ".join(f"{lo:.0f}-{hi:.0f} %: {c}" for lo, hi, c in zip(BINS[:-1], BINS[1:], counts,
                                                                     strict=True))
    return (f"Scores (% of the maximum): mean {np.mean(scores):.0f} %, median "
            f"{np.median(scores):.0f} %; {bins}.")


def markdown(table: dict[str, list[tuple]], n: int, chart: str | None, sandbox: str = "",
             scores: str = "", source: str = "") -> str:
    lines = ["# Class summary", "", f"{n} submissions. For each question, the share of "
             "submissions with each outcome (named mistakes come from the checks)."]
    if source:
        lines += ["", f"Graded against the source notebook with SHA-256 {md(source)}."]
    if scores:
        lines += ["", scores]
    if sandbox:
        lines += ["", f"Sandbox: {sandbox}"]
    if chart:
        lines += ["", f"![outcomes per question]({chart})"]
    for gid, rows in table.items():
        lines += ["", f"## `{gid}`", "", "| outcome | submissions | share |", "|---|---|---|"]
        lines += [f"| {md(o)} | {c} | {s:.0%} |" for o, c, s in rows]
    return "\n".join(lines) + "\n"


def chart_png(table: dict[str, list[tuple]], scores: np.ndarray | None = None) -> bytes:
    """One horizontal bar chart per question (shares of submissions, in %) and, beside them when
    ``scores`` (in %) are given, their histogram with the mean and median, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    from ..._style import BACKGROUND

    mistakes = sorted({o for rows in table.values() for o, _, _ in rows
                       if o != PASSED and o not in NEUTRAL and not o.startswith("not graded")})
    colour = {o: OTHERS[i % len(OTHERS)] for i, o in enumerate(mistakes)}
    colour.update({PASSED: GREEN}, **{o: GREY for o in NEUTRAL})
    heights = [max(len(rows), 1) for rows in table.values()]
    side = scores is not None and scores.size > 0
    fig = Figure(figsize=(8.0 + 4.5 * side, max(0.9 + 0.32 * sum(heights) + 0.5 * len(heights),
                                                3.2 * side)), facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(len(table), 1 + side, height_ratios=heights,
                            width_ratios=[8.0, 4.5][:1 + side])
    axes = [fig.add_subplot(grid[i, 0]) for i in range(len(table))]
    for ax, (gid, rows) in zip(axes, table.items(), strict=True):
        labels = [o for o, _, _ in rows][::-1]
        shares = [s for _, _, s in rows][::-1]
        ax.barh([mathtext(o) for o in labels], shares,
                color=[colour.get(o, GREY) for o in labels])
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(gid, loc="left", fontsize=10)
        ax.tick_params(labelsize=8)
        for y, share in enumerate(shares):
            ax.text(min(share + 0.01, 0.93), y, f"{share:.0%}", va="center", fontsize=8)
    axes[-1].set_xlabel("share of submissions (%)")
    if side:
        assert scores is not None
        hist = fig.add_subplot(grid[:, 1])
        hist.hist(scores, list(BINS), color=OTHERS[4], edgecolor="white")
        for value, name, style, c in ((np.mean(scores), "mean", "--", OTHERS[2]),
                                      (np.median(scores), "median", ":", OTHERS[0])):
            hist.axvline(value, color=c, linestyle=style, linewidth=2,
                         label=f"{name} {value:.0f} %")
        hist.set_xlim(0, 100)
        hist.xaxis.set_major_formatter(PercentFormatter(100.0))
        hist.yaxis.set_major_locator(MaxNLocator(integer=True))
        hist.set_xlabel("score (% of the maximum)")
        hist.set_ylabel("submissions")
        hist.set_title("score distribution", loc="left", fontsize=10)
        hist.tick_params(labelsize=8)
        hist.legend(fontsize=8, loc="upper left", framealpha=1.0)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, facecolor=BACKGROUND, transparent=False)
    return buffer.getvalue()


def sandboxes(results: list[Result]) -> str:
    """How many submissions ran in each ``--sandbox`` mode, e.g. ``bwrap (12)``."""
    counts = Counter((r.get("sandbox") or {}).get("mode") or "unknown" for r in results)
    return ", ".join(f"{mode} ({n})" for mode, n in sorted(counts.items()))


def sandbox_sentence(results: list[Result], *modes: str) -> str:
    """How kernels were confined, read from the results' sandbox reports: one sentence per mode
    (``modes`` first, then any other mode a result ran in), e.g. ``Kernels ran with `--sandbox
    bwrap`: bubblewrap (...); cgroup 2 (...); rlimits (...); Landlock (writes).`` — the layers
    held and what was missing, as the last report of that mode that lists them says."""
    seen: dict[str, str] = dict.fromkeys(modes, "")
    for result in results:
        report = result.get("sandbox") or {}
        mode = report.get("mode")
        if not mode:
            continue
        layers = report.get("layers", []) + report.get("missing", [])
        seen[mode] = "; ".join(layers) if layers else seen.get(mode, "")
    return " ".join(f"Kernels ran with `--sandbox {mode}`" + (f": {text}" if text else "") + "."
                    for mode, text in seen.items())


def write_summary(base: Path, results: list[Result], grade_ids: list[str],
                  sandbox: str = "", source: str = "") -> None:
    """Write ``<base>.md``, ``<base>.csv`` and ``<base>.png``; ``sandbox`` says how the kernels
    were confined (the modes of the results are counted after it), ``source`` the SHA-256 of the
    source notebook they were graded against (the instructor's provenance, never in a
    learner's feedback)."""
    sandbox = " ".join(t for t in (sandbox, f"Submissions per mode: {sandboxes(results)}.") if t)
    table = tally(results, grade_ids)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["question", "outcome", "submissions", "share"])
    for gid, rows in table.items():
        writer.writerows([csv_cell(gid), csv_cell(o), c, f"{s:.4f}"] for o, c, s in rows)
    write_atomic(base.with_suffix(".csv"), buffer.getvalue())
    png, scores = base.with_suffix(".png"), percents(results)
    write_atomic(png, chart_png(table, scores))
    write_atomic(base.with_suffix(".md"), markdown(table, len(results), png.name, sandbox,
                                                   distribution(scores), source))
