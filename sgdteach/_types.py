"""The array types of the algorithm modules: ``Array``, a float64 numpy array of any shape, and
``Indices``, an array of row numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
#: Row indices (what ``rng.integers``, ``rng.permutation`` and ``np.arange`` give).
Indices = NDArray[np.signedinteger[Any]]
