"""The default floating dtype (mirrors ``torch.get_default_dtype``).

scratchnet computes in float32 unless asked otherwise, like PyTorch; float64 is
the reference precision of the parity suite.
"""

from __future__ import annotations

import numpy as np

_SUPPORTED = (np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype new parameters get when no ``dtype=`` is given (float32 at start)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the dtype new parameters get: ``numpy.float32`` or ``numpy.float64``."""
    global _default_dtype
    _default_dtype = resolve_dtype(dtype)


_NAMES = {
    "float32": np.dtype(np.float32), "float": np.dtype(np.float32),
    "float64": np.dtype(np.float64), "double": np.dtype(np.float64),
}


def resolve_dtype(dtype=None) -> np.dtype:
    """``dtype`` as a NumPy float dtype, or the default one when it is ``None``.

    Accepts NumPy dtypes and types, the strings ``"float32"``/``"float64"`` and,
    so that the same argument works in both libraries, ``torch.float32`` /
    ``torch.float64`` (recognised by name, without importing torch; as in torch,
    ``"float"`` means float32 and ``"double"`` float64).
    """
    if dtype is None:
        return _default_dtype
    if isinstance(dtype, str) or type(dtype).__module__ == "torch":
        name = str(dtype).removeprefix("torch.")
        if name in _NAMES:
            return _NAMES[name]
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if resolved not in _SUPPORTED:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}")
    return resolved
