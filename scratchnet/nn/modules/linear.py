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
from ..._validation import as_float_array, check_device, check_positive_int
from .. import init
from ..parameter import Parameter
from .module import Module


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
        w = self.weight.data
        x = as_float_array(x, w.dtype, "Linear input")
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            got = "a scalar" if x.ndim == 0 else f"shape {x.shape}"
            hint = (" — flatten each example to a vector first" if x.ndim > 2
                    and math.prod(x.shape[1:]) == self.in_features else "")
            raise ValueError(f"Linear(in_features={self.in_features}) expects input of shape "
                             f"(batch, {self.in_features}) or ({self.in_features},), got {got}{hint}")
        self._x = x
        z = x @ w.T
        if self.bias is not None:
            z += self.bias.data
        return z

    def backward(self, grad_output, *, needs_input_grad: bool = True):
        """dW = dZᵀ X, db = Σ dZ, and dX = dZ W (skipped, returning ``None``,
        when ``needs_input_grad=False``: the first layer's dX is never used
        in training, and computing it costs as much as dW)."""
        x = self._x
        g2 = grad_output.reshape(-1, self.out_features)
        x2 = x.reshape(-1, self.in_features)
        if self.weight.requires_grad:
            self.weight.accumulate_grad(g2.T @ x2)
        if self.bias is not None and self.bias.requires_grad:
            self.bias.accumulate_grad(g2.sum(axis=0))
        if not needs_input_grad:
            return None
        return grad_output @ self.weight.data

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
