"""Input checks shared by the library, so that every mistake gets a message in
scratchnet's own words (what was expected, what came) instead of a NumPy
broadcasting error or a silently wrong result."""

from __future__ import annotations

import numbers

import numpy as np


class UsageError(RuntimeError, ValueError):
    """A call made in the wrong state: ``backward`` before ``forward`` or twice
    after one, a ``state_dict`` that does not fit the model.

    PyTorch raises ``RuntimeError`` for these, so this is one (code written
    for torch catches it unchanged); it is also a ``ValueError``, the type
    scratchnet uses for every bad value a caller passes.
    """


def describe(x) -> str:
    """A short description of a value for error messages."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def as_array(x, name: str = "input") -> np.ndarray:
    """``numpy.asarray(x)``, with a ragged nested list (rows of different
    lengths) refused in scratchnet's words instead of NumPy's."""
    try:
        return np.asarray(x)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers; got a ragged nested "
                         f"{type(x).__name__} (its rows have different lengths)") from None


def as_float_array(x, dtype: np.dtype, name: str = "input") -> np.ndarray:
    """``x`` as an array of ``dtype``.

    Real numbers (floats, integers) are converted to ``dtype``: NumPy users
    often hold integer or float64 data, and converting it is what they mean
    (PyTorch would ask for an explicit ``.float()``). Booleans, complex
    numbers, strings and objects are refused with a ``TypeError``.
    """
    if isinstance(x, np.ndarray) and x.dtype == dtype:
        return x
    if type(x).__module__ == "torch":
        raise TypeError(
            f"{name} is a torch.Tensor; scratchnet works on NumPy arrays "
            "(use tensor.detach().cpu().numpy(), or torch_ref.from_torch)"
        )
    arr = as_array(x, name)
    kind = arr.dtype.kind
    if kind == "b":
        raise TypeError(f"{name} must hold real numbers, got booleans ({describe(arr)}); "
                        "convert with .astype(float) if 0/1 is meant")
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values ({describe(arr)})")
    if kind not in "fiu":
        raise TypeError(f"{name} must be a numeric array, got {describe(arr)}")
    return arr.astype(dtype, copy=False)


def check_finite(x: np.ndarray, name: str) -> None:
    """Refuse NaN and infinity with a ``ValueError``."""
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)})")


def check_positive_int(value, name: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return int(value)


def check_dim(dim, name: str = "dim"):
    """An axis index (``int``) or ``None``, else ``TypeError``."""
    if dim is None:
        return None
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name} must be an integer (an axis index) or None, got {type(dim).__name__} {dim!r}")
    return int(dim)


def check_int(value, name: str) -> int:
    """An integer of any sign (not a bool), else ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def check_real(value, name: str, low=None, high=None, low_inclusive=True, high_inclusive=True) -> float:
    """A real number in an optional range, else ``TypeError``/``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if np.isnan(v):
        raise ValueError(f"{name} must not be NaN")
    if low is not None and (v < low or (v == low and not low_inclusive)):
        raise ValueError(f"{name} must be {'>=' if low_inclusive else '>'} {low}, got {value}")
    if high is not None and (v > high or (v == high and not high_inclusive)):
        raise ValueError(f"{name} must be {'<=' if high_inclusive else '<'} {high}, got {value}")
    return v


def check_device(device) -> None:
    """``device=`` as PyTorch's modules take it: scratchnet computes with NumPy on
    the CPU, so ``None`` and ``"cpu"`` (a string or a ``torch.device``) are
    accepted and anything else is refused in plain words."""
    if device is None or str(device) == "cpu":
        return
    raise ValueError(f"scratchnet runs on the CPU (NumPy); got device={device!r}. "
                     "Use torch_ref for the same model on another device.")


def caller_stacklevel() -> int:
    """``warnings.warn``'s ``stacklevel`` that points at the first line outside
    scratchnet — the user's call — counted from the function that calls this one
    (and then calls ``warnings.warn``)."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "scratchnet":
        frame, level = frame.f_back, level + 1
    return level
