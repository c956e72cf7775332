"""torch modules that ``torch.nn`` lacks but scratchnet has, with the same names
and ``state_dict`` keys as their scratchnet twins."""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """Y = X + fn(X), the twin of ``scratchnet.nn.Residual`` (autograd does the backward)."""

    def __init__(self, fn: nn.Module):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(x)
