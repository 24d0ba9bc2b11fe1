r"""Exact mean and second moment of the *averaged* iterate of single-example SGD on least squares
(rows drawn with replacement), and the constant of its :math:`1/t` decay.

The notation is :mod:`.sgd_moments`'s: :math:`e_t = \theta_t - \theta^*`, one step
:math:`e \leftarrow (I - \alpha A_i)e - \alpha g_i`, :math:`\mu_t = \mathbb E e_t`,
:math:`S_t = \mathbb E[e_te_t^\top]`. The averaged iterate over the window of updates
:math:`s+1, \dots, T` (Polyak–Ruppert: :math:`s = 0`; tail averaging: :math:`s = T/2`) is
:math:`\bar\theta = \theta^* + \sigma/k`, :math:`\sigma = \sum_{t=s+1}^T e_t`, :math:`k = T - s`.
Because :math:`\mathbb E[e_{t+1}\mid e_t] = (I - \alpha H)e_t` exactly, the moments of
:math:`\sigma` obey, with :math:`R_t = \mathbb E[\sigma_te_t^\top]` and
:math:`V_t = \mathbb E[\sigma_t\sigma_t^\top]`,

.. math::

    R_{t+1} = R_t(I - \alpha H) + S_{t+1}, \qquad
    V_{t+1} = V_t + R_t(I - \alpha H) + (I - \alpha H)R_t^\top + S_{t+1},

(:math:`H` is symmetric), all linear in :math:`(\mu, S, R, V, \mathbb E\sigma)`: one affine map,
raised to a power. The expected excess of the average is
:math:`\frac1{2k^2}\operatorname{tr}(HV_T)`, its bias part
:math:`\frac1{2k^2}\mathbb E\sigma^\top H\,\mathbb E\sigma`. Nothing is simulated.

At stationarity (:math:`S_t = S_\infty`, :math:`\mu = 0`) the sum of the geometric cross terms
gives :math:`kV/k^2 \to \big((\alpha H)^{-1}S_\infty + S_\infty(\alpha H)^{-1} - S_\infty\big)/k`:
the :math:`1/t` constant of :func:`averaged_asymptote`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._types import Array
from .._validation import COUNT, INDEX, check_choice, check_number, check_vector, fail
from ..losses import least_squares_solution
from .sgd_moments import ExcessSplit, _check_lr, per_example_terms, stationary_second_moment

__all__ = ["Asymptote", "averaged_asymptote", "averaged_excess"]


def _affine_maps(A: Array, g: Array, H: Array, lr: float) -> tuple[Array, Array]:
    r"""The one-step maps on the state ``[mu, S, R, V, Esigma, 1]`` (flattened): ``before`` moves
    ``(mu, S)`` only (the window has not opened), ``inside`` also accumulates the average."""
    d = H.shape[0]
    B = np.eye(d) - lr * A                                 # (m, d, d): I - alpha A_i
    F = np.eye(d) - lr * H                                 # E[I - alpha A_i]
    G = lr**2 * g.T @ g / len(g)
    sizes = (d, d * d, d * d, d * d, d, 1)
    cuts = np.cumsum(sizes)[:-1]

    def step(z: Array, accumulate: bool) -> Array:
        mu, S, R, V, s, one = np.split(z, cuts)
        S, R, V = S.reshape(d, d), R.reshape(d, d), V.reshape(d, d)
        Bmu = B @ mu                                       # (m, d)
        cross = -lr * Bmu.T @ g / len(g)
        S1 = (B @ S @ B.transpose(0, 2, 1)).mean(axis=0) + cross + cross.T + G * one[0]
        mu1 = F @ mu
        if accumulate:
            RF = R @ F
            R, V, s = RF + S1, V + RF + RF.T + S1, s + mu1
        return np.concatenate([mu1, S1.ravel(), R.ravel(), V.ravel(), s, one])

    n = sum(sizes)
    basis = np.eye(n)
    before = np.column_stack([step(basis[:, j], False) for j in range(n)])
    inside = np.column_stack([step(basis[:, j], True) for j in range(n)])
    return before, inside


def averaged_excess(X: Array, y: Array, theta0: Array, lr: float, steps: int | Sequence[int], *,
                    start: int | str = 0) -> ExcessSplit:
    r"""Expected excess loss of the averaged iterate
    :math:`\bar\theta = \frac1k\sum_{t=s+1}^{T}\theta_t` of single-example SGD (rows drawn with
    replacement) on least squares, exactly, split into bias and noise.

    Parameters
    ----------
    X : array, shape (m, d)
    y : array, shape (m,)
    theta0 : array, shape (d,)
        The start :math:`\theta_0`.
    lr : float
        The constant step :math:`\alpha`, below :math:`2/L`.
    steps : int or sequence of int
        :math:`T \ge 1`, the updates done; a sequence gives arrays, one entry per :math:`T`.
    start : int or {"tail", "last"}
        :math:`s`, the updates before the window opens (0: Polyak–Ruppert, the average of all
        iterates after the start); :math:`0 \le s < T`. ``"tail"``: tail averaging,
        :math:`s = \lfloor T/2\rfloor` for each :math:`T`; ``"last"``: :math:`s = T - 1`, the last
        iterate alone.

    Returns
    -------
    ExcessSplit
        ``total`` :math:`= \mathbb E[J(\bar\theta)] - J^*`, ``bias`` (the excess of
        :math:`\mathbb E\bar\theta`) and ``noise``: floats, or arrays for a sequence of steps.

    Examples
    --------
    With one update the average is the last iterate (:func:`.expected_excess`):

    >>> from sgdteach.datasets import reference_data
    >>> from sgdteach.course.sgd_moments import expected_excess
    >>> X, y = reference_data()
    >>> a = averaged_excess(X, y, np.zeros(2), 0.01, 1)
    >>> round(a.total, 6) == round(expected_excess(X, y, np.zeros(2), 0.01, 1).total, 6)
    True
    """
    func = "averaged_excess"
    A, g, H = per_example_terms(func, X, y)
    d = H.shape[0]
    theta0 = check_vector(func, "theta0", theta0, d, length_name="one entry per column of X")
    lr = _check_lr(func, lr, A)
    many = not isinstance(steps, (int, np.integer))
    given: Sequence[int] = steps if isinstance(steps, Sequence | np.ndarray) else [steps]
    Ts = [check_number(func, "steps", T, COUNT) for T in given]
    if isinstance(start, str):
        check_choice(func, "start", start, ("tail", "last"))
        starts = [T // 2 if start == "tail" else T - 1 for T in Ts]
    else:
        starts = [check_number(func, "start", start, INDEX)] * len(Ts)
    for T, s in zip(Ts, starts, strict=True):
        if not s < T:
            fail(func, "start", f"below steps (= {T})", s,
                 "Use 0 for the average of all iterates, or start='tail' for the last half.")
    before, inside = _affine_maps(A, g, H, lr)
    e0 = theta0 - least_squares_solution(np.asarray(X, float), np.asarray(y, float))
    z0 = np.concatenate([e0, np.outer(e0, e0).ravel(), np.zeros(2 * d * d + d), [1.0]])
    total, bias = [], []
    for T, s in zip(Ts, starts, strict=True):
        z = np.linalg.matrix_power(inside, T - s) @ (np.linalg.matrix_power(before, s) @ z0)
        V = z[d + 2 * d * d:d + 3 * d * d].reshape(d, d) / (T - s) ** 2
        mean = z[d + 3 * d * d:2 * d + 3 * d * d] / (T - s)
        total.append(0.5 * float(np.trace(H @ V)))
        bias.append(0.5 * float(mean @ H @ mean))
    if not many:
        return ExcessSplit(total[0], bias[0], total[0] - bias[0])
    t, b = np.array(total), np.array(bias)
    return ExcessSplit(t, b, t - b)     # type: ignore[arg-type]


@dataclass(frozen=True)
class Asymptote:
    r""":math:`\lim_{t\to\infty} t\,(\mathbb E[J(\bar\theta_t)] - J^*)` for the Polyak–Ruppert
    average, exactly at this :math:`\alpha` and to first order in :math:`\alpha`."""

    exact: float
    r""":math:`\frac12\operatorname{tr}\big(H[(\alpha H)^{-1}S_\infty + S_\infty(\alpha H)^{-1}
    - S_\infty]\big)`."""
    first_order: float
    r""":math:`\frac12\operatorname{tr}(H^{-1}\Sigma)`, the :math:`\alpha \to 0` limit (Polyak and
    Juditsky's covariance :math:`H^{-1}\Sigma H^{-1}`), independent of :math:`\alpha`."""


def averaged_asymptote(X: Array, y: Array, lr: float) -> Asymptote:
    r"""The constant :math:`c` of :math:`\mathbb E[J(\bar\theta_t)] - J^* \approx c/t` for the
    Polyak–Ruppert average of single-example SGD with replacement on least squares (module
    docstring), exactly at ``lr`` and to first order.

    Parameters
    ----------
    X : array, shape (m, d)
        Full column rank (:math:`H` invertible).
    y : array, shape (m,)
    lr : float
        :math:`\alpha`, with a bounded second moment.

    Returns
    -------
    Asymptote

    Examples
    --------
    One feature, rows 1, labels :math:`\pm1`: :math:`H = 2`, :math:`\Sigma = 4`, so
    :math:`\frac12 H^{-1}\Sigma = 1`; at :math:`\alpha = 0.25`, :math:`S_\infty = 1/3` and the exact
    constant is :math:`\frac12\cdot2\,(2\cdot\frac13/0.5 - \frac13) = 1`.

    >>> X = np.array([[1.0], [1.0]]); y = np.array([1.0, -1.0])
    >>> a = averaged_asymptote(X, y, 0.25)
    >>> round(a.exact, 6), round(a.first_order, 6)
    (1.0, 1.0)
    """
    func = "averaged_asymptote"
    A, g, H = per_example_terms(func, X, y)
    lr = _check_lr(func, lr, A)
    S = stationary_second_moment(X, y, lr, func)
    aH_inv = np.linalg.inv(lr * H)
    V = aH_inv @ S + S @ aH_inv - S
    sigma = g.T @ g / len(g)
    return Asymptote(0.5 * float(np.trace(H @ V)),
                     0.5 * float(np.trace(np.linalg.solve(H, sigma))))
