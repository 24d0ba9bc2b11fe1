r"""Structural checks of every course notebook (``notebooks/*.ipynb``), on the committed outputs.

nbval (``make test``) re-runs the notebooks and compares outputs; these tests check what nbval
cannot: that each notebook has learning goals, a summary and check-yourself answers, starts with
the one install cell (tests/test_install_cell.py checks its text), seeds every random
generator, was executed top to bottom without errors, that every widget cell is ignored by
nbval and follows a static cell drawing the same figure, and that its figures are shown at their
fixed size (the inline backend set to ``bbox_inches=None`` before the first figure) with nothing
cut off the canvas.

The scanners are plain functions, tested on small hand-made notebooks at the end of this file, so
a check that can never fail would show up there.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

import nbformat
import pytest
from images import frames, off_canvas

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IGNORE_TAG = "nbval-ignore-output"
# Figures at their fixed size: the inline backend's default crops each to its ink ("tight"), which
# draws the figure twice (once to measure) and changes the size the code asked for.
FIXED_SIZE = '%config InlineBackend.print_figure_kwargs = {"bbox_inches": None}'
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# numpy.random functions that are fine: seeded constructors, and seeding the global state.
SEEDED_CONSTRUCTORS = ("default_rng", "RandomState")
ALLOWED_NP_RANDOM = {"default_rng", "RandomState", "Generator", "SeedSequence", "PCG64",
                     "MT19937", "Philox", "SFC64", "BitGenerator", "seed"}
NP_RANDOM_CALL = re.compile(r"\b(?:np|numpy)\.random\.(\w+)\s*\(\s*(\)?)(None\s*\))?")
STDLIB_RANDOM = re.compile(r"^\s*(?:import\s+random\b|from\s+random\s+import\b)", re.M)
EXPLICIT_NONE = re.compile(r"\b(?:seed|rng)\s*=\s*None\b")


@lru_cache(maxsize=None)
def load(path: Path):
    return nbformat.read(path, as_version=4)


def code_without_comments(source: str) -> str:
    """The source with ``#`` comments removed (a crude cut, good enough for notebook cells)."""
    return "\n".join(line.split("#", 1)[0] if "#" in line and '"' not in line.split("#", 1)[0]
                     and "'" not in line.split("#", 1)[0] else line
                     for line in source.splitlines())


def unseeded_random_calls(source: str) -> list[str]:
    """Calls in ``source`` that draw from an unseeded or global random generator."""
    code = code_without_comments(source)
    found = []
    for match in NP_RANDOM_CALL.finditer(code):
        name, empty, none = match.groups()
        if name not in ALLOWED_NP_RANDOM:
            found.append(f"np.random.{name}(...) uses the global, unseeded generator")
        elif name in SEEDED_CONSTRUCTORS and (empty or none):
            found.append(f"np.random.{name}() without a seed")
    if STDLIB_RANDOM.search(code):
        found.append("the random module of the standard library (unseeded)")
    found += [f"{m.group(0)} (an explicit unseeded generator)" for m in
              EXPLICIT_NONE.finditer(code)]
    return found


def is_widget_cell(cell) -> bool:
    """A code cell that displays a widget: a widget view among its outputs, or its last line a
    bare ``CourseWidget(...)`` / ``something_widget(...)`` expression."""
    if cell.cell_type != "code":
        return False
    if any(WIDGET_MIME in out.get("data", {}) for out in cell.get("outputs", [])):
        return True
    lines = [line for line in cell.source.strip().splitlines() if line.strip()]
    return bool(lines) and bool(re.match(r"^(?:\w+\.)*(?:CourseWidget|\w+_widget)\(", lines[-1]))


def has_image(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def widget_problems(nb) -> list[str]:
    problems = []
    previous_code = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_widget_cell(cell):
            if IGNORE_TAG not in cell.metadata.get("tags", []):
                problems.append(f"cell {i}: widget cell not tagged {IGNORE_TAG}")
            if previous_code is None or is_widget_cell(previous_code) \
                    or not has_image(previous_code):
                problems.append(f"cell {i}: widget cell not preceded by a code cell showing the "
                                "static figure")
        previous_code = cell
    return problems


def check_yourself_problems(markdown: str) -> list[str]:
    """A "## Check yourself" section with 2-4 numbered questions and a folded answer."""
    head = markdown.find("## Check yourself")
    if head < 0:
        return ["no '## Check yourself' heading"]
    section = markdown[head:]
    problems = []
    details = section.find("<details>")
    if details < 0 or "<summary>" not in section or "</details>" not in section:
        problems.append("answers are not folded in <details><summary>...</summary>...</details>")
    questions = re.findall(r"^\d+\.\s", section[:details if details >= 0 else None], re.M)
    if not 2 <= len(questions) <= 4:
        problems.append(f"{len(questions)} numbered questions; want 2 to 4")
    return problems


# -- the checks, one test per notebook and check ---------------------------------------------

needs_notebooks = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")
each = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


@needs_notebooks
@each
def test_no_error_outputs(path):
    nb = load(path)
    errors = [f"cell {i}: {out.get('ename')}: {out.get('evalue')}"
              for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors


@needs_notebooks
@each
def test_learning_goals_summary_and_check_yourself(path):
    markdown = [c.source for c in load(path).cells if c.cell_type == "markdown"]
    assert markdown, "no markdown cells"
    assert "## Learning goals" in markdown[0], "first markdown cell lacks '## Learning goals'"
    assert "rerequisite" in markdown[0], "first markdown cell names no prerequisites"
    assert any("## Summary" in m for m in markdown[-3:]), "no '## Summary' near the end"
    problems = check_yourself_problems("\n".join(markdown[-3:]))
    assert not problems, problems


@needs_notebooks
@each
def test_first_code_cell_is_the_install_cell(path):
    from test_install_cell import expected_cell

    first = next(c for c in load(path).cells if c.cell_type == "code")
    assert first.source.strip() == expected_cell()


def fixed_size_problems(nb) -> list[str]:
    """Figures not at their fixed size, or with ink on the canvas border (cut off)."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    images = [(i, base64.b64decode(out["data"]["image/png"])) for i, c in code
              for out in c.get("outputs", []) if "image/png" in out.get("data", {})]
    setting = next((i for i, c in code if FIXED_SIZE in c.source), None)
    problems = []
    if images and (setting is None or setting > images[0][0]):
        problems.append(f"figures are shown before (or without) the line {FIXED_SIZE!r}")
    problems += [f"cell {i}: ink on the border, cut off the canvas: {cut}"
                 for i, png in images for cut in [off_canvas(frames(png)[0])] if cut]
    return problems


@needs_notebooks
@each
def test_figures_at_fixed_size_and_nothing_cut_off(path):
    problems = fixed_size_problems(load(path))
    assert not problems, problems


@needs_notebooks
@each
def test_random_generators_are_seeded(path):
    found = [f"cell {i}: {what}" for i, cell in enumerate(load(path).cells)
             if cell.cell_type == "code" for what in unseeded_random_calls(cell.source)]
    assert not found, found


@needs_notebooks
@each
def test_executed_top_to_bottom(path):
    counts = [c.execution_count for c in load(path).cells if c.cell_type == "code"]
    never = [i for i, c in enumerate(load(path).cells)
             if c.cell_type == "code" and c.execution_count is None]
    assert not never, f"code cells never executed (or with outputs but no count): {never}"
    assert counts == list(range(1, len(counts) + 1)), \
        f"execution counts {counts}: re-run the notebook top to bottom (make notebooks)"


@needs_notebooks
@each
def test_widget_cells_are_ignored_and_follow_a_static_figure(path):
    problems = widget_problems(load(path))
    assert not problems, problems


# -- the scanners on hand-made examples --------------------------------------------------------

@pytest.mark.parametrize("source", [
    "x = np.random.rand(3)",
    "np.random.shuffle(a)",
    "rng = np.random.default_rng()",
    "rng = numpy.random.RandomState( )",
    "rng = np.random.default_rng(None)",
    "import random\nrandom.random()",
    "h = sgdteach.minimize(X, y, seed=None)",
])
def test_scanner_flags_unseeded_generators(source):
    assert unseeded_random_calls(source)


@pytest.mark.parametrize("source", [
    "rng = np.random.default_rng(0)",
    "rng = np.random.RandomState(42)",
    "np.random.seed(1)",
    "h = sgdteach.minimize(X, y, seed=3)",
    "x = rng.standard_normal(3)  # not np.random.rand(3)",
])
def test_scanner_accepts_seeded_generators(source):
    assert not unseeded_random_calls(source)


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


PNG = {"output_type": "display_data", "metadata": {},
       "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}
VIEW = {"output_type": "display_data", "metadata": {},
        "data": {WIDGET_MIME: {"model_id": "x"}, "text/plain": "VBox()"}}


def test_widget_rules():
    good = _nb(_code("fig, text = draw_methods()", [PNG]),
               _code("methods_widget()", [VIEW], [IGNORE_TAG]))
    assert widget_problems(good) == []
    untagged = _nb(_code("fig, text = draw_methods()", [PNG]), _code("methods_widget()", [VIEW]))
    assert any("not tagged" in p for p in widget_problems(untagged))
    no_static = _nb(_code("x = 1"), _code("methods_widget()", [VIEW], [IGNORE_TAG]))
    assert any("static figure" in p for p in widget_problems(no_static))
    assert not is_widget_cell(_code("w = CourseWidget(controls, draw)\nprint(w.last_text)"))
    assert is_widget_cell(_code("sgdteach.course.widgets.schedules_widget(lr=0.1)"))


def test_check_yourself_rules():
    good = "## Check yourself\n\n1. Why?\n2. How?\n\n<details><summary>Answer</summary>\n\n1. a\n" \
           "2. b\n\n</details>"
    assert check_yourself_problems(good) == []
    assert check_yourself_problems(good.replace("<details>", "")) != []
    assert check_yourself_problems("## Check yourself\n\n1. Only one?\n<details><summary>A"
                                   "</summary></details>") != []
    assert check_yourself_problems("## Summary") == ["no '## Check yourself' heading"]


def _png_output(title: str) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    from IPython.core.pylabtools import print_figure
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), layout="constrained", facecolor="white")
    fig.add_subplot().set_title(title)
    png = print_figure(fig, "png", bbox_inches=None)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}}


@pytest.mark.figures
def test_fixed_size_rules():
    fits, too_wide = _png_output("fits"), _png_output("a title far wider than its figure " * 2)
    assert fixed_size_problems(_nb(_code(FIXED_SIZE), _code("plt.show()", [fits]))) == []
    assert fixed_size_problems(_nb(_code("x = 1"))) == []            # no figures, no setting
    cut = fixed_size_problems(_nb(_code(FIXED_SIZE), _code("plt.show()", [too_wide])))
    assert any("cut off" in p and "right" in p for p in cut), cut
    late = fixed_size_problems(_nb(_code("plt.show()", [fits]), _code(FIXED_SIZE)))
    assert any("before (or without)" in p for p in late), late
    assert any("before (or without)" in p
               for p in fixed_size_problems(_nb(_code("plt.show()", [fits]))))
