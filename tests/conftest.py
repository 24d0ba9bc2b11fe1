import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")


@pytest.fixture
def ref():
    """The reference example: X=[[1,2],[1,3],[1,4]], y=[2,5,9]."""
    return np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]), np.array([2.0, 5.0, 9.0])


@pytest.fixture
def regression():
    from sgdteach.datasets import make_regression

    return make_regression(n=200, d=3, noise=0.3, seed=1)
