"""Chapter 15, Introduction to Neural Networks: the lecture's own code and data.

The chapter's two training listings — the XOR network built from scratch and
the three optimizers on f(x, y) = x² + 3y² — are transcribed here as they are
written, to say what they print; the experiments run them next to both
backends. The small worked examples (the single neuron, the 2-3-1 forward
and 2-2-1 backward passes, the softmax logits, ...) keep their weights in
the experiment that reproduces them, next to the numbers the chapter prints.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import audit, base

SOURCE = "002_9091aa63c327fb13.txt"

#: ``@experiment(name, title, section=...)``: registers an experiment of this lecture.
experiment = functools.partial(base.experiment, source=SOURCE)


def claim(where: str, quantity: str, claimed, values: dict, **kwargs) -> dict:
    """An audit record for this lecture: ``values`` is ``{backend: value}``
    (see :func:`experiments.audit.claim_values`)."""
    return audit.claim_values(SOURCE, where, quantity, claimed, values, **kwargs)


# ------------------------------------------------ "Building a Neural Network from Scratch: XOR Problem"
#: The four XOR inputs and targets, as the listing defines them.
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)

#: The listing's initialization: np.random.seed(42); randn(2, 4) * 0.5; randn(4, 1) * 0.5 (W stored (in, out)).
XOR_DRAWS = [((2, 4), 0.5), ((4, 1), 0.5)]


def xor_listing(epochs: int):
    """The lecture's own NumPy loop, verbatim in substance: returns the losses
    and the last forward pass's a2 (computed before the last update)."""
    rng_state = np.random.get_state()  # the lecture seeds the global stream; leave it as found
    np.random.seed(42)
    W1 = np.random.randn(2, 4) * 0.5
    b1 = np.zeros((1, 4))
    W2 = np.random.randn(4, 1) * 0.5
    b2 = np.zeros((1, 1))
    np.random.set_state(rng_state)
    X, Y = XOR_X, XOR_Y

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    losses = np.empty(epochs)
    a2 = None
    for epoch in range(epochs):
        a1 = sigmoid(X @ W1 + b1)
        a2 = sigmoid(a1 @ W2 + b2)
        losses[epoch] = np.mean((Y - a2) ** 2)
        dz2 = (a2 - Y) * a2 * (1 - a2)
        dW2 = a1.T @ dz2 / 4
        db2 = np.sum(dz2, axis=0, keepdims=True) / 4
        dz1 = dz2 @ W2.T * a1 * (1 - a1)
        dW1 = X.T @ dz1 / 4
        db1 = np.sum(dz1, axis=0, keepdims=True) / 4
        W2 -= dW2
        b2 -= db2
        W1 -= dW1
        b1 -= db1
    return losses, a2


# ------------------------------------------------ "Gradient Descent Variants: SGD vs Mini-Batch vs Adam"
def f(p):
    """The listing's test function f(x, y) = x² + 3y²."""
    return p[0] ** 2 + 3 * p[1] ** 2


def gradient(p):
    """The listing's hand-written ∇f = (2x, 6y)."""
    return np.array([2 * p[0], 6 * p[1]])


def optimizer_listings() -> dict:
    """The lecture's three functions, as written: {name: (params, history)}."""
    def sgd(lr=0.1, steps=20):
        params = np.array([4.0, 3.0])
        history = [f(params)]
        for _ in range(steps):
            params -= lr * gradient(params)
            history.append(f(params))
        return params, history

    def sgd_momentum(lr=0.1, momentum=0.9, steps=20):
        params = np.array([4.0, 3.0])
        velocity = np.zeros_like(params)
        history = [f(params)]
        for _ in range(steps):
            velocity = momentum * velocity - lr * gradient(params)
            params += velocity
            history.append(f(params))
        return params, history

    def adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, steps=20):
        params = np.array([4.0, 3.0])
        m = np.zeros_like(params)
        v = np.zeros_like(params)
        history = [f(params)]
        for t in range(1, steps + 1):
            g = gradient(params)
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g ** 2
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            params -= lr * m_hat / (np.sqrt(v_hat) + eps)
            history.append(f(params))
        return params, history

    return {"SGD": sgd(), "SGD+Momentum": sgd_momentum(), "Adam": adam()}
