"""``Linear`` (mirrors ``torch/nn/modules/linear.py``).

Forward, for a batch X of shape (m, n_in) — batch first, as in PyTorch::

    Z = X Wᵀ + b          W: (n_out, n_in)   b: (n_out,)   Z: (m, n_out)

This is the CS229 lecture's Z[l] = W[l] A[l-1] + b[l] with the examples as
rows instead of columns (the lecture stacks them as columns, §6.4), and
Chapter 15's z = X @ W + b with W stored transposed, as PyTorch stores it.

Backward, given dZ = dJ/dZ of shape (m, n_out)::

    dW = dZᵀ X     (n_out, n_in)     — summed over the batch
    db = Σ_rows dZ (n_out,)
    dX = dZ W      (m, n_in)         — passed on to the previous layer

The 1/m of the mean loss is already inside dZ (the loss's backward puts it
there), so no layer divides by the batch size again.
"""

from __future__ import annotations

import math

import numpy as np

from ..._dtype import resolve_dtype
from ..._validation import check_device, check_linear_input, check_positive_int
from .. import init
from ..parameter import Parameter
from .module import Module, checked_backward


class Linear(Module):
    """y = x Wᵀ + b, with PyTorch's arguments, defaults and initialization.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool, default True
    device : None or "cpu" — accepted for PyTorch's signature; NumPy computes on the CPU
    dtype : float32 (default) or float64

    Initialization is PyTorch's: ``kaiming_uniform_(W, a=√5)``, which is
    U(−1/√n_in, 1/√n_in), and b ~ U(−1/√n_in, 1/√n_in). Call
    ``reset_parameters(generator=...)`` to redraw from a given generator.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        self.in_features = check_positive_int(in_features, "in_features", allow_zero=True)
        self.out_features = check_positive_int(out_features, "out_features", allow_zero=True)
        dtype = resolve_dtype(dtype)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        # Same two calls as torch.nn.Linear.reset_parameters.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x):
        """Z = X Wᵀ + b."""
        X = check_linear_input(self, x)  # (…, in_features), in the weight's dtype
        self._x = X
        Z = X @ self.weight.data.T
        if self.bias is not None:
            Z += self.bias.data
        return Z

    def backward(self, grad_output=None, *, needs_input_grad: bool = True):
        """dW = dZᵀ X, db = Σ dZ, dX = dZ W — dX skipped (``None`` returned) when
        ``needs_input_grad=False``: the first layer's dX is never used in
        training, and computing it costs as much as dW."""
        with checked_backward(self, grad_output) as dZ:
            X = self._x
            if X.ndim != 2:  # one example, or extra leading dimensions (as torch allows): sum over them all
                dZ, X = dZ.reshape(-1, self.out_features), X.reshape(-1, self.in_features)
            if self.weight.requires_grad:
                self.weight.accumulate_grad(dZ.T @ X)
            if self.bias is not None and self.bias.requires_grad:
                self.bias.accumulate_grad(dZ.sum(axis=0))
            if not needs_input_grad:
                return None
            dX = dZ @ self.weight.data
            return dX if dX.shape == self._x.shape else dX.reshape(self._x.shape)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
