"""CS229 Lecture 11, Autumn 2018 (Andrew Ng, "Introduction to Neural Networks"):
the lecture's own code and data, and the setups its experiments share.

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
def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The lecture's XOR set, examples as rows: X (4, 2), Y (4, 1)."""
    X_xor = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    Y_xor = np.array([[0, 1, 1, 0]])
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


class LectureNetwork:
    """The lecture's ``NeuralNetwork`` (§6.3), transcribed: the third reference.

    Input → Hidden (ReLU) → Output (sigmoid), BCE, full-batch gradient
    descent, examples as columns. Built from given weights instead of
    drawing them (see :func:`lecture_draws`).
    """

    def __init__(self, W1, W2, learning_rate):
        self.W1, self.W2 = np.array(W1, dtype=float), np.array(W2, dtype=float)
        self.b1, self.b2 = np.zeros((self.W1.shape[0], 1)), np.zeros((1, 1))
        self.learning_rate = learning_rate
        self.cache, self.costs = {}, []

    def forward(self, X):
        Z1 = self.W1 @ X + self.b1
        A1 = np.maximum(0, Z1)
        Z2 = self.W2 @ A1 + self.b2
        A2 = 1 / (1 + np.exp(-np.clip(Z2, -500, 500)))
        self.cache = {"X": X, "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
        return A2

    def compute_cost(self, Y):
        m = Y.shape[1]
        A2 = np.clip(self.cache["A2"], 1e-10, 1 - 1e-10)
        return -1 / m * np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))

    def backward(self, Y):
        m = Y.shape[1]
        X, A1, A2, Z1 = (self.cache[k] for k in ("X", "A1", "A2", "Z1"))
        dZ2 = A2 - Y
        dW2 = 1 / m * dZ2 @ A1.T
        db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
        dA1 = self.W2.T @ dZ2
        dZ1 = dA1 * (Z1 > 0).astype(float)
        dW1 = 1 / m * dZ1 @ X.T
        db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
        return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}

    def train(self, X, Y, num_iterations):
        for _ in range(num_iterations):
            self.forward(X)
            self.costs.append(self.compute_cost(Y))
            g = self.backward(Y)
            self.W1 -= self.learning_rate * g["dW1"]
            self.b1 -= self.learning_rate * g["db1"]
            self.W2 -= self.learning_rate * g["dW2"]
            self.b2 -= self.learning_rate * g["db2"]

    def predict(self, X):
        return (self.forward(X) > 0.5).astype(int)


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


def run_lecture_network(ctx, W1, W2, X, Y, *, lr: float, steps: int) -> tuple[dict, dict, LectureNetwork]:
    """Train the lecture's network from (W1, W2) on every backend and with the
    lecture's own NumPy code; return ``(models, costs, lecture_net)`` where
    ``costs`` has a "lecture code" entry next to the backends'."""
    models = lecture_models(ctx, W1, W2)
    curves = gradient_descent_costs(models, X, Y, epochs=steps, lr=lr)
    net = LectureNetwork(W1, W2, lr)
    net.train(X.T, Y.T, steps)
    curves["lecture code"] = np.array(net.costs)
    return models, curves, net


def lecture_gaps(models: dict, curves: dict, net: LectureNetwork, prefix: str = "") -> dict:
    """Backend gaps (scratchnet vs torch) and each backend's gap to the
    lecture's own NumPy code, on the cost curve and the final weights."""
    out = {}
    if len(models) == 2:
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
    mini-batch SGD (batch 64, learning rate 0.1), 30 epochs (3 in quick mode)."""
    key = (tuple(ctx.backends), ctx.device, ctx.quick, ctx.seed)
    if key not in _MULTICLASS_CACHE:
        data = digits_multiclass(seed=ctx.seed)
        models, curves = train_digits(ctx, [64, 64, 10], "relu", data=data, epochs=3 if ctx.quick else 30)
        _MULTICLASS_CACHE.clear()
        _MULTICLASS_CACHE[key] = (models, curves, data)
    return _MULTICLASS_CACHE[key]
