r"""Read and move an ipywidgets 8 widget in JupyterLab, as a learner sees and uses it.

`Slider` is one slider, found by its description label; it moves with the keyboard (focus
on the ``.noUi-handle``, then ArrowRight/ArrowLeft) and reads its ``.widget-readout``.
`WidgetState` is what one widget cell shows at one moment: the readouts, the figure ``img``
sources inside its ``Output`` widget, and the text printed there.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lab_page import Notebook
    from playwright.sync_api import Locator

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf")


class Slider:
    r"""An ipywidgets 8 slider inside ``cell``, found by its description ``label``."""

    def __init__(self, cell: Locator, label: str) -> None:
        self.label = label
        self.root = cell.locator(".widget-slider").filter(
            has=cell.page.locator("label.widget-label").get_by_text(label, exact=True)
        )
        self.handle = self.root.locator(".noUi-handle")
        self.readout = self.root.locator(".widget-readout")

    def value(self) -> str:
        r"""Return the readout text the learner sees."""
        return self.readout.inner_text().strip()

    def at_end(self, key: str) -> bool:
        r"""Whether ``key`` ("ArrowRight"/"ArrowLeft") cannot move the handle any further."""
        now = self.handle.get_attribute("aria-valuenow")
        end = self.handle.get_attribute(
            "aria-valuemax" if key == "ArrowRight" else "aria-valuemin"
        )
        if now is None or end is None:
            return False
        return float(now) >= float(end) if key == "ArrowRight" else float(now) <= float(end)

    def press(self, key: str) -> None:
        r"""Focus the handle and press ``key`` once (one step: "ArrowRight"/"ArrowLeft")."""
        self.handle.focus()
        self.handle.press(key)


@dataclass(frozen=True)
class WidgetState:
    r"""What a widget cell shows: slider readouts, figure image sources, printed numbers."""

    readouts: dict[str, str]
    images: tuple[str, ...]
    text: str

    @property
    def numbers(self) -> tuple[str, ...]:
        r"""The numbers printed in the widget's output, as the learner reads them."""
        return tuple(NUMBER.findall(self.text))

    def results(self, pattern: str) -> tuple[str, ...]:
        r"""The printed results: every first group of ``pattern`` (multi-line) in the text."""
        return tuple(re.findall(pattern, self.text, flags=re.MULTILINE))


def widget_state(cell: Locator, sliders: list[Slider]) -> WidgetState:
    r"""Read the readouts of ``sliders`` and the ``Output`` widget(s) inside ``cell``."""
    output = cell.locator(".widget-output")
    images = tuple(img.get_attribute("src") or "" for img in output.locator("img").all())
    text = "\n".join(
        output.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"], '
            '.jp-OutputArea-output[data-mime-type="text/plain"]'
        ).all_inner_texts()
    )
    return WidgetState({s.label: s.value() for s in sliders}, images, text)


def wait_for_redraw(
    notebook: Notebook, cell: Locator, sliders: list[Slider], before: WidgetState,
    timeout: float = 60.0,
) -> WidgetState:  # fmt: skip
    r"""Wait until the widget's figure and text differ from ``before`` and the kernel is idle.

    Returns the last state read (which may still equal ``before`` in some part when the
    timeout passes: the caller's assertions then say which part did not change).
    """
    deadline = time.monotonic() + timeout
    state = widget_state(cell, sliders)
    while time.monotonic() < deadline:
        state = widget_state(cell, sliders)
        if state.images and state.images != before.images and state.text != before.text:
            break
        time.sleep(0.25)
    notebook.wait_kernel_idle(max(deadline - time.monotonic(), 5.0))
    # The kernel is idle: the output is complete once the page has applied its messages.
    time.sleep(0.3)
    return widget_state(cell, sliders)


def save_screenshot(cell: Locator, folder: Path, name: str) -> Path:
    r"""Save a screenshot of ``cell`` as ``folder/name.png`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(path))
    return path
