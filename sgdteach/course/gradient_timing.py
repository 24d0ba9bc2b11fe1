r"""How the time of one full least-squares gradient grows with the number of examples.

One gradient :math:`\nabla J(\theta) = \frac2m X^\top(X\theta - y)` costs about :math:`2md`
multiply-adds. :func:`time_full_gradient` times it on random data of growing :math:`m`, on one
core, best of interleaved repeats (:func:`~sgdteach.course.timing.best_times`), so a notebook can
compare the times as ratios.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validation import COUNT, check_number, fail
from ..losses import squared_error
from .timing import best_times

__all__ = ["time_full_gradient"]


def time_full_gradient(sizes: Sequence[int], *, d: int = 10, seed: int = 0, repeat: int = 7,
                       number: int = 5) -> dict[int, float]:
    r"""Seconds per full gradient of the mean squared error at :math:`\theta = 0`, for each
    number of examples :math:`m` in ``sizes``.

    The data are standard normal, :math:`X` of shape ``(m, d)``; the sizes are timed in turn,
    ``repeat`` rounds of ``number`` calls each, keeping each size's best round, with the BLAS
    thread pool limited to one thread (``threadpoolctl``) so that the times do not depend on how
    many cores are free.

    Parameters
    ----------
    sizes : sequence of int
        The values of :math:`m`, each at least 1.
    d : int
        Number of columns of :math:`X`.
    seed : int
        Seed of the random data.
    repeat, number : int
        Rounds, and calls per round (see :func:`~sgdteach.course.timing.best_times`).

    Returns
    -------
    dict
        ``{m: seconds per gradient}``, in the order of ``sizes``. Compare ratios only: the
        values differ from machine to machine.

    Examples
    --------
    >>> t = time_full_gradient([100, 200], repeat=2, number=1)
    >>> sorted(t) == [100, 200] and all(s > 0 for s in t.values())
    True
    """
    from threadpoolctl import threadpool_limits

    func = "time_full_gradient"
    d = check_number(func, "d", d, COUNT)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        fail(func, "sizes", "a non-empty sequence of example counts", sizes,
             "Pass e.g. [10_000, 20_000, 50_000].", kind=TypeError)
    sizes = [check_number(func, "sizes", m, COUNT) for m in sizes]
    rng = np.random.default_rng(seed)
    data = {m: (rng.standard_normal((m, d)), rng.standard_normal(m)) for m in sizes}
    theta = np.zeros(d)

    def gradient_of(X: np.ndarray, y: np.ndarray):
        return lambda: squared_error.grad(theta, X, y)

    with threadpool_limits(limits=1):
        return best_times({m: gradient_of(*data[m]) for m in sizes}, repeat=repeat,
                          number=number)
