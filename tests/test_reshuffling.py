"""course.reshuffling: the exact epoch-end excess of random reshuffling agrees with simulated
runs, and its small-step law is alpha ** 2."""

import numpy as np
import pytest

import sgdteach
from sgdteach._validation import ValidationError
from sgdteach.course.reshuffling import epoch_end_excess
from sgdteach.course.toolbox import loglog_slope
from sgdteach.datasets import reference_data
from sgdteach.losses import least_squares_solution, squared_error


def _reshuffled_chains(X, y, lr, epochs, chains, seed):
    """``chains`` independent reshuffled runs from theta*, side by side; epoch-end iterates of
    the last ``epochs // 2`` epochs, shape (epochs // 2, chains, d)."""
    rng = np.random.default_rng(seed)
    thetas = np.tile(least_squares_solution(X, y), (chains, 1))
    kept = []
    for epoch in range(epochs):
        order = np.argsort(rng.random((chains, len(y))), axis=1)   # a permutation per chain
        for k in range(len(y)):
            r = order[:, k]
            e = np.einsum("kj,kj->k", X[r], thetas) - y[r]
            thetas -= lr * 2 * X[r] * e[:, None]
        if epoch >= epochs // 2:
            kept.append(thetas.copy())
    return np.array(kept)


def test_epoch_end_excess_matches_many_reshuffled_runs():
    X, y = reference_data()
    J_star = squared_error.value(least_squares_solution(X, y), X, y)
    ends = _reshuffled_chains(X, y, 0.01, 1_600, 2_000, seed=7)
    excess = np.mean((ends @ X.T - y) ** 2, axis=-1) - J_star      # (epochs, chains)
    per_chain = excess.mean(axis=0)
    se = per_chain.std() / np.sqrt(len(per_chain))
    exact = epoch_end_excess(X, y, 0.01)
    assert abs(exact.total - per_chain.mean()) < 4 * se
    # the mean epoch-end iterate is offset from theta* as the fixed point says
    mean_end = ends.reshape(-1, 2).mean(axis=0)
    H = 2 / 3 * X.T @ X
    e = mean_end - least_squares_solution(X, y)
    assert 0.5 * e @ H @ e == pytest.approx(exact.offset, rel=0.15)


def test_epoch_end_excess_matches_the_course_loop():
    X, y = reference_data()
    J_star = squared_error.value(least_squares_solution(X, y), X, y)
    h = sgdteach.minimize(X, y, least_squares_solution(X, y), lr=0.005, batch_size=1,
                          epochs=20_000, sampling="shuffle", seed=1)
    assert h.loss[1:].mean() - J_star == pytest.approx(epoch_end_excess(X, y, 0.005).total,
                                                       rel=0.1)


def test_small_steps_give_alpha_squared_and_an_offset_that_dominates():
    X, y = reference_data()
    small = [epoch_end_excess(X, y, a) for a in (1e-5, 2e-5)]
    assert loglog_slope([1e-5, 2e-5], [r.total for r in small]) == pytest.approx(2, abs=0.03)
    assert small[0].offset / small[0].total > 0.99
    moderate = [epoch_end_excess(X, y, a).total for a in (0.005, 0.01)]
    assert loglog_slope([0.005, 0.01], moderate) > 2.8


def test_bad_arguments_get_the_template_error():
    X, y = reference_data()
    with pytest.raises(ValidationError, match="epoch_end_excess: 'X' must be at most 8 rows"):
        epoch_end_excess(np.ones((9, 2)), np.ones(9), 0.01)
    with pytest.raises(ValidationError, match="'lr' must be small enough"):
        epoch_end_excess(X, y, 0.2)
    with pytest.raises(ValidationError, match="'lr' must be"):
        epoch_end_excess(X, y, -0.01)
