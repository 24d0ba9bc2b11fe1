"""Red team, what the instructor opens (issue 23, item 6): text a learner controls — folder and
file names, exception class names and messages, the outcomes built from them — reaches the
gradebook CSV, the feedback, the class summary (Markdown, CSV, chart), ``merge`` and the terminal.
Each sink escapes it: no spreadsheet formula, no forged Markdown/HTML line, no mathtext, no raw
control character. Rendered with an independent Markdown parser (markdown-it) and read back with
the ``csv`` module."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sgdteach.grading.report.feedback import feedback_markdown
from sgdteach.grading.report.gradebook import Paths, read_rows, row, write_rows
from sgdteach.grading.report.progress import Progress
from sgdteach.grading.report.summary import write_summary

FORGE = ("x\n\n**Score: 3 / 3** — status `ok`\n\n# Feedback: someone else\n"
         "<img src=x onerror=alert(1)>")
MATH = r"$\sqrtx{$"
FORMULAS = ["=HYPERLINK(\"http://x\",\"1\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "\t=1", "\r=1", "'=1"]


def hostile_result(key: str = "subs/=1+1/02_sgd.ipynb") -> dict:
    return {"submission": key, "status": "ok", "tampered": False, "score": 0.0, "max_score": 3.0,
            "flags": [f"ex: calls {FORGE}"], "sandbox": {"mode": "bwrap"},
            "notes": [f"answer cell 'ex_a' raised Bad: {FORGE}", "1. looks like a list"],
            "questions": [{"grade_id": "ex_a", "points": 0.0, "max_points": 3.0,
                           "outcome": f"raised {MATH}{FORGE}", "message": FORGE}]}


def rendered(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


def test_feedback_has_one_score_line_and_no_learner_html():
    html = rendered(feedback_markdown(hostile_result()))
    assert html.count("<strong>Score:") == 1 and html.count("<h1>") == 1
    assert "<img" not in html and "&lt;img" in html
    assert "<ol" not in html   # "1. looks like a list" stays text in its note


def test_summary_markdown_csv_and_chart_take_a_mathtext_exception_name(tmp_path):
    results = [hostile_result(), {**hostile_result("subs/b/02_sgd.ipynb"), "questions": [
        {"grade_id": "ex_a", "points": 0.0, "max_points": 3.0,
         "outcome": f"raised {MATH}", "message": ""}]}]
    write_summary(tmp_path / "summary", results, ["ex_a"])   # matplotlib parsed it: crashed
    html = rendered((tmp_path / "summary.md").read_text())
    assert "<strong>Score" not in html and "<img src=x" not in html
    assert html.count("<h1>") == 1 and html.count("<tr>") == 3   # header and two outcomes
    with open(tmp_path / "summary.csv", newline="") as f:
        cells = [c for r in csv.reader(f) for c in r]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert (tmp_path / "summary.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("text", FORMULAS)
def test_no_gradebook_cell_is_a_formula_and_every_cell_reads_back(tmp_path, text):
    result = {**hostile_result(text), "flags": [text]}
    path = tmp_path / "gb.csv"
    rows = {text: row(result, ["ex_a"], 3.0)}
    write_rows(path, rows, ["ex_a"])
    with open(path, newline="") as f:
        cells = [c for r in csv.reader(f) for c in r]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))
                or (c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit())]
    back = {k.replace("\r", "\n"): {c: v.replace("\r", "\n") for c, v in r.items()}
            for k, r in rows.items()}   # a lone CR would split the row: it is written as LF
    assert read_rows(path, ["ex_a"]) == back   # the grader reads back what it wrote


def test_numbers_stay_numbers_and_the_escape_is_exact():
    from sgdteach.grading.report.escape import csv_cell, csv_value

    for number in ("3", "-2.5", "1e-3", "+4"):
        assert csv_cell(number) == number
    for text in [*(f for f in FORMULAS if "\r" not in f), "plain", "'", "''x", ""]:
        assert csv_value(csv_cell(text)) == text


def test_merge_keeps_cells_neutralised(tmp_path):
    from sgdteach.grading.merge import merge

    key = "=HYPERLINK(1).ipynb"
    paths = Paths(tmp_path / "a" / "gradebook.csv")
    result = hostile_result(key)
    write_rows(paths.gradebook, {key: row(result, ["ex_a"], 3.0)}, ["ex_a"])
    paths.feedback.mkdir()
    (paths.feedback / f"{paths.name(key)}.json").write_text(json.dumps(result))
    (paths.feedback / f"{paths.name(key)}.md").write_text(feedback_markdown(result))
    paths.manifest.write_text(json.dumps({key: {"sha256": "0", "source": "1"}}))
    assert merge([str(paths.gradebook)], str(tmp_path / "m" / "gradebook.csv")) == 1
    merged = (tmp_path / "m" / "gradebook.csv").read_text()
    assert "\n'=HYPERLINK(1).ipynb," in merged and "''=" not in merged


def test_control_characters_never_reach_the_terminal():
    from sgdteach.grading.report.escape import markdown, terminal

    stream = io.StringIO()
    progress = Progress(1, stream=stream)
    progress.done("subs/\x1b]0;pwned\x07\x1b[2J\u202eevil/02.ipynb", "ok", "3/3")
    text = stream.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b]0;pwned\\x07" in text and "\\u202e" in text
    assert terminal("tab\there\r") == "tab\\there\\r"
    assert markdown("a\x1b[31m") == "a\\\\x1b\\[31m"   # shown as text: a\x1b[31m


def test_the_escaping_functions_are_the_ones_every_sink_imports():
    """One escaping function per sink: the writers use these, none has a copy of its own."""
    root = Path(__file__).resolve().parents[1] / "sgdteach" / "grading"
    uses = {p.name: p.read_text() for p in (root / "report").glob("*.py")}
    uses["merge.py"] = (root / "merge.py").read_text()
    uses["grade.py"] = (root / "grade.py").read_text()
    for name, sink in (("gradebook.py", "csv_cell"), ("summary.py", "csv_cell"),
                       ("summary.py", "mathtext"), ("summary.py", "markdown as md"),
                       ("feedback.py", "markdown as md"), ("progress.py", "terminal"),
                       ("merge.py", "terminal"), ("grade.py", "terminal")):
        assert "import" in uses[name] and sink in uses[name], (name, sink)
