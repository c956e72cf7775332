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

Each optimizer's file is laid out as torch's: the class (arguments, state,
``step``), a functional form (``sgd(...)``, ``adam(...)``) that picks the path,
and the two paths, plain functions of lists of arrays:

* ``_single_tensor_adam`` — the readable one: one parameter at a time, each
  line one formula of the class docstring, in its order and notation;
* ``_multi_tensor_adam`` — the fast one (``foreach=True``): the same algorithm
  with one NumPy call per formula over all parameters at once, in place on
  flat buffers (see ``_flat.py``).

``foreach`` is torch's argument with torch's default rule: ``None`` takes the
fast path wherever it can run (torch: "foreach when all tensors are on a device
with foreach kernels"; NumPy arrays always can), ``False`` the readable one.
Both are held to torch by the parity suite and to each other by
``tests/test_optim_paths.py``.

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
import math
from collections import defaultdict

import numpy as np

from ..nn.parameter import Parameter
from .._validation import check_real, describe
from . import _flat


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
        self._workspaces: dict = {}  # id(param group) → its fast path's scratch (_flat.Workspace)
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
                if p._grad is None:  # the grad property's value (read without its call: every step)
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    p._grad[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient (each optimizer writes its own).
        ``closure``, if given, is called first (it recomputes the loss) and its value returned."""
        raise NotImplementedError

    def _workspace(self, group: dict) -> "_flat.Workspace":
        """The fast path's scratch arrays for ``group``: not state (see ``_flat.Workspace``)."""
        w = self._workspaces.get(id(group))
        if w is None or w.group is not group:
            w = self._workspaces[id(group)] = _flat.Workspace()
            w.group = group
        return w

    @staticmethod
    def _params_with_grad(group: dict) -> tuple[list[Parameter], list[np.ndarray]]:
        """The group's parameters that have a gradient, and their gradients, in order
        (torch's ``_init_group`` loop)."""
        params, grads = [], []
        for p in group["params"]:
            g = p._grad  # the grad property's value (read without its call: every step)
            if g is not None:
                if g.shape != p.data.shape:
                    raise ValueError(f"optimizer step: a gradient has shape {g.shape} "
                                     f"but its parameter has shape {p.data.shape}")
                params.append(p)
                grads.append(g)
        return params, grads

    def _new_state(self, params: list[Parameter], *names: str, fill: float = 0.0) -> None:
        """Create the state of the parameters that have none yet, as torch does on a
        parameter's first step: ``"step"`` = 0 (a 0-d float32 array, as torch's 0-d
        float32 tensor; whole numbers are exact in it up to 2**24 steps) and the
        arrays ``names``, filled with ``fill``, of the parameter's shape — allocated
        as pieces of one flat buffer per name and dtype, which the fast path
        computes on directly (``_flat.py``)."""
        new = [p for p in params if not self.state.get(p)]
        if not new:
            return
        for p, step in zip(new, _flat.zeros_like_all([np.zeros((), np.float32)] * len(new))):
            self.state[p] = {"step": step}
        for name in names:
            for p, array in zip(new, _flat.zeros_like_all([p.data for p in new], fill)):
                self.state[p][name] = array

    @staticmethod
    def _count_step(states: list[dict]) -> list[np.ndarray]:
        """t ← t + 1 in each state's ``"step"`` (one NumPy call when the counts are one
        flat buffer, as ``_new_state`` makes them); returns the step arrays."""
        steps = [s["step"] for s in states]
        buffer = _flat.flat(steps)
        if buffer is not None:
            buffer += 1
        else:
            for t in steps:
                t += 1
        return steps

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
            for name, default in self.defaults.items():  # options the saving side did not have
                ng.setdefault(name, default)             # (e.g. foreach, from torch_ref's conversion)
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups
        self._workspaces = {}
        self._pack_state()

    def _pack_state(self) -> None:
        """Store each group's state arrays as pieces of flat buffers, as the first
        step creates them (``_new_state``), so that the fast path finds them so."""
        for group in self.param_groups:
            params = [p for p in group["params"] if self.state.get(p)]
            steps = [p for p in params if isinstance(self.state[p].get("step"), np.ndarray)
                     and self.state[p]["step"].shape == () and self.state[p]["step"].dtype == np.float32]
            for p, step in zip(steps, _flat.zeros_like_all([self.state[p]["step"] for p in steps])):
                step[...] = self.state[p]["step"]
                self.state[p]["step"] = step
            names = dict.fromkeys(k for p in params for k, v in self.state[p].items()
                                  if k != "step" and isinstance(v, np.ndarray) and v.shape == p.data.shape)
            for name in names:
                owners = [p for p in params if isinstance(self.state[p].get(name), np.ndarray)
                          and self.state[p][name].shape == p.data.shape]
                for p, array in zip(owners, _flat.zeros_like_all([self.state[p][name] for p in owners])):
                    array[...] = self.state[p][name]
                    self.state[p][name] = array

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k not in ("params", "param_names")):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


#: The largest piece of a parameter the readable path computes on at once (see :func:`in_pieces`).
PIECE_BYTES = 64 * 1024


def in_pieces(*lists: list) -> tuple[list, ...]:
    """Parallel lists (parameters, gradients, states — an empty list, an unused
    state, stays empty) with every parameter larger than :data:`PIECE_BYTES` cut
    into pieces of at most that size, its gradient and state arrays alike; what
    is not an array of the parameter's shape (its step count) is repeated for
    each piece.

    The readable path writes each formula as NumPy reads it, ``m[...] = β₁ m +
    (1 − β₁) g``, and every operation makes a temporary array of its operands'
    size. For a 784×256 float64 weight (1.6 MB) those temporaries are fetched
    from the operating system afresh at each step (glibc hands arrays beyond
    its thresholds back on free) and the page faults cost several times the
    arithmetic (measured on the reference workload). Temporaries of ≤ 64 KB are
    reused from the heap and stay in the cache; the formulas are elementwise,
    so a parameter updated piece by piece gets exactly the same numbers.
    Parameters whose arrays are not all C-contiguous (a flat view would be a
    copy) stay whole; so does everything on a step that creates state (a
    ``None`` entry, which the step replaces by the new array in the list).
    """
    first = lists[0]
    if all(a.nbytes <= PIECE_BYTES for a in first) or any(e is None for lst in lists for e in lst):
        return lists
    out = tuple([] for _ in lists)
    for i, a in enumerate(first):
        entries = [lst[i] if lst else None for lst in lists]
        cut = [isinstance(e, np.ndarray) and e.shape == a.shape for e in entries]
        whole = a.nbytes <= PIECE_BYTES or not all(e.flags.c_contiguous for e, c in zip(entries, cut) if c)
        if whole:
            for o, lst in zip(out, lists):
                if lst:
                    o.append(lst[i])
            continue
        size = max(1, PIECE_BYTES // a.itemsize)
        for start in range(0, a.size, size):
            for o, lst, e, c in zip(out, lists, entries, cut):
                if lst:
                    o.append(e.reshape(-1)[start:start + size] if c else e)
    return out


def check_foreach(value) -> None:
    """torch's ``foreach``: None (pick the path), True (the fast one) or False (the readable one)."""
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"foreach must be None, True or False, got {type(value).__name__} {value!r}")


def check_nonneg(value, name: str, invalid: str) -> None:
    """A hyperparameter x ≥ 0, refused in torch's words: torch writes
    ``if not 0.0 <= x: raise ValueError(f"Invalid {invalid}: {x}")``. A value that
    is not a real number is a ``TypeError``; infinity is refused too (torch lets it through)."""
    check_real(value, name, low=0.0, high=math.inf, high_inclusive=False, invalid=invalid)
