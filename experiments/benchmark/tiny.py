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
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


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


def scratchnet_step(net: TinyNet, seed: int = 0, foreach: bool | None = None):
    """``(step, losses, optimizer)`` of scratchnet, the training loop's step."""
    import scratchnet as sn

    model = initial_model(net, seed)
    opt = getattr(sn.optim, net.optimizer)(model.parameters(), lr=net.lr, foreach=foreach)
    loss_fn = sn.nn.MSELoss() if net.loss == "mse" else sn.nn.CrossEntropyLoss()
    losses: list = []

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        model.backward(loss_fn.backward(), needs_input_grad=False)
        opt.step()
        losses.append(loss)

    return step, losses, opt


def torch_step(net: TinyNet, seed: int = 0):
    """``(step, losses, model)`` of the torch twin (float64, same initial weights)."""
    import torch

    import torch_ref

    model = torch_ref.models.twin(initial_model(net, seed))
    opt = getattr(torch.optim, net.optimizer)(model.parameters(), lr=net.lr)
    loss_fn = torch.nn.MSELoss() if net.loss == "mse" else torch.nn.CrossEntropyLoss()
    losses: list = []

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())

    return step, losses, model


def _steps_for(library: str, net: TinyNet, seed: int = 0):
    if library == "raw":
        step, losses, _ = raw_step(net, seed)
    elif library == "scratchnet":
        step, losses, _ = scratchnet_step(net, seed)
    elif library == "scratchnet_readable":
        step, losses, _ = scratchnet_step(net, seed, foreach=False)
    elif library == "torch":
        step, losses, _ = torch_step(net, seed)
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
def time_steps(library: str, net: TinyNet, steps: int, seed: int = 0) -> dict:
    """Train a fresh network ``steps`` steps; the wall-clock and CPU time per step
    (µs), and the last loss. Building the network and converting the data are not timed."""
    step, losses = _steps_for(library, net, seed)
    data = _data_for(library, net)
    k = len(data)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        x, y = data[i % k]
        step(x, y)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_us": 1e6 * wall / steps, "cpu_us": 1e6 * cpu / steps, "loss": float(losses[-1])}


def tiny(steps: int, rounds: int, log=print, libraries=LIBRARIES) -> dict:
    """Every tiny network: ``rounds`` interleaved rounds (after a warm-up round) of
    ``steps`` steps of each library, the order rotated each round; medians and the
    per-round ratios (same round, so the same machine load)."""
    out = {}
    for net in NETWORKS:
        log(f"tiny networks: {net.label}, {rounds} rounds of {steps} steps")
        libs = list(libraries)
        times = {lib: [] for lib in libs}
        last = {}
        for r in range(rounds + 1):
            k = r % len(libs)
            for lib in libs[k:] + libs[:k]:
                res = time_steps(lib, net, steps)
                last[lib] = res["loss"]
                if r > 0:
                    times[lib].append(res)
        row = {"label": net.label, "steps_per_round": steps, "libraries": {}}
        for lib in libs:
            wall = [t["wall_us"] for t in times[lib]]
            cpu = [t["cpu_us"] for t in times[lib]]
            row["libraries"][lib] = {"wall_us": wall, "cpu_us": cpu, "median_wall_us": float(np.median(wall)),
                                     "median_cpu_us": float(np.median(cpu)), "loss": last[lib]}
        row["ratios"] = {}
        for a, b in (("scratchnet", "raw"), ("scratchnet", "torch"), ("scratchnet_readable", "scratchnet"),
                     ("torch", "raw")):
            if a in libs and b in libs:
                per_round = [x["wall_us"] / y["wall_us"] for x, y in zip(times[a], times[b])]
                per_round_cpu = [x["cpu_us"] / y["cpu_us"] for x, y in zip(times[a], times[b])]
                row["ratios"][f"{a}/{b}"] = {
                    "median_ratio": float(np.median(per_round)), "per_round": per_round,
                    "median_ratio_cpu": float(np.median(per_round_cpu)), "per_round_cpu": per_round_cpu,
                    "per_round_min": min(per_round), "per_round_max": max(per_round)}
        opt = scratchnet_step(net)[2]
        row["scratchnet_path"] = describe_path(opt)
        row["scratchnet_readable_path"] = describe_path(scratchnet_step(net, foreach=False)[2])
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
    import scratchnet as sn

    x, y = batches(net)[0]
    model = initial_model(net)
    opt = getattr(sn.optim, net.optimizer)(model.parameters(), lr=net.lr)
    loss_fn = sn.nn.MSELoss() if net.loss == "mse" else sn.nn.CrossEntropyLoss()
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
