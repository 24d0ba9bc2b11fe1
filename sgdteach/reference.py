r"""The course's reference loops, written exactly as the maths reads.

These are the slow, explicit versions a learner reads first; :func:`sgdteach.minimize` is tested
against them. The reference example: ``X = [[1, 2], [1, 3], [1, 4]]``, ``y = [2, 5, 9]``,
``learning_rate = 0.01``, 100 epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._types import Array
from ._validation import COUNT, POSITIVE, check_data, check_number, check_vector, fail
from .history import DivergenceError, diverged
from .losses import mse, smoothness


def _check(func: str, X: Any, y: Any, theta: Any, learning_rate: Any, num_epochs: Any
           ) -> tuple[Array, Array, Array, float, int]:
    X, y = check_data(func, X, y)
    theta = check_vector(func, "theta", theta, X.shape[1], length_name="one per column of X")
    learning_rate = check_number(func, "learning_rate", learning_rate, POSITIVE,
                                 fix="Use a small positive step such as 0.01.")
    num_epochs = check_number(func, "num_epochs", num_epochs, COUNT)
    return X, y, theta, learning_rate, num_epochs


def _diverged(func: str, X: Array, epoch: int, learning_rate: float) -> DivergenceError:
    try:
        bound: float | None = 2.0 / smoothness(X)
    except (ValueError, ZeroDivisionError):   # L beyond float64, or 0: no bound to give
        bound = None
    known = f" (2/L={bound:.3g})" if bound is not None and 0 < bound < np.inf else ""
    return DivergenceError(f"{func}: diverged in epoch {epoch} with learning_rate="
                           f"{learning_rate:.3g}{known}; try a smaller learning_rate.",
                           step=epoch, lr=learning_rate, bound=bound)


def _check_run(func: str, X: Array, y: Array, theta0: Array, theta: Array, epoch: int,
               learning_rate: float) -> None:
    """After a run: :func:`sgdteach.history.diverged`, the rule every loop uses."""
    with np.errstate(over="ignore", invalid="ignore"):
        blown = diverged(theta) or diverged(theta, mse(theta, X, y), mse(theta0, X, y))
    if blown:
        raise _diverged(func, X, epoch, learning_rate)


def stochastic_gradient_descent(X: Array, y: Array, theta: Array, learning_rate: float,
                                num_epochs: int, rng: Any = None) -> Array:
    r"""SGD for least squares, one sample drawn with replacement per step, m steps per epoch.

    .. math::

        r \sim \mathcal U\{0, \dots, m-1\}, \qquad
        \theta \leftarrow \theta - \alpha \cdot 2 x_r (x_r^\top \theta - y_r)

    ``learning_rate`` is :math:`\alpha`. Each step computes, in this order,
    ``e = x.dot(theta) - t``, ``g = 2 * x.T.dot(e)``, ``theta = theta - learning_rate * g`` with
    ``x = X[r:r+1]`` and ``t = y[r:r+1]``.

    Parameters
    ----------
    X : (m, d) array. y : (m,) array. theta : (d,) starting point (not modified).
    rng : ``numpy.random.RandomState`` (bit for bit the global ``np.random.randint`` loop after
        ``np.random.seed(s)`` when given ``RandomState(s)``), a ``numpy.random.Generator``
        (``rng.integers``), or ``None`` for the global ``np.random`` state.

    Returns
    -------
    (d,) the parameters after ``num_epochs`` epochs.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 2], [1, 3], [1, 4]]); y = np.array([2, 5, 9])
    >>> stochastic_gradient_descent(X, y, np.zeros(2), 0.01, 100,
    ...                             rng=np.random.RandomState(0)).round(2)
    array([-1.2 ,  2.26])
    """
    func = "stochastic_gradient_descent"
    X, y, theta, learning_rate, num_epochs = _check(func, X, y, theta, learning_rate, num_epochs)
    draw: Callable[[int], Any]
    if rng is None:
        draw = np.random.randint
    elif isinstance(rng, np.random.RandomState):
        draw = rng.randint
    elif isinstance(rng, np.random.Generator):
        draw = rng.integers
    else:
        fail(func, "rng", "None, a numpy.random.RandomState or a numpy.random.Generator", rng,
             "Pass e.g. rng=np.random.default_rng(0).", kind=TypeError)
    m = len(y)
    theta0 = theta
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(num_epochs):
            for _ in range(m):
                r = draw(m)
                x = X[r:r + 1]
                t = y[r:r + 1]
                e = x.dot(theta) - t
                g = 2 * x.T.dot(e)
                theta = theta - learning_rate * g
            if diverged(theta):
                raise _diverged(func, X, epoch, learning_rate)
    _check_run(func, X, y, theta0, theta, num_epochs - 1, learning_rate)
    return theta


def batch_gradient_descent(X: Array, y: Array, theta: Array, learning_rate: float,
                           num_epochs: int) -> Array:
    r"""Batch gradient descent for least squares: one update per epoch, on all m rows.

    .. math::

        \theta \leftarrow \theta - \alpha \cdot \frac{2}{m} X^\top (X\theta - y)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 2], [1, 3], [1, 4]]); y = np.array([2, 5, 9])
    >>> batch_gradient_descent(X, y, np.zeros(2), 0.09, 5000).round(3)
    array([-5.167,  3.5  ])
    """
    func = "batch_gradient_descent"
    X, y, theta, learning_rate, num_epochs = _check(func, X, y, theta, learning_rate, num_epochs)
    m = len(y)
    theta0 = theta
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(num_epochs):
            g = (2.0 / m) * (X.T @ (X @ theta - y))
            theta = theta - learning_rate * g
            if diverged(theta):
                raise _diverged(func, X, epoch, learning_rate)
    _check_run(func, X, y, theta0, theta, num_epochs - 1, learning_rate)
    return theta
