"""Data sets: shapes, known parameters recovered, determinism."""

import numpy as np
import pytest

from sgdteach import datasets


def test_reference_data():
    X, y = datasets.reference_data()
    np.testing.assert_array_equal(X, [[1, 2], [1, 3], [1, 4]])
    np.testing.assert_array_equal(y, [2, 5, 9])


def test_make_regression_recovers_theta():
    X, y, theta = datasets.make_regression(n=5000, d=4, noise=0.1, seed=0)
    assert X.shape == (5000, 4) and np.all(X[:, 0] == 1)
    np.testing.assert_allclose(np.linalg.lstsq(X, y, rcond=None)[0], theta, atol=0.01)
    a = datasets.make_regression(n=10, seed=3)
    b = datasets.make_regression(n=10, seed=3)
    c = datasets.make_regression(n=10, seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])


def test_make_classification_labels_and_separation():
    X, y, u = datasets.make_classification(n=2000, d=3, separation=4.0, seed=0)
    assert set(np.unique(y)) == {-1.0, 1.0}
    accuracy = np.mean(np.sign(X[:, 1:] @ u) == y)   # the Bayes direction separates well
    assert accuracy > 0.95


def test_drifting_stream_is_lazy_and_follows_theta():
    batches, theta = datasets.drifting_stream(n_batches=50, batch_size=400, d=2, drift=0.05,
                                              noise=0.01, seed=0)
    assert theta.shape == (50, 2)
    for t, (Xb, yb) in enumerate(batches):
        np.testing.assert_allclose(np.linalg.lstsq(Xb, yb, rcond=None)[0], theta[t], atol=5e-3)
    assert t == 49


def test_load_real():
    pytest.importorskip("sklearn")
    X, y = datasets.load_real("diabetes")
    assert X.shape == (442, 11) and np.all(X[:, 0] == 1)
    np.testing.assert_allclose(X[:, 1:].mean(axis=0), 0, atol=1e-12)
    Xc, yc = datasets.load_real("breast_cancer")
    assert set(np.unique(yc)) == {-1.0, 1.0} and Xc.shape == (569, 31)
    with pytest.raises(ValueError, match="load_real: 'name' must be one of 'diabetes', "
                                         "'breast_cancer'; got 'iris'"):
        datasets.load_real("iris")
