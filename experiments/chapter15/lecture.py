"""Chapter 15, Introduction to Neural Networks: the lecture's own code and data.

The chapter's two training listings — the XOR network built from scratch and
the three optimizers on f(x, y) = x² + 3y² — are copied here as they are
written (the XOR loop's lines into functions, the optimizers' update lines
also per tensor, for ``torch_ref.check``), to say what they print; the
experiments run them next to both backends, and check_lecture_code checks
them against torch. The small worked examples (the single neuron, the 2-3-1 forward
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
# The listing is one loop; its lines are copied line for line into xor_init (the initialization),
# xor_forward, xor_loss and xor_backward (the loop's body, with the variables it uses passed in
# and returned), and the loop itself is xor_listing. Nothing is corrected.
# XOR data: single perceptron CANNOT learn this
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])


def ch15_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def ch15_sigmoid_derivative(a):
    return a * (1 - a)


def xor_init():
    """The listing's initialization (it calls np.random.seed(42) itself)."""
    # Network: 2 inputs -> 4 hidden (sigmoid) -> 1 output (sigmoid)
    np.random.seed(42)
    W1 = np.random.randn(2, 4) * 0.5
    b1 = np.zeros((1, 4))
    W2 = np.random.randn(4, 1) * 0.5
    b2 = np.zeros((1, 1))
    return W1, b1, W2, b2


def xor_forward(X, W1, b1, W2, b2):
    """The loop's "Forward pass" lines; returns a2 and what the backward lines use."""
    sigmoid = ch15_sigmoid
    # Forward pass
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    return a2, (X, a1, a2, W2)


def xor_loss(a2, y):
    """The loop's "Loss" line."""
    # Loss
    loss = np.mean((y - a2) ** 2)
    return loss


def xor_backward(y, cache):
    """The loop's "Backward pass" lines; returns dW1, db1, dW2, db2."""
    X, a1, a2, W2 = cache
    sigmoid_derivative = ch15_sigmoid_derivative
    # Backward pass
    dz2 = (a2 - y) * sigmoid_derivative(a2)
    dW2 = a1.T @ dz2 / 4
    db2 = np.sum(dz2, axis=0, keepdims=True) / 4

    da1 = dz2 @ W2.T
    dz1 = da1 * sigmoid_derivative(a1)
    dW1 = X.T @ dz1 / 4
    db1 = np.sum(dz1, axis=0, keepdims=True) / 4
    return dW1, db1, dW2, db2


#: The four XOR inputs and targets as the backends take them (float64; the listing's are integers).
XOR_X = X.astype(np.float64)
XOR_Y = y.astype(np.float64)

#: The listing's initialization: np.random.seed(42); randn(2, 4) * 0.5; randn(4, 1) * 0.5 (W stored (in, out)).
XOR_DRAWS = [((2, 4), 0.5), ((4, 1), 0.5)]


def xor_listing(epochs: int, learning_rate: float = 1.0):
    """The listing's loop, run: returns the loss of every epoch and the last forward pass's
    a2 (computed before the last update, what it prints). NumPy's global stream, which it
    seeds, is left as found."""
    state = np.random.get_state()
    try:
        W1, b1, W2, b2 = xor_init()
    finally:
        np.random.set_state(state)
    losses = np.empty(epochs)
    for epoch in range(epochs):
        a2, cache = xor_forward(X, W1, b1, W2, b2)
        losses[epoch] = xor_loss(a2, y)
        dW1, db1, dW2, db2 = xor_backward(y, cache)
        # Update weights
        W2 -= learning_rate * dW2
        b2 -= learning_rate * db2
        W1 -= learning_rate * dW1
        b1 -= learning_rate * db1
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


# "Gradient Descent Variants: SGD vs Mini-Batch vs Adam": the loops' update lines, per tensor.
def sgd_momentum_step(params, grad, state, lr=0.1, momentum=0.9):
    """2. SGD with Momentum: velocity = momentum * velocity - lr * gradient(params); params += velocity."""
    velocity = state.get("velocity", np.zeros_like(params))
    velocity = momentum * velocity - lr * grad
    params += velocity
    state["velocity"] = velocity


def adam_step(params, grad, state, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """3. Adam optimizer: the loop body, t counted in the state as the loop's `for t in range(1, ...)`."""
    m = state.get("m", np.zeros_like(params))  # First moment
    v = state.get("v", np.zeros_like(params))  # Second moment
    t = state.get("t", 0) + 1
    g = grad
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    params -= lr * m_hat / (np.sqrt(v_hat) + eps)
    state.update(m=m, v=v, t=t)
