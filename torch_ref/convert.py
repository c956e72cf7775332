"""Exact weight conversion between scratchnet (NumPy) and PyTorch.

Both libraries use the same ``state_dict`` keys and the same layouts
(``Linear.weight`` is (out_features, in_features) in both), so conversion is
a copy of each array, bit for bit: float64 stays float64, float32 stays
float32.

    torch_model.load_state_dict(to_torch(scratch_model))
    scratch_model.load_state_dict(from_torch(torch_model))
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

import scratchnet

from .device import resolve_device


def _tensor(array, device, dtype) -> torch.Tensor:
    arr = np.asarray(array)
    t = torch.from_numpy(np.array(arr, copy=True))
    if dtype is not None and t.is_floating_point():
        t = t.to(dtype)
    return t.to(device)


def to_torch(obj, device="cpu", dtype=None):
    """scratchnet → torch, exactly.

    ``obj`` may be a scratchnet ``Module`` (its ``state_dict()`` is converted), a
    state dict (mapping of names to arrays), or one array. Returns tensors
    (a state dict for the first two) on ``device``; ``dtype`` optionally
    casts floating tensors.
    """
    device = resolve_device(device)
    if isinstance(obj, scratchnet.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, scratchnet.nn.Parameter):
        obj = obj.data
    if hasattr(obj, "items"):
        return OrderedDict((k, _tensor(v, device, dtype)) for k, v in obj.items())
    return _tensor(obj, device, dtype)


def from_torch(obj):
    """torch → scratchnet (NumPy), exactly.

    ``obj`` may be a ``torch.nn.Module``, a state dict, or one tensor. Returns
    NumPy arrays (an ``OrderedDict`` for the first two), copied to the CPU.
    """
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if hasattr(obj, "items"):
        return OrderedDict((k, from_torch(v)) for k, v in obj.items())
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    return np.asarray(obj)


def copy_weights(src, dst) -> None:
    """Copy the weights of ``src`` into ``dst``, whichever library each is from."""
    if isinstance(dst, torch.nn.Module):
        ref = next(iter(dst.state_dict().values()), None)
        device = ref.device if ref is not None else "cpu"
        state = to_torch(src if isinstance(src, scratchnet.nn.Module) else from_torch(src), device=device)
        dst.load_state_dict(state)
    else:
        dst.load_state_dict(from_torch(src) if isinstance(src, torch.nn.Module) else src.state_dict())
