r"""The one descent loop, used for batch GD, SGD, mini-batch, streams and on-disk data.

.. math::

    \theta_{t+1} = \theta_t - \text{step}_t, \qquad
    \text{step}_t = \text{update}\big(\nabla J_{B_t}(\theta_t), \text{state}_t, \alpha_t\big)

where :math:`B_t` is the batch of step :math:`t` (all rows, one row or a mini-batch: the only
difference between the three methods), :math:`\nabla J_B` the loss gradient averaged over that
batch, and ``update`` the rule (plain SGD: :math:`\text{step} = \alpha_t g`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import losses
from ._validation import check_choice, check_data, check_positive, check_rng, check_vector
from .losses import Loss, get_loss
from .optimizers import Optimizer, get_optimizer
from .sampling import SAMPLINGS, in_memory_batches, in_memory_rows, steps_per_epoch
from .schedules import Schedule, as_schedule

Array = np.ndarray
CHECK_EVERY = 64        # steps between cheap O(d) finiteness checks of theta
EXPLODE_FACTOR = 1e6    # a recorded loss this many times the initial one counts as divergence


class DivergenceError(FloatingPointError):
    """The iterates blew up. The message names the step, the learning rate and, for least squares,
    the 2/L bound."""

    def __init__(self, message: str, *, step: int, lr: float, bound: float | None = None):
        super().__init__(message)
        self.step, self.lr, self.bound = step, lr, bound


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
    """For least squares, compare lr with 2/L (full data) and with the per-sample bound."""
    if X is None or loss.name != "squared_error":
        return f"try a smaller lr than {lr:.3g}", None
    bound = 2.0 / losses.smoothness(X)
    if lr > bound:
        return f"lr={lr:.3g} exceeds 2/L={bound:.3g}; try lr < {bound:.3g}", bound
    per_sample = 1.0 / float(np.max(np.einsum("ij,ij->i", X, X)))
    return (f"lr={lr:.3g} is below 2/L={bound:.3g} for the full data, but single rows are "
            f"steeper (2/L_i = {per_sample:.3g}); try a smaller lr or a larger batch"), bound


def descend(batches: Iterable[tuple[Array, Array]], theta0: Array, *, loss: Loss,
            schedule: Schedule, optimizer: Optimizer, record_every: int,
            evaluate: Callable[[Array, Array, Array], float] | None,
            samples_per_epoch: float = float("nan"), hint_X: Array | None = None,
            settings: dict[str, Any] | None = None, func: str = "minimize",
            rows: bool = False) -> History:
    r"""Run the update rule over ``batches``; the loop every public driver shares.

    ``evaluate(theta, X_batch, y_batch)`` gives the loss recorded at a record point, called with
    the batch about to be used; ``None`` records no loss (NaN). With ``rows=True`` each batch is
    one row ``(x_i, y_i)``, shape ``(d,)`` and a number, and ``loss.grad_one`` is its gradient;
    for plain SGD the step :math:`\alpha_t \nabla J_i` is then ``grad_one(theta, x_i, y_i,
    scale=lr)``: one multiplication by the row instead of two (the same step up to rounding).
    """
    theta = np.array(theta0, dtype=np.float64)   # our own copy: the caller's array is untouched
    state = optimizer.init(theta)
    grad, update = (loss.grad_one if rows else loss.grad), optimizer.update
    fold_lr = rows and optimizer.plain
    rec: dict[str, list] = {k: [] for k in ("path", "loss", "step", "samples", "time", "lr")}
    eval_time = 0.0
    loss0 = None
    start = time.perf_counter()

    def record(step: int, samples: int, lr: float, Xb: Array, yb: Array) -> None:
        nonlocal eval_time, loss0
        t0 = time.perf_counter()
        value = evaluate(theta, Xb, yb) if evaluate is not None else float("nan")
        if loss0 is None:
            loss0 = value
        exploded = value > EXPLODE_FACTOR * max(loss0, 1.0)
        if not np.isfinite(theta).all() or (evaluate is not None and not np.isfinite(value)) \
                or exploded:
            diverged(step, lr, value)
        rec["path"].append(theta.copy())
        rec["loss"].append(value)
        rec["step"].append(step)
        rec["samples"].append(samples)
        rec["lr"].append(lr)
        t1 = time.perf_counter()
        eval_time += t1 - t0
        rec["time"].append(t1 - start - eval_time)

    def diverged(step: int, lr: float, value: float) -> None:
        hint, bound = _divergence_hint(hint_X, loss, lr)
        raise DivergenceError(f"{func}: diverged at step {step} with lr={lr:.3g} (loss={value:.3g})"
                              f"; {hint}.", step=step, lr=lr, bound=bound)

    step = samples = 0
    Xb = yb = None
    with np.errstate(over="ignore", invalid="ignore"):
        for Xb, yb in batches:
            lr = schedule(step)
            if step % record_every == 0:
                record(step, samples, lr, Xb, yb)
            elif step % CHECK_EVERY == 0 and not np.isfinite(theta).all():
                diverged(step, lr, float("nan"))
            if fold_lr:
                theta -= grad(theta, Xb, yb, lr)            # alpha_t * grad J_i(theta)
            else:
                g = grad(theta, Xb, yb)
                delta, state = update(g, state, lr)
                theta -= delta
            step += 1
            samples += 1 if rows else len(yb)
        if Xb is None:
            raise ValueError(f"{func}: 'batches' must yield at least one (X, y) batch; got none.")
        record(step, samples, schedule(step), Xb, yb)

    return History(theta=theta, path=np.array(rec["path"]), loss=np.array(rec["loss"]),
                   step=np.array(rec["step"]), samples_seen=np.array(rec["samples"]),
                   epoch=np.array(rec["samples"]) / samples_per_epoch,
                   wall_time=np.array(rec["time"]), lr=np.array(rec["lr"]),
                   settings=dict(settings or {}))


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
    ``ceil(n / batch_size)`` steps. How the rows reach the loop is in :mod:`sgdteach.sampling`:
    SGD steps use plain rows and ``loss.grad_one``; mini-batches of an ``X`` over 64 MB are
    gathered a chunk ahead in a background thread. Neither changes a batch.

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
    the_loss = get_loss(loss, func)
    size, size_name = ((d, "one per column of X") if the_loss.n_params is None
                       else (the_loss.n_params, f"the parameters of {the_loss.name}"))
    theta0 = np.zeros(size) if theta0 is None else check_vector(func, "theta0", theta0, size,
                                                                length_name=size_name)
    if the_loss.name in ("logistic", "hinge"):
        losses.check_labels(func, y)
    if the_loss.check_inputs is not None:
        the_loss.check_inputs(func, X, y)
    schedule = as_schedule(lr, func)
    batch_size = check_positive(func, "batch_size", batch_size, integer=True, minimum=1,
                                maximum=n, fix=f"Use 1 for SGD, {n} (= len(y)) for batch GD.")
    epochs = check_positive(func, "epochs", epochs, integer=True, minimum=1)
    check_choice(func, "sampling", sampling, SAMPLINGS)
    opt = get_optimizer(optimizer, func)
    rng = check_rng(func, seed)
    spe = steps_per_epoch(n, batch_size)
    if record_every is None:
        record_every = spe
    record_every = check_positive(func, "record_every", record_every, integer=True, minimum=1)

    def full_loss(theta: Array, Xb: Array, yb: Array) -> float:
        return the_loss.value(theta, X, y)

    samples_per_epoch = spe * batch_size if sampling == "replacement" else n
    settings = dict(loss=the_loss.name, lr=lr, batch_size=batch_size, epochs=epochs,
                    sampling=sampling, optimizer=opt.name, seed=seed, record_every=record_every)
    rows = batch_size == 1     # SGD: plain rows and the per-sample gradient loss.grad_one
    batches = (in_memory_rows(X, y, epochs, sampling, rng) if rows
               else in_memory_batches(X, y, batch_size, epochs, sampling, rng))
    try:
        return descend(batches, theta0, loss=the_loss, schedule=schedule, optimizer=opt,
                       record_every=record_every, evaluate=full_loss if record_loss else None,
                       samples_per_epoch=samples_per_epoch, hint_X=X, settings=settings,
                       func=func, rows=rows)
    finally:
        batches.close()    # on an error too: stops a background gather at once
