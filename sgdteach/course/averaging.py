r"""Exact error of averaged and last-iterate SGD on a noisy quadratic, and the rate bounds of SVRG
and SAGA: the published rate factors notebook 11 prints as references.

The averaging part below is about an *additive-noise* quadratic (the noise independent of
:math:`\theta`); notebook 11's exact computations for least squares with sampled rows, whose noise
grows with the error, are in :mod:`.averaged_moments` (averaging) and :mod:`.svrg_moments` (SVRG).
Notation as in the course: :math:`m` examples, :math:`k` SVRG inner steps.

**The model.** :math:`J(\theta) = \frac12(\theta-\theta^*)^\top H(\theta-\theta^*)` with ``H``
symmetric positive definite, and gradients with additive noise :math:`\xi_t`, independent, of
mean 0 and covariance :math:`\Sigma`. With :math:`e_t = \theta_t - \theta^*` and
:math:`A = I - \alpha H`, one SGD step is

.. math::

    e_{t+1} = A e_t - \alpha\xi_t, \qquad\text{so}\qquad
    e_k = A^k e_0 - \alpha\sum_{s=0}^{k-1} A^{k-1-s}\xi_s .

**The average** of the first ``t`` iterates after :math:`\theta_0`,
:math:`\bar\theta_t = \frac1t\sum_{k=1}^t\theta_k` (``minimize(..., average=True)``), has
:math:`\bar e_t = \frac1t\sum_{k=1}^t A^k e_0 - \frac{\alpha}{t}\sum_{s=0}^{t-1} M_{t-s}\xi_s`
with :math:`M_u = \sum_{r=0}^{u-1}A^r`. The noise has mean 0 and is independent of the
deterministic :math:`e_0`, so the cross term vanishes and, in the eigenbasis of ``H``
(:math:`H = Q\Lambda Q^\top`, :math:`a_j = 1 - \alpha\lambda_j`, :math:`c = Q^\top e_0`,
:math:`\sigma_j^2 = (Q^\top\Sigma Q)_{jj}`, where :math:`A` and :math:`M_u` are diagonal):

.. math::

    \mathbb E\|\bar e_t\|^2 = \underbrace{\sum_j \Big(\frac{c_j}{t}\sum_{k=1}^t a_j^k\Big)^2
    }_{\text{bias}}
    + \underbrace{\frac{\alpha^2}{t^2}\sum_j \sigma_j^2 \sum_{u=1}^t
      \Big(\frac{1-a_j^u}{1-a_j}\Big)^2}_{\text{variance}},

both geometric sums in closed form (:func:`averaged_mse`). As :math:`t\to\infty` the variance
is :math:`\frac1t\sum_j\sigma_j^2/\lambda_j^2 + O(t^{-2}) = \operatorname{tr}(H^{-1}\Sigma
H^{-1})/t + O(t^{-2})` whatever :math:`\alpha` (Polyak & Juditsky 1992), and the bias falls like
:math:`1/t^2`: :func:`averaged_mse_asymptote`.

**The last iterate** has :math:`\mathbb E\|e_t\|^2 = \sum_j a_j^{2t}c_j^2 + \alpha^2\sum_j
\sigma_j^2\frac{1-a_j^{2t}}{1-a_j^2}` (:func:`last_iterate_mse`), which tends to the floor
:math:`\alpha\sum_j \sigma_j^2/(\lambda_j(2-\alpha\lambda_j)) = \alpha\operatorname{tr}((2H -
\alpha H^2)^{-1}\Sigma)` (:func:`stationary_mse`): it never goes below, at a constant
:math:`\alpha`; the average goes to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Array
from .._validation import (
    COUNT,
    POSITIVE,
    Interval,
    check_array,
    check_matrix,
    check_number,
    check_vector,
    fail,
)

__all__ = ["MSESplit", "averaged_mse", "averaged_mse_asymptote", "last_iterate_mse",
           "saga_rate_bound", "stationary_mse", "svrg_rate_bound"]


@dataclass(frozen=True)
class MSESplit:
    r""":math:`\mathbb E\|\theta - \theta^*\|^2` (``total``) as ``bias + variance``; arrays of
    the shape of ``steps``."""

    total: Array
    bias: Array
    variance: Array


def _problem(func: str, H: Any, noise_cov: Any) -> tuple[Array, Array, Array]:
    """Eigenvalues ``lam`` (d,), eigenvectors ``Q`` (d, d) of ``H`` and the diagonal of
    :math:`Q^\\top\\Sigma Q` (d,), after checking both matrices."""
    H = check_matrix(func, "H", H)
    d = H.shape[0]
    if H.shape != (d, d) or not np.allclose(H, H.T, rtol=1e-12, atol=0):
        fail(func, "H", "a symmetric (d, d) matrix", H, "Pass e.g. 0.5 * (H + H.T).")
    lam, Q = np.linalg.eigh(H)
    if lam[0] <= 0:
        fail(func, "H", "positive definite", f"smallest eigenvalue {lam[0]:.3g}",
             "The model needs a strongly convex quadratic.")
    S = check_matrix(func, "noise_cov", noise_cov)
    if S.shape != (d, d) or not np.allclose(S, S.T, rtol=1e-12, atol=0) \
            or np.linalg.eigvalsh(S)[0] < -1e-12 * max(1.0, float(np.abs(S).max())):
        fail(func, "noise_cov", f"a symmetric positive semi-definite ({d}, {d}) matrix", S,
             "It is the covariance of the gradient noise.")
    return lam, Q, np.einsum("ij,ik,kj->j", Q, S, Q)


def _lr(func: str, lr: Any, lam: Array) -> float:
    top = float(lam[-1])
    return check_number(func, "lr", lr, Interval(0, 2 / top, closed="neither"),
                        fix=f"The mean path diverges unless 0 < lr < 2/lambda_max = {2 / top:.4g}.")


def _steps(func: str, steps: Any) -> Array:
    return check_array(func, "steps", steps, COUNT)


def _start(func: str, theta0: Any, theta_star: Any, Q: Array) -> Array:
    d = Q.shape[0]
    e0 = check_vector(func, "theta0", theta0, d, length_name="one per row of H")
    if theta_star is not None:
        e0 = e0 - check_vector(func, "theta_star", theta_star, d, length_name="one per row of H")
    return Q.T @ e0                                                # c = Q^T e_0


def averaged_mse(H: Any, noise_cov: Any, theta0: Any, lr: float, steps: Any,
                 theta_star: Any = None) -> MSESplit:
    r"""Exact :math:`\mathbb E\|\bar\theta_t - \theta^*\|^2` of the Polyak–Ruppert average of
    :math:`\theta_1..\theta_t` (module docstring), split into bias and variance.

    Parameters
    ----------
    H : (d, d) symmetric positive definite. noise_cov : (d, d) :math:`\Sigma`, the gradient
        noise's covariance. theta0 : (d,) start. lr : :math:`\alpha` in (0, 2/λ_max).
    steps : t, an integer >= 1 or an array of them. theta_star : (d,), zeros when omitted.

    Examples
    --------
    >>> H, S = np.diag([1.0, 0.1]), np.eye(2)
    >>> m = averaged_mse(H, S, [1.0, 1.0], 0.5, [10, 1000, 100000])
    >>> (m.total * [10, 1000, 100000]).round(2)           # t * MSE -> tr(H^-1 S H^-1) = 101
    array([ 13.65,  98.49, 100.97])
    """
    func = "averaged_mse"
    lam, Q, sigma2 = _problem(func, H, noise_cov)
    alpha, t = _lr(func, lr, lam), _steps(func, steps)[..., None]     # (..., 1) against (d,)
    c, a, q = _start(func, theta0, theta_star, Q), 1.0 - alpha * lam, alpha * lam   # q = 1 - a
    at = a**t
    geo = a * (1.0 - at) / q                                        # sum_{k=1}^t a^k
    bias = np.sum((c * geo / t) ** 2, axis=-1)
    # sum_{u=1}^t (1 - a^u)^2 = t - 2 sum a^u + sum a^{2u}
    squares = t - 2.0 * geo + a * a * (1.0 - at * at) / (1.0 - a * a)
    variance = np.sum(sigma2 * squares / (lam * lam), axis=-1) / (t[..., 0] ** 2)
    return MSESplit(bias + variance, bias, variance)


def averaged_mse_asymptote(H: Any, noise_cov: Any, steps: Any) -> Array:
    r""":math:`\operatorname{tr}(H^{-1}\Sigma H^{-1})/t`, the limit of ``t * averaged_mse``
    (Polyak & Juditsky 1992): the same for every :math:`\alpha`."""
    func = "averaged_mse_asymptote"
    lam, _, sigma2 = _problem(func, H, noise_cov)
    return np.sum(sigma2 / lam**2) / _steps(func, steps)


def last_iterate_mse(H: Any, noise_cov: Any, theta0: Any, lr: float, steps: Any,
                     theta_star: Any = None) -> MSESplit:
    r"""Exact :math:`\mathbb E\|\theta_t - \theta^*\|^2` of the last iterate (module docstring):
    bias :math:`\sum_j a_j^{2t}c_j^2`, variance
    :math:`\alpha^2\sum_j\sigma_j^2(1-a_j^{2t})/(1-a_j^2)`. Arguments as :func:`averaged_mse`."""
    func = "last_iterate_mse"
    lam, Q, sigma2 = _problem(func, H, noise_cov)
    alpha, t = _lr(func, lr, lam), _steps(func, steps)[..., None]
    c, a = _start(func, theta0, theta_star, Q), 1.0 - alpha * lam
    a2t = a ** (2 * t)
    bias = np.sum(a2t * c * c, axis=-1)
    variance = alpha**2 * np.sum(sigma2 * (1.0 - a2t) / (1.0 - a * a), axis=-1)
    return MSESplit(bias + variance, bias, variance)


def stationary_mse(H: Any, noise_cov: Any, lr: float) -> float:
    r"""The last iterate's floor :math:`\lim_t\mathbb E\|\theta_t-\theta^*\|^2 =
    \alpha\operatorname{tr}((2H-\alpha H^2)^{-1}\Sigma)`.

    >>> round(stationary_mse(np.eye(2), np.eye(2), 0.1), 6)    # 2 * 0.1 / (2 - 0.1)
    0.105263
    """
    func = "stationary_mse"
    lam, _, sigma2 = _problem(func, H, noise_cov)
    alpha = _lr(func, lr, lam)
    return float(alpha * np.sum(sigma2 / (lam * (2.0 - alpha * lam))))


def svrg_rate_bound(lr: float, mu: float, L: float, inner_steps: int) -> float:
    r"""Johnson & Zhang (2013), Theorem 1: the factor by which one SVRG epoch (a snapshot and
    ``inner_steps`` = :math:`k` steps of size :math:`\alpha`) shrinks the expected excess loss,

    .. math::

        \mathbb E[J(\tilde\theta_{s})] - J^* \le \rho^s\,(J(\tilde\theta_0) - J^*), \qquad
        \rho = \frac{1}{\mu\alpha(1-2L\alpha)k} + \frac{2L\alpha}{1-2L\alpha},

    for :math:`J = \frac1m\sum_i J_i`, each :math:`J_i` convex and :math:`L`-smooth,
    :math:`J` :math:`\mu`-strongly convex, and :math:`0 < \alpha < 1/(4L)` (where the second
    term is below 1; :math:`\rho < 1` needs :math:`k` large too). The theorem is stated for
    option II (the next snapshot a random inner iterate); :func:`sgdteach.variance_reduced` uses
    option I (the last one): for it the bound is a reference, not a guarantee (the tests compare
    it with simulated runs; :mod:`.svrg_moments` has option I's exact expected factor on least
    squares).

    >>> round(svrg_rate_bound(0.01, mu=1.0, L=10.0, inner_steps=1000), 4)   # 0.125 + 0.25
    0.375
    """
    func = "svrg_rate_bound"
    mu = check_number(func, "mu", mu, POSITIVE)
    L = check_number(func, "L", L, POSITIVE)
    if mu > L:
        fail(func, "mu", f"at most L = {L:g}", mu, "Strong convexity cannot exceed smoothness.")
    lr = check_number(func, "lr", lr, Interval(0, 1 / (4 * L), closed="neither"),
                      fix="The theorem needs 0 < lr < 1/(4L).")
    k = check_number(func, "inner_steps", inner_steps, COUNT)
    return 1.0 / (mu * lr * (1 - 2 * L * lr) * k) + 2 * L * lr / (1 - 2 * L * lr)


def saga_rate_bound(mu: float, L: float, m: int) -> float:
    r"""Defazio, Bach & Lacoste-Julien (2014), SAGA in the strongly convex case with
    :math:`\alpha = 1/(3L)`: the per-step factor

    .. math::

        \mathbb E\|\theta_k - \theta^*\|^2 \le \rho^k\, C, \qquad
        \rho = 1 - \min\Big(\frac{1}{4m}, \frac{\mu}{3L}\Big),

    with :math:`C` a constant of the start and ``m`` the number of examples; one epoch of ``m``
    steps shrinks by at most :math:`\rho^m`. :math:`L` bounds each :math:`J_i`'s smoothness,
    :math:`\mu` the strong
    convexity (the paper assumes it of each :math:`J_i`; the tests check the bound by
    simulation on least squares, whose :math:`J_i` have rank one, with :math:`\mu` of :math:`J`).

    >>> round(saga_rate_bound(mu=1.0, L=10.0, m=100), 6)        # 1 - min(1/400, 1/30)
    0.9975
    """
    func = "saga_rate_bound"
    mu = check_number(func, "mu", mu, POSITIVE)
    L = check_number(func, "L", L, POSITIVE)
    if mu > L:
        fail(func, "mu", f"at most L = {L:g}", mu, "Strong convexity cannot exceed smoothness.")
    m = check_number(func, "m", m, COUNT)
    return 1.0 - min(1.0 / (4 * m), mu / (3 * L))
