"""sgdteach: stochastic gradient descent, taught in notebooks and measured.

The descent loop lives in :mod:`sgdteach.descent`; losses, update rules, schedules and sampling
each have their own small module. Importing sgdteach is light: the loop's modules are imported
at once, the others (data sets, test functions, networks, the checks, the reference and
streaming drivers) on first use of one of their names (PEP 562), and matplotlib and ipywidgets
are only imported by :mod:`sgdteach.plotting` and :mod:`sgdteach.widgets`, when you use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lazy, losses, optimizers, sampling, schedules
from ._validation import ValidationError
from .descent import DivergenceError, History, minimize
from .losses import Loss, least_squares_solution, smoothness
from .optimizers import adagrad, adam, momentum, nesterov, rmsprop, sgd
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

if TYPE_CHECKING:  # the lazy names below, for mypy (``X as X``: an attribute not in __all__)
    from . import checking as checking
    from . import datasets, functions, networks
    from . import exercise_checks as exercise_checks
    from . import reference as reference
    from . import streaming as streaming
    from .checking import check_gradient, numerical_gradient
    from .networks import MLP
    from .reference import batch_gradient_descent, stochastic_gradient_descent
    from .streaming import minimize_memmap, minimize_stream

#: Names imported on first use: name -> the submodule that defines it (a submodule's own name
#: maps to itself). ``__all__`` below is the public list, eager and lazy names alike.
_LAZY = {
    "datasets": "datasets", "functions": "functions", "networks": "networks",
    "checking": "checking", "exercise_checks": "exercise_checks", "reference": "reference",
    "streaming": "streaming",
    "check_gradient": "checking", "numerical_gradient": "checking",
    "MLP": "networks",
    "batch_gradient_descent": "reference", "stochastic_gradient_descent": "reference",
    "minimize_memmap": "streaming", "minimize_stream": "streaming",
}

__getattr__, __dir__ = _lazy.attach(globals(), _LAZY)


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
