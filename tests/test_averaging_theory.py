"""sgdteach.course.averaging against an exact recursion, Monte-Carlo runs and SVRG/SAGA runs."""

import numpy as np
import pytest

import sgdteach
from sgdteach import variance_reduced
from sgdteach.course import averaging as av


@pytest.fixture(scope="module")
def quadratic():
    rng = np.random.default_rng(0)
    B, C = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    H = B @ B.T / 3 + 0.2 * np.eye(3)
    return H, C @ C.T / 3, rng.normal(size=3)


def _exact_by_recursion(H, S, e0, lr, steps):
    """Mean and second moment of z = (e_t, sum_{k<=t} e_k) pushed step by step: no
    eigen-decomposition, no closed form."""
    d = len(e0)
    A = np.eye(d) - lr * H
    F = np.block([[A, np.zeros((d, d))], [A, np.eye(d)]])
    G = np.vstack([np.eye(d), np.eye(d)])
    mean, P, out = np.concatenate([e0, np.zeros(d)]), np.zeros((2 * d, 2 * d)), {}
    for t in range(1, max(steps) + 1):
        mean, P = F @ mean, F @ P @ F.T + lr**2 * G @ S @ G.T
        if t in steps:
            avg_bias = mean[d:] @ mean[d:] / t**2
            out[t] = (avg_bias, np.trace(P[d:, d:]) / t**2,
                      mean[:d] @ mean[:d] + np.trace(P[:d, :d]))
    return out


@pytest.mark.parametrize("lr", [0.05, 0.4, 1.2])
def test_closed_forms_equal_the_exact_recursion(quadratic, lr):
    H, S, e0 = quadratic
    steps = [1, 2, 9, 60]
    exact = _exact_by_recursion(H, S, e0, lr, steps)
    avg = av.averaged_mse(H, S, e0, lr, steps)
    last = av.last_iterate_mse(H, S, e0, lr, steps)
    np.testing.assert_allclose(avg.bias, [exact[t][0] for t in steps], rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(avg.variance, [exact[t][1] for t in steps], rtol=1e-10)
    np.testing.assert_allclose(avg.total, avg.bias + avg.variance, rtol=1e-14)
    np.testing.assert_allclose(last.total, [exact[t][2] for t in steps], rtol=1e-10)


def test_monte_carlo_within_clt_margin(quadratic):
    H, S, e0 = quadratic
    lr, t, runs = 0.3, 200, 4000
    rng = np.random.default_rng(1)
    chol = np.linalg.cholesky(S)
    e, total = np.tile(e0, (runs, 1)), np.zeros((runs, 3))
    for _ in range(t):                            # e <- (I - lr H) e - lr xi, all runs at once
        e = e - lr * (e @ H + rng.standard_normal((runs, 3)) @ chol.T)
        total += e
    for sq, theory in [(np.sum((total / t) ** 2, axis=1), av.averaged_mse(H, S, e0, lr, t).total),
                       (np.sum(e**2, axis=1), av.last_iterate_mse(H, S, e0, lr, t).total)]:
        margin = 4 * sq.std(ddof=1) / np.sqrt(runs)
        assert abs(sq.mean() - float(theory)) < margin, (sq.mean(), float(theory), margin)
    # Averaging wins by far at this t: the floor against the O(1/t) term.
    assert av.averaged_mse(H, S, e0, lr, t).total < 0.2 * av.stationary_mse(H, S, lr)


def test_asymptote_and_floor(quadratic):
    H, S, e0 = quadratic
    limit = np.trace(np.linalg.inv(H) @ S @ np.linalg.inv(H))
    for lr in (0.05, 0.5):
        t = 10**7
        assert av.averaged_mse(H, S, e0, lr, t).total * t == pytest.approx(limit, rel=1e-4)
        assert av.averaged_mse_asymptote(H, S, t) * t == pytest.approx(limit, rel=1e-12)
        floor = lr * np.trace(np.linalg.solve(2 * H - lr * H @ H, S))
        assert av.stationary_mse(H, S, lr) == pytest.approx(floor, rel=1e-12)
        assert float(av.last_iterate_mse(H, S, e0, lr, 10**6).total) == pytest.approx(floor,
                                                                                       rel=1e-12)


def test_rate_bounds_by_hand():
    # 1/(mu a (1 - 2 L a) m) + 2 L a / (1 - 2 L a) with mu=1, L=10, a=0.01, m=1000
    assert av.svrg_rate_bound(0.01, 1.0, 10.0, 1000) == pytest.approx(0.125 + 0.25, rel=1e-14)
    assert av.saga_rate_bound(1.0, 10.0, 100) == pytest.approx(1 - 1 / 400, rel=1e-14)
    assert av.saga_rate_bound(1.0, 10.0, 5) == pytest.approx(1 - 1 / 30, rel=1e-14)


@pytest.fixture(scope="module")
def lsq():
    X, y, _ = sgdteach.datasets.make_regression(n=200, d=5, noise=0.5, seed=4)
    H = (2 / len(y)) * X.T @ X
    return (X, y, np.linalg.lstsq(X, y, rcond=None)[0], H, float(np.linalg.eigvalsh(H)[0]),
            2.0 * float(np.max(np.einsum("ij,ij->i", X, X))))


def _fitted_rate(values):
    """exp(slope) of log(values) per index: the measured contraction per epoch."""
    values = np.asarray(values)
    keep = values > 1e-26
    return float(np.exp(np.polyfit(np.flatnonzero(keep), np.log(values[keep]), 1)[0]))


def test_svrg_contracts_at_least_as_fast_as_its_bound(lsq):
    X, y, star, H, mu, L = lsq
    lr, m = 1 / (10 * L), 1000
    rho = av.svrg_rate_bound(lr, mu, L, m)
    assert rho < 1
    excess = np.mean([[0.5 * (p - star) @ H @ (p - star) for p in
                       variance_reduced(X, y, method="svrg", lr=lr, epochs=4, inner_steps=m,
                                        seed=s).path] for s in range(4)], axis=0)
    assert _fitted_rate(excess) <= rho, (_fitted_rate(excess), rho)


def test_saga_contracts_at_least_as_fast_as_its_bound(lsq):
    X, y, star, H, mu, L = lsq
    n = len(y)
    rho_epoch = av.saga_rate_bound(mu, L, n) ** n
    err = np.mean([np.sum((variance_reduced(X, y, method="saga", lr=1 / (3 * L), epochs=30,
                                            seed=s).path - star) ** 2, axis=1)
                   for s in range(4)], axis=0)
    assert _fitted_rate(err) <= rho_epoch, (_fitted_rate(err), rho_epoch)


@pytest.mark.parametrize("call, arg", [
    (lambda H, S, e0: av.averaged_mse(H, S, e0, 5.0, 10), "lr"),
    (lambda H, S, e0: av.averaged_mse(H, S, e0, 0.1, 0), "steps"),
    (lambda H, S, e0: av.averaged_mse(-H, S, e0, 0.1, 10), "H"),
    (lambda H, S, e0: av.last_iterate_mse(H, -S, e0, 0.1, 10), "noise_cov"),
    (lambda H, S, e0: av.averaged_mse(H, S, e0[:2], 0.1, 10), "theta0"),
    (lambda H, S, e0: av.svrg_rate_bound(0.5, 1.0, 1.0, 10), "lr"),
    (lambda H, S, e0: av.saga_rate_bound(2.0, 1.0, 10), "mu"),
    (lambda H, S, e0: av.saga_rate_bound(1.0, 1.0, 0), "m"),
])
def test_arguments_are_validated(quadratic, call, arg):
    with pytest.raises(ValueError, match=rf": '{arg}' must be .*; got "):
        call(*quadratic)
