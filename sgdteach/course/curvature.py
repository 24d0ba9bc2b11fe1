r"""The sharpest curvature of a loss at a point: the largest Hessian eigenvalue, from gradients only.

Gradient descent with step :math:`\alpha` on a quadratic with Hessian eigenvalues up to
:math:`\lambda_{\max}` is stable only when :math:`\alpha < 2/\lambda_{\max}` (notebook 04). For a
network the Hessian changes from point to point, but its largest eigenvalue at a point still says
how long a full-batch step may be *there*. :func:`top_hessian_eigenvalue` estimates it by power
iteration on Hessian-vector products, each taken as a central difference of two gradients, so the
Hessian (2,410 x 2,410 for the digits network) is never formed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._types import Array
from .._validation import COUNT, POSITIVE, check_number, check_vector, fail


def hessian_vector_product(grad: Callable[[Array], Array], theta: Array, v: Array,
                           h: float = 1e-4) -> Array:
    r"""The product :math:`\nabla^2 J(\theta)\, v`, by a central difference of two gradients.

    .. math::

        \nabla^2 J(\theta)\, v \approx
        \frac{\nabla J(\theta + h u) - \nabla J(\theta - h u)}{2h}\,\|v\|,
        \qquad u = v / \|v\|

    exact for a quadratic :math:`J`, with an error of order :math:`h^2` otherwise (for a ReLU
    network it is exact unless a unit's pre-activation changes sign within :math:`h`).

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


def top_hessian_eigenvalue(grad: Callable[[Array], Array], theta: Array, *, iters: int = 30,
                           seed: int = 0, h: float = 1e-4) -> float:
    r"""The eigenvalue of largest magnitude of :math:`\nabla^2 J(\theta)`, by power iteration.

    .. math::

        v_{k+1} = \frac{H v_k}{\|H v_k\|}, \qquad \lambda \approx v_k^\top H v_k ,
        \qquad H = \nabla^2 J(\theta)

    from a random unit :math:`v_0`, with :math:`H v` from :func:`hessian_vector_product`
    (two gradients per iteration). It converges to the eigenvalue of largest magnitude, at a rate
    set by the ratio of the two largest magnitudes; at a point where that eigenvalue is positive
    (the sharpest direction curves up) it is :math:`\lambda_{\max}`, and :math:`2/\lambda_{\max}`
    is the longest stable full-batch gradient step for the quadratic model of :math:`J` at
    :math:`\theta`.

    Parameters
    ----------
    grad : callable
        ``grad(theta)`` returns :math:`\nabla J(\theta)`, shape ``(n,)``.
    theta : array of shape (n,)
    iters : int
        Power iterations (each costs two gradients).
    seed : int
        Seeds the random start :math:`v_0`.
    h : float
        Step of the gradient difference.

    Returns
    -------
    float
        The Rayleigh quotient :math:`v^\top H v` at the last iterate.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([5.0, 1.0, 0.5])
    >>> round(top_hessian_eigenvalue(lambda t: H @ t, np.zeros(3), iters=50), 6)
    5.0
    """
    func = "top_hessian_eigenvalue"
    theta = check_vector(func, "theta", theta)
    iters = check_number(func, "iters", iters, COUNT)
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        fail(func, "seed", "an integer", seed, "Pass e.g. seed=0.", kind=TypeError)
    v = np.random.default_rng(int(seed)).standard_normal(len(theta))
    v /= np.linalg.norm(v)
    lam = float("nan")
    for _ in range(iters):
        hv = hessian_vector_product(grad, theta, v, h)
        lam = float(v @ hv)
        norm = float(np.linalg.norm(hv))
        if norm == 0:
            return 0.0
        v = hv / norm
    return lam
