"""``Optimizer``: the base class of every optimizer (mirrors ``torch.optim.Optimizer``).

An optimizer holds

* ``param_groups`` — a list of dicts, each with ``"params"`` (a list of
  :class:`~scratchnet.nn.Parameter`) and that group's hyperparameters
  (``"lr"``, ``"momentum"``, ...). Options missing from a group take the
  optimizer's ``defaults``; so one optimizer can give each layer its own
  learning rate, as in PyTorch::

      opt = SGD([{"params": model[0].parameters(), "lr": 0.1},
                 {"params": model[2].parameters()}], lr=0.01, momentum=0.9)

* ``state`` — a dict from each parameter to *its* state (momentum buffer,
  Adam's moment estimates, the step count), created on the parameter's first
  update. State lives here, in the optimizer, never on the layer objects.

The update arithmetic of each optimizer is a plain function of arrays in its
own file (``sgd.py``, ``adam.py``, ...); the class only fetches the state,
calls the function and stores the result.

Hyperparameters are checked with torch's messages ("Invalid learning rate:
-0.1"); unlike torch, which checks only the constructor's values, each
group's own options are checked too.

``state_dict()`` uses PyTorch's format: ``{"state": {index: {...}},
"param_groups": [{..., "params": [indices]}]}``, parameters numbered
0, 1, 2, ... across the groups in order. It differs in one way: scratchnet
returns *copies* of the state arrays (a snapshot, like
``scratchnet.nn.Module.state_dict``), where PyTorch returns references.
``torch_ref.optim`` converts such a state dict to torch tensors and back.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import numpy as np

from ..nn.parameter import Parameter
from .._validation import describe


class _RequiredParameter:
    """Marks a hyperparameter that has no default (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _as_numpy(value):
    """A torch tensor (recognised by module name, torch is never imported) as NumPy."""
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return value


class Optimizer:
    """Base class: holds ``param_groups`` and ``state``; subclasses write ``step``.

    Parameters
    ----------
    params : iterable
        Parameters, ``(name, parameter)`` pairs (as from ``named_parameters()``),
        or dicts each with a ``"params"`` entry and per-group options.
    defaults : dict
        The hyperparameters every group gets unless it sets its own.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        if isinstance(params, (Parameter, np.ndarray, dict, str, bytes)) or not hasattr(params, "__iter__"):
            hint = " (wrap a single parameter group in a list: [{'params': ...}])" if isinstance(params, dict) else ""
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Parameters or dicts (e.g. model.parameters()), but got {describe(params)}{hint}")
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of a set changes between runs (and the state_dict numbers "
                            "parameters in order). Please use a list instead.")
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._workspace: dict = {}
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- groups ------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (as torch).

        Missing options take ``defaults``; a parameter may belong to one group only.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (the parameters to optimize)")
        param_group = dict(param_group)  # torch mutates the caller's dict; we copy it
        params = param_group["params"]
        if isinstance(params, Parameter):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but "
                            "the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError("optimizer can only optimize Parameters, but one of the params is "
                                f"{describe(p)}")
        param_group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group")
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in param_group):
                raise ValueError("all optimizer param groups should be with/without names")
        self._validate_group(param_group)
        self.param_groups.append(param_group)

    def _validate_group(self, group: dict) -> None:
        """Subclasses check a group's hyperparameters here (torch checks only the
        constructor's; we check per-group options too, with the same messages)."""

    # -- the update ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to ``None`` (torch's default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure``, if
        given, is called first (it recomputes the loss) and its value returned."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}.step: a gradient has shape {p.grad.shape} "
                                     f"but its parameter has shape {p.data.shape}")
                state = self.state.get(p, {})  # created on first use, only if needed
                self._update(p, p.grad, state, group)
                if state:
                    self.state[p] = state
        return loss

    def _update(self, param: Parameter, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    def _work(self, param: Parameter) -> np.ndarray:
        """A scratch array of ``param``'s shape and dtype for the update's
        intermediates, kept between steps so that a step allocates nothing.

        It is not optimizer *state* (it holds nothing from one step to the
        next and is not in ``state_dict()``); it is re-created when the
        parameter's shape or dtype changes (e.g. after ``model.double()``).
        """
        work = self._workspace.get(param)
        if work is None or work.shape != param.data.shape or work.dtype != param.data.dtype:
            work = self._workspace[param] = np.empty_like(param.data)
        return work

    # -- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The optimizer's state in torch's format (copies, see the module docstring)."""
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {index[id(p)]: {k: copy.deepcopy(v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state from :meth:`state_dict` (or from torch's, tensors included).

        As in torch: the number of groups and of parameters per group must match
        (else ``ValueError``); hyperparameters come from the saved groups; state
        arrays are cast to their parameter's dtype, except ``"step"``.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise TypeError("load_state_dict expects a dict with 'state' and 'param_groups' "
                            f"(from Optimizer.state_dict()), got {describe(state_dict)}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for g, sg in zip(self.param_groups, saved_groups):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match "
                                 "the size of optimizer's group")
        id_map = {old: p for g, sg in zip(self.param_groups, saved_groups)
                  for old, p in zip(sg["params"], g["params"])}
        new_state: defaultdict = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key not in id_map:
                continue  # torch keeps such entries under their index; they can never be used
            p = id_map[key]
            entry = {}
            for name, v in values.items():
                v = _as_numpy(v)
                if isinstance(v, np.ndarray) or np.isscalar(v):
                    arr = np.array(v, copy=True)
                    if name != "step" and arr.dtype.kind == "f":
                        arr = arr.astype(p.data.dtype)
                        if arr.shape != p.data.shape:
                            raise ValueError(f"state {name!r} of parameter {key} has shape {arr.shape}, "
                                             f"the parameter has shape {p.data.shape}")
                    entry[name] = arr
                else:
                    entry[name] = copy.deepcopy(v)
            new_state[p] = entry
        new_groups = []
        for g, sg in zip(self.param_groups, saved_groups):
            ng = {k: copy.deepcopy(v) for k, v in sg.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k not in ("params", "param_names")):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


#: Bytes of each array that one block of an elementwise update covers (see :func:`blocks`).
BLOCK_BYTES = 256 * 1024


def blocks(*arrays):
    """Matching flat pieces of ``arrays`` (``None`` entries stay ``None``), each
    :data:`BLOCK_BYTES` long, for running an elementwise update block by block.

    An update such as Adam's makes a dozen passes over its arrays. Over a whole
    large parameter (a 784×256 float64 weight is 1.6 MB; five such arrays are
    involved) every pass streams them from main memory; over a block of
    256 KB per array, the block stays in the CPU's L2 cache from the first pass
    to the last (cache blocking). The arithmetic is elementwise, so the result
    is the same, bit for bit. Arrays that are small, or not all C-contiguous
    (where a flat view would be a copy), come back whole, as one block.
    """
    first = arrays[0]
    size = max(1, BLOCK_BYTES // first.itemsize)
    if first.size <= size or not all(a is None or a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for start in range(0, first.size, size):
        yield tuple(None if f is None else f[start:start + size] for f in flat)


def _step_count(state: dict) -> np.ndarray:
    """The ``step`` entry: a 0-d float array, as torch's 0-d float32 tensor.

    torch keeps the step count as a tensor (so that CUDA graphs can capture
    it); its value is a whole number, exact in float32 up to 2**24 steps.
    We keep a 0-d float32 array so that state dicts convert one to one.
    """
    if "step" not in state:
        state["step"] = np.array(0.0, dtype=np.float32)
    return state["step"]
