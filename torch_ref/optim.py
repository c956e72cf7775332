"""Optimizer and scheduler state conversion between scratchnet and torch.optim.

Both use torch's ``state_dict`` layout (``{"state": {index: {...}},
"param_groups": [{..., "params": [indices]}]}``), so conversion is a copy of
each array to a tensor or back, bit for bit:

* ``"step"`` becomes a 0-d float32 CPU tensor, as torch creates it
  (``torch.tensor(0.0, dtype=torch.float32)``; whole numbers are exact);
* group options that only torch has (``foreach``, ``fused``, ``capturable``,
  ``differentiable``) are dropped on the way to scratchnet; torch fills in
  their defaults itself when it loads a state without them.

    torch_opt.load_state_dict(optimizer_state_to_torch(scratch_opt.state_dict()))
    scratch_opt.load_state_dict(optimizer_state_from_torch(torch_opt.state_dict()))

Scheduler state dicts hold only Python numbers and lists, the same keys in
both libraries, so they load across unchanged (``scheduler_state_*`` copy them).
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from .device import resolve_device

#: torch-only implementation switches, absent from scratchnet's groups.
TORCH_ONLY_GROUP_KEYS = ("foreach", "fused", "capturable", "differentiable")


def optimizer_state_to_torch(state_dict: dict, device="cpu") -> dict:
    """A scratchnet optimizer ``state_dict()`` as torch's (arrays → tensors)."""
    device = resolve_device(device)
    state = {}
    for index, entry in state_dict["state"].items():
        converted = {}
        for name, value in entry.items():
            if name == "step":
                converted[name] = torch.tensor(float(np.asarray(value)), dtype=torch.float32)
            elif isinstance(value, np.ndarray):
                converted[name] = torch.from_numpy(value.copy()).to(device)
            else:
                converted[name] = copy.deepcopy(value)
        state[index] = converted
    return {"state": state, "param_groups": copy.deepcopy(state_dict["param_groups"])}


def optimizer_state_from_torch(state_dict: dict) -> dict:
    """A torch optimizer ``state_dict()`` as scratchnet's (tensors → NumPy arrays)."""
    state = {}
    for index, entry in state_dict["state"].items():
        converted = {}
        for name, value in entry.items():
            if isinstance(value, torch.Tensor):
                arr = value.detach().cpu().numpy().copy()
                converted[name] = arr.astype(np.float32) if name == "step" else arr
            else:
                converted[name] = copy.deepcopy(value)
        state[index] = converted
    groups = [{k: copy.deepcopy(v) for k, v in g.items() if k not in TORCH_ONLY_GROUP_KEYS}
              for g in state_dict["param_groups"]]
    return {"state": state, "param_groups": groups}


def scheduler_state_to_torch(state_dict: dict) -> dict:
    """A scratchnet scheduler ``state_dict()`` for torch (plain values: a deep copy)."""
    return copy.deepcopy(state_dict)


def scheduler_state_from_torch(state_dict: dict) -> dict:
    """A torch scheduler ``state_dict()`` for scratchnet (plain values: a deep copy)."""
    return {k: copy.deepcopy(v) for k, v in state_dict.items()
            if k not in ("_get_lr_called_within_step", "verbose")}
