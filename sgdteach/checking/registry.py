"""Every exercise check by its public name, for the grader (probe and judge run apart there)."""

from . import (
    averaging,
    backprop,
    budget,
    gradient,
    logistic,
    minibatch,
    optimizers,
    schedule,
    sgd,
    tracking,
)
from ._check import Check

CHECKS: dict[str, Check] = {c.name: c for c in (
    gradient.COST, gradient.GRADIENT, sgd.STEP, sgd.LOOP, minibatch.BATCHES, minibatch.SGD,
    schedule.INV, schedule.DECAY, optimizers.MOMENTUM, optimizers.ADAM, budget.BUDGET,
    logistic.GRADIENT, backprop.LAYER, tracking.STEP, tracking.ERROR,
    averaging.AVERAGED)}
