"""Feedback a learner can be sent (issue 21, section 2): one real grader run of exercise 1 on a
tiny class — the solution (alice), the blank exercise (bob), a learner whose answers raise with
every path of the grading machine they can find and with HTML, Markdown and CSV injection
(mallory), and a folder whose name is itself an injection. Then:

* each question is named by its title and points ("1b. The gradient — 2/2"), not its grade id;
* no absolute path of the grading machine, no run folder, no sandbox word in the Markdown or the
  HTML (the instructor reads the source path in the class summary);
* the HTML escapes every learner string: parsed with ``html.parser``, it opens only the tags the
  grader writes and shows the injections as text;
* the HTML says what the Markdown says: the Markdown rendered by an independent parser
  (markdown-it) has the same headings, table cells and notes as the HTML page;
* feedback files are named by learner id, an ``.html`` beside each ``.md`` (and ``merge`` keeps
  it).

Titles themselves (heading or metadata) and the release's refusal of an untitled test cell are
checked without a kernel."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from hostile import ROOT, SOURCE, attack, solution
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sgdteach.grading.report.gradebook import Paths, sha256

SCRIPT = "<script>alert(1)</script>"
MARKDOWN = "**Score: 3 / 3** [x](http://x) # h"
FORMULA = "=HYPERLINK(1)"
INJECTED = f"{SCRIPT} {MARKDOWN} {FORMULA}"
FOLDER = "<img src=x onerror=alert(1)> **b** =1+1"   # a learner's folder name
# Everything the learner's kernel can find out about where it runs, then the injections.
WHERE = ("import os, sys, tempfile\n"
         "_where = [os.getcwd(), tempfile.gettempdir(), sys.executable, os.path.expanduser('~'),"
         " os.path.abspath('.')]\n"
         "try:\n    _where.append(open('/proc/self/cgroup').read().strip())\n"
         "except OSError as exc:\n    _where.append(str(exc))\n")
RAISE_IN_CELL = f"raise RuntimeError(' '.join(_where) + {INJECTED!r})"
RAISE_IN_CHECK = ("def squared_error_gradient(theta, X, y):\n"
                  f"    raise ValueError(' '.join(_where) + {INJECTED!r})")
SANDBOX_WORDS = ("bwrap", "bubblewrap", "cgroup", "landlock", "sandbox", "seccomp")
TAGS = {"html", "head", "meta", "title", "body", "h1", "h2", "p", "strong", "table", "tr",
        "th", "td", "pre", "ul", "li"}


class Page(HTMLParser):
    """The tags of a page and the text of each block element, in order."""

    BLOCKS = ("h1", "h2", "th", "td", "pre", "li")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.blocks: list[tuple[str, str]] = []
        self.open: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in self.BLOCKS:
            self.blocks.append((tag, ""))
            self.open.append(tag)

    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_data(self, data):
        if self.open:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("feedback-sent")
    (base / "instructor").mkdir()
    source = base / "instructor" / SOURCE
    source.write_bytes((ROOT / "solutions" / SOURCE).read_bytes())
    cases = {"alice": solution(), "bob": nbformat.read(ROOT / "exercises" / SOURCE, as_version=4),
             "mallory": attack(WHERE + RAISE_IN_CELL, WHERE + RAISE_IN_CHECK), FOLDER: solution()}
    keys = {}
    for folder, nb in cases.items():
        (base / "subs" / folder).mkdir(parents=True)
        nbformat.write(nb, base / "subs" / folder / SOURCE)
        keys[folder] = f"subs/{folder}/{SOURCE}"
    run_tmp = base / "tmp"
    run_tmp.mkdir()
    done = subprocess.run([sys.executable, "-m", "sgdteach", "grade", str(source),
                           *keys.values(), "--out", "results/gradebook.csv", "--jobs", "2"],
                          cwd=base, capture_output=True, text=True, timeout=900,
                          env=dict(os.environ, TMPDIR=str(run_tmp)))
    assert done.returncode == 0, done.stderr[-3000:]
    out = Paths(base / "results" / "gradebook.csv")
    files = {folder: {suffix: (out.feedback / f"{out.name(key)}{suffix}").read_text("utf-8")
                      for suffix in (".md", ".html")} for folder, key in keys.items()}
    return dict(base=base, source=source, out=out, keys=keys, files=files, run_tmp=run_tmp)


def rendered(markdown: str) -> Page:
    from markdown_it import MarkdownIt

    return Page(MarkdownIt("commonmark").enable("table").render(markdown))


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_every_question_is_named_by_its_title_and_points(run):
    expected = {"alice": ("1a. The cost — 1/1", "1b. The gradient — 2/2"),
                "bob": ("1a. The cost — 0/1", "1b. The gradient — 0/2"),
                "mallory": ("1a. The cost — 1/1", "1b. The gradient — 0/2")}
    for folder, labels in expected.items():
        for suffix, text in run["files"][folder].items():
            for label in labels:
                assert label in text, (folder, suffix, label)
            assert "ex1_cost_check" not in text and "ex1_gradient_check" not in text, folder


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_no_path_of_the_grading_machine_and_no_sandbox_word(run):
    from sgdteach.grading.sandbox.bwrap import SCRATCH, STAGE

    machine = {str(ROOT), str(run["base"]), str(run["source"]), str(run["run_tmp"]),
               tempfile.gettempdir(), "/tmp", sys.executable, sys.prefix, str(Path.home()),
               "/proc", "/sys/fs", os.getcwd(), ".venv", "site-packages",
               STAGE, SCRATCH, "/grading"}   # and the paths the kernel sees in its sandbox
    mallory = run["files"]["mallory"][".md"]
    assert "[path]" in mallory and "alert(1)" in mallory   # the leak was made, and shown scrubbed
    for folder, files in run["files"].items():
        for suffix, text in files.items():
            found = [m for m in machine if m in text]
            found += [w for w in SANDBOX_WORDS if w in text.lower()]
            assert not found, (folder, suffix, found)
    summary = run["out"].summary.with_suffix(".md").read_text("utf-8")
    assert f"SHA-256 {sha256(run['source'])}." in summary   # the instructor's provenance


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("folder", ["mallory", FOLDER])
def test_learner_strings_land_escaped_in_the_html(run, folder):
    text = run["files"][folder][".html"]
    page = Page(text)
    assert set(page.tags) <= TAGS, set(page.tags) - TAGS
    assert text.startswith("<!DOCTYPE html>") and "<style" not in text and "src=" not in text \
        .replace("src=x", "")   # the folder's own "src=x" is text, nothing is fetched
    shown = " ".join(t for _, t in page.blocks)
    if folder == "mallory":
        assert SCRIPT in shown and MARKDOWN in shown and FORMULA in shown   # verbatim, as text
    else:
        assert page.blocks[0] == ("h1", f"Feedback: {FOLDER} — {SOURCE}")


@pytest.mark.kernel   # runs the grader: workers and kernels
@pytest.mark.parametrize("folder", ["alice", "bob", "mallory", FOLDER])
def test_the_html_says_what_the_markdown_says(run, folder):
    html, markdown = Page(run["files"][folder][".html"]), rendered(run["files"][folder][".md"])
    code = [(tag, text.removesuffix("\n") if tag == "pre" else text)   # markdown-it ends a
            for tag, text in markdown.blocks]                         # code block with "\n"
    assert html.blocks == code
    assert [t for tag, t in html.blocks if tag == "td"], "a table of questions"


@pytest.mark.kernel   # runs the grader: workers and kernels
def test_feedback_files_are_named_by_learner_id_with_html_beside_markdown(run):
    feedback = run["out"].feedback
    for folder in ("alice", "bob", "mallory"):
        names = sorted(p.name for p in feedback.glob(f"{folder}_01_gradient-*"))
        stem = names[0].rsplit(".", 1)[0]
        assert names == [f"{stem}.html", f"{stem}.json", f"{stem}.md"], names


def _test(gid, points=1, **metadata):
    nbgrader = {"grade": True, "solution": False, "locked": False, "schema_version": 3,
                "grade_id": gid, "points": points}
    return new_code_cell("assert True", metadata={"nbgrader": nbgrader, **metadata})


def test_a_title_is_the_heading_above_the_test_cell_or_its_metadata():
    from sgdteach.grading.markup import titles

    nb = new_notebook(cells=[
        new_markdown_cell("# Exercise 9\n## 9a. One step (2 points)\nText."), _test("a", 2),
        new_markdown_cell("```python\n# not a heading\n```\n### 9b. Two steps ###"),
        new_markdown_cell("More text, no heading."), _test("b"),
        _test("c", sgdteach={"title": "9c. Chosen by the instructor"}),
        new_markdown_cell("## 9d. Heading (1 point)"),
        _test("d", sgdteach={"title": "9d. The metadata wins"}), _test("e")])
    assert titles(nb) == {"a": "9a. One step", "b": "9b. Two steps",
                          "c": "9c. Chosen by the instructor", "d": "9d. The metadata wins",
                          "e": None}


def test_release_refuses_a_test_cell_without_a_title():
    from sgdteach.grading.markup import MarkupError
    from sgdteach.grading.release import make_exercise

    answer = new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "schema_version": 3,
        "grade_id": "ans"}})
    nb = new_notebook(cells=[new_markdown_cell("## 1a. Titled (1 point)"), answer, _test("t1"),
                             _test("t2")])
    with pytest.raises(MarkupError, match=r"bad.ipynb, cell 3: test cell 't2' has no title"):
        make_exercise(nb, "bad.ipynb")
    nb.cells[3].metadata["sgdteach"] = {"title": "1b. Also titled"}
    assert make_exercise(nb, "good.ipynb").cells[3].metadata["sgdteach"] == {
        "title": "1b. Also titled"}


def test_merge_keeps_the_html_feedback(tmp_path):
    import json

    from sgdteach.grading.merge import merge
    from sgdteach.grading.report.feedback import feedback_html, feedback_markdown
    from sgdteach.grading.report.gradebook import row, write_rows

    key = "subs/alice/01_gradient.ipynb"
    result = {"submission": key, "status": "ok", "tampered": False, "score": 1.0,
              "max_score": 1.0, "questions": [{"grade_id": "q", "points": 1.0,
                                               "max_points": 1.0, "outcome": "passed",
                                               "message": ""}]}
    paths = Paths(tmp_path / "a" / "gradebook.csv")
    write_rows(paths.gradebook, {key: row(result, ["q"], 1.0)}, ["q"])
    paths.feedback.mkdir()
    name = paths.name(key)
    (paths.feedback / f"{name}.json").write_text(json.dumps(result))
    (paths.feedback / f"{name}.md").write_text(feedback_markdown(result, {"q": "1a. Q"}))
    (paths.feedback / f"{name}.html").write_text(feedback_html(result, {"q": "1a. Q"}))
    paths.manifest.write_text(json.dumps({key: {"sha256": "0", "source": "1"}}))
    merge([str(paths.gradebook)], str(tmp_path / "m" / "gradebook.csv"))
    merged = Paths(tmp_path / "m" / "gradebook.csv").feedback / f"{name}.html"
    assert "1a. Q — 1/1" in merged.read_text()
