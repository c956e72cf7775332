"""Activation functions and their derivatives (mirrors ``torch.nn.functional``).

Each activation ``g`` comes with ``g_derivative(z)`` = g'(z), the factor of the
backward rule of the lectures (CS229 §6.6, Chapter 15 "Backpropagation")::

    A[l] = g(Z[l])            dZ[l] = dA[l] * g'(Z[l])

Everything is written to stay finite and silent (no overflow warnings) for
inputs as large as ±1e4 in float32 and float64: exponentials are only ever
taken of non-positive numbers.

The activations take PyTorch's arguments (``relu(input, inplace=False)``,
``softmax(input, dim=None)``, ...); ``input`` is Z[l] of the lectures, and
the derivatives, which torch does not have, take ``z``.

Where PyTorch makes a choice at a kink, scratchnet makes the same one:
``relu_derivative(0) = 0`` and ``leaky_relu_derivative(0) = negative_slope``
(torch uses ``z > 0`` for both).
"""

from __future__ import annotations

import numpy as np

from .modules import _ieee


def _float(z) -> np.ndarray:
    """``z`` as a floating array (integers become float64)."""
    z = np.asarray(z)
    return z if z.dtype.kind == "f" else z.astype(np.float64)


def _inplace(input, result: np.ndarray, name: str) -> np.ndarray:
    """``inplace=True`` as torch: write the result into ``input`` and return it."""
    if not isinstance(input, np.ndarray) or input.dtype.kind != "f":
        raise TypeError(f"{name}(inplace=True) writes into its input, which must be a floating NumPy array; "
                        f"got {type(input).__name__}" + (f" of dtype {input.dtype}" if hasattr(input, "dtype") else ""))
    input[...] = result
    return input


def _softmax_dim(name: str, ndim: int, dim: int | None, stacklevel: int | None = None) -> int:
    """The dimension softmax normalises over: ``dim`` checked against the rank, or,
    when ``dim`` is None, torch's implicit choice (``torch.nn.functional._get_softmax_dim``:
    0 for 0-, 1- and 3-dimensional input, else 1) with torch's warning, issued
    ``stacklevel`` frames up (torch's ``_stacklevel``), or by default at the first
    line outside scratchnet."""
    if dim is not None:
        rank = max(ndim, 1)  # as in PyTorch, a scalar counts as rank 1 (dim 0 or -1)
        if not -rank <= dim < rank:
            raise IndexError(f"{name}: dim {dim} is out of range for an input of rank {ndim} "
                             f"(expected in [{-rank}, {rank - 1}])")
        return dim
    import warnings

    from .._validation import caller_stacklevel

    warnings.warn(f"Implicit dimension choice for {name.lower()} has been deprecated. "
                  "Change the call to include dim=X as an argument.", UserWarning,
                  stacklevel=caller_stacklevel() if stacklevel is None else stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


# ---------------------------------------------------------------------- identity


def identity(z: np.ndarray) -> np.ndarray:
    """g(z) = z."""
    return z


def identity_derivative(z: np.ndarray) -> np.ndarray:
    """g'(z) = 1."""
    return np.ones_like(z)


# ----------------------------------------------------------------------- sigmoid


def sigmoid(input: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), range (0, 1).

    Computed as 1/(1+e^(−|z|)) for z ≥ 0 and e^(−|z|)/(1+e^(−|z|)) for z < 0,
    so e^x never overflows (the CS229 lecture clips z to ±500 instead).
    """
    z = _float(input)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)), at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1 - s)


# -------------------------------------------------------------------------- tanh


def tanh(input: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)), range (−1, 1)."""
    return np.tanh(input)


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 − tanh²(z)."""
    t = np.tanh(z)
    return 1 - t * t


# -------------------------------------------------------------------------- ReLU


def relu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """ReLU(z) = max(0, z).

    torch keeps z unless z < 0, so ReLU(−0) = −0 and ReLU(NaN) = NaN on every
    kernel path; ``np.maximum`` propagates the NaN but may return either zero
    for max(−0, 0), so a zero's sign is copied from z."""
    z = _float(input)
    result = np.maximum(z, 0)
    np.copysign(result, z, out=result, where=(z == 0))
    return _inplace(input, result, "relu") if inplace else result


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """ReLU'(z) = 0 if z ≤ 0 else 1 (0 at exactly z = 0, as in PyTorch).

    PyTorch's test is z ≤ 0 (``threshold_backward``): a NaN gets slope 1,
    so a NaN gradient flows on as in torch instead of being silenced."""
    z = _float(z)
    return (~(z <= 0)).astype(z.dtype)


def leaky_relu(input: np.ndarray, negative_slope: float = 0.01, inplace: bool = False) -> np.ndarray:
    """LeakyReLU(z) = z if z > 0 else negative_slope · z."""
    z = _float(input)
    result = np.where(z > 0, z, z * np.asarray(negative_slope, dtype=z.dtype))
    return _inplace(input, result, "leaky_relu") if inplace else result


def leaky_relu_derivative(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """LeakyReLU'(z) = 1 if z > 0 else negative_slope (negative_slope at z = 0, as in PyTorch)."""
    z = _float(z)
    return np.where(z > 0, np.asarray(1, z.dtype), np.asarray(negative_slope, z.dtype))


# ----------------------------------------------------------------------- softmax


def softmax(input: np.ndarray, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> np.ndarray:
    """softmax(z)_i = e^(z_i) / Σ_j e^(z_j) along ``dim``.

    ``dim=None`` picks torch's implicit dimension with torch's deprecation
    warning (0 for 1- and 3-dimensional input, 1 for 2-dimensional): pass
    ``dim``. ``dtype`` casts the input first, as torch's.

    The maximum is subtracted first (Chapter 15, "Confusing softmax outputs"):
    the result is unchanged and e^x never overflows. As in PyTorch, a row
    holding +inf or NaN gives NaN (silently: inf − inf), and an empty ``dim``
    gives an empty result.
    """
    z = _float(input) if dtype is None else np.asarray(input, dtype=dtype)
    dim = _softmax_dim("softmax", z.ndim, dim, _stacklevel)
    if z.ndim == 0:  # a scalar is a vector of one entry: softmax = 1
        return softmax(z.reshape(1), 0).reshape(())
    if z.shape[dim] == 0:
        return z.copy()
    if _ieee.depth.n:  # inside a module's call: IEEE arithmetic is on already (modules/_ieee.py)
        return _softmax(z, dim)
    return _ieee.silently(_softmax, z, dim)


def _softmax(z: np.ndarray, dim: int) -> np.ndarray:
    """:func:`softmax`'s formula, on a floating array with a checked ``dim``."""
    e = np.exp(z - z.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def log_softmax(input: np.ndarray, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> np.ndarray:
    """log softmax(z)_i = z_i − m − log Σ_j e^(z_j − m), with m = max_j z_j.

    ``dim=None`` and ``dtype`` as in :func:`softmax`; +inf, NaN and an empty
    ``dim`` behave as there (NaN, as PyTorch)."""
    z = _float(input) if dtype is None else np.asarray(input, dtype=dtype)
    dim = _softmax_dim("log_softmax", z.ndim, dim, _stacklevel)
    if z.ndim == 0:
        return log_softmax(z.reshape(1), 0).reshape(())
    if z.shape[dim] == 0:
        return z.copy()
    if _ieee.depth.n:  # inside a module's call: IEEE arithmetic is on already (modules/_ieee.py)
        return _log_softmax(z, dim)
    return _ieee.silently(_log_softmax, z, dim)


def _log_softmax(z: np.ndarray, dim: int) -> np.ndarray:
    """:func:`log_softmax`'s formula, on a floating array with a checked ``dim``."""
    shifted = z - z.max(axis=dim, keepdims=True)     # log softmax(z) = log softmax(z − max_j z_j)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


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


def log_softmax_derivative(z: np.ndarray, dim: int = -1) -> np.ndarray:
    """The Jacobian of log softmax for one vector z: J_ij = δ_ij − s_j (s = softmax(z)).

    Shapes as :func:`softmax_derivative` (one (C, C) Jacobian per row of a
    batch); training uses :func:`log_softmax_backward` and never forms it.
    """
    s = softmax(z, dim=dim)
    if s.ndim == 1:
        return np.eye(s.shape[0], dtype=s.dtype) - s[None, :]
    if s.ndim == 2 and dim in (-1, 1):
        return np.eye(s.shape[1], dtype=s.dtype)[None] - s[:, None, :]
    raise ValueError("log_softmax_derivative supports a vector, or a batch of rows with dim=-1")


# ------------------------------------------------------------------------ linear


def linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """Z = X Wᵀ + b, with X = ``input`` (batch, in), W (out, in), b (out,)."""
    z = input @ weight.T
    if bias is not None:
        z += bias
    return z


# --------------------------------------------------------------------------- ELU


def elu(input: np.ndarray, alpha: float = 1.0, inplace: bool = False) -> np.ndarray:
    """ELU(z) = z if z > 0 else α(e^z − 1) (Clevert et al. 2015).

    e^z − 1 is taken with ``expm1`` (exact near 0) and only of min(z, 0), so
    large z never overflows.
    """
    z = _float(input)
    negative_part = np.where(z > 0, 0, z)  # (keeps −0.0, as torch: ELU(−0) = −0)
    result = np.where(z > 0, z, np.asarray(alpha, z.dtype) * np.expm1(negative_part))
    return _inplace(input, result, "elu") if inplace else result


def elu_derivative(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """ELU'(z) = α e^z if z ≤ 0 else 1 (α at exactly z = 0, as in PyTorch).

    The test is torch's, z ≤ 0, so a NaN input takes the other branch and
    gets slope 1, as in torch (``z > 0`` would give α e^NaN = NaN)."""
    z = _float(z)
    negative = z <= 0
    return np.where(negative, np.asarray(alpha, z.dtype) * np.exp(np.where(negative, z, 0)), np.asarray(1, z.dtype))


# --------------------------------------------------------------------------- erf

# W. J. Cody's rational Chebyshev approximations for erf and erfc ("Rational
# Chebyshev approximation for the error function", Math. Comp. 23 (1969)
# 631-637; the coefficients of his CALERF routine, SPECFUN/netlib). Maximal
# relative error below 1e-18 in exact arithmetic, so in float64 the result is
# within a few units in the last place of erf (measured: ≤ 3 ulp from
# ``math.erf`` over [−30, 30] and down to 1e-300) — the quality of the C
# library's erf that PyTorch calls, far inside float64 parity (≤ 1e-10).
# Applying ``math.erf`` entry by entry would be as exact; this stays in NumPy
# arrays (no Python call per entry) and measured ~1.5× faster (0.10 s vs
# 0.16 s for 10⁶ entries on a 2-core machine).
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
          8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
          2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
          3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
          6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_RSQRTPI = 0.5641895835477562869  # 1/√π


def _erfc_positive(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y > 0.46875 (float64), Cody's second and third intervals."""
    out = np.zeros_like(y)  # erfc(y) = 0 in float64 for y ≥ 26.543 (and y = inf)
    mid = y <= 4.0
    ym = y[mid]
    num, den = _ERF_C[8] * ym, ym
    for i in range(7):
        num, den = (num + _ERF_C[i]) * ym, (den + _ERF_D[i]) * ym
    out[mid] = (num + _ERF_C[7]) / (den + _ERF_D[7])
    far = ~mid & (y < 26.543)  # beyond 26.543 erfc underflows to 0 in float64
    yf = y[far]
    s = 1.0 / (yf * yf)
    num, den = _ERF_P[5] * s, s
    for i in range(4):
        num, den = (num + _ERF_P[i]) * s, (den + _ERF_Q[i]) * s
    out[far] = (_RSQRTPI - s * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / yf
    # out holds e^(y²) erfc(y); multiply by e^(−y²), split as e^(−t²) e^(−(y−t)(y+t)) with
    # t = y rounded down to 1/16, so that y² is never formed with its rounding error.
    finite = mid | far
    yv = y[finite]
    t = np.trunc(yv * 16.0) / 16.0
    out[finite] *= np.exp(-t * t) * np.exp(-(yv - t) * (yv + t))
    return out


def erf(z: np.ndarray) -> np.ndarray:
    """The error function erf(z) = (2/√π) ∫₀^z e^(−t²) dt, elementwise.

    NumPy has none; this is Cody's rational approximation (see above),
    computed in float64 and returned in the input's dtype.
    """
    z = _float(z)
    x = z.astype(np.float64)
    y = np.abs(x)
    out = np.empty_like(x)
    small = y <= 0.46875
    xs = x[small]
    s = xs * xs
    num, den = _ERF_A[4] * s, s
    for i in range(3):
        num, den = (num + _ERF_A[i]) * s, (den + _ERF_B[i]) * s
    out[small] = xs * (num + _ERF_A[3]) / (den + _ERF_B[3])
    large = ~small
    out[large] = np.copysign(1.0 - _erfc_positive(y[large]), x[large])
    return out.astype(z.dtype, copy=False)


# -------------------------------------------------------------------------- GELU

_SQRT1_2 = 0.7071067811865476  # 1/√2
_GELU_PDF = 0.3989422804014327  # 1/√(2π)
_GELU_TANH_BETA = 0.7978845608028654  # √(2/π)
_GELU_TANH_KAPPA = 0.044715


def _check_approximate(approximate: str) -> str:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate


def gelu(input: np.ndarray, approximate: str = "none") -> np.ndarray:
    """GELU(z) = z Φ(z), Φ the standard normal CDF (Hendrycks & Gimpel 2016).

    ``approximate="none"``: Φ(z) = ½(1 + erf(z/√2)), with :func:`erf`.
    ``approximate="tanh"``: Φ(z) ≈ ½(1 + tanh(√(2/π)(z + 0.044715 z³))).
    Both as PyTorch writes them.
    """
    z = _float(input)
    if _check_approximate(approximate) == "tanh":
        inner = np.asarray(_GELU_TANH_BETA, z.dtype) * (z + np.asarray(_GELU_TANH_KAPPA, z.dtype) * z * z * z)
        return 0.5 * z * (1 + np.tanh(inner))
    return z * 0.5 * (1 + erf(z * np.asarray(_SQRT1_2, z.dtype)))


def gelu_derivative(z: np.ndarray, approximate: str = "none") -> np.ndarray:
    """GELU'(z) = Φ(z) + z φ(z), φ(z) = e^(−z²/2)/√(2π); for the tanh form, with
    u = √(2/π)(z + κz³): ½(1 + tanh u) + ½ z (1 − tanh² u) √(2/π)(1 + 3κz²)."""
    z = _float(z)
    if _check_approximate(approximate) == "tanh":
        beta, kappa = np.asarray(_GELU_TANH_BETA, z.dtype), np.asarray(_GELU_TANH_KAPPA, z.dtype)
        z2 = z * z
        t = np.tanh(beta * (z + kappa * z2 * z))
        return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * beta * (1 + 3 * kappa * z2)
    cdf = 0.5 * (1 + erf(z * np.asarray(_SQRT1_2, z.dtype)))
    pdf = np.asarray(_GELU_PDF, z.dtype) * np.exp(-0.5 * z * z)
    return cdf + z * pdf


# -------------------------------------------------------------------------- SiLU


def silu(input: np.ndarray, inplace: bool = False) -> np.ndarray:
    """SiLU(z) = z σ(z) ("swish", Ramachandran et al. 2017)."""
    z = _float(input)
    result = z * sigmoid(z)
    return _inplace(input, result, "silu") if inplace else result


def silu_derivative(z: np.ndarray) -> np.ndarray:
    """SiLU'(z) = σ(z)(1 + z(1 − σ(z)))."""
    z = _float(z)
    s = sigmoid(z)
    return s * (1 + z * (1 - s))


# ---------------------------------------------------------------------- Softplus


def softplus(input: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """Softplus(z) = (1/β) log(1 + e^(βz)), a smooth ReLU; z itself where βz > threshold.

    The threshold is PyTorch's (there log(1 + e^(βz)) = βz to within
    e^(−20) ≈ 2e-9 relative). Below it, log(1 + e^(βz)) is computed as
    max(βz, 0) + log1p(e^(−|βz|)), which never overflows — PyTorch's
    log1p(e^(βz)) gives the same value up to rounding.
    """
    z = _float(input)
    bz = z * np.asarray(beta, z.dtype)
    smooth = (np.maximum(bz, 0) + np.log1p(np.exp(-np.abs(bz)))) / np.asarray(beta, z.dtype)
    return np.where(bz > threshold, z, smooth)


def softplus_derivative(z: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """Softplus'(z) = σ(βz) (= e^(βz)/(1 + e^(βz))), and 1 where βz > threshold, as in PyTorch."""
    z = _float(z)
    bz = z * np.asarray(beta, z.dtype)
    return np.where(bz > threshold, np.asarray(1, z.dtype), sigmoid(bz))
