r"""A fully connected neural network classifier, trained by the package's own descent loop.

:class:`MLP` is a :class:`~sgdteach.losses.Loss`: its parameters are one flat vector
:math:`\theta`, ``net.value(theta, X, y)`` is the mean cross-entropy of its softmax output and
``net.grad(theta, X, y)`` the gradient by backpropagation, so :func:`sgdteach.minimize` trains it
exactly as it trains a linear model::

    net = MLP([64, 32, 10])
    history = minimize(X, y, net.init(seed=0), loss=net, lr=0.1, batch_size=32, epochs=20)

Backpropagation is written as the maths reads: a forward pass that keeps every layer's output,
then the chain rule from the last layer to the first, vectorised over the rows of the batch. No
automatic differentiation: every derivative is on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from ._types import Array
from ._validation import check_array, check_choice, check_matrix, check_rng, check_vector, fail
from .losses import Loss

MAX_PARAMS = 10**8   # 800 MB of float64: far beyond a teaching network, well within int64


class Activation(NamedTuple):
    r"""A hidden-layer non-linearity :math:`a = \sigma(z)`, its derivative written in terms of
    the output, :math:`\sigma'(z) = \text{derivative}(a)`, and the initialisation it goes with
    (``"he"`` or ``"glorot"``)."""

    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array], NDArray[Any]]   # a float or a boolean mask
    init: str


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda a: a > 0.0, "he"),
    "tanh": Activation("tanh", np.tanh, lambda a: 1.0 - a * a, "glorot"),
    # the logistic sigmoid 1 / (1 + e^{-z}) as 0.5 (1 + tanh(z/2)): no overflow for any z
    "logistic": Activation("logistic", lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
                           lambda a: a * (1.0 - a), "glorot"),
    "identity": Activation("identity", lambda z: z, lambda a: np.ones_like(a), "glorot"),
}


def log_softmax(Z: Array) -> Array:
    r"""Row-wise :math:`\log \operatorname{softmax}(z)_c = z_c - \log\sum_j e^{z_j}`, stable.

    The log-sum-exp is computed as :math:`m + \log \sum_j e^{z_j - m}` with :math:`m = \max_j
    z_j`, so no exponential overflows.

    >>> log_softmax(np.array([[1000.0, 1000.0]])).round(4)
    array([[-0.6931, -0.6931]])
    """
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


class MLP(Loss):
    r"""A fully connected classifier with softmax output, as a loss of its flat parameters.

    For ``layer_sizes`` :math:`= (n_0, n_1, \dots, n_L)` (inputs, hidden widths, classes) and a
    batch :math:`X` of :math:`b` rows (:math:`b` the batch size; :math:`c_l` are the biases),

    .. math::

        A_0 = X, \qquad H_l = A_{l-1} W_l + \mathbf 1 c_l^\top, \qquad
        A_l = \sigma(H_l) \ (l < L), \qquad P = \operatorname{softmax}(H_L),

        J(\theta) = -\frac1b \sum_{i=1}^b \log P_{i, y_i}.

    Backpropagation, with :math:`Y` the one-hot labels and :math:`\odot` the elementwise product:

    .. math::

        \Delta_L = \tfrac1b (P - Y), \qquad
        \nabla_{W_l} J = A_{l-1}^\top \Delta_l, \qquad \nabla_{c_l} J = \Delta_l^\top \mathbf 1,
        \qquad \Delta_{l-1} = (\Delta_l W_l^\top) \odot \sigma'(H_{l-1}).

    :math:`W_l` has shape :math:`(n_{l-1}, n_l)` (scikit-learn's ``coefs_`` layout); ``theta``
    holds :math:`W_1, c_1, W_2, c_2, \dots` one after the other, each matrix row by row
    (``n_params`` numbers in all). ``activation`` is :math:`\sigma`, one of :data:`ACTIVATIONS`
    ("relu", "tanh", "logistic", "identity"). Labels ``y`` are the integers
    :math:`0, \dots, n_L - 1` (as ints or integer-valued floats). Start training from
    :meth:`init`: from :math:`\theta = 0` (``minimize``'s default) every hidden unit computes
    the same thing and gets the same update, so they never become different. ``net.in_loop`` is
    the same loss without the checks of every call, for :func:`~sgdteach.minimize`'s loop.

    Parameters
    ----------
    layer_sizes : sequence of at least 2 positive ints, ``[n_inputs, *hidden, n_classes]``.
    activation : the hidden layers' non-linearity.

    Examples
    --------
    >>> net = MLP([2, 3, 3])
    >>> theta = net.init(seed=0)
    >>> theta.shape                       # (2*3 + 3) + (3*3 + 3)
    (21,)
    >>> X, y = np.array([[0.5, -1.0], [1.0, 2.0]]), np.array([0, 2])
    >>> round(net.value(np.zeros(21), X, y), 4)     # all classes equally likely: log 3
    1.0986
    >>> net.grad(theta, X, y).shape
    (21,)
    """

    n_params: int   # always known for a network (a Loss's may be None)

    def __init__(self, layer_sizes: Sequence[int], activation: str = "relu") -> None:
        func = "MLP"
        sizes = list(layer_sizes) if isinstance(layer_sizes, (list, tuple, np.ndarray)) else None
        if sizes is None or len(sizes) < 2 or not all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 1
                for s in sizes):
            fail(func, "layer_sizes", "a list of at least 2 positive integers", layer_sizes,
                 "Pass [n_features, hidden width(s)..., n_classes], e.g. [64, 32, 10].")
        self.layer_sizes = tuple(int(s) for s in sizes)

        self.activation = ACTIVATIONS[check_choice(func, "activation", activation, ACTIVATIONS)]
        self.n_classes = self.layer_sizes[-1]
        # where each W_l and b_l sits in theta
        self._slices: list[tuple[slice, tuple[int, int], slice]] = []
        start = 0
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=False):
            w = slice(start, start + n_in * n_out)
            b = slice(w.stop, w.stop + n_out)
            self._slices.append((w, (n_in, n_out), b))
            start = b.stop
        if start > MAX_PARAMS:
            fail(func, "layer_sizes", f"sizes with at most {MAX_PARAMS:.0e} parameters in all",
                 layer_sizes, "Use narrower layers, e.g. [64, 32, 10].")
        name = f"mlp{list(self.layer_sizes)}"
        super().__init__(name, self._value, self._grad, n_params=start,
                         check_inputs=self._check_inputs)
        self.__doc__ = type(self).__doc__
        #: The same loss without the checks on every call, for :func:`~sgdteach.minimize`,
        #: which checks ``theta0`` (its length) and the data (``check_inputs``) once, before
        #: its loop; every batch is then rows of checked data. Train with
        #: ``minimize(..., loss=net.in_loop)``: the same steps, bit for bit, in less time.
        self.in_loop = Loss(name, self._cross_entropy, self._backprop, n_params=start,
                            check_inputs=self._check_inputs)

    def __repr__(self) -> str:
        return f"MLP({list(self.layer_sizes)}, activation={self.activation.name!r})"

    # -- parameters --------------------------------------------------------------------------

    def init(self, seed: int | np.random.Generator | None = None) -> Array:
        r"""Initial parameters :math:`\theta_0`: random weights, zero biases.

        ReLU layers use He initialisation, :math:`W_l \sim \mathcal N(0, 2 / n_{l-1})`; the
        other activations (and the output layer of a tanh, logistic or identity network) use
        Glorot's uniform initialisation, :math:`W_l \sim \mathcal U(-r, r)` with
        :math:`r = \sqrt{6 / (n_{l-1} + n_l)}`. Both keep the scale of the activations about
        the same from layer to layer. ``seed`` seeds the draw.
        """
        rng = check_rng("MLP.init", seed)
        theta = np.zeros(self.n_params)
        for w, (n_in, n_out), _ in self._slices:
            if self.activation.init == "he":
                theta[w] = rng.normal(0.0, np.sqrt(2.0 / n_in), n_in * n_out)
            else:
                r = np.sqrt(6.0 / (n_in + n_out))
                theta[w] = rng.uniform(-r, r, n_in * n_out)
        return theta

    def _layers(self, theta: Array) -> list[tuple[Array, Array]]:
        """``(W_l, c_l)`` for every layer, as views into ``theta``."""
        return [(theta[w].reshape(shape), theta[b]) for w, shape, b in self._slices]

    def unflatten(self, theta: Array) -> tuple[list[Array], list[Array]]:
        """The weight matrices :math:`W_l` (shape ``(n_{l-1}, n_l)``) and the biases
        :math:`c_l` (shape ``(n_l,)``) held in ``theta``, as copies."""
        theta = self._check_theta("MLP.unflatten", theta)
        layers = self._layers(theta)
        return [W.copy() for W, _ in layers], [b.copy() for _, b in layers]

    def flatten(self, weights: Sequence[Array], biases: Sequence[Array]) -> Array:
        """The inverse of :meth:`unflatten`: one flat ``theta`` from the matrices and biases."""
        if len(weights) != len(self._slices) or len(biases) != len(self._slices):
            fail("MLP.flatten", "weights, biases", f"{len(self._slices)} matrices and as many "
                 "bias vectors", (len(weights), len(biases)), "Pass one of each per layer.")
        theta = np.empty(self.n_params)
        for (w, shape, b), W, c in zip(self._slices, weights, biases, strict=True):
            W, c = np.asarray(W, dtype=np.float64), np.asarray(c, dtype=np.float64)
            if W.shape != shape or c.shape != (shape[1],):
                fail("MLP.flatten", "weights, biases", f"shapes {shape} and ({shape[1]},)",
                     (W.shape, c.shape), "Use the layout of MLP.unflatten.")
            theta[w], theta[b] = W.ravel(), c
        return theta

    # -- checks ------------------------------------------------------------------------------

    def _check_theta(self, func: str, theta: Array) -> Array:
        theta = check_array(func, "theta", theta)
        if theta.shape != (self.n_params,):
            fail(func, "theta", f"a 1-D array of length {self.n_params} (the parameters of "
                 f"{self!r})", theta, "Start from net.init(seed).")
        return theta

    def _check_X(self, func: str, X: Array) -> Array:
        X = check_matrix(func, "X", X)
        if X.shape[1] != self.layer_sizes[0]:
            fail(func, "X", f"a 2-D array with {self.layer_sizes[0]} columns (the network's "
                 "inputs)", X, "Check layer_sizes[0] against X.shape[1].")
        return X

    def _check_y(self, func: str, y: Array, m: int) -> Array:
        y = check_vector(func, "y", y, finite=False)
        with np.errstate(invalid="ignore"):
            labels = y.astype(np.intp)
        k = self.n_classes
        if y.shape != (m,) or (labels != y).any() or labels.min() < 0 or labels.max() >= k:
            shown = np.unique(y)[:5] if y.size else y
            fail(func, "y", f"integer class labels 0..{k - 1}, one per row of X", shown,
                 "Encode classes with np.unique(y, return_inverse=True)[1].")
        return cast(Array, labels)   # integer labels travel where a loss takes its y

    def checked_data(self, func: str, X: Array, y: Array) -> tuple[Array, Array]:
        """``(X, labels)`` checked for this network, as float64 rows and integer labels, or a
        :class:`~sgdteach.ValidationError` naming ``func``. Rows and labels taken from them
        need no further checks (:attr:`in_loop`)."""
        X = self._check_X(func, X)
        return X, self._check_y(func, y, len(X))

    def _check_inputs(self, func: str, X: Array, y: Array) -> None:
        """What :func:`~sgdteach.minimize` checks once, before its loop."""
        self.checked_data(func, X, y)

    # -- forward and backward ----------------------------------------------------------------

    def forward(self, theta: Array, X: Array) -> list[Array]:
        r"""The outputs of every layer: :math:`[A_0 = X, A_1, \dots, A_{L-1}, Z_L]` (the last is
        the logits, before the softmax)."""
        theta, X = self._check_theta("MLP.forward", theta), self._check_X("MLP.forward", X)
        return self._forward(theta, X)

    def _forward(self, theta: Array, X: Array) -> list[Array]:
        layers = self._layers(theta)
        outputs = [X]
        for W, b in layers[:-1]:
            outputs.append(self.activation.f(outputs[-1] @ W + b))
        W, b = layers[-1]
        outputs.append(outputs[-1] @ W + b)
        return outputs

    def _value(self, theta: Array, X: Array, y: Array) -> float:
        theta, X = self._check_theta("MLP.value", theta), self._check_X("MLP.value", X)
        return self._cross_entropy(theta, X, self._check_y("MLP.value", y, len(X)))

    def _grad(self, theta: Array, X: Array, y: Array) -> Array:
        theta, X = self._check_theta("MLP.grad", theta), self._check_X("MLP.grad", X)
        return self._backprop(theta, X, self._check_y("MLP.grad", y, len(X)))

    # The maths, on arguments already checked; ``y`` holds class labels as integers or as
    # integer-valued floats (the loop's batches are rows of a float64 y).

    def _cross_entropy(self, theta: Array, X: Array, y: Array) -> float:
        labels = y.astype(np.intp, copy=False)
        logp = log_softmax(self._forward(theta, X)[-1])
        return float(-logp[np.arange(len(X)), labels].mean())

    def _backprop(self, theta: Array, X: Array, y: Array) -> Array:
        m, labels = len(X), y.astype(np.intp, copy=False)
        outputs = self._forward(theta, X)
        delta = np.exp(log_softmax(outputs[-1]))           # P
        delta[np.arange(m), labels] -= 1.0                 # P - Y
        delta /= m                                         # Delta_L
        g = np.empty(self.n_params)
        layers = self._layers(theta)
        for k in range(len(layers), 0, -1):                # layer k = L, ..., 1
            (w, _, b), (W, _) = self._slices[k - 1], layers[k - 1]
            A = outputs[k - 1]                             # A_{k-1}
            g[w] = (A.T @ delta).ravel()                   # grad W_k = A_{k-1}^T Delta_k
            g[b] = delta.sum(axis=0)                       # grad b_k = Delta_k^T 1
            if k > 1:                                      # Delta_{k-1}, sigma' from A_{k-1}
                delta = (delta @ W.T) * self.activation.derivative(A)
        return g

    # -- predictions -------------------------------------------------------------------------

    def predict_proba(self, theta: Array, X: Array) -> Array:
        """Class probabilities :math:`P`, shape ``(m, n_classes)``."""
        return np.exp(log_softmax(self.forward(theta, X)[-1]))

    def predict(self, theta: Array, X: Array) -> Array:
        """The most probable class of each row, shape ``(m,)`` (integers)."""
        return np.argmax(self.forward(theta, X)[-1], axis=1)

    def accuracy(self, theta: Array, X: Array, y: Array) -> float:
        """The fraction of rows whose predicted class is ``y``."""
        X = self._check_X("MLP.accuracy", X)
        labels = self._check_y("MLP.accuracy", y, len(X))
        return float(np.mean(self.predict(theta, X) == labels))
