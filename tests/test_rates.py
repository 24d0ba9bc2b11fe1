"""The heavy-ball rate map against numpy's eigenvalues, runs and Polyak's optimum."""

import numpy as np
import pytest

import sgdteach
from sgdteach.course import momentum_rates as rates
from sgdteach.functions import as_finite_sum, quadratic

LAM = np.array([1.0, 25.0])


def eigvals_rate(lr, beta, lam):
    """Spectral radius of the 2x2 iteration matrices, by np.linalg.eigvals."""
    return max(np.abs(np.linalg.eigvals(np.array([[1 + beta - lr * x, -beta], [1.0, 0.0]]))).max()
               for x in lam)


def test_closed_form_matches_eigvals_on_a_random_grid():
    rng = np.random.default_rng(0)
    lam = np.array([0.3, 2.0, 7.5])
    lr, beta = rng.uniform(1e-3, 0.6, 400), rng.uniform(0.0, 0.999, 400)
    got = rates.heavy_ball_rate(lr, beta, lam)
    want = [eigvals_rate(a, b, lam) for a, b in zip(lr, beta, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert (got >= 1).any() and (got < 1).any()          # the grid covers both regimes


def test_hostile_points_critical_damping_zero_momentum_and_the_edge():
    lr = 0.02
    bc = float(rates.critical_damping(lr, 25.0))        # double root for lambda = 25
    for beta in (bc, bc * (1 - 1e-12), 0.0, 0.999):
        # a double root is ill-conditioned for eigvals (error ~ sqrt(eps)): compare loosely there
        np.testing.assert_allclose(rates.heavy_ball_rate(lr, beta, LAM),
                                   eigvals_rate(lr, beta, LAM), rtol=1e-7)
    # beta = 0 is plain gradient descent: max |1 - alpha lambda|
    a = np.linspace(0.01, 0.1, 7)
    np.testing.assert_allclose(rates.heavy_ball_rate(a, 0.0, LAM),
                               np.abs(1 - np.outer(a, LAM)).max(axis=1), rtol=1e-14)
    # divergence exactly where alpha lambda_max = 2 (1 + beta)
    assert rates.heavy_ball_rate(2 * 1.5 / 25 * 0.999, 0.5, LAM) < 1
    assert rates.heavy_ball_rate(2 * 1.5 / 25 * 1.001, 0.5, LAM) > 1


def test_complex_region_is_where_rate_is_sqrt_beta():
    m = rates.rate_map(np.linspace(0.005, 0.2, 60), np.linspace(0.0, 0.95, 50), LAM)
    inside = m.complex
    assert inside.any() and (~inside).any()
    B = np.broadcast_to(m.beta[:, None], m.rate.shape)
    np.testing.assert_allclose(m.rate[inside], np.sqrt(B[inside]), rtol=1e-14)
    assert (m.rate[~inside] >= np.sqrt(B[~inside]) - 1e-12).all()   # real roots: rho >= sqrt b
    # on the critical-damping curve the discriminant vanishes for that eigenvalue
    a = np.linspace(0.001, 0.039, 9)
    bc = rates.critical_damping(a, 25.0)
    np.testing.assert_allclose((1 + bc - 25 * a) ** 2 - 4 * bc, 0.0, atol=1e-14)


@pytest.mark.parametrize("lr, beta", [(0.05, 0.3), (0.1, 0.6), (0.03, 0.0), (0.07, 0.8),
                                      (0.11, 0.2)])
def test_map_matches_runs_of_minimize(lr, beta):
    quad = quadratic(25.0)
    loss, C, y = as_finite_sum(quad, n=1, noise=0.0)
    h = sgdteach.minimize(C, y, quad.start, loss=loss, lr=lr, batch_size=1, epochs=300,
                          optimizer=sgdteach.momentum(beta), record_every=1, record_loss=False)
    measured = rates.measured_rate(h.path, 30, 300)
    assert measured == pytest.approx(float(rates.heavy_ball_rate(lr, beta, LAM)), abs=2e-3)


def test_map_matches_the_momentum_optimizer_in_three_dimensions():
    lam = np.array([0.5, 3.0, 10.0])
    opt = sgdteach.momentum(0.5)
    w = np.ones(3)
    state, path = opt.init(w), [w]
    for _ in range(300):
        step, state = opt.update(lam * w, state, 0.12)
        w = w - step
        path.append(w)
    assert rates.measured_rate(np.array(path), 30) == pytest.approx(
        float(rates.heavy_ball_rate(0.12, 0.5, lam)), abs=2e-3)


def test_polyak_optimum_is_the_grid_minimum():
    kappa = 25.0
    best = rates.optimal_heavy_ball(LAM)
    assert best.lr == pytest.approx(4 / (np.sqrt(kappa) + 1) ** 2)
    assert best.beta == pytest.approx(((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2)
    assert float(rates.heavy_ball_rate(best.lr, best.beta, LAM)) == pytest.approx(best.rate,
                                                                                  rel=1e-12)
    m = rates.rate_map(np.linspace(0.01, 0.2, 191), np.linspace(0.0, 0.95, 191), LAM)
    assert m.rate.min() >= best.rate - 1e-12              # nothing on the grid beats it
    j, i = np.unravel_index(np.argmin(m.rate), m.rate.shape)
    assert abs(m.lr[i] - best.lr) < 0.003 and abs(m.beta[j] - best.beta) < 0.01


def test_bad_input_names_function_argument_and_value():
    with pytest.raises(ValueError,
                       match=r"heavy_ball_rate: 'beta' must be finite numbers in \[0, 1\); "
                             r"got 1\.0"):
        rates.heavy_ball_rate(0.1, 1.0, LAM)
    with pytest.raises(ValueError, match="heavy_ball_rate: 'lr' must be finite numbers > 0"):
        rates.heavy_ball_rate(-0.1, 0.5, LAM)
    with pytest.raises(ValueError, match="rate_map: 'eigenvalues' must be finite numbers > 0"):
        rates.rate_map([0.1], [0.5], [1.0, -2.0])
    with pytest.raises(TypeError, match="rate_map: 'lrs' must be an array of numbers"):
        rates.rate_map("fast", [0.5], LAM)
    with pytest.raises(ValueError, match="measured_rate: 'stop'"):
        rates.measured_rate(np.ones((10, 2)), 5, 50)
    with pytest.raises(TypeError, match="plot_rate_map: 'rmap'"):
        rates.plot_rate_map(np.ones((3, 3)))


@pytest.mark.figures
def test_plot_rate_map_draws_labelled_axes_and_colour_bar():
    import matplotlib.pyplot as plt

    m = rates.rate_map(np.linspace(0.005, 0.2, 40), np.linspace(0.0, 0.95, 30), LAM)
    ax = rates.plot_rate_map(m, runs=[(0.05, 0.3)])
    assert ax.get_xlabel() and ax.get_ylabel()
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert cbar_axes and "rho" in cbar_axes[0].get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("critical damping" in t for t in labels) and any("sqrt" in t for t in labels)
    plt.close(ax.figure)
