"""Per-layer statistics of activations and gradients, recorded with hooks.

The tool for seeing the troubles of deep networks (Chapter 15 §8, "Vanishing
and Exploding Gradients"; CS229 practice exercise 6, "Visualize gradient
magnitudes per layer"): how large the activations A[l] and the gradients
dJ/dA[l] are, layer by layer. In a deep sigmoid network dJ/dA[l] shrinks by
a factor ≤ 1/4 · ‖W[l]‖ per layer going back (σ' ≤ 1/4): the first layers
barely learn.

    rec = LayerRecorder(model)              # hooks on every leaf layer
    out = model(x)                          # records A[l] of each layer
    model.backward(loss_fn.backward())      # records dJ/dA[l] of each layer
    rec.record_parameters()                 # and dJ/dθ of each parameter
    rec.gradients["4"][-1].norm             # ‖dJ/dA‖ of layer "4", last step
    rec.remove()                            # or use it as a context manager

For each recorded array the statistics are computed in float64 over all its
entries (the whole batch)::

    mean = (1/n) Σ a_i     std = √((1/n) Σ (a_i − mean)²)     norm = √(Σ a_i²)

— ``std`` is the population standard deviation (divides by n, like
``numpy.std``; ``torch.Tensor.std`` divides by n − 1 unless told
``correction=0``). ``torch_ref.diagnostics.LayerRecorder`` is the same
recorder on a torch model, built on torch's hooks; the parity suite checks
that both give the same numbers.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterable, NamedTuple

import numpy as np

from .nn.modules.module import Module


class Stats(NamedTuple):
    """mean, std (population) and L2 norm of one array, as Python floats."""

    mean: float
    std: float
    norm: float


def array_stats(a) -> Stats:
    """:class:`Stats` of an array, computed in float64."""
    a = np.asarray(a, dtype=np.float64).ravel()
    if a.size == 0:
        return Stats(float("nan"), float("nan"), 0.0)
    return Stats(float(a.mean()), float(a.std()), float(np.sqrt(np.dot(a, a))))


def leaf_modules(model) -> list[tuple[str, object]]:
    """The (name, module) pairs of the modules without children — the layers (either library's)."""
    return [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]


class BaseLayerRecorder:
    """What both libraries' recorders do; a library fills in two things:

    ``module_type`` (and ``module_kind``, its name for error messages): what a model is;
    ``stats(array)``: the :class:`Stats` of one recorded array (or tensor).

    Everything else — which layers, the hooks, the tables, removing the hooks —
    is written here once. See :class:`LayerRecorder` for the parameters and
    attributes.
    """

    module_type: type = object
    module_kind = "a model"

    @staticmethod
    def stats(a) -> Stats:  # pragma: no cover - each library's recorder sets its own
        raise NotImplementedError

    def __init__(self, model, layers: Iterable[str] | None = None):
        if not isinstance(model, self.module_type):
            raise TypeError(f"{type(self).__name__} expects {self.module_kind}, got {type(model).__name__}")
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
        self.activations: "OrderedDict[str, list[Stats]]" = OrderedDict((n, []) for n in self.layer_names)
        self.gradients: "OrderedDict[str, list[Stats]]" = OrderedDict((n, []) for n in self.layer_names)
        self.parameters: "OrderedDict[str, list[Stats]]" = OrderedDict(
            (n, []) for n, p in model.named_parameters() if p.requires_grad)
        self._handles = []
        for name, module in chosen:
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
            self._handles.append(module.register_full_backward_hook(self._backward_hook(name)))

    def _forward_hook(self, name):
        def hook(module, inputs, output):
            self.activations[name].append(self.stats(output))
        return hook

    def _backward_hook(self, name):
        def hook(module, grad_input, grad_output):
            self.gradients[name].append(self.stats(grad_output[0]))
        return hook

    def record_parameters(self) -> None:
        """Append the statistics of every parameter's current ``.grad`` (call after backward)."""
        for name, p in self.model.named_parameters():
            if name in self.parameters and p.grad is not None:
                self.parameters[name].append(self.stats(p.grad))

    def table(self, kind: str = "gradients", step: int = -1) -> list[tuple]:
        """Rows ``(name, layer type, mean, std, norm)`` of one pass (the last by
        default), for printing with tabulate. ``kind``: "activations",
        "gradients" or "parameters"."""
        if kind not in ("activations", "gradients", "parameters"):
            raise ValueError(f"kind must be 'activations', 'gradients' or 'parameters', got {kind!r}")
        rows = []
        for name, history in getattr(self, kind).items():
            if history:
                s = history[step]
                rows.append((name, self.layer_types.get(name, "parameter"), s.mean, s.std, s.norm))
        return rows

    def clear(self) -> None:
        """Forget everything recorded so far (the hooks stay)."""
        for table in (self.activations, self.gradients, self.parameters):
            for history in table.values():
                history.clear()

    def remove(self) -> None:
        """Unregister the hooks; what was recorded stays readable."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class LayerRecorder(BaseLayerRecorder):
    """Record activation and gradient statistics of a model's layers on every pass.

    Parameters
    ----------
    model : Module
    layers : iterable of str, optional
        Names (as in ``model.named_modules()``, e.g. ``"0"``, ``"3.fn.0"``) of
        the modules to watch; by default every leaf module.

    Attributes (each a dict from layer or parameter name to a list, one
    :class:`Stats` per pass, oldest first)
    ----------
    activations : the layer's output A, on each forward pass
    gradients : dJ/dA, the gradient arriving at the layer's output, on each backward pass
    parameters : dJ/dθ of each parameter, on each :meth:`record_parameters` call
    """

    module_type = Module
    module_kind = "a scratchnet Module"
    stats = staticmethod(array_stats)
