r"""Measurements of a small neural network trained by :func:`sgdteach.minimize` on
scikit-learn's bundled digits.

:func:`digits_split` gives the data; :func:`train` runs mini-batch SGD (or another update rule)
and turns the recorded parameters into train and test accuracy; :func:`final_accuracies` repeats
a run over seeds; :func:`gradient_noise` measures how far a mini-batch gradient is from the full
one; :func:`line_losses` and :func:`permute_hidden` look at the non-convex loss surface;
:func:`sklearn_step` is scikit-learn's step from our parameters, to compare with ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import NamedTuple

import numpy as np

from .._types import Array
from .._validation import COUNT, Interval, check_number, check_rng, check_vector, fail
from ..descent import minimize
from ..history import History
from ..networks import MLP, log_softmax
from ..optimizers import Optimizer
from ..sampling import steps_per_epoch
from ..schedules import Schedule


class Digits(NamedTuple):
    """The digits split: 8×8 images as rows of 64 pixels in [0, 1], labels 0..9."""

    X_train: Array
    X_test: Array
    y_train: Array
    y_test: Array


@lru_cache(maxsize=4)
def digits_split(test_size: float = 0.2, seed: int = 0) -> Digits:
    """scikit-learn's bundled digits (1,797 images, no download), pixels scaled from 0..16 to
    [0, 1], split into train and test sets with the classes in the same proportions
    (``train_test_split(..., stratify=y, random_state=seed)``)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_size = check_number("digits_split", "test_size", test_size,
                             Interval(0, 0.9, closed="right"))
    data = load_digits()
    parts = train_test_split(data.data / 16.0, data.target, test_size=test_size,
                             random_state=seed, stratify=data.target)
    for part in parts:
        part.setflags(write=False)     # cached: shared by every caller
    return Digits(*parts)


class Run:
    """One training run: its :class:`~sgdteach.History` and, at each of its record points (one
    entry per row of ``history.path``), the loss and accuracy on both sets.

    Each set is measured the first time one of its two arrays is asked for (one forward pass
    per record point gives both), so a run whose training-set curves are never looked at costs
    no pass over the training set.
    """

    def __init__(self, history: History, net: MLP, data: Digits) -> None:
        self.history, self._net, self._data = history, net, data

    @cached_property
    def _on_train(self) -> Array:
        return self._measure(self._data.X_train, self._data.y_train)

    @cached_property
    def _on_test(self) -> Array:
        return self._measure(self._data.X_test, self._data.y_test)

    def _measure(self, X: Array, y: Array) -> Array:
        """``(k, 2)``: loss and accuracy at each record point."""
        X, labels = self._net.checked_data("train", X, y)
        return np.array([_loss_and_accuracy(self._net, t, X, labels) for t in self.history.path])

    @property
    def train_loss(self) -> Array:
        return self._on_train[:, 0]

    @property
    def test_loss(self) -> Array:
        return self._on_test[:, 0]

    @property
    def train_accuracy(self) -> Array:
        return self._on_train[:, 1]

    @property
    def test_accuracy(self) -> Array:
        return self._on_test[:, 1]

    @property
    def final_test_accuracy(self) -> float:
        return float(self.test_accuracy[-1])


def loss_and_accuracy(net: MLP, theta: Array, X: Array, y: Array) -> tuple[float, float]:
    """The mean cross-entropy and the accuracy of ``theta`` on ``(X, y)``, from one forward
    pass (``net.value`` and ``net.accuracy`` would make two)."""
    theta = check_vector("loss_and_accuracy", "theta", theta, net.n_params)
    return _loss_and_accuracy(net, theta, *net.checked_data("loss_and_accuracy", X, y))


def _loss_and_accuracy(net: MLP, theta: Array, X: Array, labels: Array) -> tuple[float, float]:
    """:func:`loss_and_accuracy` on checked arguments."""
    logits = net._forward(theta, X)[-1]
    loss = -float(log_softmax(logits)[np.arange(len(labels)), labels].mean())
    return loss, float(np.mean(np.argmax(logits, axis=1) == labels))


def train(net: MLP, data: Digits, *, lr: float | Schedule = 0.1, batch_size: int = 32,
          epochs: int = 10, optimizer: str | Optimizer = "sgd", seed: int = 0,
          init_seed: int | None = None, records_per_epoch: int = 1) -> Run:
    r"""Train ``net`` on ``data.X_train`` with :func:`sgdteach.minimize` (rows reshuffled every
    epoch); the :class:`Run` gives the loss and accuracy of every recorded :math:`\theta` on
    both sets.

    ``init_seed`` seeds :meth:`MLP.init` (``seed`` when omitted), ``seed`` the order of the
    rows; ``records_per_epoch`` record points per epoch. The losses are computed by the
    :class:`Run`, with the accuracies, so ``history.loss`` is not recorded (NaN).
    """
    func = "train"
    records_per_epoch = check_number(func, "records_per_epoch", records_per_epoch, COUNT)
    theta0 = net.init(seed if init_seed is None else init_seed)
    spe = steps_per_epoch(len(data.y_train), batch_size)
    h = minimize(data.X_train, data.y_train, theta0, loss=net.in_loop, lr=lr,
                 batch_size=batch_size, epochs=epochs, optimizer=optimizer, sampling="shuffle",
                 seed=seed, record_every=max(1, spe // records_per_epoch), record_loss=False)
    return Run(h, net, data)


def final_accuracies(net: MLP, data: Digits, seeds: Sequence[int], **settings) -> Array:
    """The final test accuracy of :func:`train` for each seed (initialisation and row order
    both seeded by it); ``settings`` are :func:`train`'s keyword arguments."""
    seeds = list(seeds)
    if not seeds:
        fail("final_accuracies", "seeds", "a non-empty list of seeds", seeds)
    return np.array([train(net, data, seed=s, **settings).final_test_accuracy for s in seeds])


def gradient_noise(net: MLP, theta: Array, X: Array, y: Array, batch_sizes: Sequence[int], *,
                   draws: int = 200, seed: int = 0) -> Array:
    r"""The mean squared distance between a mini-batch gradient and the full one,

    .. math::

        \mathbb E\, \|\nabla J_B(\theta) - \nabla J(\theta)\|^2

    estimated from ``draws`` batches :math:`B` of each size :math:`b` in ``batch_sizes``, drawn
    without replacement. For batches drawn with replacement it is exactly
    :math:`\operatorname{tr}\Sigma / b` (:math:`\Sigma` the covariance of one row's gradient);
    without replacement the factor :math:`(n-b)/(n-1)` makes it smaller still.
    """
    func = "gradient_noise"
    rng = check_rng(func, seed)
    draws = check_number(func, "draws", draws, COUNT)
    theta = check_vector(func, "theta", theta, net.n_params)
    X, labels = net.checked_data(func, X, y)
    n = len(labels)
    sizes = [check_number(func, "batch_sizes", b, Interval(1, n, integer=True))
             for b in batch_sizes]
    grad = net.in_loop.grad                  # on rows of checked data: no checks per call
    full = grad(theta, X, labels)
    out = np.empty(len(sizes))
    for i, b in enumerate(sizes):
        total = 0.0
        for _ in range(draws):
            idx = rng.choice(n, b, replace=False)
            diff = grad(theta, X[idx], labels[idx]) - full
            total += float(diff @ diff)
        out[i] = total / draws
    return out


def line_losses(net: MLP, theta_a: Array, theta_b: Array, X: Array, y: Array,
                ts: Array) -> Array:
    r"""The loss along the straight line through two parameter vectors,
    :math:`J\big((1 - t)\,\theta_a + t\,\theta_b\big)` for each :math:`t` in ``ts``.

    For a convex :math:`J` this is never above the chord
    :math:`(1-t) J(\theta_a) + t J(\theta_b)` on :math:`0 \le t \le 1`; a bump above the
    chord proves the loss is not convex.
    """
    theta_a = check_vector("line_losses", "theta_a", theta_a, net.n_params)
    theta_b = check_vector("line_losses", "theta_b", theta_b, net.n_params)
    ts = check_vector("line_losses", "ts", ts)
    return np.array([net.value((1.0 - t) * theta_a + t * theta_b, X, y) for t in ts])


def permute_hidden(net: MLP, theta: Array, perm: Array, layer: int = 1) -> Array:
    r"""The same network with the units of hidden ``layer`` renumbered by ``perm``.

    Columns of :math:`W_l` and entries of :math:`b_l` are permuted, and the rows of
    :math:`W_{l+1}` with them: a different :math:`\theta` for exactly the same function, so
    every minimum comes with :math:`n_l!` copies of itself.
    """
    func = "permute_hidden"
    n_hidden = len(net.layer_sizes) - 2
    if not isinstance(layer, int) or not 1 <= layer <= n_hidden:
        fail(func, "layer", f"a hidden layer, 1..{n_hidden}", layer)
    width = net.layer_sizes[layer]
    perm = np.asarray(perm)
    if perm.shape != (width,) or not np.array_equal(np.sort(perm), np.arange(width)):
        fail(func, "perm", f"a permutation of 0..{width - 1}", perm,
             "Use rng.permutation(width).")
    W, b = net.unflatten(theta)
    W[layer - 1], b[layer - 1] = W[layer - 1][:, perm], b[layer - 1][perm]
    W[layer] = W[layer][perm, :]
    return net.flatten(W, b)


def sklearn_step(net: MLP, theta: Array, X: Array, y: Array, lr: float):
    r"""One full-batch step of scikit-learn's ``MLPClassifier`` started from ``theta``:
    ``(theta_after, classifier)``.

    The classifier has ``net``'s layers and activation, ``solver="sgd"``, no momentum,
    ``alpha=0`` (no penalty), ``learning_rate_init=lr`` and ``batch_size=len(y)``. A first
    ``partial_fit`` builds its layers; our weights are then copied into them (in place) and a
    second ``partial_fit`` takes one step. Its loss is the mean cross-entropy, like ``net``'s,
    so ``theta_after`` should be :math:`\theta - \alpha \nabla J(\theta)`. Needs at least 3
    classes (for 2, scikit-learn uses one logistic output instead of a softmax).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    if net.n_classes < 3:
        fail("sklearn_step", "net", "a network with at least 3 classes", net,
             "scikit-learn uses a single logistic output for 2 classes.")
    theta = check_vector("sklearn_step", "theta", theta, net.n_params)
    clf = MLPClassifier(hidden_layer_sizes=net.layer_sizes[1:-1],
                        activation=net.activation.name, solver="sgd", alpha=0.0,
                        batch_size=len(y), learning_rate="constant", learning_rate_init=lr,
                        momentum=0.0, nesterovs_momentum=False, shuffle=False, max_iter=1,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=np.arange(net.n_classes))
        weights, biases = net.unflatten(theta)
        for ours, theirs in zip(weights + biases, clf.coefs_ + clf.intercepts_, strict=True):
            theirs[...] = ours
        clf.partial_fit(X, y)
    return net.flatten(clf.coefs_, clf.intercepts_), clf
