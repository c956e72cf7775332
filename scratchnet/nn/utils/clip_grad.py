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
    arrays = [np.asarray(t) for t in tensors]
    norm_type = float(norm_type)
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
    0-d tensor). Parameters without a gradient are skipped.
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"max_norm must be a real number, got {type(max_norm).__name__}")
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
    """Clamp every gradient entry into [−clip_value, clip_value], in place."""
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"clip_value must be a real number, got {type(clip_value).__name__}")
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
