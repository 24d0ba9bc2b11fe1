r"""The sharpest curvature of a loss at a point: the largest Hessian eigenvalue, from gradients.

Gradient descent with step :math:`\alpha` on a quadratic with Hessian eigenvalues up to
:math:`\lambda_{\max}` is stable only when :math:`\alpha < 2/\lambda_{\max}` (notebook 04). For a
network the Hessian changes from point to point, but its largest eigenvalue at a point still says
how long a full-batch step may be *there*. :func:`top_hessian_eigenvalue` finds it by the Lanczos
method on Hessian-vector products, each taken as a central difference of two gradients, so the
Hessian (2,410 x 2,410 for the digits network) is never formed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._types import Array
from .._validation import POSITIVE, check_number, check_vector, fail


def hessian_vector_product(grad: Callable[[Array], Array], theta: Array, v: Array,
                           h: float = 1e-6) -> Array:
    r"""The product :math:`\nabla^2 J(\theta)\, v`, by a central difference of two gradients.

    .. math::

        \nabla^2 J(\theta)\, v \approx
        \frac{\nabla J(\theta + h u) - \nabla J(\theta - h u)}{2h}\,\|v\|,
        \qquad u = v / \|v\|

    exact for a quadratic :math:`J`, with an error of order :math:`h^2` otherwise. For a ReLU
    network it is exact unless a unit's pre-activation, on some row, changes sign within
    :math:`h`; the chance of that grows with :math:`h`, so keep :math:`h` small (on the digits
    network at initialisation, :math:`h = 10^{-4}` crosses such kinks and gives eigenvalues
    several times too large; :math:`10^{-6}` and :math:`10^{-7}` agree). Rounding adds an error
    of about :math:`10^{-16}\|\nabla J\| / h`.

    Parameters
    ----------
    grad : callable
        ``grad(theta)`` returns :math:`\nabla J(\theta)`, shape ``(n,)``.
    theta : array of shape (n,)
    v : array of shape (n,)
    h : float
        Step of the difference, along the unit vector ``v / ‖v‖``.

    Returns
    -------
    array of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> H = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> hessian_vector_product(lambda t: H @ t, np.zeros(2), np.array([1.0, 0.0])).round(6)
    array([2., 1.])
    """
    func = "hessian_vector_product"
    if not callable(grad):
        fail(func, "grad", "a function theta -> gradient", grad, kind=TypeError)
    theta = check_vector(func, "theta", theta)
    v = check_vector(func, "v", v, len(theta), length_name="len(theta)")
    h = check_number(func, "h", h, POSITIVE)
    norm = float(np.linalg.norm(v))
    if norm == 0:
        fail(func, "v", "a vector that is not zero", v, "Pass e.g. a random vector.")
    u = v / norm
    return (np.asarray(grad(theta + h * u)) - np.asarray(grad(theta - h * u))) / (2 * h) * norm


def top_hessian_eigenvalue(grad: Callable[[Array], Array], theta: Array, *, seed: int = 0,
                           h: float = 1e-6, tol: float = 1e-6) -> float:
    r"""The largest eigenvalue :math:`\lambda_{\max}` of :math:`\nabla^2 J(\theta)`, from
    Hessian-vector products only.

    .. math::

        \lambda_{\max} = \max_{\|v\| = 1} v^\top \nabla^2 J(\theta)\, v

    found by the Lanczos method (``scipy.sparse.linalg.eigsh`` with ``which="LA"``, the largest
    *algebraic* eigenvalue, so a large negative eigenvalue of a non-convex loss does not take its
    place as it would in plain power iteration), with :math:`H v` from
    :func:`hessian_vector_product` (two gradients each). For the quadratic model of :math:`J` at
    :math:`\theta`, full-batch gradient descent with step :math:`\alpha` is stable along the
    sharpest direction only when :math:`\alpha < 2/\lambda_{\max}`.

    Parameters
    ----------
    grad : callable
        ``grad(theta)`` returns :math:`\nabla J(\theta)`, shape ``(n,)``, ``n >= 3``.
    theta : array of shape (n,)
    seed : int
        Seeds the Lanczos start vector (the answer does not depend on it beyond ``tol``).
    h : float
        Step of the gradient difference.
    tol : float
        Relative tolerance of the eigenvalue (passed to ``eigsh``).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([-9.0, 5.0, 1.0, 0.5])
    >>> round(top_hessian_eigenvalue(lambda t: H @ t, np.zeros(4)), 6)
    5.0
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    func = "top_hessian_eigenvalue"
    theta = check_vector(func, "theta", theta)
    if len(theta) < 3:
        fail(func, "theta", "a vector of length at least 3", theta,
             "For 1 or 2 parameters form the Hessian and use np.linalg.eigvalsh.")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        fail(func, "seed", "an integer", seed, "Pass e.g. seed=0.", kind=TypeError)
    h = check_number(func, "h", h, POSITIVE)
    tol = check_number(func, "tol", tol, POSITIVE)
    n = len(theta)
    op = LinearOperator((n, n), matvec=lambda v: hessian_vector_product(
        grad, theta, np.ravel(v), h) if np.any(v) else np.zeros(n), dtype=float)
    v0 = np.random.default_rng(int(seed)).standard_normal(n)
    return float(eigsh(op, k=1, which="LA", v0=v0, tol=tol, return_eigenvectors=False)[0])
