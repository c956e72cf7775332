"""What the CS229 experiments share: the lecture's data, its own random draws,
its own NumPy network (as a third reference), and one loop that trains a
scratchnet model and its torch twin on the same batches.

The lecture (``000_cf38cdbe29059033.txt``, "Lecture 11: Introduction to Neural
Networks") stores examples as *columns*: ``X`` is (features, samples) and
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
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

import scratchnet as sn
import torch_ref
from experiments import audit
from experiments.common import backends as _backends
from experiments.common import gap, make_optimizer, tensor
from parity_tests.compare import errors

SOURCE = "000_cf38cdbe29059033.txt"
DTYPE = np.float64
#: Order the notebook draws its models' weights in (see :func:`lecture_draws`).
NOTEBOOK_MODELS = [
    ("xor", 2, 4), ("circles", 2, 8), ("digits", 64, 32),
    ("init_small", 2, 8), ("init_large", 2, 8), ("init_xavier", 2, 8), ("init_he", 2, 8),
    ("gradient_check", 2, 3), ("hidden_vis", 64, 16),
]
INIT_SCALES = {"small": lambda n: 0.01, "large": lambda n: 1.0,
               "xavier": lambda n: np.sqrt(1.0 / n), "he": lambda n: np.sqrt(2.0 / n)}


def single_threaded(run: Callable) -> Callable:
    """Run an experiment with one BLAS thread and one torch thread.

    The lecture's matrices are tiny (at most 1797 × 64): a multi-threaded
    OpenBLAS spends more time waking threads than multiplying, and on a
    loaded 2-core machine a 288 × 64 @ 64 × 32 product measured ~4 ms instead
    of ~0.05 ms — a 20× slowdown of the whole experiment. Both backends get
    the same limit, so their timings stay comparable.
    """
    import functools

    from threadpoolctl import threadpool_limits

    @functools.wraps(run)
    def wrapped(ctx):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                return run(ctx)
        finally:
            torch.set_num_threads(threads)

    return wrapped


def claim(where: str, quantity: str, claimed, scratchnet, torch_value, **kwargs) -> dict:
    """An audit record for this lecture (see :func:`experiments.audit.claim`)."""
    return audit.claim(SOURCE, where, quantity, claimed, scratchnet, torch_value, **kwargs)


def backends(ctx) -> tuple[str, ...]:
    return _backends(ctx)


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


# ------------------------------------------------------------------- lecture's own code
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


# --------------------------------------------------------------------------- models
def lecture_pair(ctx, W1, W2, *, activation: str = "relu") -> dict:
    """``{backend: model}``: the lecture's Input → Hidden → 1 network, output
    the logit Z2, float64, with weights (W1, W2) and zero biases, in every
    backend the context asks for."""
    hidden, n_in = W1.shape
    state = {"0.weight": W1, "0.bias": np.zeros(hidden), "2.weight": W2, "2.bias": np.zeros(1)}
    return load_pair(ctx, [n_in, hidden, 1], state, activation=activation)


def load_pair(ctx, sizes, state: dict, *, activation="relu", output=None, **options) -> dict:
    """``{backend: mlp(sizes, activation, output, **options)}`` holding
    ``state`` (a scratchnet/torch ``state_dict`` of NumPy arrays) in each
    backend (``options``: ``dropout=``, ``batch_norm=`` of the builders)."""
    models = {}
    # The generator only seeds scratchnet's own dropout masks, used when torch does not run
    # (with both backends, torch draws the masks and scratchnet replays them).
    model = sn.models.mlp(sizes, activation, output, dtype=DTYPE, generator=np.random.default_rng(ctx_seed(ctx)),
                          **options)
    model.load_state_dict({k: np.asarray(v, dtype=DTYPE).copy() for k, v in state.items()})
    if "scratchnet" in ctx.backends:
        models["scratchnet"] = model
    if "torch" in ctx.backends:
        models["torch"] = torch_ref.models.twin(model, device=ctx.device)
    return models


def ctx_seed(ctx) -> int:
    return getattr(ctx, "seed", 0)


def mlp_pair(ctx, sizes, activation="relu", output=None, *, seed=0, init=None, **options) -> dict:
    """``{backend: model}`` with identical weights: scratchnet draws them
    (PyTorch's default init, or ``init(weight_param, generator)`` per Linear
    weight, biases zero then), torch gets a copy."""
    gen = np.random.default_rng(seed)
    model = sn.models.mlp(sizes, activation, output, dtype=DTYPE, generator=gen, **options)
    if init is not None:
        for layer in model:
            if isinstance(layer, sn.nn.Linear):
                init(layer.weight, gen)
                sn.nn.init.zeros_(layer.bias)
    return load_pair(ctx, sizes, model.state_dict(), activation=activation, output=output, **options)


def linear_layers(model) -> list:
    kinds = (sn.nn.Linear, torch.nn.Linear)
    return [m for m in model if isinstance(m, kinds)]


def numpy_of(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, sn.nn.Parameter):
        return x.data
    return np.asarray(x)


def forward(model, X, upto: int | None = None) -> np.ndarray:
    """Output of ``model`` (or of its first ``upto`` layers) on X, as NumPy, no
    grad, in eval mode (dropout off, batch norm on its running statistics);
    the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        return _forward(model, X, upto)
    finally:
        model.train(was_training)


def _forward(model, X, upto):
    layers = list(model)[:upto] if upto is not None else None
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            h = tensor(X, model)
            for layer in (layers if layers is not None else [model]):
                h = layer(h)
            return h.cpu().numpy()
    h = np.asarray(X, dtype=model.dtype)
    for layer in (layers if layers is not None else [model]):
        h = layer(h)
    return h


def accuracy_binary(model, X, Y) -> float:
    """Accuracy of the rule σ(Z2) > 0.5 (the lecture's ``predict``) on a logit model."""
    p = 1 / (1 + np.exp(-forward(model, X)))
    return float(np.mean((p > 0.5) == (Y > 0.5)))


def accuracy_multiclass(model, X, y) -> float:
    return float(np.mean(forward(model, X).argmax(axis=1) == y))


def weight_gaps(models: dict) -> float:
    """Relative gap between the two backends' models over all their
    parameters and buffers together (norm-wise, relative to the largest
    entry of the model).

    Taken over the whole model rather than tensor by tensor: a tensor that is
    zero up to rounding — the 'zeros' initialization's output bias, whose
    gradient mean(σ(0) − y) is 0 on balanced classes and comes out as ±1e-17
    — has no meaningful relative error of its own. When the whole model is
    zero up to rounding (largest entry below 1e-12), the absolute gap is
    returned instead."""
    if len(models) < 2:
        return float("nan")
    return state_gap(models["scratchnet"].state_dict(), torch_ref.from_torch(models["torch"]))


def state_gap(sa: dict, sb: dict) -> float:
    """:func:`weight_gaps` for two ``state_dict`` s of NumPy arrays (the keys of ``sb``)."""
    a = np.concatenate([np.ravel(sa[k]).astype(np.float64) for k in sb])
    b = np.concatenate([np.ravel(sb[k]).astype(np.float64) for k in sb])
    max_abs, max_rel = errors(a, b)
    return max_abs if max(np.abs(a).max(initial=0), np.abs(b).max(initial=0)) < 1e-12 else max_rel


# --------------------------------------------------------------------------- training
LOSSES = {"bce_with_logits": (sn.nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss),
          "cross_entropy": (sn.nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss),
          "mse": (sn.nn.MSELoss, torch.nn.MSELoss)}


def batch_plan(n: int, steps: int, batch_size: int | None, seed: int) -> list[np.ndarray | None]:
    """The index set of every step, drawn once for both backends: ``None``
    (the full batch) for every step, or consecutive mini-batches of fresh
    permutations (one per epoch, from ``np.random.default_rng(seed)``)."""
    if batch_size is None or batch_size >= n:
        return [None] * steps
    rng, plan = np.random.default_rng(seed), []
    while len(plan) < steps:
        order = rng.permutation(n)
        plan.extend(order[i:i + batch_size] for i in range(0, n, batch_size))
    return plan[:steps]


def train(models: dict, X, Y, *, steps: int, lr: float, loss: str = "bce_with_logits",
          batch_size: int | None = None, seed: int = 0, optimizer: str = "SGD", optimizer_kwargs=None,
          scheduler: tuple[str, dict] | None = None, on_grad: Callable | None = None,
          step_fn: Callable | None = None) -> dict[str, np.ndarray]:
    """Train every backend's model on the same batches; return ``{backend: costs}``.

    Each step: cost J on the batch (recorded *before* the update, as the
    lecture's ``train`` appends its cost), backward, optional
    ``on_grad(backend, model, i)`` (gradients are in place), then the
    update — ``optimizer`` (``SGD`` = the lecture's W := W − α dW) or a
    custom ``step_fn(backend, model, state)`` — and the scheduler, if any,
    stepped once per step (``("ExponentialLR", {"gamma": ...})``).
    """
    plan = batch_plan(len(X), steps, batch_size, seed)
    out = {}
    # Dropout: torch draws each step's masks, scratchnet replays them (fix_mask).
    masks: list[list[np.ndarray]] = []
    order = sorted(models, key=lambda b: b != "torch")
    for backend in order:
        model = models[backend]
        model.train()
        drops = [m for m in model.modules() if isinstance(m, (sn.nn.Dropout, torch.nn.Dropout))]
        hooks = []
        if drops and backend == "torch" and "scratchnet" in models:
            hooks = [d.register_forward_hook(_mask_recorder(masks)) for d in drops]
        is_torch = backend == "torch"
        loss_fn = LOSSES[loss][1 if is_torch else 0]()
        if is_torch:
            Xb_all, Yb_all = tensor(X, model), tensor(Y, model)
        else:
            Xb_all = np.asarray(X, dtype=model.dtype)
            Yb_all = np.asarray(Y) if loss == "cross_entropy" else np.asarray(Y, dtype=model.dtype)
        params = list(model.parameters())
        update = step_fn
        if update is None and optimizer == "SGD" and not optimizer_kwargs and scheduler is None:
            update = gradient_descent_step  # the lecture's own update, no optimizer object
        opt = None if update else make_optimizer(backend, params, optimizer, lr=lr, **(optimizer_kwargs or {}))
        sched = None
        if scheduler is not None:
            sched = _scheduler(backend, opt, *scheduler)
        state: dict = {"lr": lr}
        costs = np.empty(steps)
        idx_t = {}
        for i, idx in enumerate(plan):
            if idx is None:
                xb, yb = Xb_all, Yb_all
            elif is_torch:
                key = id(idx)
                ti = idx_t.setdefault(key, torch.as_tensor(idx, device=Xb_all.device))
                xb, yb = Xb_all[ti], Yb_all[ti]
            else:
                xb, yb = Xb_all[idx], Yb_all[idx]
            if drops and backend == "scratchnet" and masks:
                per_step = masks[i * len(drops):(i + 1) * len(drops)]
                for d, keep in zip(drops, per_step):
                    d.fix_mask(keep)
            if opt is not None:
                opt.zero_grad()
            else:
                model.zero_grad()
            if is_torch:
                value = loss_fn(model(xb), yb)
                value.backward()
                costs[i] = value.item()
            else:
                value = loss_fn(model(xb), yb)
                model.backward(loss_fn.backward())
                costs[i] = float(value)
            if on_grad is not None:
                on_grad(backend, model, i)
            if update is not None:
                if is_torch:
                    with torch.no_grad():
                        update(backend, model, state)
                else:
                    update(backend, model, state)
            else:
                opt.step()
            if sched is not None:
                sched.step()
        for h in hooks:
            h.remove()
        if drops and backend == "scratchnet":
            for d in drops:
                d.fix_mask(None)
        out[backend] = costs
    return {b: out[b] for b in models}


def _mask_recorder(masks: list):
    """A torch forward hook on ``nn.Dropout`` keeping its keep-mask M.

    M is read off the output (kept ⇔ output ≠ 0). Where the input itself is
    0 (a ReLU that is off) the mask cannot be read and does not matter: the
    output is 0 either way and the gradient is stopped by ReLU'(z) = 0 below
    it; such entries are marked kept."""
    def hook(module, inputs, output):
        if module.training:
            x = inputs[0].detach().cpu().numpy()
            masks.append((output.detach().cpu().numpy() != 0) | (x == 0))
    return hook


def gradient_descent_step(backend: str, model, state: dict) -> None:
    """The lecture's ``update_parameters``: W[l] := W[l] − α dW[l], b[l] := b[l] − α db[l]
    (what ``torch.optim.SGD(lr=α)`` does, without the optimizer object)."""
    for p in model.parameters():
        if backend == "torch":
            p.sub_(state["lr"] * p.grad)
        else:
            p.data -= state["lr"] * p.grad


def _scheduler(backend: str, opt, name: str, kwargs: dict):
    if backend == "torch":
        return getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    from scratchnet.optim import lr_scheduler

    return getattr(lr_scheduler, name)(opt, **kwargs)


def curve_gap(costs: dict) -> float:
    if "scratchnet" in costs and "torch" in costs:
        return gap(costs["scratchnet"], costs["torch"])
    return float("nan")


def per_backend(models: dict, fn: Callable) -> dict:
    return {b: fn(m) for b, m in models.items()}


def both(values: dict, key=None):
    """(scratchnet value, torch value) of a per-backend dict, None where not run."""
    get = (lambda v: v) if key is None else (lambda v: v[key])
    return (get(values["scratchnet"]) if "scratchnet" in values else None,
            get(values["torch"]) if "torch" in values else None)


def fmt_pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def finite_gaps(d: dict) -> dict:
    """Drop NaN gaps (one backend only)."""
    return {k: float(v) for k, v in d.items() if v == v}


def sizes_str(sizes: Sequence[int]) -> str:
    return "-".join(str(s) for s in sizes)


def run_lecture_network(ctx, W1, W2, X, Y, *, lr: float, steps: int) -> tuple[dict, dict, LectureNetwork]:
    """Train the lecture's network from (W1, W2) on every backend and with the
    lecture's own NumPy code; return ``(models, costs, lecture_net)`` where
    ``costs`` has a "lecture code" entry next to the backends'."""
    models = lecture_pair(ctx, W1, W2)
    costs = train(models, X, Y, steps=steps, lr=lr)
    net = LectureNetwork(W1, W2, lr)
    net.train(X.T, Y.T, steps)
    costs["lecture code"] = np.array(net.costs)
    return models, costs, net


def lecture_gaps(models: dict, costs: dict, net: LectureNetwork, prefix: str = "") -> dict:
    """Backend gaps (scratchnet vs torch) and each backend's gap to the
    lecture's own NumPy code, on the cost curve and the final weights."""
    out = {}
    if len(models) == 2:
        out[prefix + "cost curve"] = curve_gap(costs)
        out[prefix + "final weights"] = weight_gaps(models)
    lecture_state = {"0.weight": net.W1, "0.bias": net.b1.ravel(), "2.weight": net.W2, "2.bias": net.b2.ravel()}
    for backend, model in models.items():
        state = model.state_dict() if backend == "scratchnet" else torch_ref.from_torch(model)
        out[f"{prefix}{backend} vs lecture code: cost curve"] = gap(costs[backend], costs["lecture code"])
        out[f"{prefix}{backend} vs lecture code: final weights"] = state_gap(state, lecture_state)
    return out


def plot_costs(ax, costs: dict, *, logy: bool = False, label_prefix: str = "", color=None) -> None:
    """Cost curves overlaid: lecture code dotted, scratchnet solid, torch dashed."""
    styles = {"lecture code": dict(linestyle=":", linewidth=3.0, alpha=0.6, color=color or "0.4"),
              "scratchnet": dict(linestyle="-", linewidth=2.0, alpha=0.9, color=color or "C0"),
              "torch": dict(linestyle="--", linewidth=1.4, color=color or "C1")}
    for key in ("lecture code", "scratchnet", "torch"):
        if key in costs:
            ax.plot(np.arange(len(costs[key])), costs[key], label=f"{label_prefix}{key}", **styles[key])
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.grid(True, alpha=0.3)


# ----------------------------------------------------------------- 10-class digits
def he_init(weight, generator):
    """The lecture's default scale, randn·√(2/n_in) = ``kaiming_normal_(nonlinearity="relu")``."""
    return sn.nn.init.kaiming_normal_(weight, nonlinearity="relu", generator=generator)


def train_digits(ctx, sizes, activation="relu", *, data: dict, epochs: int, batch_size: int | None = 64,
                 lr: float = 0.1, init=he_init, seed: int | None = None, optimizer: str = "SGD",
                 optimizer_kwargs=None, **options) -> tuple[dict, dict]:
    """Train ``mlp(sizes, activation)`` (logits; softmax inside ``CrossEntropyLoss``)
    on ``data["X_train"], data["y_train"]`` with mini-batch SGD, the same
    batches in both backends. Returns ``(models, per-epoch mean batch costs)``."""
    seed = ctx.seed if seed is None else seed
    X, y = data["X_train"], data["y_train"]
    models = mlp_pair(ctx, sizes, activation, seed=seed, init=init, **options)
    per_epoch = 1 if batch_size is None else int(np.ceil(len(X) / batch_size))
    costs = train(models, X, y, steps=epochs * per_epoch, lr=lr, loss="cross_entropy", batch_size=batch_size,
                  seed=seed, optimizer=optimizer, optimizer_kwargs=optimizer_kwargs)
    return models, {b: c.reshape(epochs, per_epoch).mean(axis=1) for b, c in costs.items()}


_MULTICLASS_CACHE: dict = {}


def multiclass_run(ctx):
    """The 10-class digits network shared by exercises 9 and 10 (trained once
    per backend set and mode): 64 → 64 ReLU → 10 logits, He init, mini-batch
    SGD (batch 64, learning rate 0.1), 30 epochs (3 in quick mode)."""
    key = (tuple(ctx.backends), ctx.device, ctx.quick, ctx.seed)
    if key not in _MULTICLASS_CACHE:
        data = digits_multiclass(seed=ctx.seed)
        models, costs = train_digits(ctx, [64, 64, 10], "relu", data=data, epochs=3 if ctx.quick else 30)
        _MULTICLASS_CACHE.clear()
        _MULTICLASS_CACHE[key] = (models, costs, data)
    return _MULTICLASS_CACHE[key]


def save(fig, ctx, name: str) -> list:
    """``[path]`` of the saved PNG, or ``[]`` in quick mode: rendering a figure
    (layout, legends, ``bbox_inches="tight"``) costs 0.3–1 s, most of a quick
    run, so quick mode draws nothing (as the Chapter 15 experiments do); the
    XOR experiment always saves its one small figure, so the tests still run
    the figure path."""
    import matplotlib.pyplot as plt

    from experiments.common import save_fig

    if ctx.quick:
        plt.close(fig)
        return []
    return [save_fig(fig, ctx, name)]
