r"""What axe-core and the accessible-name checks see in a notebook's outputs, in the page.

:func:`audit` runs axe-core (:mod:`axe`, WCAG 2.0/2.1 A and AA) on the output areas of the
visible notebook only (``.jp-OutputArea-output``: what the course prints and draws, not
JupyterLab's own chrome), and collects every output ``<img>``'s ``alt`` and every keyboard-reachable
control in an output that has no accessible name of its own (``aria-label``,
``aria-labelledby``, a ``<label>`` or a title; a button may be named by its text, as axe-core's
accessible-name algorithm computes it; an editable field is not named by the value in it) or is
editable without a role. :mod:`test_browser_a11y` judges the result. The shared Run All of a
notebook (``conftest.NotebookRuns``) calls it right after Run All Cells, before any other test
moves a control.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from axe import TAGS, axe_source
from lab_page import PANEL

if TYPE_CHECKING:
    from lab_page import Notebook

OUTPUTS = f"{PANEL} .jp-OutputArea-output"
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


def wait_for_widgets(notebook: Notebook, timeout: float = 60.0) -> None:
    r"""Wait until every widget ``Output`` in the notebook shows its figure and its controls
    are labelled (the labelling script runs on the next animation frame)."""
    notebook.page.wait_for_function(
        "(panel) => [...document.querySelectorAll(panel + ' .widget-output')]"
        ".every((o) => o.querySelector('img'))", arg=PANEL, timeout=timeout * 1000)
    notebook.page.wait_for_timeout(500)


def audit(notebook: Notebook) -> dict:
    r"""Wait for the widgets' figures, then return ``{"violations": [{id, impact, help,
    nodes}], "images": [alt, ...], "unnamed": [html, ...], "outputs": n}`` of the outputs."""
    wait_for_widgets(notebook)
    notebook.page.add_script_tag(content=axe_source())
    return notebook.page.evaluate(_AUDIT_JS, [OUTPUTS, TAGS, FOCUSABLE])
