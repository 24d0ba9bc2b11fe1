"""The notebook measurements of sgdteach.course.experiments, each against something independent:
closed forms, a Monte-Carlo simulation, plain numpy loops, or sgdteach.minimize itself."""

import math
import tracemalloc

import numpy as np
import pytest

import sgdteach
from sgdteach import functions as F
from sgdteach.course import experiments as E
from sgdteach.datasets import drifting_stream
from sgdteach.history import History
from sgdteach.sampling import steps_per_epoch

# -- temperature and escape ----------------------------------------------------------------------


def test_temperature_matches_the_measured_noise_of_one_step():
    # One SGD step adds alpha * (batch mean of c) to the gradient step; its variance per
    # coordinate must be 2 T alpha (the Langevin matching of the docstring).
    lr, b, noise = 0.05, 4, 3.0
    loss, C, y = F.as_finite_sum(F.shallow_and_deep(), n=2000, noise=noise, seed=0)
    rng = np.random.default_rng(1)
    w = np.array([0.5, 0.2])
    exact = F.shallow_and_deep().grad(w)
    kicks = np.array([lr * (loss.grad(w, C[i], y[i]) - exact)
                      for i in rng.integers(0, 2000, size=(20000, b))])
    measured = kicks.var(axis=0)
    expected = 2 * E.temperature(lr, b, noise) * lr * np.ones(2)
    np.testing.assert_allclose(measured, expected * C.var(axis=0) / noise**2, rtol=0.05)


def _reference_escapes(fn, b, lr, seed, steps, noise, n):
    """A plain loop: SGD with replacement (one integers() call per epoch, as documented in
    sgdteach.sampling), escape = w1 below the barrier at some step."""
    _, C, _ = F.as_finite_sum(fn, n=n, noise=noise, seed=0)
    rng = np.random.default_rng(seed)
    w = fn.minimizers[1].copy()
    edge = F.barrier(fn)
    spe = steps_per_epoch(n, b)
    done = 0
    while done < steps:
        idx = rng.integers(0, n, size=spe * b).reshape(spe, b)
        for rows in idx:
            if done == steps:
                break
            w = w - lr * (fn.grad(w) + C[rows].mean(axis=0))
            done += 1
            if w[0] < edge:
                return True
    return False


def test_escape_fraction_matches_a_reference_loop():
    fn = F.shallow_and_deep(0.3)
    batch_sizes, lrs, seeds = [1, 2], [0.06, 0.1], range(8)
    got = E.escape_fraction(fn, batch_sizes, lrs, seeds, steps=120, noise=3.0, n=50)
    want = np.array([[np.mean([_reference_escapes(fn, b, lr, s, 120, 3.0, 50) for s in seeds])
                      for lr in lrs] for b in batch_sizes])
    np.testing.assert_array_equal(got, want)
    assert 0 < got.mean() < 1          # a mix of escapes and non-escapes: the test can fail


def test_without_noise_nothing_escapes():
    # Gradient descent with a small step only goes downhill: it cannot cross the barrier.
    frac = E.escape_fraction(F.shallow_and_deep(0.3), [1, 4], [0.05], range(3), steps=100,
                             noise=0.0, n=10)
    np.testing.assert_array_equal(frac, 0.0)


def test_escape_fraction_rejects_other_functions_and_bad_sizes():
    with pytest.raises(TypeError, match="escape_fraction: 'fn' must be a function made by"):
        E.escape_fraction(F.rosenbrock(), [1], [0.1], [0])
    with pytest.raises(ValueError, match=r"'batch_sizes' must be an integer in \[1, 10\]"):
        E.escape_fraction(F.shallow_and_deep(), [20], [0.1], [0], n=10)
    with pytest.raises(ValueError, match="must be non-empty"):
        E.escape_fraction(F.shallow_and_deep(), [1], [0.1], [])


# -- tracking ------------------------------------------------------------------------------------


def test_tracking_error_matches_a_plain_numpy_lms_loop():
    kw = dict(n_batches=400, batch_size=5, d=3, drift=0.02, noise=0.1, seed=3)
    batches, theta_true = drifting_stream(**kw)
    h = sgdteach.minimize_stream(batches, np.zeros(3), lr=0.1, record_every=1)
    got = E.tracking_error(h, theta_true, burn_in=0.25)

    batches, _ = drifting_stream(**kw)
    theta, sq = np.zeros(3), []
    for t, (Xb, yb) in enumerate(batches):
        if t >= 100:
            sq.append(np.sum((theta - theta_true[t]) ** 2))
        theta = theta - 0.1 * (2 / len(yb)) * Xb.T @ (Xb @ theta - yb)
    assert got == pytest.approx(math.sqrt(np.mean(sq)), rel=1e-12)


def test_tracking_error_needs_every_step_recorded():
    batches, theta_true = drifting_stream(50, 5, 2, seed=0)
    h = sgdteach.minimize_stream(batches, np.zeros(2), lr=0.1, record_every=10)
    with pytest.raises(ValueError, match="record_every=1"):
        E.tracking_error(h, theta_true)


def _simulate_tracking(lr, b, d, drift, noise, chains=1500, steps=400, seed=0):
    """Monte-Carlo of the error recursion, vectorised over independent chains."""
    rng = np.random.default_rng(seed)
    e = np.zeros((chains, d))
    acc = []
    for t in range(steps):
        X = rng.standard_normal((chains, b, d))
        eps = noise * rng.standard_normal((chains, b))
        r = (X @ e[:, :, None])[:, :, 0] - eps
        e = e - lr * (2 / b) * (r[:, None, :] @ X)[:, 0, :] - drift * rng.standard_normal(
            (chains, d))
        if t >= steps // 2:
            acc.append(np.mean(np.sum(e * e, axis=1)))
    return math.sqrt(np.mean(acc))


@pytest.mark.parametrize("lr, b, d", [(0.05, 10, 2), (0.3, 10, 2), (0.1, 4, 5)])
def test_lms_tracking_theory_matches_monte_carlo(lr, b, d):
    theory = E.lms_tracking_theory(lr, b, d, drift=0.01, noise=0.1)
    assert _simulate_tracking(lr, b, d, 0.01, 0.1) == pytest.approx(theory, rel=0.03)


def test_lms_tracking_theory_small_lr_limit_and_stability_bound():
    lr, b, d, drift, noise = 1e-4, 8, 3, 1e-3, 0.2
    approx = math.sqrt(d * (lr * noise**2 / b + drift**2 / (4 * lr)))
    assert E.lms_tracking_theory(lr, b, d, drift=drift, noise=noise) == pytest.approx(
        approx, rel=1e-3)
    with pytest.raises(ValueError, match=r"'lr' must be < b / \(b \+ d \+ 1\)"):
        E.lms_tracking_theory(0.8, 8, 3, drift=drift, noise=noise)


# -- memory and time -----------------------------------------------------------------------------


def test_peak_memory_sees_a_numpy_buffer():
    def make():
        a = np.ones(1_000_000)
        return float(a.sum())

    result, peak = E.peak_memory(make)
    assert result == 1e6
    assert 8_000_000 <= peak < 8_000_000 + 200_000     # the buffer, plus small change
    _, small = E.peak_memory(lambda: sum(range(100)))
    assert small < 100_000
    assert not tracemalloc.is_tracing()


def test_peak_memory_refuses_nesting_and_non_callables():
    with pytest.raises(TypeError, match="'func' must be a callable"):
        E.peak_memory(np.ones(3))
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="not tracing already"):
            E.peak_memory(lambda: None)
    finally:
        tracemalloc.stop()


def _history(loss, t0=0.0):
    k = len(loss)
    return History(theta=np.zeros(1), path=np.zeros((k, 1)), loss=np.asarray(loss, float),
                   step=np.arange(k) * 10, samples_seen=np.arange(k) * 40,
                   epoch=np.arange(k) / 2, wall_time=t0 + np.arange(k) * 0.5, lr=np.ones(k))


def test_time_to_target_reads_the_first_record_at_or_below_the_target():
    r = E.time_to_target(_history([5.0, 3.0, 1.0, 2.0, 0.5]), 2.0)
    assert r == E.Reached(step=20.0, samples=80.0, seconds=1.0)
    assert E.time_to_target(_history([5.0, 3.0, 1.0]), 1.0).step == 20.0   # "at" counts
    assert all(math.isnan(v) for v in E.time_to_target(_history([5.0, 3.0]), 1.0))


def test_time_to_target_counts_seconds_from_the_first_update(ref):
    # The one definition of descent seconds (timing.seconds_to_step): wall_time[k] - wall_time[0].
    X, y = ref
    h = sgdteach.minimize(X, y, lr=0.05, batch_size=3, epochs=500, record_every=1)
    k = int(np.flatnonzero(h.loss <= 1.0)[0])
    assert E.time_to_target(h, 1.0).seconds == h.wall_time[k] - h.wall_time[0]
    assert E.time_to_target(_history([5.0, 3.0, 1.0], t0=2.0), 1.0).seconds == 1.0
    assert math.isnan(E.time_to_target(h, -1.0).seconds)


def test_time_to_target_of_gradient_descent_matches_the_closed_form():
    # Batch GD on the reference example: the excess loss decays mode by mode; find the first
    # step below the target from the closed form of the iterates instead.
    X, y = sgdteach.datasets.reference_data()
    lr, steps = 0.05, 400
    h = sgdteach.minimize(X, y, lr=lr, batch_size=3, epochs=steps, record_every=1)
    star = sgdteach.least_squares_solution(X, y)
    H = 2 / 3 * X.T @ X
    target = sgdteach.losses.mse(star, X, y) + 0.05
    theta, first = np.zeros(2), None
    for t in range(steps + 1):
        if first is None and sgdteach.losses.mse(theta, X, y) <= target:
            first = t
        theta = star + (np.eye(2) - lr * H) @ (theta - star)
    assert E.time_to_target(h, target).step == first


# -- optimizer paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("fn, lr", [(F.rosenbrock(), 1e-3), (F.quadratic(10.0), 0.05)])
def test_optimizer_paths_equal_minimize_on_a_one_term_finite_sum(fn, lr):
    loss, C, y = F.as_finite_sum(fn, n=1, noise=0.0)
    runs = E.optimizer_paths(fn, lr, 60)
    for name, run in runs.items():
        h = sgdteach.minimize(C, y, fn.start, loss=loss, lr=lr, batch_size=1, epochs=60,
                              optimizer=name, record_every=1, record_loss=False)
        np.testing.assert_allclose(run.path, h.path, rtol=0, atol=1e-12)
        assert run.diverged_at is None
        assert run.distance == pytest.approx(np.linalg.norm(h.theta - fn.minimizers[0]))


def test_gradient_descent_on_the_quadratic_follows_the_closed_form():
    kappa, lr, steps = 25.0, 0.03, 40
    run = E.optimizer_paths(F.quadratic(kappa), lr, steps, methods=("sgd",))["sgd"]
    t = np.arange(steps + 1)[:, None]
    closed = np.array([-2.5, 1.5]) * (1 - lr * np.array([1.0, kappa])) ** t
    np.testing.assert_allclose(run.path, closed, rtol=1e-12)


def test_divergence_is_reported_at_the_predicted_step():
    # Gradient descent on f(w) = (w1^2 + kappa w2^2) / 2 from w0: w_t = w0 (1 - lr [1, kappa])^t
    # in closed form. minimize's rule: the run diverges at the first t with
    # f(w_t) > 1e6 max(f(w0), 1).
    kappa, lr = 25.0, 0.1
    w0 = np.array([-2.5, 1.5])
    f = F.quadratic(kappa).value
    t = np.arange(200)[:, None]
    closed = w0 * (1 - lr * np.array([1.0, kappa])) ** t
    predicted = int(np.argmax(f(closed) > 1e6 * max(f(w0), 1.0)))
    assert predicted > 1
    run = E.optimizer_paths(F.quadratic(kappa), lr, 500, methods=("sgd",))["sgd"]
    assert run.diverged_at == predicted
    assert run.distance == math.inf and len(run.path) == predicted
    np.testing.assert_allclose(run.path, closed[:predicted], rtol=1e-12)


def test_per_rule_rates_and_options():
    fn = F.quadratic(10.0)
    plain = E.optimizer_paths(fn, 0.05, 30, methods=("sgd",))["sgd"]
    no_momentum = E.optimizer_paths(fn, {"momentum": 0.05}, 30, methods=("momentum",),
                                    options={"momentum": {"beta": 0.0}})["momentum"]
    np.testing.assert_allclose(no_momentum.path, plain.path, rtol=0, atol=0)
    with pytest.raises(ValueError, match="'methods' must be one of"):
        E.optimizer_paths(fn, 0.05, 10, methods=("adamw",))


# -- the saddle ----------------------------------------------------------------------------------


def test_saddle_gradient_minima_and_stable_line():
    fn = F.saddle()
    for w in ([0.3, -0.7], [1.2, 1.4], [-0.5, 0.1]):
        sgdteach.check_gradient(fn.value, fn.grad, np.array(w), verbose=False)
    for m in fn.minimizers:
        np.testing.assert_allclose(fn.grad(m), 0.0, atol=1e-15)
        assert fn.value(m) == -0.5
    np.testing.assert_array_equal(fn.grad(np.zeros(2)), 0.0)
    # On the line w2 = 0 the gradient has no w2 component: GD stays on it.
    assert fn.grad(np.array([0.7, 0.0]))[1] == 0.0
