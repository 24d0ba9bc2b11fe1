r"""The checks a learner runs on their own code: the gradient checker, and the exercise checks
that compare a learner's function with the reference and with known wrong variants, and name the
mistake they recognise.

Call them from a notebook, e.g. ``check_sgd_step(sgd_step)``: a passing check prints one line
starting with ✓; a failing one raises :class:`CheckError` whose message names the mistake, the
input, the expected and the received values, and how to fix it. Checks touch no files.

Each exercise check is a :class:`Check` in three parts (trusted inputs, a probe that only calls
the learner's function and records what came back, a judge that names the mistake); in a notebook
all three run at once, the grader runs the probe in the learner's kernel and the judge in its own
process (:mod:`sgdteach.grading.worker.judging`). Every check, by its public name, is in
:data:`sgdteach.checking.registry.CHECKS`.

Released exercises import this path (``from sgdteach.checking import check_sgd``): it is kept.
"""

from ._check import Check
from ._core import CheckError, NotAttemptedError, RecordError, parse_mistake
from .averaging import check_averaged_sgd
from .backprop import check_layer_backward
from .budget import budget_problem, check_budget
from .finite_differences import check_gradient, numerical_gradient
from .gradient import check_squared_error_cost, check_squared_error_gradient
from .logistic import check_logistic_gradient
from .minibatch import check_minibatch_sgd, check_minibatches
from .optimizers import check_adam_step, check_momentum_step
from .schedule import check_invscaling, check_step_decay
from .sgd import check_sgd, check_sgd_step
from .tracking import check_online_step, check_tracking_error

__all__ = [
    "Check",
    "CheckError",
    "NotAttemptedError",
    "RecordError",
    "budget_problem",
    "check_adam_step",
    "check_averaged_sgd",
    "check_budget",
    "check_gradient",
    "check_invscaling",
    "check_layer_backward",
    "check_logistic_gradient",
    "check_minibatch_sgd",
    "check_minibatches",
    "check_momentum_step",
    "check_online_step",
    "check_sgd",
    "check_sgd_step",
    "check_squared_error_cost",
    "check_squared_error_gradient",
    "check_step_decay",
    "check_tracking_error",
    "numerical_gradient",
    "parse_mistake",
]
