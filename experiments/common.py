"""The one harness every experiment uses, whatever its lecture.

* **Backends**: ``"scratchnet"`` and ``"torch"``; a name such as ``"MSELoss"``,
  ``"SGD"`` or ``"ExponentialLR"`` is looked up in each library's ``nn``,
  ``optim`` or ``optim.lr_scheduler`` (:func:`make_loss`, :func:`make_optimizer`,
  :func:`make_scheduler`): the two libraries mirror each other name for name.
* **Models** are always ``{backend: model}`` (:func:`make_models`): scratchnet
  draws the weights (or loads the lecture's), the torch twin gets an exact copy.
* **One trainer**, :func:`train`: ``scratchnet.train.fit`` and
  ``torch_ref.train.fit`` on the same batches, with the hooks an experiment
  needs (``on_step``: a callback each step, gradients in place; ``step``: an
  update rule written by hand) — never a loop of its own.
* **One array rule**: :func:`to_numpy` returns a fresh NumPy copy of anything
  (array, tensor, Parameter); :func:`tensor` and :func:`predict` go the other way.
* **One plot rule**: draw with matplotlib, then ``save_fig(fig, ctx, name)``,
  which writes ``ctx.out/<name>.png`` when ``ctx.plots`` is on and returns
  ``None`` (drawing nothing) when it is off; the runner drops the ``None`` s
  from ``Result.figures``. Overlaid backends use :data:`STYLE`.

The training step is the same four lines in both libraries except the one
that is the point of the lectures (DESIGN.md)::

    # scratchnet                               # PyTorch
    opt.zero_grad()                            opt.zero_grad()
    loss = loss_fn(model(x), y)                loss = loss_fn(model(x), y)
    model.backward(loss_fn.backward())         loss.backward()
    opt.step()                                 opt.step()
"""

from __future__ import annotations

import contextlib
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
from scratchnet.models import ACTIVATIONS, OUTPUTS, build  # noqa: E402

from .base import BACKENDS, Context  # noqa: E402

#: The lecture reproductions run in float64: the parity reference.
DTYPE = np.float64

#: Each backend's library: ``nn``, ``optim`` and ``optim.lr_scheduler`` hold the same names.
LIBRARIES = {"scratchnet": sn, "torch": torch}

#: Loss functions by the short names experiments use: the class name in each library's ``nn``.
LOSSES = {"mse": "MSELoss", "bce": "BCELoss", "bce_with_logits": "BCEWithLogitsLoss",
          "cross_entropy": "CrossEntropyLoss", "nll": "NLLLoss"}


# ----------------------------------------------------------------------------- backends
def backends(ctx: Context) -> tuple[str, ...]:
    """The backends to compute, in table order."""
    return tuple(b for b in BACKENDS if b in ctx.backends)


def make_loss(backend: str, name: str, **kwargs):
    """The loss ``LOSSES[name]`` (e.g. ``"bce"`` → ``BCELoss``) of one backend."""
    return getattr(LIBRARIES[backend].nn, LOSSES[name])(**kwargs)


def make_activation(backend: str, name: str):
    """The activation or output module ``name`` (of ``scratchnet.models.ACTIVATIONS``
    or ``OUTPUTS``, e.g. ``"relu"``, ``"softmax"``) in one backend."""
    return build(LIBRARIES[backend].nn, ACTIVATIONS if name in ACTIVATIONS else OUTPUTS, name)


def make_optimizer(backend: str, params, name: str = "SGD", **kwargs):
    """``torch.optim.<name>(params, **kwargs)`` or its scratchnet mirror
    ``scratchnet.optim.<name>`` — the same class name, arguments and arithmetic."""
    module = LIBRARIES[backend].optim
    if not hasattr(module, name):
        raise ValueError(f"no optimizer {name!r} in {module.__name__}")
    return getattr(module, name)(params, **kwargs)


def make_parameter(backend: str, values, device="cpu"):
    """A learnable ``Parameter`` holding ``values`` (float64) in one backend."""
    if backend == "torch":
        return torch.nn.Parameter(tensor(values, device=device))
    return sn.nn.Parameter(np.asarray(values, dtype=DTYPE))


def make_scheduler(backend: str, optimizer, name: str, **kwargs):
    """``<library>.optim.lr_scheduler.<name>(optimizer, **kwargs)`` of one backend."""
    return getattr(LIBRARIES[backend].optim.lr_scheduler, name)(optimizer, **kwargs)


# ------------------------------------------------------------------------------- arrays
def to_numpy(x) -> np.ndarray:
    """A fresh NumPy copy of an array, a list, a torch tensor or a Parameter: the caller
    may keep it while the model trains on (it never shares memory with the model)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    elif isinstance(x, sn.nn.Parameter):
        x = x.data
    return np.array(x, copy=True)


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


def predict(model, X, upto: int | None = None) -> np.ndarray:
    """The output of ``model`` (either backend), or of its first ``upto`` layers, on X:
    as NumPy, without gradients, in eval mode (dropout off, batch norm on its running
    statistics); the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        layers = list(model)[:upto] if upto is not None else [model]
        if isinstance(model, torch.nn.Module):
            with torch.no_grad():
                h = tensor(X, model)
                for layer in layers:
                    h = layer(h)
        else:
            h = np.asarray(X, dtype=model.dtype)
            for layer in layers:
                h = layer(h)
        return to_numpy(h)
    finally:
        model.train(was_training)


def module_output(backend: str, module, x, *, device="cpu") -> np.ndarray:
    """What one module of ``backend`` (an activation, say) gives on the array ``x``, as NumPy."""
    if backend == "torch":
        with torch.no_grad():
            return to_numpy(module(tensor(x, device=device)))
    return to_numpy(module(np.asarray(x, dtype=DTYPE)))


def loss_and_backward(backend: str, model, loss: str, X, Y, **loss_kwargs) -> float:
    """One pass of ``model`` (either backend) on (X, Y) in training mode: zero the
    gradients, J = ``make_loss(backend, loss)``(model(X), Y), and backpropagate —
    scratchnet explicitly, torch by autograd. Returns J; each parameter's ``.grad``
    then holds dJ/dθ."""
    model.zero_grad()
    loss_fn = make_loss(backend, loss, **loss_kwargs)
    if isinstance(model, torch.nn.Module):
        value = loss_fn(model(tensor(X, model)), tensor(Y, model))
        value.backward()                                   # autograd
        return value.item()
    Y = np.asarray(Y)
    value = loss_fn(model(np.asarray(X, dtype=model.dtype)), Y if Y.dtype.kind in "iu" else Y.astype(model.dtype))
    model.backward(loss_fn.backward())                     # the explicit backward pass
    return float(value)


def loss_value(backend: str, model, loss: str, X, Y, **loss_kwargs) -> float:
    """J = ``make_loss(backend, loss)``(model(X), Y) of either backend's model, without
    gradients (the model stays in its mode)."""
    loss_fn = make_loss(backend, loss, **loss_kwargs)
    if isinstance(model, torch.nn.Module):
        with torch.no_grad():
            return float(loss_fn(model(tensor(X, model)), tensor(Y, model)))
    Y = np.asarray(Y)
    return float(loss_fn(model(np.asarray(X, dtype=model.dtype)), Y if Y.dtype.kind in "iu" else Y.astype(model.dtype)))


def gradients(model) -> dict[str, np.ndarray]:
    """``{parameter name: dJ/dθ}`` of either backend's model, as NumPy copies."""
    return {name: to_numpy(p.grad) for name, p in model.named_parameters()}


def accuracy_binary(model, X, Y) -> float:
    """Accuracy of the rule σ(Z) > 0.5 on a model whose output is the logit Z."""
    p = 1 / (1 + np.exp(-predict(model, X)))
    return float(np.mean((p > 0.5) == (Y > 0.5)))


def accuracy_multiclass(model, X, y) -> float:
    """Accuracy of the largest output (logits or probabilities) against class labels ``y``."""
    return float(np.mean(predict(model, X).argmax(axis=1) == y))


# ------------------------------------------------------------------------------- models
def linears(model) -> list:
    """The Linear layers of either backend's ``mlp``, in order."""
    kinds = (sn.nn.Linear, torch.nn.Linear)
    return [m for m in model if isinstance(m, kinds)]


def make_models(ctx: Context, sizes: Sequence[int], activation: str = "relu", output: str | None = None, *,
                seed: int | None = None, init: Callable | None = None, state: dict | None = None,
                bias: bool = True, **options) -> dict:
    """``{backend: mlp(sizes, activation, output, bias=, **options)}`` for the backends of
    ``ctx``, float64, with identical weights.

    scratchnet draws them — PyTorch's default initialization from
    ``np.random.default_rng(seed)`` (default ``ctx.seed``), or, with ``init``,
    ``init(weight, generator)`` for each Linear weight from that generator and zero
    biases — or loads ``state`` (a ``state_dict`` of NumPy arrays: a lecture's own
    weights); the torch twin (``torch_ref.models.twin``, on ``ctx.device``) gets an
    exact copy. ``options``: the builders' ``dropout=``, ``batch_norm=``, ``residual=``.
    With dropout, scratchnet's masks (used when torch does not run: with both
    backends :func:`train` hands scratchnet torch's masks) come from the generator
    ``np.random.default_rng(ctx.seed)`` that built the model.
    """
    seed = ctx.seed if seed is None else seed
    # The model's own generator draws its dropout masks (when torch does not run): ctx.seed's.
    model = sn.models.mlp(sizes, activation, output, bias=bias, dtype=DTYPE, generator=np.random.default_rng(ctx.seed),
                          **options)
    if seed != ctx.seed or init is not None:
        generator = np.random.default_rng(seed)
        drawn = sn.models.mlp(sizes, activation, output, bias=bias, dtype=DTYPE, generator=generator, **options)
        for layer in (linears(drawn) if init is not None else []):
            init(layer.weight, generator)
            if layer.bias is not None:
                sn.nn.init.zeros_(layer.bias)
        state = drawn.state_dict() if state is None else state
    if state is not None:
        model.load_state_dict({k: np.asarray(v, dtype=DTYPE).copy() for k, v in state.items()})
    models = {}
    if "scratchnet" in ctx.backends:
        models["scratchnet"] = model
    if "torch" in ctx.backends:
        models["torch"] = torch_ref.models.twin(model, device=ctx.device)
    return models


def state_dict(model) -> dict[str, np.ndarray]:
    """Either backend's ``state_dict`` as NumPy arrays (copies)."""
    if isinstance(model, torch.nn.Module):
        return torch_ref.from_torch(model)
    return {k: to_numpy(v) for k, v in model.state_dict().items()}


def lecture_init(models: Iterable, draws: Sequence, *, seed: int | np.random.RandomState = 42,
                 layout: str = "in_out", biases: Sequence | None = None) -> list[np.ndarray]:
    """Reproduce a lecture's own ``np.random.seed(seed); W = np.random.randn(...) * s``
    initialization and load it into every model given (either backend: a
    ``{backend: model}`` dict or any iterable of models).

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
    for model in (models.values() if isinstance(models, dict) else models):
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


# ------------------------------------------------------------------------------ trainer
class FullBatch:
    """The whole data set as the one batch of every epoch — the lectures' (full-batch)
    gradient descent. A loader for ``fit`` (iterable, with ``len``) that hands out the
    same arrays or tensors each epoch: the batch a ``DataLoader`` of
    ``batch_size=len(X)`` would cut, without cutting it again every epoch (thousands
    of epochs of a 4-example XOR spend most of their time there otherwise)."""

    def __init__(self, X, Y):
        self.batch = (X, Y)

    def __len__(self) -> int:
        return 1

    def __iter__(self):
        return iter((self.batch,))


def loaders(X, Y, batch_size: int | None, seed: int, *, dtype=DTYPE, device="cpu"):
    """``(scratchnet_loader, torch_loader)`` over the same data that will draw
    the same batches: the full batch (``batch_size=None`` or ≥ the data:
    :class:`FullBatch`), or mini-batches of a fresh permutation per epoch from
    ``np.random.default_rng(seed)`` — one stream, copied into the torch loader
    (``torch_ref.data.DataLoader.from_scratchnet``) before either draws."""
    from scratchnet.data import DataLoader, TensorDataset
    from torch_ref.data import DataLoader as TorchDataLoader

    Xn = np.asarray(X, dtype=dtype)
    Yn = np.asarray(Y)
    Yn = Yn if Yn.dtype.kind in "iu" else Yn.astype(dtype)
    if batch_size is None or batch_size >= len(Xn):
        Xt, Yt = (torch.from_numpy(np.ascontiguousarray(a.astype(np.int64) if a.dtype.kind in "iu" else a))
                  .to(device) for a in (Xn, Yn))
        return FullBatch(Xn, Yn), FullBatch(Xt, Yt)
    loader = DataLoader(TensorDataset(Xn, Yn), batch_size=batch_size, shuffle=True,
                        generator=np.random.default_rng(seed))
    return loader, TorchDataLoader.from_scratchnet(loader, device=device)


def gradient_descent(params: list, state: dict) -> None:
    """The lectures' update ``W[l] := W[l] − α dW[l]``, ``b[l] := b[l] − α db[l]`` (α = ``state["lr"]``),
    written out for either backend (``p.data`` and ``p.grad`` are arrays in scratchnet,
    tensors in torch): a ``step`` for :func:`train`."""
    for p in params:
        p.data -= state["lr"] * p.grad


def train(models: dict, X, Y, *, loss: str, lr: float, epochs: int, batch_size: int | None = None, seed: int = 0,
          optimizer: str = "SGD", optimizer_kwargs: dict | None = None, scheduler: tuple[str, dict] | None = None,
          step: Callable | None = None, on_step: Callable | None = None, on_epoch: Callable | None = None,
          loss_kwargs: dict | None = None) -> dict:
    """Train every backend's model on the same batches; return ``{backend: History}``.

    Each backend runs its own library's loop — ``scratchnet.train.fit`` or
    ``torch_ref.train.fit`` — with ``make_loss(backend, loss, **loss_kwargs)`` and
    ``<library>.optim.<optimizer>(lr=lr, **optimizer_kwargs)``; ``scheduler``
    (``("ExponentialLR", {"gamma": ...})``) is stepped once per epoch. Each epoch visits
    ``X`` in mini-batches of ``batch_size`` (default: the full batch, as the lectures
    do) in an order drawn from ``np.random.default_rng(seed)`` once for both backends
    (:func:`loaders`). ``History.step_loss`` holds every step's loss, computed *before*
    that step's update (as the lectures record their costs); ``History.epoch_loss``
    the sample-weighted mean over each epoch.

    Hooks, each called with the backend, the model and a counter:

    * ``on_step(backend, model, step)``: every step, after the backward pass and
      before the update — the gradients are in ``.grad``, to read or to change;
    * ``step(params, state)``: an update rule written by hand, in place of the
      optimizer (``state`` starts as ``{"lr": lr}`` and persists over the run), e.g.
      :func:`gradient_descent`;
    * ``on_epoch(backend, model, epoch)``: after every epoch.

    Dropout: masks can never be drawn alike by two libraries, so when both backends
    run, torch trains first and each of its steps' masks is handed to scratchnet's
    ``Dropout.fix_mask`` for the same step (``torch_ref.modules.DropoutMasks``).
    """
    loss_kwargs = loss_kwargs or {}
    first = next(iter(models.values()))
    dtype = (first.dtype if not isinstance(first, torch.nn.Module)
             else np.dtype(str(next(first.parameters()).dtype).split(".")[-1]))
    device = next(models["torch"].parameters()).device if "torch" in models else "cpu"
    scratch_loader, torch_loader = loaders(X, Y, batch_size, seed, dtype=dtype, device=device)
    replay = "torch" in models and "scratchnet" in models and any(
        isinstance(m, sn.nn.Dropout) for m in models["scratchnet"].modules())
    masks: list[dict] = []  # torch's dropout masks of every step, when scratchnet replays them
    histories = {}
    for backend in sorted(models, key=lambda b: b != "torch"):  # torch first: it draws the dropout masks
        model, params = models[backend], list(models[backend].parameters())
        fit = torch_ref.train.fit if backend == "torch" else sn.train.fit
        opt = None if step is not None else make_optimizer(backend, params, optimizer, lr=lr,
                                                           **(optimizer_kwargs or {}))
        sched = None if scheduler is None else make_scheduler(backend, opt, scheduler[0], **scheduler[1])
        state = {"lr": lr}
        hooks = [] if on_step is None else [lambda i, m=model, b=backend: on_step(b, m, i)]
        with _replayed_dropout(backend, model, masks, hooks) if replay else contextlib.nullcontext():
            histories[backend] = fit(
                model, make_loss(backend, loss, **loss_kwargs), opt,
                torch_loader if backend == "torch" else scratch_loader, epochs, scheduler=sched,
                step=None if step is None else (lambda params=params, state=state: step(params, state)),
                on_step=None if not hooks else (lambda i, loss_value, hooks=hooks: [hook(i) for hook in hooks]),
                on_epoch=None if on_epoch is None else (lambda e, history, m=model, b=backend: on_epoch(b, m, e)),
                progress=False)
    return {b: histories[b] for b in models}


@contextlib.contextmanager
def _replayed_dropout(backend: str, model, masks: list[dict], hooks: list):
    """torch's side: record the masks of every step (``torch_ref.modules.DropoutMasks``) into
    ``masks``; scratchnet's: fix step 0's masks now, and step i + 1's when step i's backward
    pass is done (``hooks`` run there). No mask stays fixed afterwards."""
    if backend == "torch":
        recorder = torch_ref.modules.DropoutMasks(model)
        hooks.append(lambda i: masks.append(dict(recorder.masks)))
        try:
            yield
        finally:
            recorder.remove()
        return
    _apply_masks(model, masks, 0)
    hooks.append(lambda i: _apply_masks(model, masks, i + 1))
    try:
        yield
    finally:
        for m in model.modules():
            if isinstance(m, sn.nn.Dropout):
                m.fix_mask(None)


def step_losses(histories: dict) -> dict[str, np.ndarray]:
    """``{backend: the loss of every step}`` of :func:`train`'s histories (each before its
    update: the lectures' "cost per iteration")."""
    return {b: np.asarray(h.step_loss, dtype=np.float64) for b, h in histories.items()}


def epoch_losses(histories: dict) -> dict[str, np.ndarray]:
    """``{backend: the loss of every epoch}`` (``History.epoch_loss``) of :func:`train`'s histories."""
    return {b: np.asarray(h.epoch_loss, dtype=np.float64) for b, h in histories.items()}


def _apply_masks(model, masks: list[dict], i: int) -> None:
    """Fix step ``i``'s torch masks in the scratchnet model's Dropout modules (if there is a step ``i``)."""
    if i < len(masks):
        for name, m in model.named_modules():
            if isinstance(m, sn.nn.Dropout):
                m.fix_mask(masks[i][name])


# ---------------------------------------------------------------------------------- gaps
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


def pair_gap(values: dict) -> float | None:
    """The gap between the two backends' entries of ``{backend: value}``; None when only
    one ran (``Result`` drops None gaps, so a caller needs no check of its own)."""
    if "scratchnet" in values and "torch" in values:
        return gap(values["scratchnet"], values["torch"])
    return None


def weights_gap(models: dict) -> float | None:
    """Relative gap between the two backends' models over all their parameters and
    buffers together (norm-wise, relative to the largest entry of the model); None with
    one backend (as :func:`pair_gap`).

    Taken over the whole model rather than tensor by tensor: a tensor that is
    zero up to rounding — the 'zeros' initialization's output bias, whose
    gradient mean(σ(0) − y) is 0 on balanced classes and comes out as ±1e-17
    — has no meaningful relative error of its own. When the whole model is
    zero up to rounding (largest entry below 1e-12), the absolute gap is
    returned instead."""
    if "scratchnet" not in models or "torch" not in models:
        return None
    return state_gap(state_dict(models["scratchnet"]), state_dict(models["torch"]))


def state_gap(sa: dict, sb: dict) -> float:
    """:func:`weights_gap` for two ``state_dict`` s of NumPy arrays (the keys of ``sb``)."""
    a = np.concatenate([np.ravel(sa[k]).astype(np.float64) for k in sb])
    b = np.concatenate([np.ravel(sb[k]).astype(np.float64) for k in sb])
    max_abs, max_rel = errors(a, b)
    return max_abs if max(np.abs(a).max(initial=0), np.abs(b).max(initial=0)) < 1e-12 else max_rel


# ------------------------------------------------------------------------------ figures
#: Line styles that tell the backends apart in every overlaid plot: scratchnet a wide
#: translucent line, torch a thin dashed line drawn on top of it, a lecture's own code dotted.
STYLE = {"scratchnet": dict(color="C0", linestyle="-", linewidth=3.5, alpha=0.45),
         "torch": dict(color="C1", linestyle="--", linewidth=1.3),
         "lecture code": dict(color="0.4", linestyle=":", linewidth=3.0, alpha=0.6)}


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


def draw_curves(ax, curves: dict[str, dict[str, Sequence[float]]], *, xlabel: str = "epoch", ylabel: str = "loss",
                logy: bool = False, fontsize: int = 8) -> None:
    """Curves overlaid on ``ax``: ``curves = {label: {backend: values}}`` ("lecture code"
    counts as a backend). One label: colours by backend (:data:`STYLE`); several: one
    colour per label, the backend told by the line style."""
    for i, (label, per_backend) in enumerate(curves.items()):
        for backend, values in per_backend.items():
            style = dict(STYLE[backend]) if len(curves) == 1 else dict(STYLE[backend], color=f"C{i}")
            ax.plot(np.arange(len(values)), values, label=f"{label}: {backend}" if label else backend, **style)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=fontsize)


def plot_curves(ctx: Context, name: str, curves: dict[str, dict[str, Sequence[float]]], *, title: str,
                xlabel: str = "epoch", ylabel: str = "loss", logy: bool = False) -> pathlib.Path | None:
    """A figure of its own with :func:`draw_curves`, saved as ``name`` (:func:`save_fig`)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    draw_curves(ax, curves, xlabel=xlabel, ylabel=ylabel, logy=logy)
    ax.set_title(title)
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


# ------------------------------------------------------------------------------- numbers
def activation_and_derivative(backend: str, name: str, z, *, device="cpu", **kwargs):
    """``(g(z), g'(z))`` from one backend's activation module (``name`` as in
    ``scratchnet.models.ACTIVATIONS``): scratchnet's explicit ``backward`` of ones,
    torch's autograd. Element-wise activations."""
    z = np.asarray(z, dtype=DTYPE)
    module = make_activation(backend, name) if not kwargs else \
        getattr(LIBRARIES[backend].nn, ACTIVATIONS[name][0])(**kwargs)
    if backend == "scratchnet":
        out = module(z)
        return to_numpy(out), module.backward(np.ones_like(out))  # dJ/dz = g'(z) · 1, by the explicit backward
    zt = tensor(z, device=device).requires_grad_(True)
    out = module(zt)
    out.backward(torch.ones_like(out))                              # the same by autograd
    return to_numpy(out), to_numpy(zt.grad)


def output_gradients(backend: str, activation: str, loss: str, z, y, *, device="cpu", **loss_kwargs):
    """``(J, dJ/dŷ, dJ/dz)`` of an output unit ŷ = g(z) (``activation`` as in
    :func:`make_activation`) under ``make_loss(backend, loss, **loss_kwargs)`` against
    the float targets ``y``: scratchnet's explicit backward passes of the loss and of g, torch's autograd.

    ``z``: the logits as a NumPy array — or, to go on backpropagating, what the
    model's last layer returned (scratchnet: call that layer's ``backward`` with the
    dJ/dz returned; torch: a tensor of the graph, whose parameters' ``.grad`` the
    backward pass here fills)."""
    act, loss_fn = make_activation(backend, activation), make_loss(backend, loss, **loss_kwargs)
    if backend == "scratchnet":
        J = loss_fn(act(np.asarray(z, dtype=DTYPE)), np.asarray(y, dtype=DTYPE))
        dy = loss_fn.backward()
        return float(J), dy, act.backward(dy)
    zt = z if isinstance(z, torch.Tensor) else tensor(z, device=device).requires_grad_(True)
    zt.retain_grad()
    y_hat = act(zt)
    y_hat.retain_grad()
    J = loss_fn(y_hat, tensor(y, device=zt.device))
    J.backward()
    return J.item(), to_numpy(y_hat.grad), to_numpy(zt.grad)


def first_below(curve, level: float) -> int | None:
    """The first index (step or epoch) where ``curve`` is below ``level``; None if it never is."""
    idx = np.nonzero(np.asarray(curve) < level)[0]
    return int(idx[0]) if idx.size else None


def fmt_pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


def sizes_str(sizes: Sequence[int]) -> str:
    return "-".join(str(s) for s in sizes)
