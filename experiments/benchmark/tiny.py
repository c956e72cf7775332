"""The lectures' tiny networks: one training step in the lecture-style raw
NumPy loop, in scratchnet and in PyTorch (one thread each).

The lectures train networks of a few dozen weights for thousands of steps,
so what a learner waits for is the per-step cost, not arithmetic. Two
networks, each the same in all three:

* **XOR 2-4-1** — sigmoid hidden and output units, MSE, SGD(lr = 1), the four
  XOR points as one batch (Chapter 15, "Building a Neural Network from
  Scratch: XOR Problem");
* **digits 64-32-10** — ReLU, cross-entropy on the logits, Adam(lr = 1e-3),
  batches of 32 from scikit-learn's 8×8 digits (the CS229 exercises' data).

The raw loop is written the lectures' way — ``z1 = X @ W1 + b1``, ``a1 =
sigmoid(z1)``, …, ``W1 -= learning_rate * dW1``, and for Adam the lecture's
``m = beta1 * m + (1 - beta1) * g`` … ``params -= lr * m_hat / (np.sqrt(v_hat)
+ eps)`` — with one correction: the XOR listing's ``dz2 = (a2 - y) *
sigmoid_derivative(a2)`` leaves out the 2 of d(ŷ − y)²/dŷ, and here it is
put back, so that the raw loop computes what ``MSELoss`` and torch compute.
All three start from the same weights and see the same batches, and the
benchmark checks that they end at the same loss (float64: they do the same
arithmetic, in a different order).

The scratchnet step is the training loop's (``scratchnet.train.fit``)::

    opt.zero_grad(); loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward(), needs_input_grad=False); opt.step()

(no dJ/dX for the first layer: the raw loop and torch do not compute it
either); torch's is the usual four lines. Which optimizer path scratchnet
took is recorded (``foreach``: None picks the fast one); the readable path
(``foreach=False``) is timed too.

Timed as the reference workload is (:mod:`.measure`): interleaved rounds, and
per pair of libraries ``median_ratio``, the ratio of their medians over the
rounds, with the per-round ratios beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import measure


@dataclass(frozen=True)
class TinyNet:
    key: str
    label: str
    sizes: tuple
    activation: str
    output: str | None
    loss: str
    optimizer: str
    lr: float
    batch_size: int


XOR = TinyNet("xor", "XOR 2-4-1 sigmoid, MSE, SGD, batch 4", (2, 4, 1), "sigmoid", "sigmoid", "mse", "SGD", 1.0, 4)
DIGITS = TinyNet("digits", "64-32-10 ReLU, CE, Adam, batch 32", (64, 32, 10), "relu", None, "cross_entropy", "Adam",
                 1e-3, 32)
NETWORKS = (XOR, DIGITS)
#: The libraries of the tiny-network table, in its order.
LIBRARIES = ("raw", "scratchnet", "scratchnet_readable", "torch")


def batches(net: TinyNet) -> list[tuple[np.ndarray, np.ndarray]]:
    """The batches one step after the other cycles through (float64)."""
    if net is XOR:
        X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        return [(X, np.array([[0.0], [1.0], [1.0], [0.0]]))]
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    n = len(X) // net.batch_size * net.batch_size
    return [(X[i:i + net.batch_size], y[i:i + net.batch_size].astype(np.int64))
            for i in range(0, n, net.batch_size)]


def initial_model(net: TinyNet, seed: int = 0):
    """The scratchnet model all three start from (float64)."""
    import scratchnet as sn

    return sn.models.mlp(list(net.sizes), net.activation, output=net.output, dtype=np.float64,
                         generator=np.random.default_rng(seed))


# ------------------------------------------------------------------------------ the three steps
def raw_step(net: TinyNet, seed: int = 0):
    """``(step, losses, weights)`` of the lecture-style loop: ``step(x, y)`` trains once."""
    model = initial_model(net, seed)
    W1, b1 = model[0].weight.data.T.copy(), model[0].bias.data[None, :].copy()   # the lecture's X @ W1 + b1
    W2, b2 = model[2].weight.data.T.copy(), model[2].bias.data[None, :].copy()
    losses: list = []

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def sigmoid_derivative(a):
        return a * (1 - a)

    if net is XOR:
        learning_rate = net.lr

        def step(X, y):
            nonlocal W1, b1, W2, b2  # the listing's module-level variables
            m = len(X)
            # Forward pass
            z1 = X @ W1 + b1
            a1 = sigmoid(z1)
            z2 = a1 @ W2 + b2
            a2 = sigmoid(z2)
            # Loss
            loss = np.mean((y - a2) ** 2)
            # Backward pass
            dz2 = 2 * (a2 - y) / m * sigmoid_derivative(a2)
            dW2 = a1.T @ dz2
            db2 = np.sum(dz2, axis=0, keepdims=True)
            da1 = dz2 @ W2.T
            dz1 = da1 * sigmoid_derivative(a1)
            dW1 = X.T @ dz1
            db1 = np.sum(dz1, axis=0, keepdims=True)
            # Update weights
            W2 -= learning_rate * dW2
            b2 -= learning_rate * db2
            W1 -= learning_rate * dW1
            b1 -= learning_rate * db1
            losses.append(loss)

        return step, losses, lambda: (W1, b1, W2, b2)

    lr, beta1, beta2, eps = net.lr, 0.9, 0.999, 1e-8
    params = [W1, b1, W2, b2]
    ms = [np.zeros_like(p) for p in params]
    vs = [np.zeros_like(p) for p in params]
    t = 0

    def step(X, y):
        nonlocal t
        W1, b1, W2, b2 = params
        m = len(X)
        rows = np.arange(m)
        # Forward pass
        z1 = X @ W1 + b1
        a1 = np.maximum(0, z1)
        z2 = a1 @ W2 + b2
        # Softmax and cross-entropy
        shifted = z2 - np.max(z2, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        loss = -np.mean(log_probs[rows, y])
        # Backward pass
        dz2 = np.exp(log_probs)
        dz2[rows, y] -= 1
        dz2 /= m
        dW2 = a1.T @ dz2
        db2 = np.sum(dz2, axis=0, keepdims=True)
        da1 = dz2 @ W2.T
        dz1 = da1 * (z1 > 0)
        dW1 = X.T @ dz1
        db1 = np.sum(dz1, axis=0, keepdims=True)
        # Adam
        t += 1
        for i, g in enumerate([dW1, db1, dW2, db2]):
            ms[i] = beta1 * ms[i] + (1 - beta1) * g
            vs[i] = beta2 * vs[i] + (1 - beta2) * g ** 2
            m_hat = ms[i] / (1 - beta1 ** t)
            v_hat = vs[i] / (1 - beta2 ** t)
            params[i] -= lr * m_hat / (np.sqrt(v_hat) + eps)
        losses.append(loss)

    return step, losses, lambda: tuple(params)


def library_step(library: str, net: TinyNet, seed: int = 0):
    """``(step, losses, optimizer)`` of ``"scratchnet"`` (the fast optimizer path),
    ``"scratchnet_readable"`` (``foreach=False``) or ``"torch"`` (the twin, float64):
    the same model, optimizer and loss (:func:`experiments.common.make_optimizer`,
    :func:`~experiments.common.make_loss`), each library's training-loop step."""
    import torch_ref

    from ..common import make_loss, make_optimizer

    backend = "torch" if library == "torch" else "scratchnet"
    model = initial_model(net, seed)
    model = torch_ref.models.twin(model) if backend == "torch" else model
    kwargs = {"foreach": False} if library == "scratchnet_readable" else {}
    opt = make_optimizer(backend, model.parameters(), net.optimizer, lr=net.lr, **kwargs)
    loss_fn = make_loss(backend, net.loss)
    losses: list = []

    if backend == "torch":
        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
    else:
        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            model.backward(loss_fn.backward(), needs_input_grad=False)
            opt.step()
            losses.append(loss)

    return step, losses, opt


def _steps_for(library: str, net: TinyNet, seed: int = 0):
    if library == "raw":
        step, losses, _ = raw_step(net, seed)
    elif library in ("scratchnet", "scratchnet_readable", "torch"):
        step, losses, _ = library_step(library, net, seed)
    else:
        raise ValueError(f"unknown library {library!r}")
    return step, losses


def _data_for(library: str, net: TinyNet) -> list:
    data = batches(net)
    if library == "torch":
        import torch

        return [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
    return data


# ------------------------------------------------------------------------------ timing
def time_steps(library: str, net: TinyNet, steps: int, seed: int = 0) -> tuple[float, float, float]:
    """Train a fresh network ``steps`` steps: ``(wall-clock seconds, last loss, CPU
    seconds)``, what :func:`.measure.interleaved` times. Building the network and
    converting the data are not timed."""
    step, losses = _steps_for(library, net, seed)
    data = _data_for(library, net)
    k = len(data)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        x, y = data[i % k]
        step(x, y)
    return time.perf_counter() - wall, float(losses[-1]), time.process_time() - cpu


#: The ratios of the tiny-network table and targets, ``a/b``.
RATIOS = (("scratchnet", "raw"), ("scratchnet", "torch"), ("scratchnet_readable", "scratchnet"), ("torch", "raw"))


def tiny(steps: int, rounds: int, log=print, libraries=LIBRARIES) -> dict:
    """Every tiny network: ``rounds`` interleaved rounds (after a warm-up round) of
    ``steps`` steps of each library, the order rotated each round
    (:func:`.measure.interleaved`); per library the medians over the rounds, per pair
    :func:`.measure.ratio`: ``median_ratio`` is the ratio of the two medians (as in
    the reference workload's rows), and the per-round ratios (same round, so the same
    machine load) show the spread."""
    out = {}
    for net in NETWORKS:
        log(f"tiny networks: {net.label}, {rounds} rounds of {steps} steps")
        libs = list(libraries)
        res = measure.interleaved(libs, lambda lib, net=net: time_steps(lib, net, steps), rounds)
        row = {"label": net.label, "steps_per_round": steps, "libraries": {}}
        for lib in libs:
            row["libraries"][lib] = {"wall_us": [1e6 * t / steps for t in res[lib]["times"]],
                                     "cpu_us": [1e6 * t / steps for t in res[lib]["cpu_times"]],
                                     "median_wall_us": 1e6 * res[lib]["median"] / steps,
                                     "median_cpu_us": 1e6 * res[lib]["median_cpu"] / steps, "loss": res[lib]["loss"]}
        row["ratios"] = {f"{a}/{b}": measure.ratio(res, a, b) for a, b in RATIOS if a in libs and b in libs}
        row["scratchnet_path"] = describe_path(library_step("scratchnet", net)[2])
        row["scratchnet_readable_path"] = describe_path(library_step("scratchnet_readable", net)[2])
        row["agreement"] = agreement(net)
        row["phases"] = phases(net, steps=max(10, steps // 3))
        out[net.key] = row
    return out


def describe_path(opt) -> str:
    """Which of the optimizer's two paths a step takes (its group's ``foreach``)."""
    foreach = opt.param_groups[0]["foreach"]
    name = type(opt).__name__
    if foreach is False:
        return f"{name}(foreach=False): the readable path, _single_tensor_{name.lower()}"
    return (f"{name}(foreach={foreach}): the fast path, _multi_tensor_{name.lower()}"
            + (" (for plain SGD the same loop as the readable path)" if name == "SGD" and not opt.param_groups[0]["momentum"]
               and not opt.param_groups[0]["weight_decay"] else ""))


def agreement(net: TinyNet, steps: int = 200) -> dict:
    """The largest relative difference of the training losses over ``steps`` steps
    between the raw loop and scratchnet, and between scratchnet and torch (float64,
    same weights, same batches: only the order of the arithmetic differs)."""
    runs = {}
    for lib in ("raw", "scratchnet", "torch"):
        step, losses = _steps_for(lib, net)
        data = _data_for(lib, net)
        for i in range(steps):
            step(*data[i % len(data)])
        runs[lib] = np.array([float(x) for x in losses])

    def rel(a, b):
        return float(np.max(np.abs(a - b) / np.abs(b)))

    return {"steps": steps, "raw_vs_scratchnet": rel(runs["raw"], runs["scratchnet"]),
            "torch_vs_scratchnet": rel(runs["torch"], runs["scratchnet"])}


# ------------------------------------------------------------------------------ where the time goes
def phases(net: TinyNet, steps: int = 300, repeats: int = 5) -> dict:
    """CPU µs per step of each phase, scratchnet against the raw loop: the step run
    cut short after each phase (zero_grad; + forward; + loss; + its backward; + the
    model's backward; + the optimizer step), the phase's cost the difference of
    consecutive prefixes (min over ``repeats``). A profile of the step that needs no
    profiler, whose own overhead would swamp calls of a microsecond."""
    from ..common import make_loss, make_optimizer

    x, y = batches(net)[0]
    model = initial_model(net)
    opt = make_optimizer("scratchnet", model.parameters(), net.optimizer, lr=net.lr)
    loss_fn = make_loss("scratchnet", net.loss)
    box = {}

    def zero_grad():
        opt.zero_grad()

    def forward():
        box["out"] = model(x)

    def loss():
        box["loss"] = loss_fn(box["out"], y)

    def loss_backward():
        box["g"] = loss_fn.backward()

    def model_backward():
        model.backward(box["g"], needs_input_grad=False)

    def step():
        opt.step()

    scratch = [("zero_grad", zero_grad), ("forward", forward), ("loss", loss), ("loss backward", loss_backward),
               ("model backward", model_backward), ("optimizer step", step)]
    raw_step_fn, _, _ = raw_step(net)

    def timed(fns) -> float:
        best = float("inf")
        for _ in range(repeats):
            t = time.process_time()
            for _ in range(steps):
                for fn in fns:
                    fn()
            best = min(best, (time.process_time() - t) / steps * 1e6)
        return best

    out, prev = [], 0.0
    for k in range(len(scratch)):
        t = timed([fn for _, fn in scratch[:k + 1]])
        out.append((scratch[k][0], max(0.0, t - prev)))
        prev = t
    return {"scratchnet": out, "scratchnet_total": prev, "raw_total": timed([lambda: raw_step_fn(x, y)])}
