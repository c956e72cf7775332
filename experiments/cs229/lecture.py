"""CS229 Lecture 11, Autumn 2018 (Andrew Ng, "Introduction to Neural Networks"):
the lecture's own code (its notebook's ``NeuralNetwork``, copied as printed) and
data, and the setups its experiments share.

The lecture stores examples as *columns*: ``X`` is (features, samples) and
``Z1 = W1 @ X + b1`` with ``W1`` of shape (hidden, input). scratchnet and
torch take examples as *rows*: ``Z = X W1ᵀ + b1``. ``W1`` is then exactly
``Linear.weight`` (out, in), so the lecture's weights load without a
transpose; only the data are transposed.

The lecture's random numbers
----------------------------
The notebook calls ``np.random.seed(42)`` once (in "Setup") and then every
``NeuralNetwork(...)`` draws ``W1`` and ``W2`` from that one global stream, in
notebook order (``make_circles`` and ``train_test_split`` use their own
``random_state=42`` and draw nothing from it). :func:`lecture_draws` replays
that stream, so each experiment starts from the very weights the notebook's
model starts from.

The lecture's cost
------------------
``compute_cost`` clips A2 to [1e-10, 1 − 1e-10] before the logs and the
backward pass uses dZ2 = A2 − Y (the sigmoid and the BCE differentiated
together). Both backends here output the logit Z2 and use
``BCEWithLogitsLoss``, whose gradient with respect to Z2 is exactly
(σ(Z2) − Y)/m — the lecture's dZ2 — and whose value equals the clipped cost
whenever 1e-10 ≤ A2 ≤ 1 − 1e-10 (it is the unclipped, exact value beyond).
Its update is plain gradient descent, W := W − α dW
(:func:`experiments.common.gradient_descent`).
"""

from __future__ import annotations

import functools

import numpy as np

import scratchnet as sn

from .. import audit, base
from ..common import (DTYPE, gap, gradient_descent, make_models, pair_gap, state_dict, state_gap, step_losses, train,
                      weights_gap)

SOURCE = "000_cf38cdbe29059033.txt"

#: ``@experiment(name, title, section=...)``: registers an experiment of this lecture.
experiment = functools.partial(base.experiment, source=SOURCE)


def claim(where: str, quantity: str, claimed, values: dict, **kwargs) -> dict:
    """An audit record for this lecture: ``values`` is ``{backend: value}``
    (see :func:`experiments.audit.claim_values`)."""
    return audit.claim_values(SOURCE, where, quantity, claimed, values, **kwargs)


# ---------------------------------------------------------------------------- data
#: The notebook's XOR set, as it writes it: examples as columns.
X_xor = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
Y_xor = np.array([[0, 1, 1, 0]])


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's XOR set, examples as rows: X (4, 2), Y (4, 1)."""
    return X_xor.T.astype(DTYPE), Y_xor.T.astype(DTYPE)


def circles_data(n_samples: int = 300):
    """``make_circles(n_samples=300, noise=0.1, factor=0.3, random_state=42)`` (§6.4)."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, noise=0.1, factor=0.3, random_state=42)
    return X.astype(DTYPE), y.reshape(-1, 1).astype(DTYPE)


def digits_binary():
    """The lecture's digits 0-vs-1 split (§6.5): stratified 80/20 split with
    random_state=42, StandardScaler fitted on the training part.

    Returns a dict with X_train, X_test (scaled), X_test_raw (the pixels the
    lecture shows), y_train, y_test (column vectors)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    mask = (digits.target == 0) | (digits.target == 1)
    X_binary, y_binary = digits.data[mask], digits.target[mask]
    X_train, X_test, y_train, y_test = train_test_split(X_binary, y_binary, test_size=0.2, random_state=42,
                                                        stratify=y_binary)
    scaler = StandardScaler()
    return {"X_train": scaler.fit_transform(X_train), "X_test": scaler.transform(X_test),
            "X_test_raw": X_test, "y_train": y_train.reshape(-1, 1).astype(DTYPE),
            "y_test": y_test.reshape(-1, 1).astype(DTYPE), "n_all": len(digits.data)}


def digits_multiclass(seed: int = 0, val: bool = False):
    """All ten digits (the "10-class MNIST" exercises; scikit-learn's 8×8
    digits stand in for MNIST, which needs a download): stratified split
    60/20/20 (train/validation/test) or 80/20, scaler fitted on train."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    X, y = digits.data, digits.target
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)
    out = {}
    if val:
        X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=seed,
                                                          stratify=y_train)
    scaler = StandardScaler().fit(X_train)
    out.update(X_train=scaler.transform(X_train), y_train=y_train, X_test=scaler.transform(X_test),
               y_test=y_test)
    if val:
        out.update(X_val=scaler.transform(X_val), y_val=y_val)
    return out


# ------------------------------------------------------------------- the lecture's own code
#: Order the notebook draws its models' weights in (see :func:`lecture_draws`).
NOTEBOOK_MODELS = [
    ("xor", 2, 4), ("circles", 2, 8), ("digits", 64, 32),
    ("init_small", 2, 8), ("init_large", 2, 8), ("init_xavier", 2, 8), ("init_he", 2, 8),
    ("gradient_check", 2, 3), ("hidden_vis", 64, 16),
]
INIT_SCALES = {"small": lambda n: 0.01, "large": lambda n: 1.0,
               "xavier": lambda n: np.sqrt(1.0 / n), "he": lambda n: np.sqrt(2.0 / n)}


def lecture_draws() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every model's initial (W1, W2), replaying the notebook's global stream.

    ``np.random.seed(42)`` then, in notebook order, ``NeuralNetwork`` draws
    ``randn(hidden, input) * sqrt(2/input)`` and ``randn(1, hidden) *
    sqrt(2/hidden)`` (its comment says "Xavier initialization", but
    √(2/n_in) is He/Kaiming initialization); ``NeuralNetworkInit`` draws the
    same shapes with its method's scale (the comparison loop runs small,
    large, xavier, he — never zeros, which would draw nothing).
    """
    rng = np.random.RandomState(42)
    draws = {}
    for name, n_in, hidden in NOTEBOOK_MODELS:
        scale = INIT_SCALES[name[5:]] if name.startswith("init_") else INIT_SCALES["he"]
        W1 = rng.randn(hidden, n_in) * scale(n_in)
        W2 = rng.randn(1, hidden) * scale(hidden)
        draws[name] = (W1, W2)
    return draws


# The notebook's code, copied line for line (trailing spaces dropped): its activation helpers
# ("Activation functions and derivatives") and its NeuralNetwork class (§6.3). Nothing here
# is corrected: the experiments run it as the lecture does, and check_lecture_code checks it
# against torch with torch_ref.check.
# Activation functions and derivatives
def sigmoid(z):
    """Sigmoid activation."""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))

def sigmoid_derivative(z):
    """Derivative of sigmoid."""
    s = sigmoid(z)
    return s * (1 - s)

def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(z)

def tanh_derivative(z):
    """Derivative of tanh."""
    return 1 - np.tanh(z)**2

def relu(z):
    """Rectified Linear Unit."""
    return np.maximum(0, z)

def relu_derivative(z):
    """Derivative of ReLU."""
    return (z > 0).astype(float)

def leaky_relu(z, alpha=0.01):
    """Leaky ReLU."""
    return np.where(z > 0, z, alpha * z)

def leaky_relu_derivative(z, alpha=0.01):
    """Derivative of Leaky ReLU."""
    return np.where(z > 0, 1, alpha)


class NeuralNetwork:
    """
    Simple 2-layer neural network for binary classification.
    Architecture: Input -> Hidden (ReLU) -> Output (Sigmoid)
    """
    def __init__(self, input_size, hidden_size, learning_rate=0.01):
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate

        # Xavier initialization
        self.W1 = np.random.randn(hidden_size, input_size) * np.sqrt(2.0 / input_size)
        self.b1 = np.zeros((hidden_size, 1))
        self.W2 = np.random.randn(1, hidden_size) * np.sqrt(2.0 / hidden_size)
        self.b2 = np.zeros((1, 1))

        # Cache for backprop
        self.cache = {}
        self.costs = []

    def forward(self, X):
        """
        Forward propagation.
        X: (n_features, m_samples)
        """
        # Layer 1
        Z1 = self.W1 @ X + self.b1  # (hidden_size, m)
        A1 = relu(Z1)

        # Layer 2
        Z2 = self.W2 @ A1 + self.b2  # (1, m)
        A2 = sigmoid(Z2)

        # Cache for backprop
        self.cache = {
            'X': X,
            'Z1': Z1,
            'A1': A1,
            'Z2': Z2,
            'A2': A2
        }

        return A2

    def compute_cost(self, Y):
        """
        Compute binary cross-entropy cost.
        Y: (1, m)
        """
        m = Y.shape[1]
        A2 = self.cache['A2']

        # Clip to avoid log(0)
        A2_clipped = np.clip(A2, 1e-10, 1 - 1e-10)

        cost = -1/m * np.sum(Y * np.log(A2_clipped) + (1 - Y) * np.log(1 - A2_clipped))
        return cost

    def backward(self, Y):
        """
        Backpropagation.
        """
        m = Y.shape[1]
        X = self.cache['X']
        A1 = self.cache['A1']
        A2 = self.cache['A2']
        Z1 = self.cache['Z1']

        # Layer 2 gradients
        dZ2 = A2 - Y  # (1, m)
        dW2 = 1/m * dZ2 @ A1.T  # (1, hidden_size)
        db2 = 1/m * np.sum(dZ2, axis=1, keepdims=True)  # (1, 1)

        # Layer 1 gradients
        dA1 = self.W2.T @ dZ2  # (hidden_size, m)
        dZ1 = dA1 * relu_derivative(Z1)  # (hidden_size, m)
        dW1 = 1/m * dZ1 @ X.T  # (hidden_size, n_features)
        db1 = 1/m * np.sum(dZ1, axis=1, keepdims=True)  # (hidden_size, 1)

        return {'dW1': dW1, 'db1': db1, 'dW2': dW2, 'db2': db2}

    def update_parameters(self, gradients):
        """
        Gradient descent update.
        """
        self.W1 -= self.learning_rate * gradients['dW1']
        self.b1 -= self.learning_rate * gradients['db1']
        self.W2 -= self.learning_rate * gradients['dW2']
        self.b2 -= self.learning_rate * gradients['db2']

    def train(self, X, Y, num_iterations=1000, print_cost=False):
        """
        Train the neural network.
        X: (n_features, m)
        Y: (1, m)
        """
        for i in range(num_iterations):
            # Forward
            A2 = self.forward(X)

            # Cost
            cost = self.compute_cost(Y)
            self.costs.append(cost)

            # Backward
            gradients = self.backward(Y)

            # Update
            self.update_parameters(gradients)

            if print_cost and i % 100 == 0:
                print(f"Iteration {i}: Cost = {cost:.4f}")

    def predict(self, X):
        """
        Predict class labels.
        """
        A2 = self.forward(X)
        predictions = (A2 > 0.5).astype(int)
        return predictions


def notebook_network(W1, W2, learning_rate) -> NeuralNetwork:
    """The notebook's ``NeuralNetwork`` started from given weights (its biases zero, as its
    ``__init__`` sets them) instead of its own draws — the third reference next to both
    backends. NumPy's global stream, which ``__init__`` draws from, is left as found."""
    state = np.random.get_state()
    try:
        net = NeuralNetwork(input_size=W1.shape[1], hidden_size=W1.shape[0], learning_rate=learning_rate)
    finally:
        np.random.set_state(state)
    net.W1, net.W2 = np.array(W1, dtype=float), np.array(W2, dtype=float)
    return net


# ------------------------------------------------------------- the lecture's network, both backends
def lecture_models(ctx, W1, W2, *, activation: str = "relu") -> dict:
    """``{backend: model}``: the lecture's Input → Hidden → 1 network, output
    the logit Z2, float64, with weights (W1, W2) and zero biases."""
    hidden, n_in = W1.shape
    state = {"0.weight": W1, "0.bias": np.zeros(hidden), "2.weight": W2, "2.bias": np.zeros(1)}
    return make_models(ctx, [n_in, hidden, 1], activation, state=state)


def gradient_descent_costs(models: dict, X, Y, *, epochs: int, lr: float, **kwargs) -> dict[str, np.ndarray]:
    """The lecture's training, on every backend: ``epochs`` epochs (full-batch steps,
    unless ``batch_size=`` is given) of W := W − α dW on the BCE of the logit; returns
    each backend's cost per step."""
    return step_losses(train(models, X, Y, loss="bce_with_logits", lr=lr, epochs=epochs, step=gradient_descent,
                             **kwargs))


def run_lecture_network(ctx, W1, W2, X, Y, *, lr: float, steps: int) -> tuple[dict, dict, NeuralNetwork]:
    """Train the lecture's network from (W1, W2) on every backend and with the
    lecture's own NumPy code; return ``(models, costs, lecture_net)`` where
    ``costs`` has a "lecture code" entry next to the backends'."""
    models = lecture_models(ctx, W1, W2)
    curves = gradient_descent_costs(models, X, Y, epochs=steps, lr=lr)
    net = notebook_network(W1, W2, lr)
    net.train(X.T, Y.T, num_iterations=steps)
    curves["lecture code"] = np.array(net.costs)
    return models, curves, net


def lecture_gaps(models: dict, curves: dict, net: NeuralNetwork, prefix: str = "") -> dict:
    """Backend gaps (scratchnet vs torch) and each backend's gap to the
    lecture's own NumPy code, on the cost curve and the final weights."""
    out = {}
    out[prefix + "cost curve"] = pair_gap(curves)
    out[prefix + "final weights"] = weights_gap(models)
    lecture_state = {"0.weight": net.W1, "0.bias": net.b1.ravel(), "2.weight": net.W2, "2.bias": net.b2.ravel()}
    for backend, model in models.items():
        out[f"{prefix}{backend} vs lecture code: cost curve"] = gap(curves[backend], curves["lecture code"])
        out[f"{prefix}{backend} vs lecture code: final weights"] = state_gap(state_dict(model), lecture_state)
    return out


# ------------------------------------------------------------- the exercises' 10-class digits network
def he_init(weight, generator):
    """The lecture's default scale, randn·√(2/n_in) = ``kaiming_normal_(nonlinearity="relu")``."""
    return sn.nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)


def train_digits(ctx, sizes, activation="relu", *, data: dict, epochs: int, batch_size: int | None = 64,
                 lr: float = 0.1, init=he_init, seed: int | None = None, **options) -> tuple[dict, dict]:
    """Train ``mlp(sizes, activation)`` (logits; softmax inside ``CrossEntropyLoss``)
    on ``data["X_train"], data["y_train"]`` with the lecture's mini-batch gradient
    descent, the same batches in both backends. Returns ``(models, costs per epoch)``:
    each epoch's mean batch cost."""
    seed = ctx.seed if seed is None else seed
    X, y = data["X_train"], data["y_train"]
    models = make_models(ctx, sizes, activation, seed=seed, init=init, **options)
    per_epoch = 1 if batch_size is None else int(np.ceil(len(X) / batch_size))
    per_step = step_losses(train(models, X, y, loss="cross_entropy", lr=lr, epochs=epochs, batch_size=batch_size,
                                 seed=seed, step=gradient_descent))
    return models, {b: c.reshape(epochs, per_epoch).mean(axis=1) for b, c in per_step.items()}


_MULTICLASS_CACHE: dict = {}


def multiclass_run(ctx):
    """The 10-class digits network shared by exercises 9 and 10 (trained once
    per process, backend set and mode): 64 → 64 ReLU → 10 logits, He init,
    mini-batch SGD (batch 64, learning rate 0.1), 30 epochs (3 in quick mode).

    The cache saves the second training only where both exercises run in one
    process (``--jobs 1``); with worker processes they may land in different
    workers, each training it once — the same network either way (the training
    is deterministic), so only the time differs."""
    key = (tuple(ctx.backends), ctx.device, ctx.quick, ctx.seed)
    if key not in _MULTICLASS_CACHE:
        data = digits_multiclass(seed=ctx.seed)
        models, curves = train_digits(ctx, [64, 64, 10], "relu", data=data, epochs=3 if ctx.quick else 30)
        _MULTICLASS_CACHE.clear()
        _MULTICLASS_CACHE[key] = (models, curves, data)
    return _MULTICLASS_CACHE[key]
