"""Pixel checks of the PNGs the course shows, shared by the figure and notebook tests."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def frames(png: bytes) -> list[np.ndarray]:
    """Every frame of a PNG or GIF as an (h, w, 4) RGBA array."""
    image = Image.open(io.BytesIO(png))
    out = []
    for k in range(getattr(image, "n_frames", 1)):
        image.seek(k)
        out.append(np.asarray(image.convert("RGBA")))
    return out


def off_canvas(rgba: np.ndarray) -> dict[str, int]:
    """Pixels of the outermost row or column on each side that are not the white background.

    A figure drawn at its fixed size with constrained layout keeps a margin of background on every
    side; ink on the border row means something (a title, a legend, a label) runs off the canvas
    and is cut. Returns ``{side: count}`` for the sides with ink, empty when nothing is cut.
    """
    edges = {"top": rgba[0], "bottom": rgba[-1], "left": rgba[:, 0], "right": rgba[:, -1]}
    ink = {side: int(np.count_nonzero((e != 255).any(axis=-1))) for side, e in edges.items()}
    return {side: n for side, n in ink.items() if n}
