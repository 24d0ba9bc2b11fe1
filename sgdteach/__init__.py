"""sgdteach: stochastic gradient descent, taught in notebooks and measured.

The descent loop lives in :mod:`sgdteach.descent`; losses, update rules, schedules and sampling
each have their own small module. Importing sgdteach is light: matplotlib and ipywidgets are only
imported by :mod:`sgdteach.plotting` and :mod:`sgdteach.widgets`, when you use them.
"""

from . import datasets, functions, losses, networks, optimizers, sampling, schedules
from ._validation import ValidationError
from .checking import check_gradient, numerical_gradient
from .descent import DivergenceError, History, minimize
from .losses import Loss, least_squares_solution, smoothness
from .networks import MLP
from .optimizers import adagrad, adam, momentum, nesterov, rmsprop, sgd
from .reference import batch_gradient_descent, stochastic_gradient_descent
from .schedules import (
    as_schedule,
    constant,
    cosine,
    exponential,
    inverse_time,
    invscaling,
    step_decay,
    warmup,
    warmup_cosine,
)
from .streaming import minimize_memmap, minimize_stream

__version__ = "0.1.0"

__all__ = [
    "DivergenceError",
    "History",
    "Loss",
    "MLP",
    "ValidationError",
    "adagrad",
    "adam",
    "as_schedule",
    "batch_gradient_descent",
    "check_gradient",
    "constant",
    "cosine",
    "datasets",
    "exponential",
    "functions",
    "inverse_time",
    "invscaling",
    "least_squares_solution",
    "losses",
    "minimize",
    "minimize_memmap",
    "minimize_stream",
    "momentum",
    "networks",
    "nesterov",
    "numerical_gradient",
    "optimizers",
    "rmsprop",
    "sampling",
    "schedules",
    "sgd",
    "smoothness",
    "step_decay",
    "stochastic_gradient_descent",
    "warmup",
    "warmup_cosine",
]
