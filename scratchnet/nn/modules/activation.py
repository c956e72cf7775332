"""Activation modules (mirrors ``torch/nn/modules/activation.py``).

Forward: A = g(Z). Backward: dZ = dA ⊙ g'(Z) (CS229 §6.6; Chapter 15
"Backpropagation", step 4 "apply the chain rule through the activation").
Each module keeps what its derivative needs — the input Z, or the output A
where g' is cheaper from A (σ' = A(1 − A), tanh' = 1 − A²), exactly as
PyTorch's autograd does.
"""

from __future__ import annotations

import numpy as np

from ..._validation import check_dim, check_input, check_real
from .. import functional as F
from .module import Module, checked_backward


class Identity(Module):
    """A = Z. A placeholder that passes its input through (``torch.nn.Identity``)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return check_input(self, x)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA


class Sigmoid(Module):
    """A = σ(Z) = 1 / (1 + e^(−Z)); dZ = dA ⊙ A(1 − A).

    σ' ≤ 1/4 everywhere: the source of vanishing gradients in deep sigmoid
    networks (CS229 exercise 6, Chapter 15 "Common mistakes").

    The forward is the lectures' formula as it stands, as torch's kernel
    computes it too: where e^(−Z) overflows (Z < −709 in float64, −88 in
    float32) it is +inf and A = 1/inf = 0, the correctly rounded σ(Z) to
    within the subnormal range, and the module's call keeps NumPy silent
    about the overflow (IEEE arithmetic, as torch). ``F.sigmoid``, which runs
    outside any module, takes the overflow-free route instead.
    """

    def forward(self, x):
        Z = check_input(self, x)
        self._a = 1 / (1 + np.exp(-Z))
        return self._a

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            a = self._a
            return dA * (1 - a) * a


class Tanh(Module):
    """A = tanh(Z); dZ = dA ⊙ (1 − A²)."""

    def forward(self, x):
        self._a = np.tanh(check_input(self, x))
        return self._a

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            a = self._a
            return dA * (1 - a * a)


class ReLU(Module):
    """A = max(0, Z); dZ = dA ⊙ [Z > 0] (0 at exactly Z = 0, as in PyTorch).

    ``inplace`` is accepted for signature parity with PyTorch and ignored:
    NumPy arrays here are never shared with the caller's autograd graph.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        self._a = F.relu(check_input(self, x))  # ReLU(−0) = −0 and ReLU(NaN) = NaN, as torch
        return self._a

    def backward(self, grad_output=None):
        """dZ = dA ⊙ [A > 0] (A > 0 exactly where Z > 0; PyTorch also tests the output,
        as ``A ≤ 0 → 0``, which lets a NaN unit pass its gradient: so does this).

        Computed as the lectures write it, a product with the 0/1 mask: a
        multiplication has no data-dependent branch, so it runs ~10× faster
        than ``np.where`` on a mask of random signs. The product differs from
        PyTorch's select only where dA is ±inf or NaN at an inactive unit
        (0·inf = NaN, torch gives 0); those entries are set to 0 as torch does.
        """
        with checked_backward(self, grad_output) as dA:
            active = ~(self._a <= 0)  # torch's test (A ≤ 0 → 0): a NaN unit passes its gradient on
            dZ = dA * active
            if not np.isfinite(dZ.sum()):  # an inf or NaN somewhere (one sum: cheaper than a scan)
                dZ[~active] = 0            # 0·inf = NaN where the unit is off: torch gives 0 there
            return dZ

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """A = Z if Z > 0 else negative_slope·Z; dZ = dA ⊙ (1 if Z > 0 else negative_slope)."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope = check_real(negative_slope, "negative_slope")
        self.inplace = inplace

    def forward(self, x):
        self._z = check_input(self, x)
        return F.leaky_relu(self._z, self.negative_slope)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA * F.leaky_relu_derivative(self._z, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


def _softmax_dim(module: Module, x: np.ndarray) -> int:
    """The dimension to normalise over (``F._softmax_dim``; its implicit-dim warning
    points at the user's line that called the module)."""
    return F._softmax_dim(type(module).__name__, x.ndim, module.dim)


class Softmax(Module):
    """A_i = e^(Z_i) / Σ_j e^(Z_j) along ``dim``; dZ = A ⊙ (dA − Σ_j dA_j A_j)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = check_dim(dim)

    def forward(self, x):
        x = check_input(self, x)
        self._d = _softmax_dim(self, x)
        self._a = F.softmax(x, self._d)
        return self._a

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return F.softmax_backward(dA, self._a, self._d)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """A_i = Z_i − log Σ_j e^(Z_j) along ``dim``; dZ = dA − softmax(Z) Σ_j dA_j."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = check_dim(dim)

    def forward(self, x):
        x = check_input(self, x)
        self._d = _softmax_dim(self, x)
        self._a = F.log_softmax(x, self._d)
        return self._a

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return F.log_softmax_backward(dA, self._a, self._d)

    def extra_repr(self):
        return f"dim={self.dim}"


# ----------------------------------------------------------------------------------------
# Beyond the lectures: the activations a learner meets next (all keep the input Z
# and apply dZ = dA ⊙ g'(Z) with g' from ``nn.functional``).


class ELU(Module):
    """A = Z if Z > 0 else α(e^Z − 1); dZ = dA ⊙ (1 if Z > 0 else α e^Z).

    Smooth for α = 1, negative outputs push mean activations toward zero
    (Clevert et al. 2015). ``inplace`` is accepted and ignored, as for ReLU.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = check_real(alpha, "alpha")
        self.inplace = inplace

    def forward(self, x):
        self._z = check_input(self, x)
        return F.elu(self._z, self.alpha)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA * F.elu_derivative(self._z, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """A = Z Φ(Z), Φ the standard normal CDF; dZ = dA ⊙ (Φ(Z) + Z φ(Z)).

    ``approximate="none"`` uses the exact Φ(z) = ½(1 + erf(z/√2));
    ``approximate="tanh"`` the tanh approximation of Hendrycks & Gimpel —
    the two forms of ``torch.nn.GELU``.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = F._check_approximate(approximate)

    def forward(self, x):
        self._z = check_input(self, x)
        return F.gelu(self._z, self.approximate)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA * F.gelu_derivative(self._z, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """A = Z σ(Z) ("swish"); dZ = dA ⊙ σ(Z)(1 + Z(1 − σ(Z)))."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        self._z = check_input(self, x)
        return F.silu(self._z)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA * F.silu_derivative(self._z)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """A = (1/β) log(1 + e^(βZ)), and A = Z where βZ > threshold; dZ = dA ⊙ σ(βZ) (1 past the threshold)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = check_real(beta, "beta")
        if self.beta == 0:
            raise ValueError("beta must be non-zero (softplus divides by beta)")
        self.threshold = check_real(threshold, "threshold")

    def forward(self, x):
        self._z = check_input(self, x)
        return F.softplus(self._z, self.beta, self.threshold)

    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dA:
            return dA * F.softplus_derivative(self._z, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"
