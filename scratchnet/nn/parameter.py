"""``Parameter``: a learnable array and its gradient (mirrors ``torch.nn.Parameter``)."""

from __future__ import annotations

import numpy as np

from .._validation import as_array


class Parameter:
    """A learnable array.

    Attributes
    ----------
    data : numpy.ndarray
        The value. Optimizers update it in place.
    grad : numpy.ndarray or None
        dJ/d(data), same shape and dtype. ``None`` until a backward pass adds
        into it; backward passes *accumulate* (``grad += ...``) until
        ``zero_grad()``, as in PyTorch.
    requires_grad : bool
        When False, backward passes leave ``grad`` alone (a frozen parameter).
    """

    __slots__ = ("data", "grad", "requires_grad", "__weakref__")

    def __init__(self, data, requires_grad: bool = True):
        arr = np.array(as_array(data, "Parameter data"), copy=True)
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter data must be floating point, got dtype {arr.dtype}")
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)

    # -- array-like conveniences -------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        """Number of entries (``torch.Tensor.numel``)."""
        return int(self.data.size)

    def size(self, dim: int | None = None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self.data
        return self.data.astype(dtype)

    def accumulate_grad(self, g: np.ndarray) -> None:
        """Add ``g`` into ``grad`` (the gradient-accumulation rule of PyTorch).

        ``g`` must be a fresh array the caller does not keep: the first
        accumulation adopts it as ``grad`` instead of copying it.
        """
        if not self.requires_grad:
            return
        if self.grad is None:
            self.grad = g
        else:
            self.grad += g

    def __repr__(self) -> str:
        return f"Parameter containing:\n{np.array2string(self.data, prefix='  ')}"
