"""``fit`` for PyTorch models: the signature, behaviour and :class:`History` of
``scratchnet.train.fit`` (see there) — the same loop, ``scratchnet.train.train_loop``,
handed torch's step: ``loss.backward()`` in place of the explicit backward pass.
Batches come from ``torch_ref.data.DataLoader`` (or an ``(X, y)`` pair of
tensors or arrays) and are moved to the model's device. A hand-written
``step`` runs under ``torch.no_grad()``, so it may update the parameters in
place (``p -= lr * p.grad``)."""

from __future__ import annotations

import numpy as np
import torch

from scratchnet.train import History, NonFiniteLossError  # noqa: F401 (the same classes as scratchnet's)
from scratchnet.train import as_loader, check_fit_args, evaluate_loop, reduction, train_loop

from .data import DataLoader


def _full_batch_on(device):
    """An ``(X, y)`` pair (tensors or arrays) as one full batch on ``device``."""
    def full_batch(x, y):
        x, y = (d.detach().cpu().numpy() if isinstance(d, torch.Tensor) else np.asarray(d) for d in (x, y))
        return DataLoader((x, y), batch_size=max(len(x), 1), device=device)
    return full_batch


def _device(model):
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _without_grad(step):
    """``step()`` under ``torch.no_grad()``: a hand-written update changes parameters in place."""
    def update():
        with torch.no_grad():
            step()
    return update


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def evaluate(model, loss_fn, data) -> tuple[float, float | None]:
    """(loss, accuracy or None) of ``model`` on the whole of ``data``, in eval mode:
    ``loss_fn`` once over all batches' outputs (as ``scratchnet.train.evaluate``)."""
    device = _device(model)
    return _evaluate(model, loss_fn, as_loader(data, "val_data", _full_batch_on(device)), device)


@torch.no_grad()
def _evaluate(model, loss_fn, loader, device) -> tuple[float, float | None]:
    """:func:`evaluate` on a loader (``fit`` builds its validation loader once)."""
    return evaluate_loop(model, loss_fn, loader, lambda xb, yb: (model(xb.to(device)), yb.to(device)),
                         torch.cat, _numpy)


def fit(model, loss_fn, optimizer, data, epochs: int = 1, *, scheduler=None,
        clip_grad_norm: float | None = None, val_data=None, patience: int | None = None,
        progress: bool | None = None, clip_grad_value: float | None = None, step=None, on_step=None,
        on_epoch=None) -> History:
    """Train a torch ``model``; the same arguments and result as ``scratchnet.train.fit``
    (``clip_grad_norm`` → ``torch.nn.utils.clip_grad_norm_``, ``clip_grad_value`` →
    ``torch.nn.utils.clip_grad_value_``; ``step()`` runs under ``torch.no_grad()``)."""
    check_fit_args(epochs, clip_grad_norm, patience, clip_grad_value, loss_fn, optimizer=optimizer, step=step,
                   on_step=on_step, on_epoch=on_epoch)
    device = _device(model)
    loader = as_loader(data, "data", _full_batch_on(device))

    def forward(xb, yb):
        loss = loss_fn(model(xb.to(device)), yb.to(device))
        return float(loss.detach()), loss.backward

    clip = None
    if clip_grad_norm is not None:
        clip = lambda: torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)  # noqa: E731
    elif clip_grad_value is not None:
        clip = lambda: torch.nn.utils.clip_grad_value_(model.parameters(), clip_grad_value)  # noqa: E731
    update = None if step is None else _without_grad(step)
    validate = None
    if val_data is not None:  # built once (on the device), before training: a malformed val_data fails now
        val_loader = as_loader(val_data, "val_data", _full_batch_on(device))
        validate = lambda: _evaluate(model, loss_fn, val_loader, device)  # noqa: E731
    return train_loop(model, optimizer, loader, epochs, forward, loss_reduction=reduction(loss_fn), clip=clip,
                      update=update, validate=validate, scheduler=scheduler, patience=patience, progress=progress,
                      on_step=on_step, on_epoch=on_epoch)
