"""A training loop: ``fit(model, loss_fn, optimizer, data, epochs, ...)``.

``torch_ref.train.fit`` has the same signature and the same behaviour for
PyTorch models, so one experiment runs on both backends with only the model
swapped (d2l's "one harness" idea). Each step is the loop of DESIGN.md::

    optimizer.zero_grad()
    loss = loss_fn(model(X_batch), y_batch)
    model.backward(loss_fn.backward(), needs_input_grad=False)   # torch: loss.backward()
    clip_grad_norm_(model.parameters(), clip_grad_norm)           # if asked
    optimizer.step()

and after each epoch: validation (if ``val_data``), ``scheduler.step()`` (if
given: the schedulers here count epochs), and early stopping (if
``patience``). ``needs_input_grad=False`` spares the first layer's dJ/dX,
which training never uses.

The returned :class:`History` holds the loss of every step, the
sample-weighted mean loss of every epoch (= the loss over the epoch's samples
with the weights each batch saw), the learning rate of every epoch, and
validation loss/accuracy. A NaN or infinite loss stops training at once with
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
    epoch_loss: list = field(default_factory=list)    #: sample-weighted mean loss per epoch
    lr: list = field(default_factory=list)            #: group learning rates used in each epoch
    val_loss: list = field(default_factory=list)      #: validation loss per epoch (if val_data)
    val_accuracy: list = field(default_factory=list)  #: validation accuracy per epoch (class targets)
    best_epoch: int | None = None                      #: epoch (0-based) with the best monitored loss
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.epoch_loss)


# -- helpers shared with torch_ref.train ----------------------------------------------------------
def check_fit_args(epochs, clip_grad_norm, patience) -> None:
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if clip_grad_norm is not None and (isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, numbers.Real)
                                       or not clip_grad_norm > 0):
        raise ValueError(f"clip_grad_norm must be a positive number or None, got {clip_grad_norm!r}")
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, numbers.Integral)
                                 or patience < 1):
        raise ValueError(f"patience must be a positive integer or None, got {patience!r}")


def check_loss(value: float, step: int, epoch: int, optimizer) -> None:
    """Raise :class:`NonFiniteLossError` if ``value`` is NaN or infinite."""
    if not math.isfinite(value):
        lrs = ", ".join(f"{g['lr']:g}" for g in optimizer.param_groups)
        raise NonFiniteLossError(
            f"loss became {value} at step {step} (epoch {epoch}, counting from 0) with learning "
            f"rate {lrs}: training diverged. Lower the learning rate, clip gradients "
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
                          "(pip install tqdm)", stacklevel=3)
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


def as_loader(data, name: str) -> DataLoader:
    """A DataLoader, or ``(X, y)`` arrays taken as one full batch."""
    if isinstance(data, DataLoader) or (hasattr(data, "__iter__") and not isinstance(data, (tuple, list))):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        n = len(data[0])
        return DataLoader(TensorDataset(*data), batch_size=n)
    raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got {type(data).__name__}")


def accuracy_counts(outputs: np.ndarray, targets: np.ndarray) -> int | None:
    """Correct predictions when targets are class indices, else None."""
    t = np.asarray(targets)
    if t.dtype.kind not in "iu" or outputs.ndim != 2 or t.shape != outputs.shape[:1]:
        return None
    return int(np.sum(np.argmax(outputs, axis=1) == t))


# -- the loop -------------------------------------------------------------------------------------
def _backward(model, grad):
    """Backward without dJ/dX when the model can skip it (the loop never uses it)."""
    if _accepts_needs_input_grad(model):
        model.backward(grad, needs_input_grad=False)
    else:
        model.backward(grad)


def evaluate(model, loss_fn, data) -> tuple[float, float | None]:
    """(mean loss per sample, accuracy or None) of ``model`` on ``data``, in eval mode."""
    was_training = model.training
    model.eval()
    total, n, correct = 0.0, 0, 0
    for xb, yb in as_loader(data, "val_data"):
        out = model(xb)
        total += float(loss_fn(out, yb)) * len(xb)
        n += len(xb)
        c = accuracy_counts(out, yb)
        correct = None if c is None or correct is None else correct + c
    model.train(was_training)
    return total / n, (None if correct is None else correct / n)


def fit(model, loss_fn, optimizer, data, epochs: int = 1, *, scheduler=None,
        clip_grad_norm: float | None = None, val_data=None, patience: int | None = None,
        progress: bool | None = None) -> History:
    """Train ``model`` (see the module docstring); returns a :class:`History`.

    Parameters
    ----------
    model : scratchnet Module (with ``backward``)
    loss_fn : scratchnet loss module (``loss_fn(pred, y)`` then ``loss_fn.backward()``)
    optimizer : scratchnet.optim optimizer over the model's parameters
    data : DataLoader yielding ``(X, y)`` batches, or an ``(X, y)`` pair (full batch)
    epochs : int
    scheduler : an lr scheduler, stepped once per epoch
    clip_grad_norm : max total gradient norm (``nn.utils.clip_grad_norm_``), or None
    val_data : DataLoader or ``(X, y)`` evaluated after every epoch
    patience : stop after this many epochs without a lower validation loss
        (training epoch loss if there is no ``val_data``)
    progress : tqdm bar: None = only when stderr is a terminal
    """
    check_fit_args(epochs, clip_grad_norm, patience)
    loader = as_loader(data, "data")
    history, stopper = History(), EarlyStopping(patience)
    bar = progress_bar(epochs * len(loader), progress)
    # Overflow on the way to a NaN is reported once, by check_loss, with the step and
    # the learning rate, instead of as NumPy RuntimeWarnings from deep inside a layer.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            _epochs(model, loss_fn, optimizer, loader, epochs, scheduler, clip_grad_norm, val_data,
                    history, stopper, bar)
        finally:
            if bar is not None:
                bar.close()
    return history


def _epochs(model, loss_fn, optimizer, loader, epochs, scheduler, clip_grad_norm, val_data,
            history, stopper, bar) -> None:
    from .nn.utils import clip_grad_norm_

    step = 0
    for epoch in range(epochs):
        model.train()
        history.lr.append([g["lr"] for g in optimizer.param_groups])
        total, n = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = float(loss_fn(model(xb), yb))
            check_loss(loss, step, epoch, optimizer)
            _backward(model, loss_fn.backward())
            if clip_grad_norm is not None:
                clip_grad_norm_(model.parameters(), clip_grad_norm)
            optimizer.step()
            history.step_loss.append(loss)
            total += loss * len(xb)
            n += len(xb)
            step += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(epoch=epoch, loss=f"{loss:.4g}")
        history.epoch_loss.append(total / n)
        monitored = history.epoch_loss[-1]
        if val_data is not None:
            vloss, vacc = evaluate(model, loss_fn, val_data)
            history.val_loss.append(vloss)
            if vacc is not None:
                history.val_accuracy.append(vacc)
            monitored = vloss
        if scheduler is not None:
            scheduler.step()
        if stopper.update(monitored, epoch, history):
            history.stopped_early = True
            break
