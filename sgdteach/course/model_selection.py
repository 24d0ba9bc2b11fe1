r"""Choosing hyper-parameters honestly: a validation split carved from the training set, and a grid
whose best value must lie inside it.

The test set answers one question, once, at the end: how well do the *chosen* settings do on
images nobody looked at while choosing. Every choice before that (a learning rate, a batch size)
is made on a **validation** set, a part of the training set held out from training.

:func:`validation_split` makes the three parts from a :class:`~.network_runs.Digits` split;
:func:`best_on_grid` picks the best value of a grid and says whether it lies strictly inside it
(a best value at an end of the grid only says "try further out"); :func:`on_test` measures a run,
trained and chosen on the other parts, on the test set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._types import Array
from .._validation import Interval, check_number, check_vector, fail
from ..networks import MLP
from .network_runs import Digits, Run


class HeldOut(NamedTuple):
    """Three disjoint parts: ``fit`` (trained on), ``val`` (settings chosen on), ``test`` (measured
    once, at the end)."""

    X_fit: Array
    X_val: Array
    X_test: Array
    y_fit: Array
    y_val: Array
    y_test: Array

    @property
    def tuning(self) -> Digits:
        """Train on ``fit``, measure on ``val``: pass it to :func:`~.network_runs.train`, whose
        :class:`~.network_runs.Run` then reports **validation** accuracy in its second-set
        arrays (``test_accuracy``, ``final_test_accuracy``)."""
        return Digits(self.X_fit, self.X_val, self.y_fit, self.y_val)

    @property
    def final(self) -> Digits:
        """Train on ``fit``, measure on ``test``."""
        return Digits(self.X_fit, self.X_test, self.y_fit, self.y_test)


def validation_split(data: Digits, size: float = 0.2, seed: int = 0) -> HeldOut:
    r"""Hold out a share ``size`` of ``data``'s training rows as a validation set, stratified
    (each class keeps its share), and keep ``data``'s test rows untouched.

    With :math:`m` training rows the validation set has :math:`\lceil \text{size}\cdot m\rceil`
    of them (scikit-learn's ``train_test_split`` rounding) and the fit part the rest.

    Parameters
    ----------
    data : Digits
        ``X_train`` of shape ``(m, d)``, ``y_train`` of shape ``(m,)``, and the test part.
    size : float
        Share of the training rows held out, in (0, 0.9].
    seed : int
        Seeds the split (``random_state`` of ``train_test_split``).

    Returns
    -------
    HeldOut
        ``X_fit`` ``(m - k, d)``, ``X_val`` ``(k, d)``, ``X_test`` as in ``data``; labels alike.

    Examples
    --------
    >>> from sgdteach.course.network_runs import digits_split
    >>> held = validation_split(digits_split(), size=0.2)
    >>> len(held.y_fit), len(held.y_val), len(held.y_test)
    (1149, 288, 360)
    """
    from sklearn.model_selection import train_test_split

    func = "validation_split"
    if not isinstance(data, Digits):
        fail(func, "data", "a Digits split (network_runs.digits_split())", data,
             kind=TypeError)
    size = check_number(func, "size", size, Interval(0, 0.9, closed="right"))
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        fail(func, "seed", "an integer", seed, "Pass e.g. seed=0.", kind=TypeError)
    X_fit, X_val, y_fit, y_val = train_test_split(
        data.X_train, data.y_train, test_size=size, random_state=int(seed),
        stratify=data.y_train)
    parts = (X_fit, X_val, y_fit, y_val)
    for part in parts:
        part.setflags(write=False)
    return HeldOut(X_fit, X_val, data.X_test, y_fit, y_val, data.y_test)


class Best(NamedTuple):
    """The grid's best point: its ``position`` in the grid, its ``value`` (the grid entry), its
    ``score``, and ``inside``: True when it is neither the first nor the last point of the grid."""

    position: int
    value: float
    score: float
    inside: bool


def best_on_grid(grid: Sequence[float], scores: Sequence[float]) -> Best:
    r"""The point of ``grid`` with the highest score, and whether the grid brackets it.

    .. math::

        i^\star = \arg\max_i s_i, \qquad \text{inside} \iff 0 < i^\star < k - 1

    for a grid :math:`g_0 < g_1 < \dots < g_{k-1}` (increasing) and scores :math:`s_i` (e.g. the
    mean validation accuracy over seeds at :math:`g_i`; NaN counts as worst). A best value at an
    end is only a lower (or upper) bound on the best setting: widen the grid and search again.

    Examples
    --------
    >>> best_on_grid([0.1, 0.3, 1.0], [0.90, 0.93, 0.89])
    Best(position=1, value=0.3, score=0.93, inside=True)
    >>> best_on_grid([0.1, 0.3, 1.0], [0.30, 0.50, 0.59]).inside
    False
    """
    func = "best_on_grid"
    g = check_vector(func, "grid", grid)
    if len(g) < 3 or (np.diff(g) <= 0).any():
        fail(func, "grid", "at least 3 increasing values", g, "Pass e.g. [0.1, 0.3, 1.0].")
    s = check_vector(func, "scores", scores, len(g), finite=False)
    if np.isnan(s).all():
        fail(func, "scores", "at least one number that is not NaN", s)
    i = int(np.nanargmax(s))
    return Best(i, float(g[i]), float(s[i]), 0 < i < len(g) - 1)


def on_test(run: Run, net: MLP, held: HeldOut) -> Run:
    """The same trained parameters (``run.history``), measured on ``held``'s **test** set.

    Use it once, for the settings chosen on the validation set: its ``test_accuracy`` is then the
    test accuracy of the recorded parameters.
    """
    if not isinstance(run, Run):
        fail("on_test", "run", "a Run from network_runs.train", run, kind=TypeError)
    if not isinstance(held, HeldOut):
        fail("on_test", "held", "a HeldOut split (validation_split(...))", held, kind=TypeError)
    return Run(run.history, net, held.final)
