"""sgdteach: stochastic gradient descent, taught in notebooks and measured.

The package is laid out by who each part serves. On top, the algorithm: :mod:`~sgdteach.losses`,
:mod:`~sgdteach.optimizers`, :mod:`~sgdteach.schedules`, :mod:`~sgdteach.sampling`, the loop in
:mod:`~sgdteach.descent` (its record in :mod:`~sgdteach.history`), the other drivers
(:mod:`~sgdteach.streaming`, :mod:`~sgdteach.variance_reduction` (SVRG, SAGA), and
:mod:`~sgdteach.reference`, the loops written as the maths reads),
and the problems it minimises (:mod:`~sgdteach.datasets`, :mod:`~sgdteach.functions`,
:mod:`~sgdteach.networks`). Then four doors: :mod:`sgdteach.checking` (the checks a learner runs),
:mod:`sgdteach.course` (what the notebooks measure and draw), :mod:`sgdteach.tools` (maintainer
commands) and :mod:`sgdteach.grading` (the instructor's grader, reached through
``python -m sgdteach``).

``sgdteach.X`` exposes the algorithm's nouns and verbs. Importing sgdteach is light: the loop's
modules are imported at once, the others on first use of one of their names (PEP 562), and
matplotlib and ipywidgets only by :mod:`sgdteach.course`, when you use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lazy, losses, optimizers, sampling, schedules
from ._validation import ValidationError
from .descent import minimize
from .history import DivergenceError, History
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
    from . import course as course
    from . import datasets, functions, networks
    from . import reference as reference
    from . import streaming as streaming
    from . import variance_reduction as variance_reduction
    from .checking.finite_differences import check_gradient, numerical_gradient
    from .networks import MLP
    from .reference import batch_gradient_descent, stochastic_gradient_descent
    from .streaming import minimize_memmap, minimize_stream
    from .variance_reduction import variance_reduced

#: Names imported on first use: name -> the submodule that defines it (a submodule's own name
#: maps to itself). ``__all__`` below is the public list, eager and lazy names alike.
_LAZY = {
    "datasets": "datasets", "functions": "functions", "networks": "networks",
    "checking": "checking", "course": "course", "reference": "reference",
    "streaming": "streaming", "variance_reduction": "variance_reduction",
    "check_gradient": "checking.finite_differences",
    "numerical_gradient": "checking.finite_differences",
    "MLP": "networks",
    "batch_gradient_descent": "reference", "stochastic_gradient_descent": "reference",
    "minimize_memmap": "streaming", "minimize_stream": "streaming",
    "variance_reduced": "variance_reduction",
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
    "variance_reduced",
    "warmup",
    "warmup_cosine",
]
