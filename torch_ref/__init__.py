"""torch_ref: the same architectures as scratchnet, built in PyTorch, with
exact weight conversion both ways. Imports torch and scratchnet; never
re-implements what torch provides."""

from . import data, diagnostics, models, modules, optim, serialization, train
from .convert import copy_weights, from_torch, to_torch
from .device import available_devices, cuda_available, resolve_device

__all__ = ["models", "to_torch", "from_torch", "copy_weights", "resolve_device",
           "available_devices", "cuda_available", "serialization", "modules", "diagnostics",
           "optim", "data", "train"]
