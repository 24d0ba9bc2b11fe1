"""The one array type of the algorithm modules: a float64 numpy array of any shape."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
