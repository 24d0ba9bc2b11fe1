"""Every loss's gradient against central finite differences, on hypothesis-generated data."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from hypothesis_profiles import examples

import sgdteach
from sgdteach.checking import numerical_gradient
from sgdteach.losses import get_loss, huber, least_squares_solution, smoothness

floats = st.floats(-3, 3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw, labels=False):
    m = draw(st.integers(1, 8))
    d = draw(st.integers(1, 4))
    X = draw(arrays(np.float64, (m, d), elements=floats))
    theta = draw(arrays(np.float64, (d,), elements=floats))
    if labels:
        y = draw(arrays(np.float64, (m,), elements=st.sampled_from([-1.0, 1.0])))
    else:
        y = draw(arrays(np.float64, (m,), elements=floats))
    return X, y, theta


def fd_close(loss, X, y, theta, rtol=1e-5, atol=1e-6):
    g = loss.grad(theta, X, y)
    g_hat = numerical_gradient(lambda t: loss.value(t, X, y), theta, eps=1e-6)
    np.testing.assert_allclose(g, g_hat, rtol=rtol, atol=atol)


@settings(max_examples=examples(60), deadline=None)
@given(problems())
def test_squared_error_gradient(p):
    fd_close(get_loss("squared_error"), *p)


@settings(max_examples=examples(60), deadline=None)
@given(problems(labels=True))
def test_logistic_gradient(p):
    fd_close(get_loss("logistic"), *p)


@settings(max_examples=examples(60), deadline=None)
@given(problems(labels=True))
def test_hinge_subgradient_away_from_kinks(p):
    X, y, theta = p
    assume(np.all(np.abs(y * (X @ theta) - 1.0) > 1e-3))  # finite differences need no kink
    fd_close(get_loss("hinge"), X, y, theta)


@settings(max_examples=examples(60), deadline=None)
@given(problems(), st.floats(0.1, 3.0))
def test_huber_gradient_away_from_kinks(p, delta):
    X, y, theta = p
    assume(np.all(np.abs(np.abs(X @ theta - y) - delta) > 1e-3))
    fd_close(huber(delta), X, y, theta)


def test_squared_error_per_sample_gradient_is_the_reference_formula(ref):
    X, y = ref
    theta = np.array([0.3, -0.2])
    for i in range(3):
        expected = 2 * X[i] * (X[i] @ theta - y[i])
        np.testing.assert_allclose(
            sgdteach.losses.squared_error.grad(theta, X[i:i + 1], y[i:i + 1]), expected)


def test_mean_of_per_sample_gradients_is_the_full_gradient(regression):
    X, y, _ = regression
    loss = sgdteach.losses.squared_error
    theta = np.ones(3)
    per_sample = np.mean([loss.grad(theta, X[i:i + 1], y[i:i + 1]) for i in range(len(y))], 0)
    np.testing.assert_allclose(per_sample, loss.grad(theta, X, y), rtol=1e-12)


def test_closed_form_and_smoothness(ref):
    X, y = ref
    star = least_squares_solution(X, y)
    np.testing.assert_allclose(X.T @ (X @ star - y), 0, atol=1e-10)  # normal equations
    H = 2 / 3 * X.T @ X
    assert smoothness(X) == pytest.approx(np.linalg.norm(H, 2))


def test_logistic_is_stable_for_large_margins():
    X = np.array([[1.0, 800.0], [1.0, -800.0]])
    y = np.array([1.0, 1.0])
    theta = np.array([0.0, 1.0])
    assert np.isfinite(sgdteach.losses.logistic.value(theta, X, y))
    assert np.isfinite(sgdteach.losses.logistic.grad(theta, X, y)).all()


def test_unknown_loss_lists_valid_ones():
    with pytest.raises(ValueError, match=r"'loss' must be one of 'squared_error', 'logistic', "
                                         r"'hinge', 'huber'; got 'squared'"):
        get_loss("squared")


@settings(max_examples=examples(80), deadline=None)
@given(problems(), st.floats(1e-3, 2.0),
       st.sampled_from(["squared_error", "logistic", "hinge", "huber"]))
def test_grad_one_is_the_scaled_gradient_of_one_row(p, scale, name):
    """``grad_one(theta, X[i], y[i], scale)`` (the SGD fast path) against ``scale * grad`` on the
    1-row matrix: the same vector up to rounding (the scale multiplies a number in one, a vector in
    the other)."""
    X, y, theta = p
    loss = get_loss(name)
    if loss.labels is not None:
        y = np.where(y >= 0, 1.0, -1.0)
    if name == "hinge":  # at the kink the sub-gradient may flip with the last bit of the margin
        assume(np.all(np.abs(y * (X @ theta) - 1.0) > 1e-9))
    for i in range(len(y)):
        g = loss.grad(theta, X[i:i + 1], y[i:i + 1])
        np.testing.assert_allclose(loss.grad_one(theta, X[i], float(y[i])), g,
                                   rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(loss.grad_one(theta, X[i], float(y[i]), scale), scale * g,
                                   rtol=1e-13, atol=1e-300)


def test_grad_one_of_a_custom_loss_is_built_from_its_grad():
    calls = []

    def grad(theta, X, y):
        calls.append((X.shape, y.shape))
        return X.T @ (X @ theta - y)

    mine = sgdteach.losses.Loss("mine", lambda theta, X, y: 0.0, grad)
    x, theta = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    np.testing.assert_array_equal(mine.grad_one(theta, x, 3.0, 0.1), 0.1 * x * (x @ theta - 3.0))
    assert calls == [((1, 2), (1,))]


# -- facts on the losses ---------------------------------------------------------------------------


def test_label_conventions_are_on_the_losses():
    assert get_loss("logistic").labels == get_loss("hinge").labels == (-1.0, 1.0)
    assert get_loss("squared_error").labels is None and get_loss("huber").labels is None
    assert [n for n in ("squared_error", "logistic", "hinge", "huber")
            if get_loss(n).quadratic] == ["squared_error"]


@settings(max_examples=examples(40), deadline=None)
@given(problems(), st.sampled_from(["squared_error", "logistic", "huber"]), st.integers(0, 2**32))
def test_smoothness_bounds_how_fast_the_gradient_changes(p, name, seed):
    """``loss.smoothness(X)`` is a Lipschitz constant of the gradient: for random pairs of points
    |grad(a) - grad(b)| <= L |a - b| (and for squared error it is attained along the top
    eigenvector of X^T X, from numpy.linalg.eigh)."""
    X, y, _ = p
    loss = get_loss(name)
    if loss.labels is not None:
        y = np.where(y >= 0, 1.0, -1.0)
    L = loss.smoothness(X)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        a, b = rng.normal(size=(2, X.shape[1])) * 3
        gap = np.linalg.norm(loss.grad(a, X, y) - loss.grad(b, X, y))
        assert gap <= L * np.linalg.norm(a - b) * (1 + 1e-9) + 1e-12
    if loss.quadratic:
        w, V = np.linalg.eigh(X.T @ X)
        a = rng.normal(size=X.shape[1])
        gap = np.linalg.norm(loss.grad(a + V[:, -1], X, y) - loss.grad(a, X, y))
        assert gap == pytest.approx(L, rel=1e-9, abs=1e-12)
