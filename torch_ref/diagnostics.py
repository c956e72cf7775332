"""The torch twin of :mod:`scratchnet.diagnostics`: the same per-layer recorder
(``scratchnet.diagnostics.BaseLayerRecorder``), built on torch's
``register_forward_hook`` and ``register_full_backward_hook``.

Same names (``LayerRecorder``, ``Stats``), same layer names (those of
``named_modules()``, identical for models built by the two ``mlp``
builders), same statistics — computed here with torch in float64::

    mean = t.mean()    std = t.std(correction=0)    norm = torch.linalg.vector_norm(t)
"""

from __future__ import annotations

import torch
from torch import nn

from scratchnet.diagnostics import BaseLayerRecorder, Stats


def tensor_stats(t: torch.Tensor) -> Stats:
    """:class:`Stats` of a tensor, computed in float64 by torch."""
    t = t.detach().to(torch.float64).reshape(-1)
    if t.numel() == 0:
        return Stats(float("nan"), float("nan"), 0.0)
    return Stats(float(t.mean()), float(t.std(correction=0)), float(torch.linalg.vector_norm(t)))


class LayerRecorder(BaseLayerRecorder):
    """Record activation and gradient statistics of a torch model's layers (see
    :class:`scratchnet.diagnostics.LayerRecorder`, which this mirrors)."""

    module_type = nn.Module
    module_kind = "a torch.nn.Module"
    stats = staticmethod(tensor_stats)
