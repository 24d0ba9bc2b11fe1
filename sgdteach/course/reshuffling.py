r"""Random reshuffling on least squares, exactly: the stationary epoch-end excess loss, computed by
enumerating every permutation and solving the first- and second-moment fixed points.

With :math:`e = \theta - \theta^*`, :math:`A_i = 2x_ix_i^\top` and
:math:`g_i = \nabla J_i(\theta^*)` (see :mod:`.sgd_moments`), one reshuffled epoch visits the
examples in the order of a uniformly random permutation :math:`\pi`, each step being
:math:`e \leftarrow (I - \alpha A_{\pi_k})e - \alpha g_{\pi_k}`. Over the epoch this is affine:

.. math::

    e_{\text{end}} = M_\pi e_{\text{start}} + c_\pi, \qquad
    M_\pi = (I - \alpha A_{\pi_m})\cdots(I - \alpha A_{\pi_1}),

with :math:`c_\pi` the end of the same epoch started at :math:`e = 0`. A fresh permutation each
epoch, independent of :math:`e`, gives for the epoch-end mean :math:`\mu` and second moment
:math:`S` the fixed points (averages over all :math:`m!` permutations)

.. math::

    \mu = \overline{M}\mu + \bar c, \qquad
    S = \overline{M S M^\top} + \overline{M\mu c^\top} + \overline{c\mu^\top M^\top}
        + \overline{cc^\top}.

The stationary epoch-end excess is :math:`\frac12\operatorname{tr}(HS)`; the part
:math:`\frac12\mu^\top H\mu` is the **offset** of the mean. :math:`\bar c \ne 0`: expanding in
:math:`\alpha`, :math:`\mathbb E\,c_\pi = \alpha^2\,\mathbb E\sum_{k<j}A_{\pi_j}g_{\pi_k}
+ O(\alpha^3) = -\frac{\alpha^2}2\sum_a A_ag_a + O(\alpha^3)`, so the mean sits
:math:`O(\alpha)` away from :math:`\theta^*` and the excess is :math:`\Theta(\alpha^2)` for small
:math:`\alpha` (Ying, Yuan,
Vlaski & Sayed, IEEE TSP 2019: mean-square error :math:`O(\alpha^2)` for reshuffling against
:math:`O(\alpha)` with replacement), although an :math:`\alpha^3` noise term can dominate at
moderate :math:`\alpha`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import check_data, check_number, fail
from .sgd_moments import per_example_terms

__all__ = ["EpochEndExcess", "MAX_EXAMPLES", "epoch_end_excess"]

MAX_EXAMPLES = 8
"""Largest ``m`` enumerated (8! = 40,320 permutations)."""


@dataclass(frozen=True)
class EpochEndExcess:
    """The stationary epoch-end excess loss of random reshuffling and its offset part."""

    total: float
    r""":math:`\frac12\operatorname{tr}(HS)`, the mean of :math:`J(\theta) - J^*` at epoch ends."""
    offset: float
    r""":math:`\frac12\mu^\top H\mu`: the excess at the mean epoch-end iterate."""


def epoch_end_excess(X: Array, y: Array, lr: float) -> EpochEndExcess:
    r"""Stationary epoch-end excess loss of single-example SGD reshuffled every epoch, exactly
    (fixed points of the module docstring, over all :math:`m!` permutations).

    Parameters
    ----------
    X : array, shape (m, d)
        At most :data:`MAX_EXAMPLES` rows.
    y : array, shape (m,)
    lr : float
        The constant step :math:`\alpha`; the epoch map must contract in mean square.

    Returns
    -------
    EpochEndExcess

    Examples
    --------
    >>> from sgdteach.datasets import reference_data
    >>> X, y = reference_data()
    >>> r = epoch_end_excess(X, y, 0.01)
    >>> f"{r.total:.2e}", round(r.offset / r.total, 2)
    ('4.45e-04', 0.15)
    """
    func = "epoch_end_excess"
    X, y = check_data(func, X, y)
    m, d = X.shape
    if m > MAX_EXAMPLES:
        fail(func, "X", f"at most {MAX_EXAMPLES} rows (all m! permutations are enumerated)", X,
             "Use a small problem such as the reference example.")
    lr = check_number(func, "lr", lr)
    A, g, H = per_example_terms(func, X, y)
    eye = np.eye(d)
    perms = list(itertools.permutations(range(m)))
    Ms = np.empty((len(perms), d, d))
    cs = np.empty((len(perms), d))
    for p, order in enumerate(perms):
        M, c = eye.copy(), np.zeros(d)
        for i in order:
            step = eye - lr * A[i]
            M, c = step @ M, step @ c - lr * g[i]
        Ms[p], cs[p] = M, c
    M_bar, c_bar = Ms.mean(axis=0), cs.mean(axis=0)
    T = np.einsum("pjk,plm->jlkm", Ms, Ms).reshape(d * d, d * d) / len(perms)
    if (np.max(np.abs(np.linalg.eigvals(M_bar))) >= 1
            or np.max(np.abs(np.linalg.eigvals(T))) >= 1):
        fail(func, "lr", "small enough for the epoch map to contract in mean square", lr,
             "Pick a smaller step.")
    mu = np.linalg.solve(eye - M_bar, c_bar)
    Mmu = Ms @ mu                                              # (p, d)
    cross = np.einsum("pj,pk->jk", Mmu, cs) / len(perms)
    rest = cross + cross.T + np.einsum("pj,pk->jk", cs, cs) / len(perms)
    S = np.linalg.solve(np.eye(d * d) - T, rest.ravel()).reshape(d, d)
    total = 0.5 * float(np.trace(H @ S))
    offset = 0.5 * float(mu @ H @ mu)
    if not (math.isfinite(total) and total >= offset >= 0):
        fail(func, "lr", "a step at which the fixed point is well defined", lr)
    return EpochEndExcess(total, offset)
