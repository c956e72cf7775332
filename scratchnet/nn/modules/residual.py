"""``Residual``: a skip connection around a block, y = x + F(x) (He et al. 2016).

PyTorch has no module for this (torchvision writes ``out += identity`` inside
each ResNet block); ``torch_ref.modules.Residual`` is the same class in torch,
with the same ``state_dict`` keys (``"fn.0.weight"``, ...).

Forward and backward, for a block F whose output has the shape of its input::

    Y  = X + F(X)
    dX = dY + dF(dY)        — the gradient reaches X twice: unchanged through
                              the identity path, and through F's own backward

The identity path is why deep residual networks train: however small F's
Jacobian gets, dJ/dX keeps the term dY (the vanishing-gradient cure of
Chapter 15 §8, "Vanishing and Exploding Gradients": "skip connections that
add input directly to output").
"""

from __future__ import annotations

import numpy as np

from ..._validation import describe
from .module import Module, checked_backward


class Residual(Module):
    """Y = X + fn(X) for a module ``fn`` that keeps the shape of its input."""

    def __init__(self, fn: Module):
        super().__init__()
        if not isinstance(fn, Module):
            raise TypeError(f"Residual expects a scratchnet Module to wrap, got {describe(fn)}")
        self.fn = fn

    def forward(self, x):
        fx = self.fn(x)
        x = np.asarray(x, dtype=fx.dtype) if not (isinstance(x, np.ndarray) and x.dtype == fx.dtype) else x
        if fx.shape != x.shape:
            raise ValueError(f"Residual: y = x + F(x) needs F to keep the input's shape, but F maps "
                             f"{x.shape} to {fx.shape} (use equal in and out widths inside the block)")
        return x + fx

    def backward(self, grad_output=None):
        """dX = dY + dF(dY): the identity path, plus the block's own backward."""
        with checked_backward(self, grad_output) as dY:
            return dY + self.fn.backward(dY)
