"""Every bad input at the public boundary gets the one message template: function, argument,
what is allowed, the value received, and a fix."""

import warnings

import numpy as np
import pytest

import sgdteach
from sgdteach import minimize, stochastic_gradient_descent

X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])
y = np.array([2.0, 5.0, 9.0])


def matrix(a):
    """``np.matrix(a)``, without numpy's PendingDeprecationWarning: a learner's old code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(a)


@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(X=np.array([1.0, 2.0, 3.0])), ValueError,
     r"minimize: 'X' must be a 2-D array of shape \(n_samples, n_features\); got array of shape "
     r"\(3,\).*X.reshape\(-1, 1\)"),
    (dict(y=np.ones((3, 1))), ValueError,
     r"minimize: 'y' must be a 1-D array; got array of shape \(3, 1\).*y.ravel\(\)"),
    (dict(y=np.ones(4)), ValueError,
     r"minimize: 'y' must be of length 3 \(one target per row of X\); got array of shape \(4,\)"),
    (dict(theta0=np.zeros(3)), ValueError,
     r"minimize: 'theta0' must be of length 2 \(one per column of X\); got array of shape \(3,\)"),
    (dict(X=np.array([[1.0, np.nan], [1, 3], [1, 4]])), ValueError,
     r"minimize: 'X' must be finite \(no NaN or inf\).*1 non-finite entries"),
    (dict(y=np.array([2.0, np.inf, 9.0])), ValueError, r"minimize: 'y' must be finite"),
    (dict(theta0=np.array([np.nan, 0.0])), ValueError, r"minimize: 'theta0' must be finite"),
    (dict(lr=0.0), ValueError, r"minimize: 'lr' must be a finite number > 0; got 0.0"),
    (dict(lr=-0.1), ValueError, r"minimize: 'lr' must be a finite number > 0; got -0.1"),
    (dict(lr=float("nan")), ValueError, r"minimize: 'lr' must be a finite number > 0; got nan"),
    (dict(batch_size=0), ValueError,
     r"minimize: 'batch_size' must be an integer in \[1, 3\]; got 0. Use 1 for SGD, 3 "
     r"\(= len\(y\)\)"),
    (dict(batch_size=4), ValueError,
     r"minimize: 'batch_size' must be an integer in \[1, 3\]; got 4"),
    (dict(batch_size=2.5), TypeError,
     r"minimize: 'batch_size' must be an integer in \[1, 3\]; got 2.5"),
    (dict(epochs=0), ValueError, r"minimize: 'epochs' must be an integer >= 1; got 0"),
    (dict(sampling="random"), ValueError,
     r"minimize: 'sampling' must be one of 'replacement', 'shuffle', 'cyclic'; got 'random'"),
    (dict(loss="mse"), ValueError,
     r"minimize: 'loss' must be one of 'squared_error', 'logistic', 'hinge', 'huber'; got 'mse'"),
    (dict(optimizer="lbfgs"), ValueError, r"minimize: 'optimizer' must be one of 'sgd'"),
    (dict(seed=-1), TypeError,
     r"minimize: 'seed' must be None, a non-negative integer or a numpy.random.Generator"),
    (dict(seed="0"), TypeError, r"minimize: 'seed' must be None"),
    (dict(record_every=0), ValueError, r"minimize: 'record_every' must be an integer >= 1"),
    (dict(X="data"), TypeError, r"minimize: 'X' must be an array of numbers; got 'data'"),
    # a schedule factory passed uncalled, a schedule without the step, an np.matrix
    (dict(lr=sgdteach.cosine), TypeError,
     r"minimize: 'lr' must be a schedule step -> lr, not the factory that builds one; got "
     r"<function cosine .*>\. Call it, e\.g\. lr=cosine\(0\.1, total_steps=\.\.\.\)\.$"),
    (dict(lr=sgdteach.constant), TypeError,
     r"minimize: 'lr' must be a schedule step -> lr, not the factory.*lr=constant\(0\.1\)\.$"),
    (dict(lr=lambda: 0.1), TypeError,
     r"minimize: 'lr' must be a callable step -> lr, taking the step number; got <function "
     r"<lambda>.*>\. Give it one argument, e\.g\. lr=lambda step: "),
    (dict(X=matrix(X)), TypeError,
     r"minimize: 'X' must be a numpy array, not an np\.matrix; got np\.matrix of shape \(3, 2\) "
     r"and dtype float64\. Convert it with np\.asarray\(X\)\.$"),
    (dict(y=matrix(y)), TypeError,
     r"minimize: 'y' must be a numpy array, not an np\.matrix; got np\.matrix of shape \(1, 3\)"
     r".*np\.asarray\(y\)\.ravel\(\)\.$"),
])
def test_minimize_rejects(kwargs, exc, pattern):
    args = dict(X=X, y=y, theta0=None, lr=0.01)
    args.update(kwargs)
    with pytest.raises(exc, match=pattern):
        minimize(args.pop("X"), args.pop("y"), args.pop("theta0"), **args)


def test_misspelt_keyword_is_not_swallowed():
    with pytest.raises(TypeError, match="unexpected keyword argument 'learning_rate'"):
        minimize(X, y, learning_rate=0.1)


@pytest.mark.parametrize("args, pattern", [
    ((X, y, np.zeros(2), 0.0, 10), r"'learning_rate' must be a finite number > 0; got 0.0"),
    ((X, y, np.zeros(2), 0.01, 0), r"'num_epochs' must be an integer >= 1; got 0"),
    ((X, y, np.zeros(5), 0.01, 1), r"'theta' must be of length 2"),
])
def test_reference_rejects(args, pattern):
    with pytest.raises(ValueError, match="stochastic_gradient_descent: " + pattern):
        stochastic_gradient_descent(*args)


def test_check_array_bounds_every_entry_and_keeps_the_template():
    from sgdteach._validation import POSITIVE, UNIT, Interval, check_array

    got = check_array("f", "lr", [[0.1, 0.2]], POSITIVE)
    assert got.dtype == np.float64 and got.shape == (1, 2)
    assert check_array("f", "lr", 3).shape == ()          # a number is a 0-d array
    with pytest.raises(ValueError, match=r"f: 'beta' must be finite numbers in \[0, 1\); got "
                                         r"\[0\.5, 1\.0\]\."):
        check_array("f", "beta", [0.5, 1.0], UNIT)           # the right end is open
    with pytest.raises(ValueError, match=r"f: 'lr' must be finite numbers > 0; got \[0\.1, 0\.0\]"):
        check_array("f", "lr", [0.1, 0.0], POSITIVE)
    with pytest.raises(ValueError, match=r"f: 'lr' must be finite \(no NaN or inf\)"):
        check_array("f", "lr", [0.1, np.nan], POSITIVE)
    with pytest.raises(ValueError, match=r"f: 'lr' must be non-empty"):
        check_array("f", "lr", [], POSITIVE)
    with pytest.raises(TypeError, match=r"f: 'lr' must be an array of real numbers"):
        check_array("f", "lr", [0.1 + 1j])
    with pytest.raises(TypeError, match=r"f: 'lr' must be an array of numbers"):
        check_array("f", "lr", "0.1")
    with pytest.raises(ValueError, match=r"f: 'k' must be integers >= 1"):
        check_array("f", "k", [1.0, 2.5], Interval(1, None, integer=True))


@pytest.mark.parametrize("call, pattern", [
    (lambda: sgdteach.minimize_stream([(X, y)], np.zeros(2), lr=sgdteach.invscaling),
     r"minimize_stream: 'lr' must be a schedule step -> lr, not the factory.*invscaling\(0\.1\)"),
    (lambda: sgdteach.minimize_memmap(X, y, lr=lambda: 0.1, batch_size=1, block_rows=3),
     r"minimize_memmap: 'lr' must be a callable step -> lr, taking the step number"),
    (lambda: sgdteach.warmup(sgdteach.warmup_cosine, 10),
     r"warmup: 'lr' must be a schedule step -> lr.*warmup_cosine\(0\.1, total_steps=\.\.\., "
     r"warmup_steps=\.\.\.\)"),
    (lambda: sgdteach.as_schedule(sgdteach.step_decay), r"as_schedule: 'lr' .*step_decay\(0\.1\)"),
    (lambda: stochastic_gradient_descent(matrix(X), y, np.zeros(2), 0.01, 1),
     r"stochastic_gradient_descent: 'X' must be a numpy array, not an np\.matrix"),
    (lambda: sgdteach.losses.least_squares_solution(X, matrix(y).T),
     r"least_squares_solution: 'y' must be a numpy array, not an np\.matrix.*np\.asarray\(y\)\.$"),
])
def test_every_driver_names_the_slip(call, pattern):
    with pytest.raises(TypeError, match=pattern):
        call()


def test_a_callable_schedule_still_works():
    """Any one-argument callable is a schedule: a lambda, a class instance, a built schedule."""
    class Halving:
        def __call__(self, step):
            return 0.1 * 0.5 ** (step // 100)

    for lr in (lambda step: 0.01, Halving(), sgdteach.cosine(0.01, total_steps=9)):
        assert np.isfinite(minimize(X, y, lr=lr, epochs=3, seed=0).theta).all()
