r"""Tuning without fooling yourself, and what SGD's answer does on data it has not seen.

* :func:`three_way_split`: fit / validation / test rows of one data set (settings are chosen on
  the validation rows; the test rows are used once, at the end).
* :func:`grid_losses`: a run per grid value and seed, scored on the validation rows (and,
  separately, on the test rows, to be looked at once).
* :func:`range_test`: the learning-rate range test, one run with :math:`\alpha` growing
  geometrically, the training loss recorded at every step.
* :func:`reduce_on_plateau`: plain SGD epoch by epoch, :math:`\alpha` cut by a factor when the
  validation loss stops improving.
* :func:`box_least_squares`: the least-squares fit with every coordinate in ``[-r, r]``, where
  AdamW's full-batch runs end.

The grid search itself is :func:`~sgdteach.course.model_selection.best_on_grid`; the hard-margin
separator is :func:`~sgdteach.course.max_margin.hard_margin`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, Interval, check_data, check_number, fail
from ..descent import minimize
from ..history import DivergenceError
from ..losses import Loss, get_loss
from .model_selection import HeldOut

SHARE = Interval(0, 0.9, closed="neither")


def three_way_split(X: Array, y: Array, *, val: float = 0.2, test: float = 0.2,
                    seed: int = 0) -> HeldOut:
    r"""Shuffle the rows of ``(X, y)`` once and cut them into fit, validation and test parts.

    With :math:`m` rows the test part has :math:`\lfloor \text{test}\cdot m\rfloor` rows, the
    validation part :math:`\lfloor \text{val}\cdot m\rfloor`, the fit part the rest.

    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    >>> [len(part) for part in three_way_split(X, y, val=0.2, test=0.3)[3:]]
    [5, 2, 3]
    """
    func = "three_way_split"
    X, y = check_data(func, X, y)
    val = check_number(func, "val", val, SHARE, fix="Hold out e.g. val=0.2 of the rows.")
    test = check_number(func, "test", test, SHARE, fix="Hold out e.g. test=0.2 of the rows.")
    m = len(y)
    n_val, n_test = int(val * m), int(test * m)
    if min(n_val, n_test, m - n_val - n_test) < 1:
        fail(func, "X", "enough rows for three non-empty parts", X, "Pass more rows.")
    order = np.random.default_rng(seed).permutation(m)
    fit, va, te = np.split(order, [m - n_val - n_test, m - n_test])
    return HeldOut(X[fit], X[va], X[te], y[fit], y[va], y[te])


class GridLosses(NamedTuple):
    """Mean losses over seeds, one per grid value: ``val`` on the validation rows (for choosing),
    ``test`` on the test rows (for the chosen value only, once); ``val_by_seed`` (shape
    ``(len(seeds), len(grid))``) the validation loss of each seed's run, whose mean is ``val``."""

    val: Array
    test: Array
    val_by_seed: Array


def grid_losses(held: HeldOut, grid: Sequence[float], *, batch_size: int, epochs: int,
                seeds: Sequence[int] = (0, 1), loss: str | Loss = "logistic") -> GridLosses:
    r"""For each :math:`\alpha` in ``grid``: SGD with that rate on ``held``'s fit rows (one run
    per seed, shuffled epochs, from :math:`\theta_0 = 0`), then the mean loss of the final
    :math:`\theta_T` over seeds on the validation rows and on the test rows.

    .. math::

        \text{val}(\alpha) = \frac1S \sum_{s=1}^{S} J_{\text{val}}\big(\theta_T^{(\alpha, s)}\big)

    A run that diverges scores NaN (the worst for
    :func:`~sgdteach.course.model_selection.best_on_grid`).
    """
    func = "grid_losses"
    the_loss = get_loss(loss, func)
    val, test = [], []
    for lr in grid:
        v, t = [], []
        for seed in seeds:
            try:
                theta = minimize(held.X_fit, held.y_fit, loss=the_loss, lr=lr,
                                 batch_size=batch_size, epochs=epochs, sampling="shuffle",
                                 seed=seed, record_loss=False).theta
            except DivergenceError:
                theta = np.full(held.X_fit.shape[1], np.nan)
            v.append(the_loss.value(theta, held.X_val, held.y_val))
            t.append(the_loss.value(theta, held.X_test, held.y_test))
        val.append(v)
        test.append(np.mean(t))
    by_seed = np.array(val).T
    return GridLosses(by_seed.mean(axis=0), np.array(test), by_seed)


class RangeTest(NamedTuple):
    """The learning rate ``lr`` at each step and the training loss ``loss`` just before that
    step (NaN-free: the run stops at the last record before a divergence)."""

    lr: Array
    loss: Array

    @property
    def lowest(self) -> float:
        """The learning rate at which the recorded loss was smallest."""
        return float(self.lr[int(np.argmin(self.loss))])


def range_test(X: Array, y: Array, *, lr_min: float, lr_max: float, epochs: int = 1,
               batch_size: int = 16, loss: str | Loss = "squared_error",
               seed: int = 0) -> RangeTest:
    r"""A learning-rate range test: one run of mini-batch SGD whose rate grows
    geometrically from ``lr_min`` to ``lr_max`` over its :math:`T` steps,

    .. math::

        \alpha_t = \alpha_{\min} \left(\frac{\alpha_{\max}}{\alpha_{\min}}\right)^{t/(T-1)},

    with the full training loss :math:`J(\theta_t)` recorded before every step. The loss falls
    while :math:`\alpha_t` is useful and shoots up once it is too large; a run that diverges
    stops there (the steps before are kept).

    This is the geometric, loss-reading variant of common practice (Smith, 2018,
    arXiv:1803.09820; fast.ai's ``lr_find``, Howard & Gugger, 2020). Smith (2017, "Cyclical
    learning rates", §3.3) increased the rate linearly and read the accuracy curve to choose
    the bounds of a cyclical schedule.

    >>> X, y, _ = np.random.default_rng(0).normal(size=(64, 2)), np.ones(64), None
    >>> rt = range_test(X, y, lr_min=1e-3, lr_max=10.0, epochs=2, batch_size=8)
    >>> len(rt.lr) <= 16, 1e-3 <= rt.lowest <= 10.0
    (True, True)
    """
    func = "range_test"
    lo = check_number(func, "lr_min", lr_min, POSITIVE)
    hi = check_number(func, "lr_max", lr_max, Interval(lo, None, closed="neither"),
                      fix="lr_max must be above lr_min.")
    epochs = check_number(func, "epochs", epochs, COUNT)
    X, y = check_data(func, X, y)
    steps = epochs * math.ceil(len(y) / batch_size)
    ratio = hi / lo

    def schedule(t: int) -> float:
        return lo * ratio ** (min(t, steps - 1) / max(steps - 1, 1))

    try:
        h = minimize(X, y, loss=loss, lr=schedule, batch_size=batch_size, epochs=epochs,
                     sampling="shuffle", seed=seed, record_every=1)
    except DivergenceError as err:
        assert err.history is not None
        h = err.history
    keep = np.isfinite(h.loss) & (h.step < steps)
    return RangeTest(h.lr[keep], h.loss[keep])


class Plateau(NamedTuple):
    """A :func:`reduce_on_plateau` run: the final ``theta``, the validation loss after each epoch
    (``val_loss[0]`` at the start) and the rate used in each epoch."""

    theta: Array
    val_loss: Array
    lr: Array


def reduce_on_plateau(X: Array, y: Array, X_val: Array, y_val: Array, *, lr: float,
                      epochs: int, factor: float = 0.3, patience: int = 1,
                      batch_size: int = 1, loss: str | Loss = "squared_error",
                      seed: int = 0) -> Plateau:
    r"""Plain SGD, one epoch at a time, with the rate cut to ``factor`` times itself whenever
    the validation loss has not improved on its best for ``patience`` epochs:

    .. math::

        \alpha \leftarrow \text{factor}\cdot\alpha \quad\text{when}\quad
        J_{\text{val}}(\theta_e) \ge \min_{e' < e - \text{patience} + 1} J_{\text{val}}(\theta_{e'})
        \text{ for the last ``patience`` epochs } e,

    after which the count starts again. Epoch :math:`e` is :func:`~sgdteach.minimize` from
    :math:`\theta_{e-1}` with seed ``seed + e`` (plain SGD keeps no state between epochs).

    >>> rng = np.random.default_rng(0); X = rng.normal(size=(200, 2)); y = X @ [1.0, -1.0]
    >>> p = reduce_on_plateau(X[:150], y[:150], X[150:], y[150:], lr=0.05, epochs=3)
    >>> p.val_loss.shape, p.lr.shape
    ((4,), (3,))
    """
    func = "reduce_on_plateau"
    X, y = check_data(func, X, y)
    X_val, y_val = check_data(func, X_val, y_val)
    alpha = check_number(func, "lr", lr, POSITIVE)
    epochs = check_number(func, "epochs", epochs, COUNT)
    factor = check_number(func, "factor", factor, Interval(0, 1, closed="neither"))
    patience = check_number(func, "patience", patience, COUNT)
    the_loss = get_loss(loss, func)
    theta = np.zeros(X.shape[1])
    val = [the_loss.value(theta, X_val, y_val)]
    rates, best, waited = [], val[0], 0
    for e in range(1, epochs + 1):
        rates.append(alpha)
        theta = minimize(X, y, theta, loss=the_loss, lr=alpha, batch_size=batch_size, epochs=1,
                         sampling="shuffle", seed=seed + e, record_loss=False).theta
        val.append(the_loss.value(theta, X_val, y_val))
        if val[-1] < best:
            best, waited = val[-1], 0
        else:
            waited += 1
            if waited >= patience:
                alpha, waited = factor * alpha, 0
    return Plateau(theta, np.array(val), np.array(rates))


def box_least_squares(X: Array, y: Array, radius: float) -> Array:
    r"""The least-squares fit inside the box :math:`\|\theta\|_\infty \le r`,

    .. math::

        \arg\min_{|\theta_j| \le r} \|X\theta - y\|^2,

    exactly, by trying every pattern of coordinates held at :math:`-r`, at :math:`+r` or free
    (:math:`3^d` patterns, so ``d <= 8``): for each, the free ones solve the least-squares
    problem with the others fixed, and the answer is the feasible candidate of smallest loss.
    (Tested against ``scipy.optimize.lsq_linear``.)

    >>> X = np.eye(2); y = np.array([0.5, 3.0])
    >>> box_least_squares(X, y, 1.0)
    array([0.5, 1. ])
    """
    import itertools

    func = "box_least_squares"
    X, y = check_data(func, X, y)
    r = check_number(func, "radius", radius, POSITIVE)
    d = X.shape[1]
    if d > 8:
        fail(func, "X", "at most 8 columns (3^d patterns are tried)", X,
             "Use scipy.optimize.lsq_linear for larger problems.")
    best, best_loss = np.zeros(d), math.inf
    for pattern in itertools.product((-1, 0, 1), repeat=d):
        fixed = np.array(pattern, dtype=np.float64) * r
        free = np.array(pattern) == 0
        theta = fixed.copy()
        if free.any():
            theta[free] = np.linalg.lstsq(X[:, free], y - X[:, ~free] @ fixed[~free],
                                          rcond=None)[0]
        if np.abs(theta).max() <= r * (1 + 1e-12):
            loss = float(np.sum((X @ theta - y) ** 2))
            if loss < best_loss:
                best, best_loss = theta, loss
    return best
