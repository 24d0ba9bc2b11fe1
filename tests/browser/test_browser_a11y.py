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

The counts by rule go to ``tests/artifacts/browser/axe-<notebook>.json``. The Run All, and the
audit right after it (:func:`lab_audit.audit`), are shared with the notebook's other browser
tests (:mod:`lab_runs`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from axe import axe_source
from lab_runs import on_notebook

pytestmark = pytest.mark.browser

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
# Alternative texts that say nothing about what a figure shows.
PLACEHOLDERS = {"", "figure", "image", "img", "plot", "chart", "graph", "picture", "png",
                "matplotlib figure", "output"}


def notebooks() -> list:
    r"""Every course notebook, by file name (new notebooks are checked without listing them);
    each shares its Run All with the other tests of that notebook (:func:`lab_runs.on_notebook`)."""
    names = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [pytest.param(name, marks=on_notebook(name), id=name) for name in names]


def placeholder(alt: str | None) -> bool:
    r"""Whether ``alt`` is missing or says nothing about the figure."""
    return alt is None or alt.strip().lower().rstrip(".") in PLACEHOLDERS or len(alt) < 20 \
        or alt.startswith("<Figure")


@pytest.mark.parametrize("name", notebooks())
def test_outputs_pass_axe(notebook_runs, artifacts, no_writes, name):
    run = notebook_runs.get(name)   # Run All Cells, then the audit, before any control moved
    assert not run.problems, f"{name} after Run All Cells:\n" + "\n".join(run.problems)
    assert not run.writes, "JupyterLab wrote into the repository:\n" + "\n".join(run.writes)
    if run.audit_error is not None:
        raise run.audit_error
    audit = run.audit
    assert audit is not None
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
