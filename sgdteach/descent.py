r"""The one descent loop, used for batch GD, SGD, mini-batch, streams and on-disk data.

.. math::

    \theta_{t+1} = \theta_t - \text{step}_t, \qquad
    \text{step}_t = \text{update}\big(\nabla J_{B_t}(\theta_t), \text{state}_t, \alpha_t\big)

where :math:`B_t` is the batch of step :math:`t` (all rows, one row or a mini-batch: the only
difference between the three methods), :math:`\nabla J_B` the loss gradient averaged over that
batch, and ``update`` the rule (plain SGD: :math:`\text{step} = \alpha_t g`). In code, with the
record points and divergence checks left out, :func:`descend` is::

    state = optimizer.init(theta)
    for t, (X_B, y_B) in enumerate(batches):
        alpha = schedule(t)
        g = loss.grad(theta, X_B, y_B)
        step, state = optimizer.update(g, state, alpha)
        theta -= step
        if average:   # θ̄ ← θ̄ + (θ − θ̄)/(t − t₀ + 1), once `average` samples are seen
            mean.add(theta, samples_seen)

Plain SGD on single rows (``batch_size=1``) takes the same step in fewer numpy calls:
``theta -= loss.grad_one(theta, x_i, y_i, alpha)``, :math:`\alpha_t` folded into the one
multiplication by the row :math:`x_i`. :mod:`sgdteach.history` records the run.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np

from . import sampling as sampling_
from ._types import Array
from ._validation import (
    COUNT,
    INT64_LIMIT,
    Interval,
    ValidationError,
    check_choice,
    check_data,
    check_flag,
    check_number,
    check_rng,
    check_vector,
    fail,
)
from .history import Evaluate, History, IterateAverage, Recorder, diverged
from .losses import Loss, get_loss
from .optimizers import Optimizer, get_optimizer, sgd_update
from .sampling import SAMPLINGS, in_memory_batches, in_memory_rows, steps_per_epoch
from .schedules import Schedule, as_schedule

CHECK_EVERY = 64        # steps between cheap O(d) finiteness checks of theta


def minimize(X: Array, y: Array, theta0: Array | None = None, *,
             loss: str | Loss = "squared_error", lr: float | Schedule = 0.01,
             batch_size: int = 1, epochs: int = 10, sampling: str = "replacement",
             optimizer: str | Optimizer = "sgd", seed: int | np.random.Generator | None = None,
             record_every: int | None = None, record_loss: bool = True,
             average: bool | int = False) -> History:
    r"""Minimise ``loss`` over ``(X, y)`` with batch, stochastic or mini-batch gradient descent.

    .. math::

        \theta \leftarrow \theta - \alpha_t \, \frac{1}{|B_t|} \sum_{i \in B_t} \nabla J_i(\theta)

    with :math:`|B_t|` = ``batch_size`` rows chosen by ``sampling``, :math:`\alpha_t` =
    ``lr(t)`` (a number or a schedule) and plain SGD as the default update rule (``optimizer``
    changes it: "momentum", "nesterov", "adagrad", "rmsprop", "adam" or an :class:`Optimizer`).
    ``batch_size=len(y)`` is batch gradient descent, ``batch_size=1`` is SGD; one epoch is
    ``ceil(n / batch_size)`` steps. :mod:`sgdteach.sampling` describes how the rows of each
    batch are drawn (and how they are fetched quickly, which never changes a batch).

    Parameters
    ----------
    X : (n, d) array. y : (n,) array. theta0 : (d,) array, zeros when omitted (never modified);
        of length ``loss.n_params`` when the loss says so (a network: pass ``net.init(seed)``).
    record_every : steps between record points; ``None`` records at step 0 and at the end of
        every epoch. Each record of the full-data loss is one pass over X, about half a
        full-gradient pass (an epoch of mini-batch SGD costs about 2.5): ``record_every=1`` makes
        SGD O(n) per step, so ask for it on small data only, or set ``record_loss=False``. On X
        larger than ``sampling.PREFETCH_BYTES`` (64 MiB, beyond the CPU caches) ``None`` also
        leaves out the loss at step 0 (NaN in ``History.loss``), so the default call evaluates
        the full-data loss once per epoch; any ``record_every`` records it at every point.
    average : ``False`` (default), ``True`` or an integer k >= 1, as scikit-learn's ``average``:
        report the Polyak–Ruppert average :math:`\bar\theta` of the iterates after each step
        from the one at which k samples have been seen on (``True``: k = 1, every iterate but
        :math:`\theta_0`); see :class:`~sgdteach.history.IterateAverage`. The update rule itself
        is unchanged: only what is reported is averaged.

    Returns
    -------
    History, with ``.theta`` the final parameters: the averaged iterate with ``average`` on
    (``path`` and ``loss`` are then the averaged iterate's too, and ``.last_iterate`` the raw
    last iterate).

    Raises
    ------
    DivergenceError when the loss or the parameters blow up (with the 2/L bound for least squares).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [1.0, 3.0], [1.0, 4.0]]); y = np.array([2.0, 5.0, 9.0])
    >>> h = minimize(X, y, lr=0.09, batch_size=3, epochs=20000)
    >>> h.theta.round(3)
    array([-5.167,  3.5  ])
    """
    func = "minimize"
    X, y = check_data(func, X, y)
    n, d = X.shape
    batch_size = check_number(func, "batch_size", batch_size, Interval(1, n, integer=True),
                              fix=f"Use 1 for SGD, {n} (= len(y)) for batch GD.")
    epochs = check_number(func, "epochs", epochs, COUNT)
    check_choice(func, "sampling", sampling, SAMPLINGS)
    record_loss = check_flag(func, "record_loss", record_loss)
    spe = steps_per_epoch(n, batch_size)
    run = prepare(func, theta0, d, loss=loss, lr=lr, optimizer=optimizer, seed=seed,
                  record_every=spe if record_every is None else record_every, average=average)
    run.loss.check_targets(func, y)
    if run.loss.check_inputs is not None:
        run.loss.check_inputs(func, X, y)
    value = run.loss.value
    skip = record_every is None and X.nbytes > sampling_.PREFETCH_BYTES   # see record_every

    def full_loss(theta: Array, X_B: Any, y_B: Any) -> float | None:
        nonlocal skip
        if skip:          # the first record point, step 0: no loss
            skip = False
            return None
        return value(theta, X, y)

    settings = dict(loss=run.loss.name, lr=lr, batch_size=batch_size, epochs=epochs,
                    sampling=sampling, optimizer=run.optimizer.name, seed=seed,
                    record_every=run.record_every, average=average)
    rows = batch_size == 1    # SGD: plain rows and the per-sample gradient loss.grad_one
    batches = (in_memory_rows(X, y, epochs, sampling, run.rng) if rows
               else in_memory_batches(X, y, batch_size, epochs, sampling, run.rng))
    try:
        return descend(batches, run, evaluate=full_loss if record_loss else None, rows=rows,
                       samples_per_epoch=spe * batch_size if sampling == "replacement" else n,
                       hint_X=X, settings=settings, func=func)
    finally:
        batches.close()    # on an error too: stops a background gather at once


def descend(batches: Iterable[tuple[Any, Any]], run: Prepared, *, evaluate: Evaluate | None,
            rows: bool = False, samples_per_epoch: float = math.nan,
            hint_X: Array | None = None, settings: dict[str, Any] | None = None,
            func: str = "minimize") -> History:
    r"""Run ``run``'s update rule from ``run.theta0`` over ``batches``: every driver's loop.

    Each batch is ``(X_B, y_B)`` of shapes ``(m, d)`` and ``(m,)``, and ``loss.grad`` gives its
    gradient; with ``rows=True`` it is one row ``(x_i, y_i)`` of shape ``(d,)`` and a number, and
    ``loss.grad_one`` does. A :class:`~sgdteach.history.Recorder` records step 0, every
    ``run.record_every`` steps and the end, with the loss ``evaluate(theta, X_B, y_B)`` on the
    batch about to be used (``None``: no loss, NaN); :func:`~sgdteach.history.diverged` is
    checked there and every ``CHECK_EVERY`` steps. With ``run.average`` = k >= 1 the record
    points and the result are the averaged iterate's (an :class:`IterateAverage`); the raw
    iterate goes to ``History.last_iterate``.
    """
    theta = np.array(run.theta0, dtype=np.float64)   # our own copy: the caller's is untouched
    grad: Callable[..., Array] | None = run.loss.grad_one if rows else run.loss.grad
    assert grad is not None
    update, state = run.optimizer.update, run.optimizer.init(theta)
    extra = (theta,) if run.optimizer.weight_decay else ()   # decoupled decay reads theta
    folded = rows and update is sgd_update            # plain SGD, one row at a time
    schedule, record_every = run.schedule, run.record_every
    log = Recorder(run.loss, evaluate, func=func, samples_per_epoch=samples_per_epoch,
                   hint_X=hint_X, settings=settings)
    mean = IterateAverage(run.average, theta) if run.average else None
    t = samples = 0
    X_B = y_B = None
    with np.errstate(over="ignore", invalid="ignore"):
        for X_B, y_B in batches:
            alpha = schedule(t)
            if t % record_every == 0:
                log.record(theta if mean is None else mean.of(theta), t, samples, alpha, X_B, y_B)
            elif t % CHECK_EVERY == 0 and diverged(theta):
                log.stop(theta, t, alpha)
            if folded:    # θ ← θ − α ∇J_i(θ), α folded into grad_one's one product with x_i
                theta -= grad(theta, X_B, y_B, alpha)
            else:         # θ ← θ − step, where (step, state) = update(∇J_B(θ), state, α)
                step, state = update(grad(theta, X_B, y_B), state, alpha, *extra)
                theta -= step
            t += 1
            samples += 1 if rows else len(y_B)
            if mean is not None:   # θ̄ ← θ̄ + (θ − θ̄)/(t − t₀ + 1) once `average` samples are seen
                mean.add(theta, samples)
        if X_B is None:
            raise ValidationError(f"{func}: 'batches' must yield at least one (X, y) batch; "
                                  "got none.")
        if mean is None:
            log.record(theta, t, samples, schedule(t), X_B, y_B)
            return log.history(theta)
        log.record(mean.of(theta), t, samples, schedule(t), X_B, y_B)
    return log.history(mean.of(theta), last=theta)


class Prepared(NamedTuple):
    """What every driver checks and builds the same way, before its own arguments."""

    theta0: Array
    loss: Loss
    schedule: Schedule
    optimizer: Optimizer
    rng: np.random.Generator
    record_every: int
    average: int = 0        # samples seen before averaging starts; 0: no averaging


def prepare(func: str, theta0: Any, d: int | None, *, loss: str | Loss, lr: float | Schedule,
            optimizer: str | Optimizer, record_every: int, seed: Any = None,
            average: bool | int = False) -> Prepared:
    """The preparation the three drivers share: ``theta0`` (zeros of length ``d`` when omitted;
    required when ``d`` is None), the loss, the schedule, the optimizer, ``record_every`` and the
    random generator, each checked with ``func`` in its messages. Labels are checked by the driver
    with ``loss.check_targets``, on ``y`` or on each batch as it arrives."""
    the_loss = get_loss(loss, func)
    length = "one per column of X"
    if the_loss.n_params is not None:
        d, length = the_loss.n_params, f"the parameters of {the_loss.name}"
    if d is None:
        theta0 = check_vector(func, "theta0", theta0)
    elif theta0 is None:
        theta0 = np.zeros(d)
    else:
        theta0 = check_vector(func, "theta0", theta0, d, length_name=length)
    return Prepared(theta0, the_loss, as_schedule(lr, func),
                    get_optimizer(optimizer, func),
                    check_rng(func, seed),
                    check_number(func, "record_every", record_every, COUNT),
                    check_average(func, average))


def check_average(func: str, average: Any) -> int:
    """``average`` as the number of samples to see before averaging starts (0: never).

    >>> check_average("minimize", True), check_average("minimize", False), check_average("f", 5)
    (1, 0, 5)
    """
    if isinstance(average, (bool, np.bool_)):
        return int(average)
    if not isinstance(average, numbers.Integral) or not 1 <= int(average) < INT64_LIMIT:
        fail(func, "average", "True, False or an integer >= 1 (the samples to see before "
             "averaging starts)", average, "Pass average=True to average every iterate.",
             kind=TypeError if not isinstance(average, numbers.Integral) else ValidationError)
    return int(average)
