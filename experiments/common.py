"""Helpers every experiment shares: one architecture built in both backends
with identical weights, a lecture's own ``np.random.seed`` initialization, one
trainer that feeds both backends the same batches, and plotting.

The training step is the same four lines in both libraries except the one
that is the point of the lectures (DESIGN.md)::

    # scratchnet                               # PyTorch
    opt.zero_grad()                            opt.zero_grad()
    loss = loss_fn(model(x), y)                loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())         loss.backward()
    opt.step()                                 opt.step()
"""

from __future__ import annotations

import os
import pathlib
from typing import Callable, Iterable, Sequence

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import scratchnet as sn  # noqa: E402
import torch_ref  # noqa: E402
from parity_tests.compare import errors  # noqa: E402

from .base import BACKENDS, Context  # noqa: E402

#: The lecture reproductions run in float64: the parity reference.
DTYPE = np.float64

#: Line styles that tell the backends apart in every overlaid plot.
#: scratchnet: a wide translucent line; torch: a thin dashed line drawn on top of it.
STYLE = {"scratchnet": dict(color="C0", linestyle="-", linewidth=3.5, alpha=0.45),
         "torch": dict(color="C1", linestyle="--", linewidth=1.3)}


# ----------------------------------------------------------------------------- backends
def backends(ctx: Context) -> tuple[str, ...]:
    """The backends to compute, in table order."""
    return tuple(b for b in BACKENDS if b in ctx.backends)


def gap(mine, theirs) -> float:
    """Norm-wise max relative error between the backends (what ``backend_gap`` holds)."""
    return errors(mine, theirs)[1]


def gaps(values: dict[str, dict]) -> dict[str, float]:
    """``{quantity: gap}`` from ``{"scratchnet": {q: v}, "torch": {q: v}}``
    (empty when fewer than two backends ran)."""
    if "scratchnet" not in values or "torch" not in values:
        return {}
    return {q: gap(values["scratchnet"][q], values["torch"][q]) for q in values["scratchnet"]
            if q in values["torch"]}


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of a NumPy array, a torch tensor or a Parameter."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, sn.nn.Parameter):
        return x.data.copy()
    return np.asarray(x)


def tensor(x, like: torch.nn.Module | None = None, *, dtype=DTYPE, device="cpu") -> torch.Tensor:
    """The same numbers as a torch tensor, with ``like``'s dtype and device
    (or ``dtype``/``device``). Integer arrays (class labels) stay int64."""
    arr = np.asarray(x)
    if like is not None:
        ref = next(like.parameters())
        dtype, device = ref.dtype, ref.device
    elif not isinstance(dtype, torch.dtype):
        dtype = torch_ref.models.torch_dtype(dtype)
    if arr.dtype.kind in "iu":
        return torch.as_tensor(arr, dtype=torch.int64, device=device)
    return torch.as_tensor(np.array(arr, copy=True), device=device).to(dtype)


# ------------------------------------------------------------------------------- models
def build_pair(sizes: Sequence[int], activation: str = "relu", output: str | None = None, *,
               dtype=DTYPE, seed: int = 0, device="cpu", bias: bool = True):
    """``(scratch_model, torch_model)``: ``mlp(sizes, activation, output)`` in
    both libraries with identical weights (PyTorch's default initialization,
    drawn once from ``np.random.default_rng(seed)`` and copied exactly into
    the torch twin through ``torch_ref.models.twin``)."""
    model = sn.models.mlp(sizes, activation, output, bias=bias, dtype=dtype,
                          generator=np.random.default_rng(seed))
    return model, torch_ref.models.twin(model, device=device)


def linears(model) -> list:
    """The Linear layers of either backend's ``mlp``, in order."""
    kinds = (sn.nn.Linear, torch.nn.Linear)
    return [m for m in model if isinstance(m, kinds)]


def lecture_init(models: Iterable, draws: Sequence, *, seed: int | np.random.RandomState = 42,
                 layout: str = "in_out", biases: Sequence | None = None) -> list[np.ndarray]:
    """Reproduce a lecture's own ``np.random.seed(seed); W = np.random.randn(...) * s``
    initialization and load it into every model given (either backend; ``None``
    entries are skipped).

    draws:  one entry per Linear layer, in the lecture's drawing order:
            ``(shape, scale)`` — ``np.random.randn(*shape) * scale`` in the
            lecture's own layout; ``(shape, None)`` — zeros, drawing nothing
            (e.g. CS229's ``np.zeros`` init); or an array (used as is).
    seed:   the lecture's ``np.random.seed`` (a legacy ``RandomState`` stream,
            like the lecture's) or a ``RandomState`` to continue a stream.
    layout: how the lecture stores W: ``"in_out"`` (Chapter 15: ``X @ W``,
            W is (in, out), transposed into ``Linear.weight``) or ``"out_in"``
            (CS229: ``W @ X`` with examples as columns, W is (out, in) —
            already ``Linear.weight``'s layout).
    biases: the lecture's biases per layer (any shape holding out_features
            numbers, e.g. (1, 4) or (4, 1)); default zeros, as both lectures.

    Returns the weights in ``Linear.weight``'s (out, in) layout.

    Note: the draws follow the lecture's order, so a lecture that draws W1,
    then b1, then W2 must be given its draws in that order.
    """
    if layout not in ("in_out", "out_in"):
        raise ValueError(f"layout must be 'in_out' (X @ W) or 'out_in' (W @ X), got {layout!r}")
    rng = seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)
    weights = []
    for entry in draws:
        if isinstance(entry, np.ndarray):
            w = np.array(entry, dtype=np.float64)
        else:
            shape, scale = entry
            w = np.zeros(shape) if scale is None else rng.randn(*shape) * scale
        weights.append(w.T.copy() if layout == "in_out" else w)
    for model in models:
        if model is None:
            continue
        layers = linears(model)
        if len(layers) != len(weights):
            raise ValueError(f"lecture_init: {len(weights)} weight draws for {len(layers)} Linear layers")
        state = {}
        names = [name for name, m in model.named_modules() if isinstance(m, (sn.nn.Linear, torch.nn.Linear))]
        for i, (name, layer, w) in enumerate(zip(names, layers, weights)):
            if tuple(w.shape) != tuple(layer.weight.shape):
                raise ValueError(f"lecture_init: layer {name} weight is {tuple(layer.weight.shape)} "
                                 f"(out, in), the lecture's draw gives {w.shape} in layout {layout!r}")
            state[f"{name}.weight"] = w
            if layer.bias is not None:
                b = np.zeros(layer.bias.shape) if biases is None else np.reshape(biases[i], layer.bias.shape)
                state[f"{name}.bias"] = np.asarray(b, dtype=np.float64)
        if isinstance(model, torch.nn.Module):
            ref = next(model.parameters())
            model.load_state_dict({k: torch.as_tensor(v, device=ref.device).to(ref.dtype)
                                   for k, v in state.items()})
        else:
            model.load_state_dict(state)
    return weights


# ------------------------------------------------------------------------------- losses
#: Loss functions by name: (scratchnet class, torch class), same semantics.
LOSSES: dict[str, tuple[Callable, Callable]] = {
    "mse": (sn.nn.MSELoss, torch.nn.MSELoss),
    "bce": (sn.nn.BCELoss, torch.nn.BCELoss),
    "bce_with_logits": (sn.nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss),
    "cross_entropy": (sn.nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss),
    "nll": (sn.nn.NLLLoss, torch.nn.NLLLoss),
}


# --------------------------------------------------------------------------- optimizers
def make_optimizer(backend: str, params, name: str = "SGD", **kwargs):
    """``torch.optim.<name>(params, **kwargs)`` or its scratchnet mirror
    ``scratchnet.optim.<name>`` — the same class name, arguments and arithmetic."""
    module = torch.optim if backend == "torch" else sn.optim
    if not hasattr(module, name):
        raise ValueError(f"no optimizer {name!r} in {module.__name__}")
    return getattr(module, name)(params, **kwargs)


# ------------------------------------------------------------------------------ trainer
def loaders(X, Y, batch_size: int | None, seed: int, *, dtype=DTYPE, device="cpu"):
    """``(scratchnet_loader, torch_loader)`` over the same data that will draw
    the same batches: the full batch (``batch_size=None``), or mini-batches of
    a fresh permutation per epoch from ``np.random.default_rng(seed)`` — one
    stream, copied into the torch loader before either draws."""
    from scratchnet.data import DataLoader, TensorDataset
    from torch_ref.data import DataLoader as TorchDataLoader

    Xn = np.asarray(X, dtype=dtype)
    Yn = np.asarray(Y)
    Yn = Yn if Yn.dtype.kind in "iu" else Yn.astype(dtype)
    n = len(Xn)
    shuffle = batch_size is not None and batch_size < n
    loader = DataLoader(TensorDataset(Xn, Yn), batch_size=batch_size if shuffle else n, shuffle=shuffle,
                        generator=np.random.default_rng(seed) if shuffle else None)
    return loader, TorchDataLoader.from_scratchnet(loader, device=device)


def train_pair(scratch_model, torch_model, X, Y, *, loss: str = "mse", lr: float, epochs: int,
               batch_size: int | None = None, optimizer: str = "SGD", optimizer_kwargs: dict | None = None,
               seed: int = 0, backends: Sequence[str] = BACKENDS, loss_kwargs: dict | None = None,
               on_step: Callable | None = None, progress: bool = False) -> dict[str, np.ndarray]:
    """Train both models on the same batches; return each backend's loss curve.

    The loop is ``scratchnet.train.fit`` and ``torch_ref.train.fit`` (the same
    loop in both libraries), with ``optim.<optimizer>(lr=lr, **optimizer_kwargs)``
    and ``loss`` from :data:`LOSSES`. Each epoch visits ``X`` in mini-batches
    of ``batch_size`` (default: the full batch, as the lectures do), in an order
    drawn from ``np.random.default_rng(seed)`` once for both backends (see
    :func:`loaders`). The recorded loss of an epoch is the sample-weighted mean
    of its batch losses, each computed *before* that batch's update (as the
    lectures record theirs). ``on_step(backend, model, epoch)`` is called after
    each epoch.

    Returns ``{backend: losses}`` with ``losses`` of shape ``(epochs,)``.
    """
    from scratchnet.train import fit as scratch_fit
    from torch_ref.train import fit as torch_fit

    loss_kwargs = loss_kwargs or {}
    optimizer_kwargs = dict(optimizer_kwargs or {}, lr=lr)
    dtype = (scratch_model.dtype if scratch_model is not None
             else np.dtype(str(next(torch_model.parameters()).dtype).split(".")[-1]))
    device = next(torch_model.parameters()).device if torch_model is not None else "cpu"
    scratch_loader, torch_loader = loaders(X, Y, batch_size, seed, dtype=dtype, device=device)
    runs = []
    if "scratchnet" in backends and scratch_model is not None:
        runs.append(("scratchnet", scratch_model, scratch_loader, scratch_fit, 0))
    if "torch" in backends and torch_model is not None:
        runs.append(("torch", torch_model, torch_loader, torch_fit, 1))
    histories: dict[str, np.ndarray] = {}
    for backend, model, loader, fit, side in runs:
        loss_fn = LOSSES[loss][side](**loss_kwargs)
        opt = make_optimizer(backend, model.parameters(), optimizer, **optimizer_kwargs)
        if on_step is None:
            curve = fit(model, loss_fn, opt, loader, epochs, progress=progress).epoch_loss
        else:
            curve = []
            for epoch in range(epochs):
                curve += fit(model, loss_fn, opt, loader, 1, progress=False).epoch_loss
                on_step(backend, model, epoch)
        histories[backend] = np.asarray(curve, dtype=np.float64)
    return histories


def predict(model, X) -> np.ndarray:
    """Forward ``X`` through either backend's model (no gradient), as NumPy."""
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return model(tensor(X, model)).cpu().numpy()
    return model(np.asarray(X, dtype=model.dtype))


def weights_gap(scratch_model, torch_model) -> float:
    """Largest relative gap over all parameters of the two models."""
    ws, wt = scratch_model.state_dict(), torch_ref.from_torch(torch_model)
    return max(gap(ws[k], wt[k]) for k in ws)


# ------------------------------------------------------------------------------ figures
def save_fig(fig, ctx: Context, name: str) -> pathlib.Path | None:
    """Save ``fig`` as ``ctx.out/<name>.png`` (small, for the report), close it,
    and return the path (``None``, drawing nothing, when ``ctx.plots`` is off;
    the runner drops those from ``Result.figures``)."""
    if not ctx.plots:
        plt.close(fig)
        return None
    ctx.out.mkdir(parents=True, exist_ok=True)
    path = ctx.out / (name if name.endswith(".png") else f"{name}.png")
    fig.savefig(path, dpi=80 if ctx.quick else 100, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_curves(ctx: Context, name: str, curves: dict[str, dict[str, np.ndarray]], *, title: str,
                xlabel: str = "epoch", ylabel: str = "loss", logy: bool = False) -> pathlib.Path | None:
    """Loss curves, both backends overlaid: ``curves = {label: {backend: values}}``
    (scratchnet solid, torch dashed; one colour per label)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (label, per_backend) in enumerate(curves.items()):
        for backend, values in per_backend.items():
            style = dict(STYLE[backend], color=f"C{i}")
            ax.plot(np.arange(len(values)), values, label=f"{label} ({backend})", **style)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return save_fig(fig, ctx, name)


def grid_for(X: np.ndarray, h: float = 0.02, pad: float = 0.5):
    """``(xx, yy, points)``: a mesh over the 2-D data ``X`` (as the CS229 lecture's)."""
    x_min, x_max = X[:, 0].min() - pad, X[:, 0].max() + pad
    y_min, y_max = X[:, 1].min() - pad, X[:, 1].max() + pad
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    return xx, yy, np.c_[xx.ravel(), yy.ravel()]


def plot_boundary(ax, X, y, xx, yy, probs: dict[str, np.ndarray], level: float = 0.5) -> None:
    """Decision boundaries of both backends overlaid on the data: the first
    backend's probability as filled contours, each backend's ``level`` line
    (scratchnet solid, torch dashed)."""
    first = next(iter(probs.values())).reshape(xx.shape)
    ax.contourf(xx, yy, first, levels=[0, level, 1], alpha=0.35, cmap="RdBu_r")
    for backend, p in probs.items():
        st = STYLE[backend]
        ax.contour(xx, yy, p.reshape(xx.shape), levels=[level], colors=st["color"],
                   linestyles=st["linestyle"], linewidths=st["linewidth"])
    y = np.ravel(y)
    ax.scatter(X[y == 0, 0], X[y == 0, 1], c="tab:blue", edgecolors="k", s=25, label="class 0")
    ax.scatter(X[y == 1, 0], X[y == 1, 1], c="tab:red", marker="s", edgecolors="k", s=25, label="class 1")
    handles = [plt.Line2D([], [], **{k: v for k, v in STYLE[b].items() if k != "alpha"}, label=f"boundary ({b})")
               for b in probs]
    ax.legend(handles=ax.get_legend_handles_labels()[0] + handles, fontsize=8)


def quick_or_full(ctx: Context, quick, full):
    """``quick`` in quick mode, else ``full`` (epochs, sample sizes, ...)."""
    return quick if ctx.quick else full


def set_threads() -> None:
    """Keep torch to the 2 cores the main job is budgeted for (the tiny
    lecture networks run fastest single-threaded anyway)."""
    torch.set_num_threads(max(1, min(int(os.environ.get("SCRATCHNET_THREADS", "1")), os.cpu_count() or 1)))


# ------------------------------------------------------------------ element-wise modules
#: Element-wise activation modules by name, in both backends (Chapter 15's table).
ACTIVATION_MODULES: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sn.nn.Sigmoid, torch.nn.Sigmoid),
    "tanh": (sn.nn.Tanh, torch.nn.Tanh),
    "relu": (sn.nn.ReLU, torch.nn.ReLU),
    "leaky_relu": (sn.nn.LeakyReLU, torch.nn.LeakyReLU),
    "identity": (sn.nn.Identity, torch.nn.Identity),
}


def activation_and_derivative(backend: str, name: str, z, *, device="cpu", **kwargs):
    """``(g(z), g'(z))`` from one backend's activation module: scratchnet's
    explicit ``backward`` of ones, torch's autograd. Element-wise activations."""
    z = np.asarray(z, dtype=DTYPE)
    if backend == "scratchnet":
        module = ACTIVATION_MODULES[name][0](**kwargs)
        out = module(z)
        return out.copy(), module.backward(np.ones_like(out))
    module = ACTIVATION_MODULES[name][1](**kwargs)
    zt = tensor(z, device=device).requires_grad_(True)
    out = module(zt)
    out.backward(torch.ones_like(out))
    return to_numpy(out), to_numpy(zt.grad)
