"""course.online_tracking: the vectorised runs are minimize_stream's runs on drifting_stream."""

import numpy as np
import pytest

import sgdteach
from sgdteach import datasets
from sgdteach.course import experiments
from sgdteach.course.online_tracking import stream_runs

SHAPE = dict(n_batches=300, batch_size=5, d=3, drift=0.02, noise=0.3)


def test_same_runs_as_minimize_stream():
    lrs = [0.05, sgdteach.inverse_time(0.2, k=0.05)]
    runs = stream_runs(lrs, [0, 7], **SHAPE)
    for i, seed in enumerate((0, 7)):
        for k, lr in enumerate(lrs):
            batches, truth = datasets.drifting_stream(**SHAPE, seed=seed)
            h = sgdteach.minimize_stream(batches, np.zeros(3), lr=lr, record_every=1)
            np.testing.assert_array_equal(runs.theta_true[i], truth)
            np.testing.assert_allclose(runs.loss[i, k], h.loss[:300], rtol=1e-12, atol=1e-15)
            e = h.path[:300] - truth
            np.testing.assert_allclose(runs.error2[i, k], np.sum(e * e, axis=1), rtol=1e-10)
            assert runs.tracking_error()[i, k] == pytest.approx(
                experiments.tracking_error(h, truth), rel=1e-10)


def test_matches_the_exact_steady_state_formula():
    shape = dict(n_batches=3000, batch_size=10, d=2, drift=0.01, noise=0.1)
    err = stream_runs([0.1], list(range(20)), **shape).tracking_error(burn_in=0.2)
    ms = np.sqrt(np.mean(err**2))
    assert ms == pytest.approx(experiments.lms_tracking_theory(0.1, 10, 2, drift=0.01,
                                                               noise=0.1), rel=0.04)


@pytest.mark.parametrize("kwargs, match", [
    (dict(lrs=[], seeds=[0]), "lrs"), (dict(lrs=[0.1], seeds=[]), "seeds"),
    (dict(lrs=[-0.1], seeds=[0]), "lrs"),
    (dict(lrs=[0.1], seeds=[0], theta0=np.zeros(2)), "theta0")])
def test_rejects_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        stream_runs(**kwargs, **SHAPE)
