"""What the course's notebooks measure and draw, organised by concept (not by notebook number).

* :mod:`.claims`: the ✓ lines (a claim with its margin, checked and printed).
* :mod:`.plotting`: the course's figures (paths, losses, schedules, contours).
* :mod:`.timing`: wall-clock measurements (best of interleaved runs, seconds per call, descent
  seconds counted from the first update).
* :mod:`.toolbox`: small measurements of a problem (Hessian, gradient covariance, log-log slopes).
* :mod:`.curvature`: Hessian-vector products by finite differences of gradients, and the largest
  Hessian eigenvalue (Lanczos), for a network's loss.
* :mod:`.experiments`: runs behind the notebooks' comparisons (noise floors, local minima,
  online tracking, out-of-core timing, optimizers).
* :mod:`.momentum_rates`: the heavy-ball convergence factor on quadratics.
* :mod:`.tuning`: learning-rate grids and the per-method tuned comparisons.
* :mod:`.batch_tuning`: each batch size at its own learning rate (a grid on the training loss).
* :mod:`.noise_floor`: the exact stationary excess of mini-batch SGD (with replacement) from the
  second-moment map.
* :mod:`.path_loss`: the squared-error loss along a recorded path, computed after the run.
* :mod:`.race`: a race to a target loss, each method's rate tuned on a separate copy, then timed.
* :mod:`.model_selection`: a validation split from the training rows, the best setting on a
  grid (and whether the grid brackets it), the chosen runs measured once on the test set.
* :mod:`.robust_tuning`: a learning rate scored by its worst neighbour (±5%), for problems whose
  stability edge is ragged.
* :mod:`.stability`: the mean-square stability limit of constant-rate SGD for the rows used.
* :mod:`.generalisation`: a fit/validation/test split, the learning-rate range test,
  reduce-on-plateau, and the hard-margin separator SGD's logistic iterates approach.
* :mod:`.regularisation`: an L2-penalised loss, and a separating direction for separable data.
* :mod:`.sgd_moments`: the exact mean and variance of constant-rate SGD on least squares
  (expected excess split into bias and noise, the stationary floor).
* :mod:`.reshuffling`: the exact epoch-end excess of random reshuffling (all orders enumerated).
* :mod:`.network_runs`: the small network's training runs.
* :mod:`.averaging`: the exact error of averaged and last-iterate SGD on a noisy quadratic, and
  SVRG's and SAGA's rate bounds.
* :mod:`.widgets`: the interactive widgets (ipywidgets), thin builders over the above.
* :mod:`.describe`: a figure's text alternative (``describe(fig)``; ``takeaway(fig, sentence)``).
* :mod:`.figure_display`: every figure shown in IPython carries that text as its ``<img alt>``;
  importing this package installs it in the running IPython (nothing happens outside IPython).

Each submodule is imported on first use (``sgdteach.course.plotting``), so importing this package
costs nothing; matplotlib and ipywidgets arrive with the modules that draw.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from . import averaging as averaging
    from . import batch_tuning as batch_tuning
    from . import claims as claims
    from . import curvature as curvature
    from . import describe as describe
    from . import experiments as experiments
    from . import figure_display as figure_display
    from . import generalisation as generalisation
    from . import model_selection as model_selection
    from . import momentum_rates as momentum_rates
    from . import network_runs as network_runs
    from . import noise_floor as noise_floor
    from . import path_loss as path_loss
    from . import plotting as plotting
    from . import race as race
    from . import regularisation as regularisation
    from . import reshuffling as reshuffling
    from . import robust_tuning as robust_tuning
    from . import sgd_moments as sgd_moments
    from . import stability as stability
    from . import timing as timing
    from . import toolbox as toolbox
    from . import tuning as tuning
    from . import widgets as widgets

_SUBMODULES = ("averaged_moments", "averaging", "batch_tuning", "beyond_floor", "claims",
               "curvature", "describe", "experiments", "figure_display", "generalisation",
               "max_margin", "model_selection", "momentum_rates", "network_runs", "noise_floor",
               "online_tracking", "path_loss", "plotting", "race", "regularisation",
               "reshuffling", "robust_tuning", "sgd_moments", "stability", "timing", "toolbox",
               "tuning", "widgets")
__getattr__, __dir__ = _lazy.attach(globals(), {name: name for name in _SUBMODULES})
__all__: list[str] = []

if "IPython" in sys.modules:   # in a notebook: every figure gets its alt text
    from . import figure_display as _figure_display

    _figure_display.install()
