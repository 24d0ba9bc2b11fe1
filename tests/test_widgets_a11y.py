"""Accessible names of the widgets' controls, headlessly (the browser check is in
tests/browser/test_browser_comfort.py): every control of every ``*_widget`` of
sgdteach.course.widgets
has a descriptive name that starts with its visible description and is its tooltip; the script
that puts the names into the page is shown with every figure and carries exactly those names."""

from __future__ import annotations

import html
import json
import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets
import pytest

from sgdteach._validation import ValidationError
from sgdteach.course import widgets
from sgdteach.course.widgets._a11y import KINDS, PREFIX, expected_names

BUILDERS = sorted(name for name in widgets.__all__ if name.endswith("_widget"))


@pytest.fixture
def displayed(monkeypatch):
    """Everything the widgets display, in order."""
    import IPython.display

    objs_shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: objs_shown.extend(objs))
    return objs_shown


def script_names(script: str) -> dict:
    """The {box class: [[kind, name], ...]} a labelling script registers (its JSON argument)."""
    return json.loads(re.search(r"\}\)\((\{.*\})\);$", script, flags=re.S).group(1))


@pytest.mark.parametrize("builder", BUILDERS)
def test_every_control_has_a_descriptive_name(builder, displayed):
    w = getattr(widgets, builder)()
    assert set(w.names) == set(w.controls)
    pairs = []
    for key, control in w.controls.items():
        name = w.names[key]
        assert type(control).__name__ in KINDS, f"{builder}: {key}: unknown control type"
        assert name.startswith(control.description) and len(name) > len(control.description) + 2
        assert control.tooltip == name   # shown on hover
        pairs += expected_names(control, name)
    assert len(set(pairs)) == len(pairs), f"{builder}: two controls share a name: {pairs}"


@pytest.mark.parametrize("builder", BUILDERS)
def test_the_labelling_script_comes_with_every_figure(builder, displayed):
    from IPython.display import Javascript

    from sgdteach.course.figure_display import DescribedImage, described_image

    described_image(b"", "")   # DescribedImage is made on first use
    w = getattr(widgets, builder)()
    first_alt = w.last_alt
    control = next(iter(w.controls.values()))
    control.value = control.options[-1] if hasattr(control, "options") else control.max
    kinds = [type(o) for o in displayed]
    assert kinds == [Javascript, DescribedImage] * 2, kinds   # the first draw and the redraw
    for image, alt in ((displayed[1], first_alt), (displayed[3], w.last_alt)):
        bundle, _ = image._repr_mimebundle_()
        assert f'alt="{html.escape(alt)}"' in bundle["text/html"] and alt.startswith("Figure")
        assert bundle["image/png"] in bundle["text/html"]   # the same PNG, once rendered
    registered = script_names(displayed[-2].data)
    box_class = PREFIX + w.box.model_id
    assert box_class in w.box._dom_classes
    assert registered == {box_class: [[KINDS[type(c).__name__], w.names[k]]
                                      for k, c in w.controls.items()]}


def test_a_name_must_start_with_the_description_and_say_more(displayed):
    def make(names):
        slider = ipywidgets.FloatSlider(description="α (lr)")
        return widgets.CourseWidget({"lr": slider}, lambda lr: (_figure(), ""), names=names)

    for bad in ({"lr": "α (lr)"}, {"lr": "learning rate"}, {"lr": ""}, {"rate": "α (lr): x y"}):
        with pytest.raises(ValidationError, match="names"):
            make(bad)
    assert make({"lr": "α (lr): learning rate"}).names == {"lr": "α (lr): learning rate"}


def test_without_names_a_control_is_named_by_its_description(displayed):
    slider = ipywidgets.FloatSlider(description="θ₀")
    w = widgets.CourseWidget({"theta0": slider}, lambda theta0: (_figure(), ""))
    assert w.names == {"theta0": "θ₀"} and slider.tooltip is None
    assert script_names(displayed[0].data) == {PREFIX + w.box.model_id: [["slider", "θ₀"]]}


def test_expected_names_refuses_a_control_it_does_not_know():
    with pytest.raises(TypeError, match="KINDS"):
        expected_names(ipywidgets.IntText(description="n"), "n: count")


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.subplots()
    return fig
