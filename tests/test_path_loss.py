import numpy as np
import pytest

import sgdteach
from sgdteach.course.path_loss import squared_loss_along_path


def test_matches_the_loss_recorded_during_the_run():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = X @ np.arange(4.0) + rng.normal(size=500)
    kw = dict(lr=0.05, batch_size=8, epochs=2, seed=3, record_every=3)
    recorded = sgdteach.minimize(X, y, **kw)
    bare = sgdteach.minimize(X, y, record_loss=False, **kw)
    np.testing.assert_allclose(bare.path, recorded.path)
    got = squared_loss_along_path(bare, X, y, chunk=7)
    np.testing.assert_allclose(got.loss, recorded.loss, rtol=1e-12)
    np.testing.assert_array_equal(got.step, bare.step)


def test_rejects_a_path_of_another_width():
    h = sgdteach.minimize(np.eye(3), np.ones(3), lr=0.1, batch_size=3, epochs=1,
                          record_every=1, record_loss=False)
    with pytest.raises(ValueError):
        squared_loss_along_path(h, np.ones((3, 2)), np.ones(3))
