"""Activation functions and their derivatives (mirrors ``torch.nn.functional``).

Each activation ``g`` comes with ``g_derivative(z)`` = g'(z), the factor of the
backward rule of the lectures (CS229 §6.6, Chapter 15 "Backpropagation")::

    A[l] = g(Z[l])            dZ[l] = dA[l] * g'(Z[l])

Everything is written to stay finite and silent (no overflow warnings) for
inputs as large as ±1e4 in float32 and float64: exponentials are only ever
taken of non-positive numbers.

Where PyTorch makes a choice at a kink, scratchnet makes the same one:
``relu_derivative(0) = 0`` and ``leaky_relu_derivative(0) = negative_slope``
(torch uses ``z > 0`` for both).
"""

from __future__ import annotations

import numpy as np


def _float(z) -> np.ndarray:
    """``z`` as a floating array (integers become float64)."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


# ---------------------------------------------------------------------- identity


def identity(z: np.ndarray) -> np.ndarray:
    """g(z) = z."""
    return z


def identity_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1."""
    return np.ones_like(z)


# ----------------------------------------------------------------------- sigmoid


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), range (0, 1).

    Computed as 1/(1+e^(−|z|)) for z ≥ 0 and e^(−|z|)/(1+e^(−|z|)) for z < 0,
    so e^x never overflows (the CS229 lecture clips z to ±500 instead).
    """
    z = _float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)), at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1 - s)


# -------------------------------------------------------------------------- tanh


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)), range (−1, 1)."""
    return np.tanh(z)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 − tanh²(z)."""
    t = np.tanh(z)
    return 1 - t * t


# -------------------------------------------------------------------------- ReLU


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU(z) = max(0, z)."""
    return np.maximum(z, 0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """ReLU'(z) = 1 if z > 0 else 0 (0 at exactly z = 0, as in PyTorch)."""
    z = _float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """LeakyReLU(z) = z if z > 0 else negative_slope · z."""
    z = _float(z)
    return np.where(z > 0, z, z * np.asarray(negative_slope, dtype=z.dtype))


def leaky_relu_derivative(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """LeakyReLU'(z) = 1 if z > 0 else negative_slope (negative_slope at z = 0, as in PyTorch)."""
    z = _float(z)
    return np.where(z > 0, np.asarray(1, z.dtype), np.asarray(negative_slope, z.dtype))


# ----------------------------------------------------------------------- softmax


def softmax(z: np.ndarray, dim: int = -1) -> np.ndarray:
    """softmax(z)_i = e^(z_i) / Σ_j e^(z_j) along ``dim``.

    The maximum is subtracted first (Chapter 15, "Confusing softmax outputs"):
    the result is unchanged and e^x never overflows. As in PyTorch, a row
    holding +inf or NaN gives NaN (silently: inf − inf), and an empty ``dim``
    gives an empty result.
    """
    z = _float(z)
    if z.ndim == 0:  # a scalar is a vector of one entry: softmax = 1
        return softmax(z.reshape(1), 0).reshape(())
    if z.shape[dim] == 0:
        return z.copy()
    with np.errstate(invalid="ignore"):
        e = np.exp(z - np.max(z, axis=dim, keepdims=True))
        return e / np.sum(e, axis=dim, keepdims=True)


def log_softmax(z: np.ndarray, dim: int = -1) -> np.ndarray:
    """log softmax(z)_i = z_i − m − log Σ_j e^(z_j − m), with m = max_j z_j.

    +inf, NaN and an empty ``dim`` behave as in :func:`softmax` (NaN, as PyTorch)."""
    z = _float(z)
    if z.ndim == 0:
        return log_softmax(z.reshape(1), 0).reshape(())
    if z.shape[dim] == 0:
        return z.copy()
    with np.errstate(invalid="ignore"):
        shifted = z - np.max(z, axis=dim, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def softmax_backward(grad_output: np.ndarray, s: np.ndarray, dim: int = -1) -> np.ndarray:
    """dJ/dz for s = softmax(z): the Jacobian ∂s_i/∂z_j = s_i(δ_ij − s_j) applied
    to dJ/ds without forming it: s ⊙ (g − Σ_j g_j s_j)."""
    return s * (grad_output - np.sum(grad_output * s, axis=dim, keepdims=True))


def log_softmax_backward(grad_output: np.ndarray, log_s: np.ndarray, dim: int = -1) -> np.ndarray:
    """dJ/dz for y = log_softmax(z): g − softmax(z) · Σ_j g_j."""
    return grad_output - np.exp(log_s) * np.sum(grad_output, axis=dim, keepdims=True)


def softmax_derivative(z: np.ndarray, dim: int = -1) -> np.ndarray:
    """The Jacobian of softmax for one vector z: J_ij = s_i(δ_ij − s_j).

    For a batch (rank 2, ``dim=-1``) returns one Jacobian per row, shape
    (batch, C, C). Training never forms it (see :func:`softmax_backward`);
    it is here to be looked at.
    """
    s = softmax(z, dim=dim)
    if s.ndim == 1:
        return np.diag(s) - np.outer(s, s)
    if s.ndim == 2 and dim in (-1, 1):
        return np.einsum("bi,ij->bij", s, np.eye(s.shape[1], dtype=s.dtype)) - np.einsum("bi,bj->bij", s, s)
    raise ValueError("softmax_derivative supports a vector, or a batch of rows with dim=-1")


# ------------------------------------------------------------------------ linear


def linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """Z = X Wᵀ + b, with X (batch, in), W (out, in), b (out,)."""
    z = x @ weight.T
    if bias is not None:
        z += bias
    return z
