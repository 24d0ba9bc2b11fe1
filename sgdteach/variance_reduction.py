r"""Variance-reduced SGD on a finite sum :math:`J(\theta) = \frac1m \sum_{i=1}^m J_i(\theta)`.

At a constant :math:`\alpha` SGD stalls at a noise floor: its step :math:`\nabla J_i(\theta)` keeps
a variance at :math:`\theta^*`, where only the average :math:`\nabla J(\theta^*)` is zero. SVRG and
SAGA subtract a *control variate*, a term of mean zero over :math:`i` that cancels most of that
noise and whose own noise vanishes as :math:`\theta \to \theta^*`:

.. math::

    \text{SVRG:}\quad g = \nabla J_i(\theta) - \nabla J_i(\tilde\theta) + \nabla J(\tilde\theta),
    \qquad
    \text{SAGA:}\quad g = \nabla J_j(\theta) - \phi_j + \frac1m \sum_{i=1}^m \phi_i

(:math:`\tilde\theta` a snapshot, :math:`\phi_i` the last gradient computed for example
:math:`i`). Both are unbiased, :math:`\mathbb E[g] = \nabla J(\theta)`, and on a strongly convex
smooth :math:`J` both converge linearly at a constant :math:`\alpha` (Johnson & Zhang 2013;
Defazio, Bach & Lacoste-Julien 2014; rate bounds in :mod:`sgdteach.course.averaging`).
:func:`variance_reduced` runs either and returns a :class:`~sgdteach.history.History`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._types import Array
from ._validation import COUNT, check_choice, check_data, check_number, fail
from .descent import CHECK_EVERY, Prepared, prepare
from .history import History, Recorder, diverged
from .losses import Loss
from .schedules import Schedule

METHODS = ("svrg", "saga")


def variance_reduced(X: Array, y: Array, theta0: Array | None = None, *, method: str = "svrg",
                     lr: float | Schedule, epochs: int = 10, loss: str | Loss = "squared_error",
                     seed: int | np.random.Generator | None = None,
                     inner_steps: int | None = None, record_every: int | None = None) -> History:
    r"""Minimise ``loss`` over ``(X, y)`` with SVRG or SAGA at step size ``lr``.

    **SVRG** (Johnson & Zhang 2013, option I). Each epoch takes a snapshot
    :math:`\tilde\theta = \theta` and its full gradient :math:`\tilde\mu = \nabla J(\tilde\theta)`
    (``m`` evaluations), then ``inner_steps`` steps with :math:`i` uniform in :math:`\{1..m\}`:

    .. math::

        \theta \leftarrow \theta - \alpha\big(\nabla J_i(\theta) - \nabla J_i(\tilde\theta)
        + \tilde\mu\big)

    (2 evaluations each); the next snapshot is the last iterate. ``inner_steps`` defaults to
    ``m``, not Johnson & Zhang's ``2m``: an epoch then samples as many examples as an epoch of
    SGD or SAGA, so the methods line up per epoch, and the snapshot is a third of its cost
    (``m`` of ``3m`` evaluations). The theory's bound needs ``inner_steps`` large against the
    condition number; pass more when it is large.

    **SAGA** (Defazio, Bach & Lacoste-Julien 2014). A table :math:`\phi_1..\phi_m`, filled with
    the per-example gradients at ``theta0`` (``m`` evaluations); ``m`` steps per epoch, with
    :math:`j` uniform:

    .. math::

        \theta \leftarrow \theta - \alpha\big(\nabla J_j(\theta) - \phi_j + \bar\phi\big),
        \qquad \bar\phi \leftarrow \bar\phi + \tfrac1m(\nabla J_j(\theta) - \phi_j), \qquad
        \phi_j \leftarrow \nabla J_j(\theta)

    with :math:`\bar\phi = \frac1m\sum_i\phi_i` (recomputed exactly at every epoch's end, so no
    rounding drifts in). For a linear model's loss (one with ``Loss.derivative``) the gradient
    is :math:`\ell'(x_j^\top\theta, y_j)\,x_j`, so the table stores the ``m`` numbers
    :math:`\ell'`: memory ``m``, not ``m * d`` (any other loss, a network's, stores the vectors).

    Parameters
    ----------
    X : (m, d) array. y : (m,) array. theta0 : (d,) array, zeros when omitted (never modified).
    method : "svrg" or "saga".
    lr : the constant step :math:`\alpha` (a schedule, ``step -> lr``, is accepted too).
        Theory: SVRG's bound needs :math:`\alpha < 1/(4L_{\max})`, SAGA's takes
        :math:`1/(3L_{\max})`, with :math:`L_{\max}` the largest per-example smoothness.
    epochs : outer iterations (SVRG) or passes of ``m`` steps (SAGA).
    loss : a loss name or a :class:`~sgdteach.losses.Loss` (smooth for the theory to hold).
    seed : None, an int or a Generator: the examples, drawn uniformly with replacement, each
        epoch's at once (``rng.integers(m, size=steps)``).
    inner_steps : SVRG's steps per snapshot (:math:`k`), ``m`` when omitted (SAGA takes none:
        ``m``).
    record_every : steps between record points; ``None``: once per epoch.

    Returns
    -------
    History : ``step`` counts updates of :math:`\theta`; ``samples_seen`` counts every
    per-example gradient evaluation: SVRG's snapshots (``m`` each) and its 2 per step, SAGA's 1
    per step and its table's ``m`` at ``theta0``, counted after the record at step 0 (so
    ``samples_seen[0]`` is 0 for both methods); ``epoch`` is ``samples_seen / m``, the effective
    passes over the data. ``loss`` is the full-data loss.

    Raises
    ------
    DivergenceError when the iterates blow up (with the 2/L bound for least squares).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 2.0, 4.0])
    >>> h = variance_reduced(X, y, method="saga", lr=0.08, epochs=200, seed=0)
    >>> h.theta.round(9), int(h.samples_seen[-1])       # lstsq: [7/3, 3/2]
    (array([2.33333333, 1.5       ]), 603)
    """
    func = "variance_reduced"
    X, y = check_data(func, X, y)
    n, d = X.shape
    check_choice(func, "method", method, METHODS)
    epochs = check_number(func, "epochs", epochs, COUNT)
    if method == "saga" and inner_steps is not None:
        fail(func, "inner_steps", "None for method='saga' (its epoch is m steps)", inner_steps,
             "Leave it out, or use method='svrg'.")
    m = n if inner_steps is None else check_number(func, "inner_steps", inner_steps, COUNT)
    per_epoch = m if method == "svrg" else n
    run = prepare(func, theta0, d, loss=loss, lr=lr, optimizer="sgd", seed=seed,
                  record_every=per_epoch if record_every is None else record_every)
    run.loss.check_targets(func, y)
    if run.loss.check_inputs is not None:
        run.loss.check_inputs(func, X, y)
    value = run.loss.value
    settings = dict(method=method, loss=run.loss.name, lr=lr, epochs=epochs,
                    inner_steps=m if method == "svrg" else None, seed=seed,
                    record_every=run.record_every)
    log = Recorder(run.loss, lambda theta, _X, _y: value(theta, X, y), func=func,
                   samples_per_epoch=n, hint_X=X, settings=settings)
    loop = _svrg if method == "svrg" else _saga
    with np.errstate(over="ignore", invalid="ignore"):
        theta = loop(X, y, run, log, epochs, m)
    return log.history(theta)


class _Steps:
    """The counters and record points of one run: ``after(theta, alpha, evaluations)`` after
    each update records every ``record_every`` steps and checks divergence in between."""

    def __init__(self, run: Prepared, log: Recorder, theta0: Array) -> None:
        self.run, self.log, self.t, self.samples = run, log, 0, 0
        log.record(theta0, 0, 0, run.schedule(0), None, None)

    def after(self, theta: Array, alpha: float, evaluations: int) -> None:
        self.t += 1
        self.samples += evaluations
        if self.t % self.run.record_every == 0:
            self.log.record(theta, self.t, self.samples, self.run.schedule(self.t), None, None)
        elif self.t % CHECK_EVERY == 0 and diverged(theta):
            self.log.stop(theta, self.t, alpha)

    def end(self, theta: Array) -> Array:
        if self.t % self.run.record_every:
            self.log.record(theta, self.t, self.samples, self.run.schedule(self.t), None, None)
        return theta


def _svrg(X: Array, y: Array, run: Prepared, log: Recorder, epochs: int, m: int) -> Array:
    theta = np.array(run.theta0, dtype=np.float64)
    grad_one, schedule, n = run.loss.grad_one, run.schedule, len(y)
    assert grad_one is not None
    steps = _Steps(run, log, theta)
    for _ in range(epochs):
        snapshot = theta.copy()                              # θ̃ ← θ (option I: last iterate)
        mu = run.loss.grad(snapshot, X, y)                   # μ̃ = ∇J(θ̃)
        steps.samples += n
        for i in run.rng.integers(n, size=m):
            alpha = schedule(steps.t)
            x_i, y_i = X[i], y[i]
            theta -= alpha * (grad_one(theta, x_i, y_i) - grad_one(snapshot, x_i, y_i) + mu)
            steps.after(theta, alpha, 2)
    return steps.end(theta)


def _saga(X: Array, y: Array, run: Prepared, log: Recorder, epochs: int, m: int) -> Array:
    theta = np.array(run.theta0, dtype=np.float64)
    grad_one, derivative, schedule, n = run.loss.grad_one, run.loss.derivative, run.schedule, len(y)
    assert grad_one is not None
    steps = _Steps(run, log, theta)

    def table_mean(table: Array) -> Array:                   # φ̄ = (1/n) Σ φ_i
        return (X.T @ table if derivative is not None else table.sum(axis=0)) / n

    # φ_i = ∇J_i(θ0): the numbers ℓ'(x_iᵀθ0, y_i) for a linear model, else the vectors.
    table: Array = (derivative(X @ theta, y) if derivative is not None
                    else np.array([grad_one(theta, X[i], y[i]) for i in range(n)]))
    steps.samples += n
    mean = table_mean(table)
    for _ in range(epochs):
        for j in run.rng.integers(n, size=n):
            alpha = schedule(steps.t)
            x_j = X[j]
            if derivative is not None:
                new: Any = float(derivative(X[j:j + 1] @ theta, y[j:j + 1])[0])
                change = (new - table[j]) * x_j               # ∇J_j(θ) − φ_j
            else:
                new = grad_one(theta, x_j, y[j])
                change = new - table[j]
            theta -= alpha * (change + mean)                 # θ ← θ − α(∇J_j(θ) − φ_j + φ̄)
            mean += change / n                               # φ̄ ← φ̄ + (∇J_j(θ) − φ_j)/n
            table[j] = new                                   # φ_j ← ∇J_j(θ)
            steps.after(theta, alpha, 1)
        mean = table_mean(table)
    return steps.end(theta)
