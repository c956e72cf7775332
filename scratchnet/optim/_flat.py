"""Flat buffers: what the fast path (``foreach=True``) of every optimizer runs on.

The readable path updates one parameter at a time, so a network with a
dozen small parameters makes a dozen NumPy calls per formula — for tiny
networks most of a step is the cost of those calls, not arithmetic. The fast
path makes *one* call per formula over all parameters of a dtype at once
(torch's ``_foreach_*`` kernels do the same over lists of tensors):

* **the state** — momentum buffers, Adam's moments, … — is stored that way
  from the start: when parameters take their first step together, each
  state is allocated as one flat buffer per dtype, and each parameter's
  ``state[p]["exp_avg"]`` is a view of its piece (:func:`zeros_like_all`).
  The state dict, the readable path and everything else see ordinary
  arrays of the parameter's shape; the fast path finds the flat buffer
  behind them (:func:`flat`) and computes on it directly, no copy;
* **the gradients** are copied into one flat buffer (one pass; each layer
  hands out its own gradient arrays), and the parameters are updated piece by
  piece at the end (``θ -= Δθ`` per parameter), so that a parameter's
  ``.data`` stays the very array the model holds.

When the state arrays are not one flat buffer (a parameter that had no
gradient on the first step, so that its state was made later, apart; arrays
put into ``state`` by hand), the fast path copies them into one and back —
the same numbers, somewhat slower. A loaded state dict does not take that
path: ``Optimizer.load_state_dict`` repacks the arrays into flat buffers
(``_pack_state``).
"""

from __future__ import annotations

import weakref
from itertools import chain

import numpy as np

#: id(flat buffer) → (weak reference to it, weak references to its pieces, in order):
#: how :func:`flat` recognises the pieces of a buffer it made, without asking NumPy
#: for addresses (a microsecond or two per array).
_made: dict = {}


def _forget(key: int):
    return lambda _ref: _made.pop(key, None)


def by_dtype(arrays: list) -> list[list[int]]:
    """The positions in ``arrays`` of each dtype's arrays, dtypes in the order they
    first appear (as torch's ``_group_tensors_by_device_and_dtype``)."""
    positions: dict = {}
    for i, a in enumerate(arrays):
        positions.setdefault(a.dtype, []).append(i)
    return list(positions.values())


def zeros_like_all(arrays: list, fill: float = 0.0) -> list[np.ndarray]:
    """Arrays shaped as ``arrays`` and filled with ``fill``, each a view of one flat
    buffer per dtype (consecutive, in the order given)."""
    out: list = [None] * len(arrays)
    for idx in by_dtype(arrays):
        like = [arrays[i] for i in idx]
        buffer = np.full(sum(a.size for a in like), fill, dtype=like[0].dtype)
        pieces = split(buffer, like)
        for i, piece in zip(idx, pieces):
            out[i] = piece
        _made[id(buffer)] = (weakref.ref(buffer, _forget(id(buffer))), [weakref.ref(piece) for piece in pieces])
    return out


def flat(arrays: list) -> np.ndarray | None:
    """The flat buffer whose pieces ``arrays`` are, all of them and in order (as
    :func:`zeros_like_all` made them), or None."""
    if not arrays:
        return None
    base = arrays[0].base
    entry = None if base is None else _made.get(id(base))
    if entry is None or entry[0]() is not base or len(entry[1]) != len(arrays):
        return None
    for a, piece in zip(arrays, entry[1]):
        if piece() is not a:
            return None
    return base


def gather(arrays: list, out: np.ndarray | None = None) -> np.ndarray:
    """One flat array holding ``arrays`` one after the other (a copy, into ``out`` if given)."""
    return np.concatenate([a.reshape(-1) for a in arrays], out=out)


def split(data: np.ndarray, like: list) -> list[np.ndarray]:
    """The pieces of the flat ``data`` shaped as the arrays of ``like`` (views)."""
    pieces, start = [], 0
    for a in like:
        pieces.append(data[start:start + a.size].reshape(a.shape))
        start += a.size
    return pieces


def per_entry(values: list, like: list, dtype) -> np.ndarray | float:
    """A per-parameter number (such as a bias correction 1 − β₁ᵗ) for every entry
    of the flat arrays: the number itself when all parameters share it (the usual
    case: they all took the same steps), else an array of ``dtype`` repeating each
    parameter's value over its entries."""
    if values.count(values[0]) == len(values):
        return values[0]
    return np.repeat(np.asarray(values, dtype=np.float64), [a.size for a in like]).astype(dtype)


class Group:
    """One dtype's share of a fast-path step: its parameters (``thetas``, their
    positions ``indices`` in the step's lists), each state list as one flat array
    (``states``: the buffer behind it, or a copy that :meth:`store` writes back),
    and scratch arrays of the parameters' total size (``grad``, ``work``, and
    :meth:`scratch` for a third) with ``work``'s pieces shaped as the parameters."""

    __slots__ = ("indices", "thetas", "state_lists", "states", "copied", "grad", "work", "work_pieces", "_third")

    def __init__(self, indices: list, thetas: list, state_lists: list):
        n, dtype = sum(a.size for a in thetas), thetas[0].dtype
        self.indices, self.thetas, self.state_lists = indices, thetas, state_lists
        found = [flat(lst) if lst else None for lst in state_lists]
        self.copied = [bool(lst) and data is None for lst, data in zip(state_lists, found)]
        self.states = [np.empty(n, dtype) if copied else data for copied, data in zip(self.copied, found)]
        self.grad, self.work = np.empty(n, dtype), np.empty(n, dtype)
        self.work_pieces = split(self.work, thetas)
        self._third = None

    def scratch(self) -> np.ndarray:
        """A third scratch array (RMSprop's and Adagrad's denominator)."""
        if self._third is None:
            self._third = np.empty_like(self.work)
        return self._third

    def load(self, grads: list) -> np.ndarray:
        """The step's gradients, copied into ``grad`` (ours: free to change); copied
        states refreshed from their arrays."""
        for lst, data, copied in zip(self.state_lists, self.states, self.copied):
            if copied:
                gather(lst, data)
        return gather(grads if len(grads) == len(self.indices) else [grads[i] for i in self.indices], self.grad)

    def store(self) -> None:
        """Write copied states back into their arrays (flat ones were updated in place)."""
        for lst, data, copied in zip(self.state_lists, self.states, self.copied):
            if copied:
                for a, piece in zip(lst, split(data, lst)):
                    a[...] = piece

    def update(self) -> None:
        """θ ← θ − Δθ for each parameter, Δθ being its piece of ``work``."""
        for theta, step in zip(self.thetas, self.work_pieces):
            theta -= step

    def scratch_arrays(self):
        yield self.grad
        yield self.work
        if self._third is not None:
            yield self._third
        yield from (data for data, copied in zip(self.states, self.copied) if copied)


class Workspace:
    """The fast path's :class:`Group` plans with their scratch arrays, for one
    parameter group, kept between steps so that a step allocates nothing and
    looks nothing up again. Not optimizer *state*: nothing in them lasts from one
    step to the next (the plan is made anew when the lists no longer hold the
    very same arrays: after ``model.double()``, a loaded state dict, a parameter
    without a gradient), and they are not in ``state_dict()``."""

    def __init__(self):
        self._key: tuple = ()
        self._groups: list = []
        self._held: list = []  # the arrays the plan was made for (so that their ids stay theirs)
        self.group = None  # the param group it serves (see Optimizer._workspace)

    def groups(self, params: list, *state_lists: list) -> list[Group]:
        """``params`` and their ``state_lists`` split by dtype (as torch's
        ``_group_tensors_by_device_and_dtype``), as :class:`Group` plans."""
        # The arrays' ids, the lists' lengths: the plan holds the arrays themselves, so an
        # id here can only be that same array's (no other object can take it meanwhile).
        key = (*map(id, params), *map(id, chain.from_iterable(state_lists)), *map(len, state_lists))
        if key == self._key:
            return self._groups
        groups = []
        for idx in by_dtype(params):
            groups.append(Group(idx, [params[i] for i in idx],
                                [[lst[i] for i in idx] if lst else [] for lst in state_lists]))
        self._key, self._groups, self._held = key, groups, [list(params), *map(list, state_lists)]
        return groups

    def values(self):
        """Every scratch array (for tests: none of them is handed out)."""
        for g in self._groups:
            yield from g.scratch_arrays()
