"""The torch twin of :mod:`scratchnet.diagnostics`: the same per-layer recorder,
built on ``register_forward_hook`` and ``register_full_backward_hook``.

Same names (``LayerRecorder``, ``Stats``), same layer names (those of
``named_modules()``, identical for models built by the two ``mlp``
builders), same statistics — computed here with torch in float64::

    mean = t.mean()    std = t.std(correction=0)    norm = torch.linalg.vector_norm(t)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable

import torch
from torch import nn

from scratchnet.diagnostics import Stats


def tensor_stats(t: torch.Tensor) -> Stats:
    """:class:`Stats` of a tensor, computed in float64 by torch."""
    t = t.detach().to(torch.float64).reshape(-1)
    if t.numel() == 0:
        return Stats(float("nan"), float("nan"), 0.0)
    return Stats(float(t.mean()), float(t.std(correction=0)), float(torch.linalg.vector_norm(t)))


def leaf_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]


class LayerRecorder:
    """Record activation and gradient statistics of a torch model's layers (see
    :class:`scratchnet.diagnostics.LayerRecorder`, which this mirrors)."""

    def __init__(self, model: nn.Module, layers: Iterable[str] | None = None):
        self.model = model
        named = dict(model.named_modules())
        if layers is None:
            chosen = leaf_modules(model)
        else:
            layers = list(layers)
            unknown = [n for n in layers if n not in named]
            if unknown:
                raise ValueError(f"LayerRecorder: no module named {unknown[0]!r} in the model; "
                                 f"names are {sorted(n for n in named if n)}")
            chosen = [(n, named[n]) for n in layers]
        self.layer_names = [n for n, _ in chosen]
        self.layer_types = {n: type(m).__name__ for n, m in chosen}
        self.activations = OrderedDict((n, []) for n in self.layer_names)
        self.gradients = OrderedDict((n, []) for n in self.layer_names)
        self.parameters = OrderedDict((n, []) for n, p in model.named_parameters() if p.requires_grad)
        self._handles = []
        for name, module in chosen:
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
            self._handles.append(module.register_full_backward_hook(self._backward_hook(name)))

    def _forward_hook(self, name):
        def hook(module, inputs, output):
            self.activations[name].append(tensor_stats(output))
        return hook

    def _backward_hook(self, name):
        def hook(module, grad_input, grad_output):
            self.gradients[name].append(tensor_stats(grad_output[0]))
        return hook

    def record_parameters(self) -> None:
        for name, p in self.model.named_parameters():
            if name in self.parameters and p.grad is not None:
                self.parameters[name].append(tensor_stats(p.grad))

    def table(self, kind: str = "gradients", step: int = -1) -> list[tuple]:
        if kind not in ("activations", "gradients", "parameters"):
            raise ValueError(f"kind must be 'activations', 'gradients' or 'parameters', got {kind!r}")
        rows = []
        for name, history in getattr(self, kind).items():
            if history:
                s = history[step]
                rows.append((name, self.layer_types.get(name, "parameter"), s.mean, s.std, s.norm))
        return rows

    def clear(self) -> None:
        for table in (self.activations, self.gradients, self.parameters):
            for history in table.values():
                history.clear()

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> "LayerRecorder":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()
