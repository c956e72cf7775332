r"""Gradient clipping (mirrors ``torch.nn.utils.clip_grad_norm_`` / ``clip_grad_value_``).

``clip_grad_norm_`` treats all gradients as one long vector g = (g⁽¹⁾, g⁽²⁾, …)::

    ‖g‖_p = ‖(‖g⁽¹⁾‖_p, ‖g⁽²⁾‖_p, …)‖_p          (the norm of the per-parameter norms)
    c = min(max_norm / (‖g‖_p + 1e-6), 1)
    g⁽ⁱ⁾ ← c · g⁽ⁱ⁾                                 (every gradient, in place)

and returns ‖g‖_p measured *before* clipping. Two details are torch's and
mirrored here: the 1e-6 in the denominator (so a clipped gradient has norm
slightly *below* max_norm: max_norm·‖g‖/(‖g‖ + 1e-6)), and the multiplication
by c even when c = 1 (which changes nothing). The norm and c are computed in
the gradients' dtype. ``norm_type=inf`` gives the largest |entry|.

Where scratchnet refuses what torch accepts: a negative (or NaN) ``max_norm``
— torch would compute c = max_norm/‖g‖ < 0 and silently *flip the sign* of
every gradient (gradient ascent) — and a NaN, infinite or negative
``clip_value`` (torch would set every gradient to NaN, or clamp into an empty
interval). Both are ``ValueError``s; ``max_norm=inf`` (no clipping) and 0
(zero gradients) are accepted, as in torch.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..parameter import Parameter


def _params(parameters) -> list[Parameter]:
    if isinstance(parameters, Parameter):
        return [parameters]
    if isinstance(parameters, np.ndarray):
        raise TypeError("clip_grad expects Parameters (e.g. model.parameters()), got a NumPy array")
    params = list(parameters)
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(f"clip_grad expects Parameters, got {type(p).__name__}")
    return params


def _check_norm_type(norm_type) -> float:
    if isinstance(norm_type, str):  # torch's documented spelling "inf" (and "-inf", "2", ...)
        try:
            norm_type = float(norm_type)
        except ValueError:
            raise ValueError(f"norm_type must be a real number (2.0, 1.0, math.inf or 'inf', ...), "
                             f"got {norm_type!r:.40}") from None
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"norm_type must be a real number (2.0, 1.0, math.inf, ...), got "
                        f"{type(norm_type).__name__} {norm_type!r:.40}")
    if math.isnan(norm_type):
        raise ValueError("norm_type must be a real number (2.0, 1.0, math.inf, ...), got nan")
    return float(norm_type)


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    x = np.abs(x.ravel())
    if p == math.inf:
        return x.max(initial=x.dtype.type(0))
    if p == -math.inf:
        return x.min()
    if p == 0:
        return x.dtype.type(np.count_nonzero(x))
    if p == 1:
        return x.sum()
    if p == 2:
        return np.sqrt(np.dot(x, x))
    return np.sum(x ** p) ** (1 / p)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> np.ndarray:
    """‖(‖t₁‖_p, ‖t₂‖_p, …)‖_p of a list of arrays, as a 0-d array (torch's ``get_total_norm``)."""
    norm_type = _check_norm_type(norm_type)
    arrays = [np.asarray(t) for t in tensors]
    if not arrays:
        return np.array(0.0, dtype=np.float32)
    dtype = np.result_type(*arrays)
    norms = np.array([_vector_norm(a.astype(dtype, copy=False), norm_type) for a in arrays], dtype=dtype)
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> np.ndarray:
    """Scale all gradients together so their total p-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d array, as torch returns a
    0-d tensor). Parameters without a gradient are skipped. A negative or NaN
    ``max_norm`` is refused with a ``ValueError`` (torch would flip every
    gradient's sign; see the module docstring).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"max_norm must be a real number, got {type(max_norm).__name__}")
    if math.isnan(max_norm) or max_norm < 0:
        raise ValueError(f"max_norm must be a number >= 0, got {max_norm!r} (torch would scale every "
                         "gradient by max_norm/‖g‖ < 0 and flip its sign; scratchnet refuses)")
    norm_type = _check_norm_type(norm_type)
    params = _params(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    dtype = total.dtype
    coef = dtype.type(max_norm) / (total + dtype.type(1e-6))
    coef = np.minimum(coef, dtype.type(1.0))
    for g in grads:
        g *= coef
    return total


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value], in place.

    ``clip_value`` must be a finite number >= 0 (``ValueError`` otherwise:
    torch would turn every gradient into NaN for a NaN clip value).
    """
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"clip_value must be a real number, got {type(clip_value).__name__}")
    if not math.isfinite(clip_value) or clip_value < 0:
        raise ValueError(f"clip_value must be a finite number >= 0, got {clip_value!r} (gradients are "
                         "clamped into [-clip_value, clip_value])")
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
