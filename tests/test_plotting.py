"""Plotting: Axes returned, labels and legends present, colour-blind palette, GIF export."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import sgdteach
from sgdteach.course import plotting


@pytest.fixture
def runs(ref):
    X, y = ref
    return {"batch": sgdteach.minimize(X, y, lr=0.05, batch_size=3, epochs=30, record_every=1),
            "SGD": sgdteach.minimize(X, y, lr=0.01, epochs=30, seed=0, record_every=1)}


def test_plot_losses_axes_labels_and_colours(runs):
    for x, label in [("epoch", "epochs"), ("samples", "samples seen"), ("time", "wall time")]:
        ax = plotting.plot_losses(runs, x=x)
        assert label in ax.get_xlabel() and ax.get_ylabel() == "loss"
        assert ax.get_yscale() == "log"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["batch", "SGD"]
        colours = [line.get_color() for line in ax.get_lines()]
        assert colours == list(plotting.OKABE_ITO[:2])
        np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), runs["SGD"].loss)
        plt.close(ax.figure)


def test_plot_paths_on_contours_uses_given_axes(ref, runs):
    X, y = ref
    fig, ax = plt.subplots(figsize=(4, 3))
    out = plotting.plot_paths(runs, surface=plotting.least_squares_surface(X, y), ax=ax,
                              minimizer=sgdteach.least_squares_solution(X, y))
    assert out is ax and len(fig.axes) == 1
    assert ax.collections, "no contour lines drawn"
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), runs["batch"].path[:, 0])
    assert "minimum" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


def test_least_squares_surface_is_the_mse(ref):
    X, y = ref
    surface = plotting.least_squares_surface(X, y)
    W = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_allclose(surface(W), [np.mean((X @ w - y) ** 2) for w in W])


def test_plot_schedule():
    ax = plotting.plot_schedule({"1/t": sgdteach.inverse_time(0.1, 0.01),
                                 "cosine": sgdteach.cosine(0.1, 500)}, steps=600)
    assert ax.get_lines()[1].get_ydata()[-1] == 0.0
    plt.close(ax.figure)


def test_animate_paths_writes_a_gif_and_never_overwrites(tmp_path, ref, runs):
    X, y = ref
    out = plotting.animate_paths(runs, tmp_path / "paths.gif", max_frames=8,
                                 surface=plotting.least_squares_surface(X, y))
    data = out.read_bytes()
    assert data[:6] in (b"GIF87a", b"GIF89a")
    with pytest.raises(FileExistsError, match="animate_paths: 'path' must be a file that does "
                                              "not exist yet"):
        plotting.animate_paths(runs, out)
    assert out.read_bytes() == data
