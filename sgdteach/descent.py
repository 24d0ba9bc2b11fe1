r"""The one descent loop, used for batch GD, SGD, mini-batch, streams and on-disk data.

.. math::

    \theta_{t+1} = \theta_t - \text{step}_t, \qquad
    \text{step}_t = \text{update}\big(\nabla J_{B_t}(\theta_t), \text{state}_t, \alpha_t\big)

where :math:`B_t` is the batch of step :math:`t` (all rows, one row or a mini-batch: the only
difference between the three methods), :math:`\nabla J_B` the loss gradient averaged over that
batch, and ``update`` the rule (plain SGD: :math:`\text{step} = \alpha_t g`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, NoReturn, overload

import numpy as np

from ._validation import (
    COUNT,
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
from .losses import Loss, get_loss
from .optimizers import Optimizer, get_optimizer, sgd_update
from .sampling import SAMPLINGS, in_memory_batches, in_memory_rows, steps_per_epoch
from .schedules import Schedule, as_schedule

Array = np.ndarray
CHECK_EVERY = 64        # steps between cheap O(d) finiteness checks of theta
EXPLODE_FACTOR = 1e6    # a recorded loss this many times the initial one counts as divergence


class DivergenceError(FloatingPointError, ValueError):
    """The iterates blew up (see :func:`diverged`). The message names the step, the learning rate
    and, for a quadratic loss, the 2/L bound; ``history`` holds the run up to the last record
    point before the blow-up. A ``ValueError`` too: the learning rate was too large."""

    def __init__(self, message: str, *, step: int, lr: float, bound: float | None = None,
                 history: History | None = None):
        super().__init__(message)
        self.step, self.lr, self.bound, self.history = step, lr, bound, history


def diverged(theta: Array, loss: float | None = None, loss0: float | None = None) -> bool:
    """The one divergence rule: ``theta`` is not finite, or the loss is not finite or above
    ``EXPLODE_FACTOR`` times ``max(loss0, 1)`` (``loss0``: the loss at the start). ``None``: no
    loss recorded, only ``theta`` is looked at.

    >>> diverged(np.array([1.0, np.inf])), diverged(np.zeros(2), 2e6, 1.0)
    (True, True)
    """
    if not np.isfinite(theta).all():
        return True
    if loss is None:
        return False
    return not loss <= EXPLODE_FACTOR * max(1.0 if loss0 is None else loss0, 1.0)


@dataclass
class History:
    r"""What a run did, recorded at step 0, every ``record_every`` steps, and at the end.

    Attributes
    ----------
    theta : (d,) final parameters.
    path : (k, d) parameters at each record point (``path[0]`` is ``theta0``).
    loss : (k,) loss at each record point: the full-data loss for in-memory data; for streams
        the loss on the batch about to be used (not yet seen), i.e. progressive validation.
    step, samples_seen : (k,) updates done and rows used so far.
    epoch : (k,) epochs done (``samples_seen`` over the epoch size; NaN for an endless stream).
    wall_time : (k,) seconds of descent so far, the time spent recording excluded.
    lr : (k,) the learning rate in force at each record point.
    settings : the arguments of the run (batch size, sampling, optimizer, seed, ...).
    """

    theta: Array
    path: Array
    loss: Array
    step: Array
    samples_seen: Array
    epoch: Array
    wall_time: Array
    lr: Array
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    def __repr__(self) -> str:
        s = self.settings
        return (f"History(steps={int(self.step[-1])}, epochs={self.epoch[-1]:.3g}, "
                f"batch_size={s.get('batch_size')}, final_loss={self.final_loss:.6g}, "
                f"theta={np.array2string(self.theta, precision=4)})")


def _divergence_hint(X: Array | None, loss: Loss, lr: float) -> tuple[str, float | None]:
    """For a quadratic loss, compare lr with 2/L (full data) and with the steepest row's 2/L_i;
    a bound that is not a positive finite number is left out, never printed."""
    generic = f"try a smaller lr than {lr:.3g}", None
    if X is None or not loss.quadratic or loss.smoothness is None:
        return generic
    try:
        L = loss.smoothness(X)
        norms = np.einsum("ij,ij->i", X, X)
        L_row = loss.smoothness(X[[int(np.argmax(norms))]])
    except ValueError:   # L beyond float64: no bound to give
        return generic
    if not (math.isfinite(L) and L > 0):
        return generic
    bound = 2.0 / L
    if lr > bound:
        return f"lr={lr:.3g} exceeds 2/L={bound:.3g}; try lr < {bound:.3g}", bound
    if not (math.isfinite(L_row) and L_row > 0 and 2.0 / L_row > 0):
        return f"lr={lr:.3g} is below 2/L={bound:.3g}; try a smaller lr or a larger batch", bound
    return (f"lr={lr:.3g} is below 2/L={bound:.3g} for the full data, but single rows are "
            f"steeper (2/L_i = {2.0 / L_row:.3g}); try a smaller lr or a larger batch"), bound


# A step function: (theta, X_batch, y_batch, lr) -> the step to subtract from theta.
StepFn = Callable[[Array, Any, Any, float], Array]


def _folded_sgd_step(loss: Loss) -> StepFn:
    r"""Plain SGD on one row: :math:`\alpha_t \nabla J_i` is ``grad_one(theta, x_i, y_i,
    scale=lr)``, one multiplication by the row instead of two (the same step up to rounding)."""
    assert loss.grad_one is not None
    return loss.grad_one


def _rule_step(grad: Callable[..., Array], optimizer: Optimizer, theta: Array) -> StepFn:
    """Any update rule: the gradient, then ``optimizer.update`` with its state kept here."""
    update = optimizer.update
    state = optimizer.init(theta)

    def step(theta: Array, Xb: Any, yb: Any, lr: float) -> Array:
        nonlocal state
        delta, state = update(grad(theta, Xb, yb), state, lr)
        return delta

    return step


def choose_step(loss: Loss, optimizer: Optimizer, theta: Array, rows: bool) -> StepFn:
    """The step function of a run, chosen once: :func:`_folded_sgd_step` for plain SGD (its update
    *is* :func:`~sgdteach.optimizers.sgd_update`) on single rows, else :func:`_rule_step`."""
    if rows and optimizer.update is sgd_update:
        return _folded_sgd_step(loss)
    grad = loss.grad_one if rows else loss.grad
    assert grad is not None
    return _rule_step(grad, optimizer, theta)


@overload
def descend(batches: Iterable[tuple[Array, float]], theta0: Array, *, loss: Loss,
            schedule: Schedule, optimizer: Optimizer, record_every: int,
            evaluate: Callable[[Array, Array, float], float] | None,
            samples_per_epoch: float = ..., hint_X: Array | None = ...,
            settings: dict[str, Any] | None = ..., func: str = ...,
            rows: Literal[True]) -> History: ...


@overload
def descend(batches: Iterable[tuple[Array, Array]], theta0: Array, *, loss: Loss,
            schedule: Schedule, optimizer: Optimizer, record_every: int,
            evaluate: Callable[[Array, Array, Array], float] | None,
            samples_per_epoch: float = ..., hint_X: Array | None = ...,
            settings: dict[str, Any] | None = ..., func: str = ...,
            rows: Literal[False] = ...) -> History: ...


def descend(batches: Iterable[tuple[Array, Any]], theta0: Array, *, loss: Loss,
            schedule: Schedule, optimizer: Optimizer, record_every: int,
            evaluate: Callable[[Array, Array, Any], float] | None,
            samples_per_epoch: float = float("nan"), hint_X: Array | None = None,
            settings: dict[str, Any] | None = None, func: str = "minimize",
            rows: bool = False) -> History:
    r"""Run the update rule over ``batches``; the loop every public driver shares.

    Each batch is ``(X_batch, y_batch)`` of shapes ``(m, d)`` and ``(m,)``; with ``rows=True``
    it is one row ``(x_i, y_i)``, of shape ``(d,)`` and a number, and ``loss.grad_one`` gives
    its gradient. ``evaluate(theta, X_batch, y_batch)`` gives the loss recorded at a record point,
    called with the batch about to be used; ``None`` records no loss (NaN). The step function is
    chosen once, before the loop (:func:`choose_step`); :func:`diverged` is checked at every
    record point and every ``CHECK_EVERY`` steps.
    """
    theta = np.array(theta0, dtype=np.float64)   # our own copy: the caller's array is untouched
    advance = choose_step(loss, optimizer, theta, rows)
    rec: dict[str, list] = {k: [] for k in ("path", "loss", "step", "samples", "time", "lr")}
    eval_time = 0.0
    loss0: float | None = None
    start = time.perf_counter()

    def history() -> History:
        samples = np.array(rec["samples"])
        return History(theta=theta, path=np.array(rec["path"]), loss=np.array(rec["loss"]),
                       step=np.array(rec["step"]), samples_seen=samples,
                       epoch=samples / samples_per_epoch, wall_time=np.array(rec["time"]),
                       lr=np.array(rec["lr"]), settings=dict(settings or {}))

    def record(step: int, samples: int, lr: float, Xb: Any, yb: Any) -> None:
        nonlocal eval_time, loss0
        t0 = time.perf_counter()
        value = evaluate(theta, Xb, yb) if evaluate is not None else None
        if step == 0 and value is not None and not math.isfinite(value):
            fail(func, "theta0", "a start where the loss on the data is finite", theta0,
                 f"The loss there is {value}: rescale the data (e.g. standardise X and y).")
        if loss0 is None:
            loss0 = value
        if diverged(theta, value, loss0):
            stop(step, lr, float("nan") if value is None else value)
        rec["path"].append(theta.copy())
        rec["loss"].append(float("nan") if value is None else value)
        rec["step"].append(step)
        rec["samples"].append(samples)
        rec["lr"].append(lr)
        t1 = time.perf_counter()
        eval_time += t1 - t0
        rec["time"].append(t1 - start - eval_time)

    def stop(step: int, lr: float, value: float) -> NoReturn:
        hint, bound = _divergence_hint(hint_X, loss, lr)
        what = "parameters not finite" if math.isnan(value) else f"loss={value:.3g}"
        raise DivergenceError(f"{func}: diverged at step {step} with lr={lr:.3g} ({what}); {hint}.",
                              step=step, lr=lr, bound=bound, history=history())

    step = samples = 0
    Xb = yb = None
    with np.errstate(over="ignore", invalid="ignore"):
        for Xb, yb in batches:
            lr = schedule(step)
            if step % record_every == 0:
                record(step, samples, lr, Xb, yb)
            elif step % CHECK_EVERY == 0 and diverged(theta):
                stop(step, lr, float("nan"))
            theta -= advance(theta, Xb, yb, lr)
            step += 1
            samples += 1 if rows else len(yb)
        if Xb is None:
            raise ValidationError(f"{func}: 'batches' must yield at least one (X, y) batch; "
                                  "got none.")
        record(step, samples, schedule(step), Xb, yb)
    return history()


class Prepared(NamedTuple):
    """What every driver checks and builds the same way, before its own arguments."""

    theta0: Array
    loss: Loss
    schedule: Schedule
    optimizer: Optimizer
    rng: np.random.Generator
    record_every: int


def prepare(func: str, theta0: Any, d: int | None, *, loss: str | Loss, lr: float | Schedule,
            optimizer: str | Optimizer, record_every: int, seed: Any = None) -> Prepared:
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
                    check_number(func, "record_every", record_every, COUNT))


def minimize(X: Array, y: Array, theta0: Array | None = None, *,
             loss: str | Loss = "squared_error", lr: float | Schedule = 0.01,
             batch_size: int = 1, epochs: int = 10, sampling: str = "replacement",
             optimizer: str | Optimizer = "sgd", seed: int | np.random.Generator | None = None,
             record_every: int | None = None, record_loss: bool = True) -> History:
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
    record_every : steps between record points; ``None`` records once per epoch. Each record of
        the full-data loss costs O(n d), so ``record_every=1`` makes SGD O(n) per step: ask for it
        on small data only, or set ``record_loss=False``.

    Returns
    -------
    History, with ``.theta`` the final parameters.

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
                  record_every=spe if record_every is None else record_every)
    run.loss.check_targets(func, y)
    if run.loss.check_inputs is not None:
        run.loss.check_inputs(func, X, y)
    the_loss = run.loss

    def full_loss(theta: Array, Xb: Any, yb: Any) -> float:
        return the_loss.value(theta, X, y)

    samples_per_epoch = spe * batch_size if sampling == "replacement" else n
    settings = dict(loss=the_loss.name, lr=lr, batch_size=batch_size, epochs=epochs,
                    sampling=sampling, optimizer=run.optimizer.name, seed=seed,
                    record_every=run.record_every)
    evaluate = full_loss if record_loss else None
    if batch_size == 1:    # SGD: plain rows and the per-sample gradient loss.grad_one
        rows = in_memory_rows(X, y, epochs, sampling, run.rng)
        try:
            return descend(rows, run.theta0, loss=the_loss, schedule=run.schedule,
                           optimizer=run.optimizer, record_every=run.record_every,
                           evaluate=evaluate, samples_per_epoch=samples_per_epoch, hint_X=X,
                           settings=settings, func=func, rows=True)
        finally:
            rows.close()
    batches = in_memory_batches(X, y, batch_size, epochs, sampling, run.rng)
    try:
        return descend(batches, run.theta0, loss=the_loss, schedule=run.schedule,
                       optimizer=run.optimizer, record_every=run.record_every,
                       evaluate=evaluate, samples_per_epoch=samples_per_epoch, hint_X=X,
                       settings=settings, func=func)
    finally:
        batches.close()    # on an error too: stops a background gather at once
