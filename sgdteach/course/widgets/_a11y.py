r"""Accessible names for the controls of the course's widgets (what a screen reader announces).

ipywidgets 8 in JupyterLab gives a dropdown its description as its name (a ``<label for>``), a
toggle button only its option text ("sgd"), and a slider none at all: the slider's handle
(role ``slider``) is not tied to the description ``<label>`` beside it. So every control of a
:class:`~sgdteach.course.widgets.CourseWidget` gets a name: the one its builder gives in ``names``,
which starts with its visible description (WCAG's "label in name") and says what it sets, e.g.
``"α (lr): learning rate, log scale"``; else its description. The name goes

- into the control's tooltip, shown on hover (``tooltip`` in ipywidgets 8,
  ``description_tooltip`` in 7.x as on Colab), when the builder gave one;
- into ``aria-label`` on the control's focusable parts in the page, set by a small script
  (:func:`labelling_script`) the widget displays in its output area with each figure: the
  slider's handle, the editable number box beside it (its readout: given the role ``textbox``
  and the name ``"<name>: value"``; it stays editable, Enter sets the value), the dropdown's
  ``<select>``, each toggle button (``"<name>: <option>"``),
  the checkbox or button. It finds them through the widget box's DOM class
  (``sgdteach-a11y-<model id>``; the controls are the children of its first child, in order),
  and a ``MutationObserver`` labels them again when the frontend re-renders them. Where a
  frontend runs no scripts from outputs the names are tooltips only; nothing else changes.

:func:`expected_names` says which (ARIA role, name) pairs the browser must expose for one
control: ``tests/browser/test_browser_comfort.py`` finds each with Playwright's ``get_by_role``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..._validation import fail

# How the browser exposes each kind of control (ipywidgets class names: 7.x and 8 alike).
KINDS = {
    "IntSlider": "slider", "FloatSlider": "slider", "FloatLogSlider": "slider",
    "SelectionSlider": "slider", "IntRangeSlider": "slider", "FloatRangeSlider": "slider",
    "SelectionRangeSlider": "slider", "Dropdown": "combobox", "ToggleButtons": "buttons",
    "Checkbox": "checkbox", "Button": "button", "ToggleButton": "button",
}
PREFIX = "sgdteach-a11y-"
READOUT = ": value"   # a slider's editable readout is named "<slider's name>: value"

# Registers {box DOM class: [[kind, name] of each control, in order]} and labels every matching
# control now and after each DOM change (one observer per page, batched per animation frame).
_SCRIPT = """(function (boxes) {
  const a11y = window.sgdteachA11y || (window.sgdteachA11y = {boxes: {}, pending: false});
  Object.assign(a11y.boxes, boxes);
  const label = (el, name) => {
    if (el && name && el.getAttribute('aria-label') !== name) el.setAttribute('aria-label', name);
  };
  const labelControl = (el, kind, name) => {
    if (kind === 'slider') {
      el.querySelectorAll('[role=slider], .ui-slider-handle').forEach((h) => label(h, name));
      el.querySelectorAll('.widget-readout').forEach((r) => {   // the editable value beside it
        if (r.getAttribute('role') !== 'textbox') r.setAttribute('role', 'textbox');
        label(r, name + READOUT);
      });
    } else if (kind === 'combobox') {
      label(el.querySelector('select'), name);
    } else if (kind === 'checkbox') {
      label(el.querySelector('input[type=checkbox]'), name);
    } else if (kind === 'button') {
      label(el.tagName === 'BUTTON' ? el : el.querySelector('button'), name);
    } else if (kind === 'buttons') {
      el.querySelectorAll('button').forEach((b) => label(b, name + ': ' + b.textContent.trim()));
    } else {
      label(el.querySelector('input, select, textarea, button, [role=slider]'), name);
    }
  };
  const apply = () => {
    a11y.pending = false;
    for (const [cls, controls] of Object.entries(a11y.boxes)) {
      for (const box of document.getElementsByClassName(cls)) {
        const row = box.firstElementChild;
        if (!row) continue;
        controls.forEach(([kind, name], i) => {
          if (row.children[i]) labelControl(row.children[i], kind, name);
        });
      }
    }
  };
  apply();
  if (!a11y.observer) {
    a11y.observer = new MutationObserver(() => {
      if (!a11y.pending) { a11y.pending = true; window.requestAnimationFrame(apply); }
    });
    a11y.observer.observe(document.body, {childList: true, subtree: true});
  }
})(%s);""".replace("READOUT", json.dumps(READOUT))


def kind(control: Any) -> str:
    r"""Return how the browser exposes ``control``: a value of :data:`KINDS`, or ``"other"``
    (the script then labels its first input, select, text area, button or slider)."""
    return KINDS.get(type(control).__name__, "other")


def _tooltip_trait(control: Any) -> str:
    return "tooltip" if control.has_trait("tooltip") else "description_tooltip"   # 8 / 7.x


def control_names(controls: Mapping[str, Any], names: Mapping[str, str] | None = None,
                  func: str = "CourseWidget") -> dict[str, str]:
    r"""Return the accessible name of each control (by key): ``names[key]``, else its description.

    A name given in ``names`` must start with the control's visible description and say more
    than it; it also becomes the control's tooltip. ``names`` may not name other keys.
    """
    names = dict(names or {})
    unknown = sorted(set(names) - set(controls))
    if unknown:
        fail(func, "names", "keys of controls: " + ", ".join(controls), unknown)
    out = {}
    for key, control in controls.items():
        description = getattr(control, "description", "") or ""
        if key not in names:
            out[key] = description
            continue
        name = names[key]
        if not isinstance(name, str) or not name.startswith(description) \
                or len(name) <= len(description) + 2:
            fail(func, f"names[{key!r}]", "a descriptive name that starts with the control's "
                 f"description {description!r}", name,
                 f"Say what the control sets, e.g. '{description}: learning rate, log scale'.")
        setattr(control, _tooltip_trait(control), name)
        out[key] = name
    return out


def expected_names(control: Any, name: str) -> list[tuple[str, str]]:
    r"""Return the (ARIA role, accessible name) pairs the browser exposes for ``control`` named
    ``name``; a toggle-buttons control is one button per option, ``"<name>: <option label>"``,
    and a slider with a readout is a slider and a text box (its value), ``"<name>: value"``.
    """
    how = kind(control)
    if how == "other":
        fail("expected_names", "control", "one of " + ", ".join(KINDS), type(control).__name__,
             "Teach sgdteach.course.widgets._a11y.KINDS how the browser exposes this control.",
             kind=TypeError)
    if how == "buttons":
        return [("button", f"{name}: {label}") for label in control._options_labels]
    if how == "slider" and getattr(control, "readout", False):
        return [(how, name), ("textbox", name + READOUT)]
    return [(how, name)]


def labelling_script(box: Any, controls: Mapping[str, Any], names: Mapping[str, str]) -> str:
    r"""Return the JavaScript that sets ``aria-label`` on the parts of ``controls`` (the
    children of ``box``'s first child, in order) to ``names``; gives ``box`` its DOM class."""
    cls = PREFIX + box.model_id
    box.add_class(cls)
    entries = [[kind(c), names[key]] for key, c in controls.items()]
    return _SCRIPT % json.dumps({cls: entries}, ensure_ascii=False)
