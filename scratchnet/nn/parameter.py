"""``Parameter``: a learnable array and its gradient (mirrors ``torch.nn.Parameter``)."""

from __future__ import annotations

import numpy as np

from .._validation import UsageError, as_array, describe


class Parameter:
    """A learnable array.

    Attributes
    ----------
    data : numpy.ndarray
        The value. Optimizers update it in place.
    grad : numpy.ndarray or None
        dJ/d(data), same shape and dtype. ``None`` until a backward pass adds
        into it; backward passes *accumulate* (``grad += ...``) until
        ``zero_grad()``, as in PyTorch. Assigning it by hand is checked as
        torch checks ``tensor.grad = ...``: a NumPy array of the parameter's
        shape and dtype, or ``None`` (anything else is refused at the
        assignment, not later inside a backward pass or an optimizer step).
    requires_grad : bool
        When False, backward passes leave ``grad`` alone (a frozen parameter).
    """

    __slots__ = ("data", "_grad", "requires_grad", "__weakref__")

    def __init__(self, data, requires_grad: bool = True):
        arr = np.array(as_array(data, "Parameter data"), copy=True)
        if arr.dtype.kind != "f":
            raise TypeError(f"Parameter data must be floating point, got dtype {arr.dtype}")
        self.data = arr
        self._grad = None
        self.requires_grad = bool(requires_grad)

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, np.ndarray):
                raise TypeError(f"assigned grad must be a NumPy array or None, got {describe(value)}")
            if value.dtype != self.data.dtype:
                raise UsageError(f"assigned grad has dtype {value.dtype}, the parameter has dtype "
                                 f"{self.data.dtype}: a gradient must match its parameter's dtype "
                                 f"(convert with .astype({self.data.dtype}))")
            if value.shape != self.data.shape:
                raise UsageError(f"assigned grad has shape {value.shape}, the parameter has shape "
                                 f"{self.data.shape}: a gradient must match its parameter's shape")
        self._grad = value

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
        if self._grad is not None:
            self._grad += g
        elif type(g) is np.ndarray and g.shape == self.data.shape and g.dtype == self.data.dtype:
            self._grad = g
        else:
            self.grad = g  # the setter's checks, with their messages

    def __repr__(self) -> str:
        return f"Parameter containing:\n{np.array2string(self.data, prefix='  ')}"
