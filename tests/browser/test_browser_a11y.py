r"""The course's outputs are accessible: axe-core (WCAG 2.0/2.1 A and AA) finds nothing in them.

Every notebook of ``notebooks/`` (discovered, not listed) is opened in JupyterLab, its saved
outputs cleared, Run All Cells; once each widget has drawn its figure, axe-core (:mod:`axe`) runs
on the output areas only (``.jp-OutputArea-output``: what the course prints and draws, not
JupyterLab's own chrome, which is not the course's) and the test fails on any violation. Besides,
every ``<img>`` in an output must carry a text alternative that says something (not empty, not a
placeholder such as "figure"), and every control a learner can reach with the keyboard inside an
output (input, select, button, slider handle, the editable readout beside a slider) must have an
accessible name of its own (``aria-label``, ``aria-labelledby``, a ``<label>`` or a title; a button
may be named by its text, as axe-core's accessible-name algorithm computes it; an editable field
is not named by the value in it) and an editable one a role.

The counts by rule go to ``tests/artifacts/browser/axe-<notebook>.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from axe import TAGS, axe_source
from lab_page import PANEL, Notebook

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
OUTPUTS = f"{PANEL} .jp-OutputArea-output"
# Alternative texts that say nothing about what a figure shows.
PLACEHOLDERS = {"", "figure", "image", "img", "plot", "chart", "graph", "picture", "png",
                "matplotlib figure", "output"}
FOCUSABLE = ("input, select, textarea, button, [role=slider], [contenteditable=true], "
             "[contenteditable=''], [tabindex]:not([tabindex='-1'])")

# In the page: axe-core on the output areas; then every image's alt and every focusable
# control's accessible name (axe.commons.text.accessibleText: the accname algorithm).
_AUDIT_JS = """async ([outputs, tags, focusable]) => {
  const result = await axe.run({include: [outputs]}, {runOnly: {type: 'tag', values: tags},
                                                      resultTypes: ['violations']});
  const nodes = [...document.querySelectorAll(outputs)];
  // A control's own name: aria-label, aria-labelledby, a <label>, a title; a button may be
  // named by its text (axe's accessible-name algorithm), an editable field never by its value.
  const ownName = (el) => [el.getAttribute('aria-label') || '',
      ...(el.getAttribute('aria-labelledby') || '').split(/\\s+/)
        .map((id) => (id && document.getElementById(id)?.textContent) || ''),
      ...[...(el.labels || [])].map((l) => l.textContent), el.getAttribute('title') || '']
    .join(' ').trim();
  axe.setup();
  try {
    const named = (el) => el.matches('button, [role=button]')
      ? axe.commons.text.accessibleText(el).trim() : ownName(el);
    const images = nodes.flatMap((n) => [...n.querySelectorAll('img')])
      .map((img) => img.getAttribute('alt'));
    const unnamed = nodes.flatMap((n) => [...n.querySelectorAll(focusable)])
      .filter((el) => el.offsetParent !== null)
      .filter((el) => !named(el) || (el.isContentEditable && !el.getAttribute('role')))
      .map((el) => el.outerHTML.slice(0, 160));
    return {
      violations: result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.html.slice(0, 160))})),
      images, unnamed, outputs: nodes.length};
  } finally { axe.teardown(); }
}"""


def notebooks() -> list[str]:
    r"""Every course notebook, by file name (new notebooks are checked without listing them)."""
    return sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def wait_for_widgets(notebook: Notebook, timeout: float = 60.0) -> None:
    r"""Wait until every widget ``Output`` in the notebook shows its figure and its controls
    are labelled (the labelling script runs on the next animation frame)."""
    notebook.page.wait_for_function(
        "(panel) => [...document.querySelectorAll(panel + ' .widget-output')]"
        ".every((o) => o.querySelector('img'))", arg=PANEL, timeout=timeout * 1000)
    notebook.page.wait_for_timeout(500)


def placeholder(alt: str | None) -> bool:
    r"""Whether ``alt`` is missing or says nothing about the figure."""
    return alt is None or alt.strip().lower().rstrip(".") in PLACEHOLDERS or len(alt) < 20 \
        or alt.startswith("<Figure")


@pytest.mark.parametrize("name", notebooks())
def test_outputs_pass_axe(lab_server, page, artifacts, no_writes, name):
    notebook = Notebook(page, lab_server, f"notebooks/{name}").open()
    notebook.run_all(timeout=240)
    problems = notebook.problems()
    assert not problems, f"{name} after Run All Cells:\n" + "\n".join(problems)
    wait_for_widgets(notebook)
    page.add_script_tag(content=axe_source())
    audit = page.evaluate(_AUDIT_JS, [OUTPUTS, TAGS, FOCUSABLE])
    counts: dict[str, int] = {}
    for v in audit["violations"]:
        counts[v["id"]] = counts.get(v["id"], 0) + len(v["nodes"])
    no_alt = [alt for alt in audit["images"] if placeholder(alt)]
    record = {"notebook": name, "outputs": audit["outputs"], "violations_by_rule": counts,
              "images": len(audit["images"]), "images_without_alt": len(no_alt),
              "unnamed_controls": len(audit["unnamed"]), "details": audit}
    stem = name.split("_")[0]
    (artifacts / f"axe-{stem}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    print(f"{name}: {audit['outputs']} outputs, axe {counts or 'clean'}, "
          f"{len(audit['images'])} images ({len(no_alt)} without alt), "
          f"{len(audit['unnamed'])} unnamed controls")
    assert audit["outputs"] > 0, f"{name}: no output areas found after Run All"
    message = [f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"][:5])
               for v in audit["violations"]]
    message += [f"image without a text alternative: alt={alt!r}" for alt in no_alt]
    message += [f"control without an accessible name: {html}" for html in audit["unnamed"]]
    assert not message, f"{name}: accessibility problems in the outputs:\n" + "\n".join(message)


@pytest.fixture(scope="module", autouse=True)
def _axe_available():
    r"""Fetch axe-core once; without npm or network skip, except in CI where it must work."""
    try:
        axe_source()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
