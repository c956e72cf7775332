"""``Sequential`` (mirrors ``torch.nn.Sequential`` in ``torch/nn/modules/container.py``).

Forward runs the layers in order; backward runs their ``backward`` in reverse
order, each receiving the gradient the next layer returned — the chain rule
of CS229 §6.6, "start with the top layer, the one closest to the loss".
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections import OrderedDict

from .module import Module, checked_backward


class Sequential(Module):
    """A chain of modules, indexable like a list (``model[0]``, ``model[1:]``, ``len(model)``).

    Built from modules (named ``"0"``, ``"1"``, ...) or from one ``OrderedDict``
    of names to modules, as in PyTorch.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def add_module(self, name: str, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential expects Module instances, got {type(module).__name__} "
                            f"at position {name!r} (did you pass a class instead of an instance?)")
        super().add_module(name, module)

    register_module = add_module

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"Sequential indices must be integers or slices, got {type(idx).__name__}")
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for a Sequential of {n} modules")
        return list(self._modules.values())[idx % n]

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def backward(self, grad_output=None, *, needs_input_grad: bool = True):
        """Chain rule, last layer first: each layer's backward receives the
        gradient the layer after it returned. With ``needs_input_grad=False``
        the first layer is told not to compute dJ/dX (nobody uses it in training)."""
        with checked_backward(self, grad_output) as g:
            first, *later = self._modules.values() or [None]
            for module in reversed(later):
                g = module.backward(g)
            if first is None:  # an empty Sequential is the identity
                return g
            if not needs_input_grad and _accepts_needs_input_grad(first):
                return first.backward(g, needs_input_grad=False)
            return first.backward(g)


@functools.lru_cache(maxsize=None)
def _class_accepts_needs_input_grad(cls: type) -> bool:
    try:
        return "needs_input_grad" in inspect.signature(cls.backward).parameters
    except (TypeError, ValueError):
        return False


def _accepts_needs_input_grad(module: Module) -> bool:
    """Whether ``module.backward`` can skip dJ/dX (``Linear``, ``Sequential``, ...)."""
    return _class_accepts_needs_input_grad(type(module))
