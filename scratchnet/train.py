"""A training loop: ``fit(model, loss_fn, optimizer, data, epochs, ...)``.

``torch_ref.train.fit`` has the same signature and the same behaviour for
PyTorch models, so one experiment runs on both backends with only the model
swapped (d2l's "one harness" idea). Both are this module's one loop,
:func:`train_loop`, handed the backend's own step — here the explicit
backward pass, there ``loss.backward()``. Each step is the loop of DESIGN.md::

    optimizer.zero_grad()
    loss = loss_fn(model(X_batch), y_batch)
    model.backward(loss_fn.backward(), needs_input_grad=False)   # torch: loss.backward()
    clip_grad_norm_(model.parameters(), clip_grad_norm)           # if asked, or
    clip_grad_value_(model.parameters(), clip_grad_value)         # (one of the two)
    on_step(step, loss)                                           # if given
    optimizer.step()                                              # or step(), if given

and after each epoch: validation (if ``val_data``), ``scheduler.step()`` (if
given: the schedulers here count epochs), ``on_epoch(epoch, history)`` (if
given) and early stopping (if ``patience``). ``needs_input_grad=False``
spares the first layer's dJ/dX, which training never uses.

Two hooks let an experiment watch or change training without a loop of its
own: ``on_step(step, loss)`` runs once per step after the backward pass (and
the clipping) and before the update — the gradients are in ``.grad``, to read
or to change — and ``step`` replaces ``optimizer.step()`` by an update rule
written by hand, e.g. the lectures' W := W − α dW::

    def gradient_descent():
        for p in model.parameters():
            p.data -= 0.1 * p.grad

    fit(model, loss_fn, None, data, epochs, step=gradient_descent)

(with ``step`` the optimizer may be ``None``: the gradients are then zeroed by
``model.zero_grad()`` and no learning rate is recorded).

The returned :class:`History` holds the loss of every step, the loss of
every epoch (the loss over the epoch's samples with the weights each batch
saw, in the loss function's reduction: for ``reduction='mean'`` the
sample-weighted mean of the step losses, for ``'sum'`` their sum), the
learning rate of every epoch, and validation loss/accuracy. The validation
loss is ``loss_fn`` over the whole validation set at once — the mean over all
its samples for ``'mean'``, the sum for ``'sum'`` — however ``val_data`` is
batched. A loss with ``reduction='none'`` gives no number to record or to
stop on, and is refused with a ``ValueError`` (as ``loss.backward()`` refuses
a non-scalar loss in torch). A NaN or infinite loss stops training at once with
a :class:`NonFiniteLossError` naming the step, the epoch and the learning
rates — a diverging run is a finding, not something to train through.
A tqdm progress bar is shown when stderr is a terminal (``progress=None``),
or always/never with ``progress=True/False``; tqdm is optional — without it
``fit`` trains without a bar.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from .data import DataLoader, TensorDataset
from .nn.modules.container import _accepts_needs_input_grad


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite during training."""


@dataclass
class History:
    """What :func:`fit` returns (the same class for both backends)."""

    step_loss: list = field(default_factory=list)     #: loss of every optimizer step
    epoch_loss: list = field(default_factory=list)    #: loss per epoch (module docstring)
    lr: list = field(default_factory=list)            #: group learning rates used in each epoch
    val_loss: list = field(default_factory=list)      #: loss over the validation set per epoch
    val_accuracy: list = field(default_factory=list)  #: validation accuracy per epoch (class targets)
    best_epoch: int | None = None                      #: epoch (0-based) with the best monitored loss
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.epoch_loss)


# -- helpers shared with torch_ref.train ----------------------------------------------------------
def check_fit_args(epochs, clip_grad_norm, patience, clip_grad_value=None, loss_fn=None, *, optimizer=None,
                   step=None, on_step=None, on_epoch=None) -> None:
    """The arguments both ``fit`` functions take, checked before anything trains."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    for name, clip in (("clip_grad_norm", clip_grad_norm), ("clip_grad_value", clip_grad_value)):
        if clip is not None and (isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not clip > 0):
            raise ValueError(f"{name} must be a positive number or None, got {clip!r}")
    if clip_grad_norm is not None and clip_grad_value is not None:
        raise ValueError("give clip_grad_norm or clip_grad_value, not both (the result would depend "
                         "on the order they are applied in)")
    if loss_fn is not None:
        reduction(loss_fn)
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, numbers.Integral)
                                 or patience < 1):
        raise ValueError(f"patience must be a positive integer or None, got {patience!r}")
    for name, hook in (("step", step), ("on_step", on_step), ("on_epoch", on_epoch)):
        if hook is not None and not callable(hook):
            raise TypeError(f"{name} must be a function or None, got {type(hook).__name__}")
    if optimizer is None and step is None:
        raise TypeError("fit needs an optimizer, or step= (an update rule written by hand) in its place")


def reduction(loss_fn) -> str:
    """``loss_fn.reduction`` ('mean' if it has none); 'none' is refused: a per-element
    loss gives no single number to train on, record, or stop on."""
    value = getattr(loss_fn, "reduction", "mean")
    if value == "none":
        raise ValueError(f"{type(loss_fn).__name__}(reduction='none') returns one loss per element; "
                         "fit() and evaluate() need a number: use reduction='mean' or 'sum'")
    return value


def epoch_loss(total: float, n: int, step_losses: list, loss_reduction: str) -> float:
    """The epoch's loss from its step losses: sample-weighted mean (``total / n``,
    ``total`` = Σ loss·batch size) for a mean reduction, the sum for ``'sum'``."""
    return sum(step_losses) if loss_reduction == "sum" else total / n


def learning_rates(optimizer) -> list:
    """The learning rate of each parameter group (``[]`` without an optimizer)."""
    return [] if optimizer is None else [g["lr"] for g in optimizer.param_groups]


def check_loss(value: float, step: int, epoch: int, optimizer) -> None:
    """Raise :class:`NonFiniteLossError` if ``value`` is NaN or infinite."""
    if not math.isfinite(value):
        rates = learning_rates(optimizer)
        lrs = (f"learning rate {', '.join(f'{lr:g}' for lr in rates)}" if rates
               else "a hand-written update (step=)")
        raise NonFiniteLossError(
            f"loss became {value} at step {step} (epoch {epoch}, counting from 0) with {lrs}: "
            "training diverged. Lower the learning rate, clip gradients "
            "(clip_grad_norm=...), or check the data for NaN/inf.")


def progress_bar(total: int, progress):
    """A tqdm bar over ``total`` steps when asked or when stderr is a terminal, else None.

    tqdm is optional (scratchnet needs only NumPy): without it there is no bar —
    silently on a terminal, with a warning when ``progress=True`` asked for one."""
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            warnings.warn("progress=True, but tqdm is not installed: training without a progress bar "
                          "(pip install tqdm)", stacklevel=4)
        return None
    return tqdm(total=total, unit="step", leave=False)


class EarlyStopping:
    """Stop after ``patience`` epochs without improvement of the monitored loss."""

    def __init__(self, patience):
        self.patience = patience
        self.best = math.inf
        self.bad_epochs = 0

    def update(self, value: float, epoch: int, history: History) -> bool:
        if value < self.best:
            self.best, self.bad_epochs, history.best_epoch = value, 0, epoch
            return False
        self.bad_epochs += 1
        return self.patience is not None and self.bad_epochs >= self.patience


def as_loader(data, name: str, full_batch=None):
    """A loader (anything iterable with ``len``, yielding ``(X, y)`` batches), or an
    ``(X, y)`` pair taken as one full batch: ``full_batch(X, y)`` builds its loader
    (default: a scratchnet :class:`DataLoader`; torch_ref's builds a torch one)."""
    if isinstance(data, (str, bytes, dict, np.ndarray)):
        raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got {type(data).__name__}")
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got a {type(data).__name__} "
                            f"of {len(data)} items")
        return (full_batch or _full_batch)(*data)
    if not hasattr(data, "__iter__"):
        raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got {type(data).__name__}")
    if not hasattr(data, "__len__"):
        raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got {type(data).__name__}, an "
                        "iterator without len() (it would be used up after one epoch)")
    return data


def _full_batch(x, y) -> DataLoader:
    n = len(x)
    return DataLoader(TensorDataset(x, y), batch_size=max(n, 1))  # n = 0: "dataset is empty"


def accuracy_counts(outputs: np.ndarray, targets: np.ndarray) -> int | None:
    """Correct predictions when targets are class indices, else None."""
    t = np.asarray(targets)
    if t.dtype.kind not in "iu" or outputs.ndim != 2 or t.shape != outputs.shape[:1]:
        return None
    return int(np.sum(np.argmax(outputs, axis=1) == t))


# -- the loop both backends share -----------------------------------------------------------------
def train_loop(model, optimizer, loader, epochs: int, forward, *, loss_reduction: str = "mean", clip=None,
               update=None, validate=None, scheduler=None, patience=None, progress=None, on_step=None,
               on_epoch=None) -> History:
    """The training loop of both ``fit`` functions; what differs by backend comes in as functions.

    forward(X_batch, y_batch) -> (J, backward): the backend's step — the batch loss
        J as a float, and the function that backpropagates it (scratchnet: the
        explicit backward pass; torch: ``loss.backward``)
    clip() -> None: the gradient clipping asked for, or None
    update() -> None: the update, ``optimizer.step`` unless a hand-written ``step``
    validate() -> (loss, accuracy or None): the validation after each epoch, or None
    loss_reduction: the loss's reduction, 'mean' or 'sum' (how the epoch loss is formed)
    """
    history, stopper = History(), EarlyStopping(patience)
    zero_grad = model.zero_grad if optimizer is None else optimizer.zero_grad
    update = optimizer.step if update is None else update
    bar = progress_bar(epochs * len(loader), progress)
    step = 0
    try:
        for epoch in range(epochs):
            model.train()
            history.lr.append(learning_rates(optimizer))
            total, n, first = 0.0, 0, len(history.step_loss)
            for xb, yb in loader:
                zero_grad()
                loss, backward = forward(xb, yb)
                check_loss(loss, step, epoch, optimizer)
                backward()
                if clip is not None:
                    clip()
                if on_step is not None:
                    on_step(step, loss)
                update()
                history.step_loss.append(loss)
                total += loss * len(xb)
                n += len(xb)
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=epoch, loss=f"{loss:.4g}")
            if n == 0:
                raise ValueError(f"data yielded no batches in epoch {epoch} (counting from 0): an empty loader")
            history.epoch_loss.append(epoch_loss(total, n, history.step_loss[first:], loss_reduction))
            monitored = history.epoch_loss[-1]
            if validate is not None:
                vloss, vacc = validate()
                history.val_loss.append(vloss)
                if vacc is not None:
                    history.val_accuracy.append(vacc)
                monitored = vloss
            if scheduler is not None:
                scheduler.step()
            if on_epoch is not None:
                on_epoch(epoch, history)
            if stopper.update(monitored, epoch, history):
                history.stopped_early = True
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate_loop(model, loss_fn, loader, outputs, concatenate, as_numpy) -> tuple[float, float | None]:
    """The evaluation of both ``evaluate`` functions: ``loss_fn`` once over the outputs
    and targets of every batch, in eval mode (the model's mode is restored after).

    outputs(X_batch, y_batch) -> (model output, target), on the model's device;
    concatenate(list) -> one array/tensor; as_numpy(x) -> a NumPy array (for the accuracy).
    """
    reduction(loss_fn)
    was_training = model.training
    model.eval()
    try:
        pairs = [outputs(xb, yb) for xb, yb in loader]
    finally:
        model.train(was_training)
    out, y = concatenate([o for o, _ in pairs]), concatenate([t for _, t in pairs])
    correct = accuracy_counts(as_numpy(out), as_numpy(y))
    return float(loss_fn(out, y)), (None if correct is None else correct / len(y))


# -- scratchnet's side ----------------------------------------------------------------------------
def _backward(model, grad):
    """Backward without dJ/dX when the model can skip it (the loop never uses it)."""
    if _accepts_needs_input_grad(model):
        model.backward(grad, needs_input_grad=False)
    else:
        model.backward(grad)


def evaluate(model, loss_fn, data) -> tuple[float, float | None]:
    """(loss, accuracy or None) of ``model`` on the whole of ``data``, in eval mode.

    The loss is ``loss_fn`` applied once to the outputs and targets of all
    batches: with ``reduction='mean'`` the mean over every sample (and any class
    weights, as the loss weighs them), with ``'sum'`` the sum; ``'none'`` raises
    ``ValueError``. Accuracy (targets that are class indices) is the fraction of
    samples whose largest output is the target class."""
    return _evaluate(model, loss_fn, as_loader(data, "val_data"))


def _evaluate(model, loss_fn, loader) -> tuple[float, float | None]:
    """:func:`evaluate` on a loader (``fit`` builds its validation loader once)."""
    return evaluate_loop(model, loss_fn, loader, lambda xb, yb: (model(xb), yb), np.concatenate, np.asarray)


def fit(model, loss_fn, optimizer, data, epochs: int = 1, *, scheduler=None,
        clip_grad_norm: float | None = None, val_data=None, patience: int | None = None,
        progress: bool | None = None, clip_grad_value: float | None = None, step=None, on_step=None,
        on_epoch=None) -> History:
    """Train ``model`` (see the module docstring); returns a :class:`History`.

    Parameters
    ----------
    model : scratchnet Module (with ``backward``)
    loss_fn : scratchnet loss module (``loss_fn(pred, y)`` then ``loss_fn.backward()``)
    optimizer : scratchnet.optim optimizer over the model's parameters (or None with ``step``)
    data : DataLoader yielding ``(X, y)`` batches, or an ``(X, y)`` pair (full batch)
    epochs : int
    scheduler : an lr scheduler, stepped once per epoch
    clip_grad_norm : max total gradient norm (``nn.utils.clip_grad_norm_``), or None
    clip_grad_value : clamp each gradient entry into [−v, v] (``nn.utils.clip_grad_value_``),
        or None; not together with ``clip_grad_norm``
    val_data : DataLoader or ``(X, y)`` evaluated after every epoch
    patience : stop after this many epochs without a lower validation loss
        (training epoch loss if there is no ``val_data``)
    progress : tqdm bar: None = only when stderr is a terminal
    step : ``step()``, an update written by hand, called in place of ``optimizer.step()``
    on_step : ``on_step(step, loss)``, called every step after the backward pass and the
        clipping, before the update (``step`` counts from 0 over the whole run)
    on_epoch : ``on_epoch(epoch, history)``, called after every epoch (validation and
        scheduler done, before early stopping decides)
    """
    from .nn.utils import clip_grad_norm_, clip_grad_value_

    check_fit_args(epochs, clip_grad_norm, patience, clip_grad_value, loss_fn, optimizer=optimizer, step=step,
                   on_step=on_step, on_epoch=on_epoch)
    _check_fit_objects(model, loss_fn, optimizer, scheduler)
    loader = as_loader(data, "data")

    def forward(xb, yb):
        loss = float(loss_fn(model(xb), yb))
        return loss, lambda: _backward(model, loss_fn.backward())

    clip = None
    if clip_grad_norm is not None:
        clip = lambda: clip_grad_norm_(model.parameters(), clip_grad_norm)  # noqa: E731
    elif clip_grad_value is not None:
        clip = lambda: clip_grad_value_(model.parameters(), clip_grad_value)  # noqa: E731
    validate = None
    if val_data is not None:  # built once, before training: a malformed val_data fails now, not after an epoch
        val_loader = as_loader(val_data, "val_data")
        validate = lambda: _evaluate(model, loss_fn, val_loader)  # noqa: E731
    # Overflow on the way to a NaN is reported once, by check_loss, with the step and the
    # learning rate. The modules and losses compute silently already (nn/modules/_ieee.py);
    # this silences what runs between them: the optimizer's step (or step=), the gradient
    # clipping (an overflowing norm) and the hooks, instead of NumPy's RuntimeWarnings.
    with np.errstate(over="ignore", invalid="ignore"):
        return train_loop(model, optimizer, loader, epochs, forward, loss_reduction=reduction(loss_fn), clip=clip,
                          update=step, validate=validate, scheduler=scheduler, patience=patience,
                          progress=progress, on_step=on_step, on_epoch=on_epoch)


def _check_fit_objects(model, loss_fn, optimizer, scheduler) -> None:
    """The objects fit drives, checked by what it calls on them (duck typing, as in torch)."""
    parts = [("model", model, "a scratchnet Module", ("__call__", "backward", "parameters", "train")),
             ("loss_fn", loss_fn, "a scratchnet loss module", ("__call__", "backward"))]
    if optimizer is not None:
        parts.append(("optimizer", optimizer, "a scratchnet.optim optimizer", ("zero_grad", "step", "param_groups")))
    if scheduler is not None:
        parts.append(("scheduler", scheduler, "an lr scheduler (or None)", ("step",)))
    for name, obj, kind, needs in parts:
        if not all(hasattr(obj, m) for m in needs):
            raise TypeError(f"fit: {name} must be {kind}, got {type(obj).__name__}")
