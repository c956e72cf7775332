"""``fit`` for PyTorch models: the signature, behaviour and :class:`History` of
``scratchnet.train.fit`` (see there), with ``loss.backward()`` in place of the
explicit backward pass. Batches come from ``torch_ref.data.DataLoader`` (or an
``(X, y)`` pair of tensors or arrays) and are moved to the model's device."""

from __future__ import annotations

import numpy as np
import torch

from scratchnet.train import (EarlyStopping, History, NonFiniteLossError, check_fit_args,  # noqa: F401
                              check_loss, progress_bar)

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
    """(mean loss per sample, accuracy or None) of ``model`` on ``data``, in eval mode."""
    was_training = model.training
    model.eval()
    device = _device(model)
    total, n, correct = 0.0, 0, 0
    for xb, yb in _as_loader(data, "val_data", device):
        xb, yb = xb.to(device), yb.to(device)
        out = model(xb)
        total += float(loss_fn(out, yb)) * len(xb)
        n += len(xb)
        if correct is not None and yb.dtype == torch.int64 and out.ndim == 2 and yb.shape == out.shape[:1]:
            correct += int((out.argmax(dim=1) == yb).sum())
        else:
            correct = None
    model.train(was_training)
    return total / n, (None if correct is None else correct / n)


def fit(model, loss_fn, optimizer, data, epochs: int = 1, *, scheduler=None,
        clip_grad_norm: float | None = None, val_data=None, patience: int | None = None,
        progress: bool | None = None) -> History:
    """Train a torch ``model``; the same arguments and result as ``scratchnet.train.fit``."""
    check_fit_args(epochs, clip_grad_norm, patience)
    device = _device(model)
    loader = _as_loader(data, "data", device)
    history, stopper = History(), EarlyStopping(patience)
    bar = progress_bar(epochs * len(loader), progress)
    step = 0
    try:
        for epoch in range(epochs):
            model.train()
            history.lr.append([g["lr"] for g in optimizer.param_groups])
            total, n = 0.0, 0
            for xb, yb in loader:
                xb, yb = xb.to(device), yb.to(device)
                optimizer.zero_grad()
                loss_t = loss_fn(model(xb), yb)
                loss = float(loss_t.detach())
                check_loss(loss, step, epoch, optimizer)
                loss_t.backward()
                if clip_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
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
    finally:
        if bar is not None:
            bar.close()
    return history
