"""``fit`` for PyTorch models: the signature, behaviour and :class:`History` of
``scratchnet.train.fit`` (see there), with ``loss.backward()`` in place of the
explicit backward pass. Batches come from ``torch_ref.data.DataLoader`` (or an
``(X, y)`` pair of tensors or arrays) and are moved to the model's device."""

from __future__ import annotations

import numpy as np
import torch

from scratchnet.train import (EarlyStopping, History, NonFiniteLossError, check_fit_args,  # noqa: F401
                              check_loss, epoch_loss, progress_bar, reduction)

from .data import DataLoader


def _as_loader(data, name, device):
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = (d.detach().cpu().numpy() if isinstance(d, torch.Tensor) else np.asarray(d) for d in data)
        return DataLoader((x, y), batch_size=len(x), device=device)
    if hasattr(data, "__iter__"):
        return data
    raise TypeError(f"{name} must be a DataLoader or an (X, y) pair, got {type(data).__name__}")


def _device(model):
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@torch.no_grad()
def evaluate(model, loss_fn, data) -> tuple[float, float | None]:
    """(loss, accuracy or None) of ``model`` on the whole of ``data``, in eval mode:
    ``loss_fn`` once over all batches' outputs (as ``scratchnet.train.evaluate``)."""
    reduction(loss_fn)
    was_training = model.training
    model.eval()
    device = _device(model)
    outs, targets = [], []
    for xb, yb in _as_loader(data, "val_data", device):
        outs.append(model(xb.to(device)))
        targets.append(yb.to(device))
    model.train(was_training)
    out, y = torch.cat(outs), torch.cat(targets)
    correct = None
    if y.dtype == torch.int64 and out.ndim == 2 and y.shape == out.shape[:1]:
        correct = int((out.argmax(dim=1) == y).sum())
    return float(loss_fn(out, y)), (None if correct is None else correct / len(y))


def fit(model, loss_fn, optimizer, data, epochs: int = 1, *, scheduler=None,
        clip_grad_norm: float | None = None, val_data=None, patience: int | None = None,
        progress: bool | None = None, clip_grad_value: float | None = None) -> History:
    """Train a torch ``model``; the same arguments and result as ``scratchnet.train.fit``
    (``clip_grad_norm`` → ``torch.nn.utils.clip_grad_norm_``, ``clip_grad_value`` →
    ``torch.nn.utils.clip_grad_value_``)."""
    check_fit_args(epochs, clip_grad_norm, patience, clip_grad_value, loss_fn)
    device = _device(model)
    loader = _as_loader(data, "data", device)
    history, stopper = History(), EarlyStopping(patience)
    bar = progress_bar(epochs * len(loader), progress)
    step = 0
    try:
        for epoch in range(epochs):
            model.train()
            history.lr.append([g["lr"] for g in optimizer.param_groups])
            total, n, first = 0.0, 0, len(history.step_loss)
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                optimizer.zero_grad()
                loss_t = loss_fn(model(xb), yb)
                loss = float(loss_t.detach())
                check_loss(loss, step, epoch, optimizer)
                loss_t.backward()
                if clip_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                elif clip_grad_value is not None:
                    torch.nn.utils.clip_grad_value_(model.parameters(), clip_grad_value)
                optimizer.step()
                history.step_loss.append(loss)
                total += loss * len(xb)
                n += len(xb)
                step += 1
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(epoch=epoch, loss=f"{loss:.4g}")
            history.epoch_loss.append(epoch_loss(total, n, history.step_loss[first:], loss_fn))
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
    finally:
        if bar is not None:
            bar.close()
    return history
