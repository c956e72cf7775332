"""A correct from-scratch MLP and optimizers in NumPy, written as a learner
writes them (Chapter 15's and CS231n's layout: examples as rows,
``Z = X @ W + b``, W of shape (in, out), b of shape (1, out)).

Every classic bug of the catalogue is one small edit of this file (an exact
old → new text, see ``catalogue.py``); ``torch_ref.check`` must flag the
edited code on the right tensor with a diagnosis naming the cause, and must
pass this file as it is. Nothing here imports torch.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------------- layers
class Linear:
    """Z = X W + b; dW = Xᵀ dZ, db = Σ_rows dZ, dX = dZ Wᵀ."""

    def __init__(self, params, w_name, b_name):
        self.params, self.w_name, self.b_name = params, w_name, b_name

    def forward(self, X):
        self.X = X
        return X @ self.params[self.w_name] + self.params[self.b_name]

    def backward(self, dZ):
        self.dW = self.X.T @ dZ
        self.db = dZ.sum(axis=0, keepdims=True)
        return dZ @ self.params[self.w_name].T


class ReLU:
    """A = max(0, Z); dZ = dA · [Z > 0] (0 at Z = 0, as torch)."""

    def forward(self, Z):
        self.Z = Z
        return np.maximum(Z, 0)

    def backward(self, dA):
        return dA * (self.Z > 0)


class Sigmoid:
    """A = σ(Z); dZ = dA · A(1 − A)."""

    def forward(self, Z):
        self.A = sigmoid(Z)
        return self.A

    def backward(self, dA):
        return dA * self.A * (1 - self.A)


class Tanh:
    """A = tanh(Z); dZ = dA · (1 − A²)."""

    def forward(self, Z):
        self.Z = Z
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dA):
        return dA * (1 - self.A ** 2)


class Softmax:
    """S = softmax(Z) along each row; dZ = S ⊙ (dS − Σ_j dS_j S_j)."""

    def forward(self, Z):
        e = np.exp(Z - Z.max(axis=1, keepdims=True))
        self.S = e / e.sum(axis=1, keepdims=True)
        return self.S

    def backward(self, dS):
        S = self.S
        return S * (dS - (dS * S).sum(axis=1, keepdims=True))


class Dropout:
    """Inverted dropout: keep each unit with probability 1 − p, scale the kept by 1/(1 − p)."""

    def __init__(self, p, rng):
        self.p, self.rng = p, rng

    def forward(self, A):
        self.mask = self.rng.random(A.shape) >= self.p
        return A * self.mask / (1 - self.p)

    def backward(self, dA):
        return dA * self.mask / (1 - self.p)


class BatchNorm:
    """Batch normalization in training mode, with torch's running statistics."""

    def __init__(self, n, gamma, beta, eps=1e-5, momentum=0.1):
        self.gamma, self.beta, self.eps, self.momentum = gamma, beta, eps, momentum
        self.running_mean = np.zeros(n)
        self.running_var = np.ones(n)

    def forward(self, Z):
        m = Z.shape[0]
        mu = Z.mean(axis=0)
        var = Z.var(axis=0)  # biased: divides by m
        self.inv_std = 1 / np.sqrt(var + self.eps)
        self.Zhat = (Z - mu) * self.inv_std
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * m / (m - 1)
        return self.gamma * self.Zhat + self.beta

    def backward(self, dY):
        m = dY.shape[0]
        self.dgamma = (dY * self.Zhat).sum(axis=0)
        self.dbeta = dY.sum(axis=0)
        dZhat = dY * self.gamma
        return self.inv_std / m * (m * dZhat - dZhat.sum(axis=0) - self.Zhat * (dZhat * self.Zhat).sum(axis=0))


# ---------------------------------------------------------------------- losses: (J, dJ/dprediction)
def cross_entropy(logits, y):
    """Mean cross-entropy of logits (m, C) against class indices y (m,)."""
    m = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(m), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(m), y] -= 1
    dlogits /= m
    return loss, dlogits


def mse(pred, y):
    """Mean squared error over all entries, as torch's MSELoss."""
    loss = np.mean((pred - y) ** 2)
    dpred = 2 * (pred - y) / pred.size
    return loss, dpred


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softmax": Softmax}
LOSSES = {"cross_entropy": cross_entropy, "mse": mse}


class Network:
    """Linear layers with an activation between them (and optionally after the
    last), then a loss. ``forward(X)`` returns the output; ``backward(y)``
    starts from the loss's gradient and returns {"dW1": ..., "db1": ...}."""

    def __init__(self, sizes, activation, loss, rng, output=None):
        self.params, self.layers, self.loss = {}, [], loss
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
            self.params[f"W{l}"] = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
            self.params[f"b{l}"] = np.zeros((1, n_out))
            self.layers.append(Linear(self.params, f"W{l}", f"b{l}"))
            if l < len(sizes) - 1:
                self.layers.append(ACTIVATIONS[activation]())
        if output is not None:
            self.layers.append(ACTIVATIONS[output]())

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        self.out = X
        return X

    def cost(self, y):
        return LOSSES[self.loss](self.out, y)[0]

    def backward(self, y):
        _, d = LOSSES[self.loss](self.out, y)
        for layer in reversed(self.layers):
            d = layer.backward(d)
        linears = [layer for layer in self.layers if isinstance(layer, Linear)]
        grads = {}
        for l, layer in enumerate(linears, 1):
            grads[f"dW{l}"], grads[f"db{l}"] = layer.dW, layer.db
        return grads


def classifier(rng):
    """A 4-6-5-3 ReLU classifier trained with cross-entropy on the logits."""
    return Network([4, 6, 5, 3], "relu", "cross_entropy", rng)


def regressor(rng, activation):
    """A 4-6-3 regressor (``activation`` in the hidden layer) trained with the MSE."""
    return Network([4, 6, 3], activation, "mse", rng)


# ---------------------------------------------------------------------- optimizers: one tensor, one step
def sgd_momentum(param, grad, state, lr, momentum, dampening=0.0, weight_decay=0.0):
    """torch's SGD with momentum: b = μb + (1 − τ)g (b₁ = g₁), θ ← θ − γb."""
    g = grad + weight_decay * param
    if "buf" not in state:
        state["buf"] = g.copy()
    else:
        state["buf"] = momentum * state["buf"] + (1 - dampening) * g
    param -= lr * state["buf"]


def adam(param, grad, state, lr, betas, eps, weight_decay=0.0):
    """Adam (Kingma & Ba), L2 weight decay in the gradient as torch's Adam."""
    b1, b2 = betas
    if "t" not in state:
        state["t"], state["m"], state["v"] = 0, np.zeros_like(param), np.zeros_like(param)
    state["t"] += 1
    g = grad + weight_decay * param
    state["m"] = b1 * state["m"] + (1 - b1) * g
    state["v"] = b2 * state["v"] + (1 - b2) * g * g
    m_hat = state["m"] / (1 - b1 ** state["t"])
    v_hat = state["v"] / (1 - b2 ** state["t"])
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw(param, grad, state, lr, betas, eps, weight_decay):
    """AdamW: the decay θ ← (1 − γλ)θ decoupled from the adaptive step."""
    b1, b2 = betas
    if "t" not in state:
        state["t"], state["m"], state["v"] = 0, np.zeros_like(param), np.zeros_like(param)
    state["t"] += 1
    param *= 1 - lr * weight_decay
    state["m"] = b1 * state["m"] + (1 - b1) * grad
    state["v"] = b2 * state["v"] + (1 - b2) * grad * grad
    m_hat = state["m"] / (1 - b1 ** state["t"])
    v_hat = state["v"] / (1 - b2 ** state["t"])
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)


def rmsprop(param, grad, state, lr, alpha, eps, weight_decay=0.0, maximize=False):
    """torch's RMSprop: g ← −g if maximizing, then g ← g + λθ (so the decay
    pulls θ towards 0 either way); v = αv + (1 − α)g², θ ← θ − γ g/(√v + ε)."""
    g = -grad if maximize else grad
    g = g + weight_decay * param
    if "v" not in state:
        state["v"] = np.zeros_like(param)
    state["v"] = alpha * state["v"] + (1 - alpha) * g * g
    param -= lr * g / (np.sqrt(state["v"]) + eps)


def adagrad(param, grad, state, lr, lr_decay, eps, weight_decay=0.0, initial_accumulator_value=0.0):
    """torch's Adagrad: γ̃ = γ/(1 + (t − 1)η); s = s + g², θ ← θ − γ̃ g/(√s + ε)."""
    g = grad + weight_decay * param
    if "t" not in state:
        state["t"], state["s"] = 0, np.full_like(param, initial_accumulator_value)
    state["t"] += 1
    lr_t = lr / (1 + (state["t"] - 1) * lr_decay)
    state["s"] = state["s"] + g * g
    param -= lr_t * g / (np.sqrt(state["s"]) + eps)
