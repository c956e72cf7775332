"""``BatchNorm1d`` (mirrors ``torch.nn.BatchNorm1d`` in ``torch/nn/modules/batchnorm.py``).

Batch normalization (Ioffe & Szegedy 2015; one of the cures in Chapter 15
§8 "Vanishing and Exploding Gradients"; CS229 practice exercise 5). For an
input Z of shape (m, C) — or (m, C, L), normalised per channel over the
batch and length — in training mode::

    μ   = (1/m) Σ_i Z_i                       (C,)  batch mean
    σ²  = (1/m) Σ_i (Z_i − μ)²                (C,)  batch variance, *biased* (divides by m)
    Ẑ   = (Z − μ) / √(σ² + eps)               (m, C)
    Y   = γ ⊙ Ẑ + β                           γ = weight, β = bias, both (C,)

and the running estimates used in eval mode are updated with the factor
f = momentum (or f = 1/t for the t-th batch when ``momentum=None``: a
cumulative moving average)::

    running_mean ← (1 − f) · running_mean + f · μ
    running_var  ← (1 − f) · running_var  + f · σ² · m / (m − 1)

Note the two variances, exactly as in PyTorch: the batch is normalised with
the *biased* σ², but the running estimate stores the *unbiased* one (Bessel's
correction m/(m − 1)). In eval mode Ẑ = (Z − running_mean) / √(running_var + eps).

Backward in training mode (μ and σ² depend on every Z_i, so each dZ_i gets
a share of the whole batch's gradient), with dẐ = dY ⊙ γ::

    dγ = Σ_i dY_i ⊙ Ẑ_i       dβ = Σ_i dY_i
    dZ = (1/m) / √(σ² + eps) ⊙ (m dẐ − Σ_i dẐ_i − Ẑ ⊙ Σ_i dẐ_i ⊙ Ẑ_i)

In eval mode the statistics are constants: dZ = dY ⊙ γ / √(running_var + eps).
"""

from __future__ import annotations

import numpy as np

from ..._dtype import resolve_dtype
from ..._validation import check_batchnorm_input, check_device, check_positive_int, check_real
from ..parameter import Parameter
from .module import Module, checked_backward


class BatchNorm1d(Module):
    """Batch normalization over a (m, C) or (m, C, L) input, PyTorch's arguments and defaults.

    Parameters
    ----------
    num_features : int
        C, the number of features (channels).
    eps : float, default 1e-5
        Added to the variance before the square root.
    momentum : float or None, default 0.1
        Weight f of the newest batch in the running estimates; ``None`` for a
        cumulative moving average (f = 1 / num_batches_tracked).
    affine : bool, default True
        Learn γ (``weight``, initialised to 1) and β (``bias``, initialised to 0).
    bias : bool, default True (keyword-only)
        With ``affine=True``, whether to learn β too (``bias=False``: γ only).
        As the keyword-only ``bias`` of recent PyTorch releases.
    track_running_stats : bool, default True
        Keep ``running_mean`` (init 0), ``running_var`` (init 1) and
        ``num_batches_tracked`` (an int64 counter) as buffers — they appear in
        ``state_dict()`` under the same keys as in PyTorch. When False, batch
        statistics are used in eval mode too.
    device : None or "cpu" — accepted for PyTorch's signature; NumPy computes on the CPU
    dtype : float32 (default) or float64
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True):
        super().__init__()
        check_device(device)
        self.num_features = check_positive_int(num_features, "num_features")
        self.eps = check_real(eps, "eps", 0.0, low_inclusive=False)
        self.momentum = None if momentum is None else check_real(momentum, "momentum")
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = resolve_dtype(dtype)
        if self.affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self._dtype = dtype

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            if self.bias is not None:
                self.bias.data[...] = 0

    def _convert_extra(self, dtype: np.dtype) -> None:
        self._dtype = dtype

    # ------------------------------------------------------------------ forward
    def forward(self, x):
        x = check_batchnorm_input(self, x)
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1)  # broadcast (C,) against the input
        m = x.size // self.num_features  # values per channel
        self._axes, self._shape = axes, shape
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            if self.training and m <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got input of "
                                 f"shape {x.shape} (a batch of one has no variance)")
            mean = x.mean(axis=axes)
            centred = x - mean.reshape(shape)
            var = (centred * centred).mean(axis=axes)  # biased: divides by m
            if self.training and self.track_running_stats:
                self.num_batches_tracked += 1
                f = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean[...] = (1 - f) * self.running_mean + f * mean
                self.running_var[...] = (1 - f) * self.running_var + f * var * (m / (m - 1))  # unbiased
        else:
            mean, var = self.running_mean, self.running_var
            centred = x - mean.reshape(shape)
        self._batch_stats = use_batch_stats
        self._inv_std = 1.0 / np.sqrt(var + x.dtype.type(self.eps))
        self._x_hat = centred * self._inv_std.reshape(shape)
        if not self.affine:
            return self._x_hat.copy()
        out = self._x_hat * self.weight.data.reshape(shape)
        if self.bias is not None:
            out += self.bias.data.reshape(shape)
        return out

    # ----------------------------------------------------------------- backward
    def backward(self, grad_output=None):
        with checked_backward(self, grad_output) as dY:
            axes, shape = self._axes, self._shape
            x_hat, inv_std = self._x_hat, self._inv_std.reshape(shape)
            if self.affine:
                if self.weight.requires_grad:
                    self.weight.accumulate_grad((dY * x_hat).sum(axis=axes))
                if self.bias is not None and self.bias.requires_grad:
                    self.bias.accumulate_grad(dY.sum(axis=axes))
                g_hat = dY * self.weight.data.reshape(shape)  # dẐ = dY ⊙ γ
            else:
                g_hat = dY
            if not self._batch_stats:
                return g_hat * inv_std
            m = x_hat.size // self.num_features
            sum_g = g_hat.sum(axis=axes).reshape(shape)
            sum_gx = (g_hat * x_hat).sum(axis=axes).reshape(shape)
            return (inv_std / m) * (m * g_hat - sum_g - x_hat * sum_gx)

    def extra_repr(self) -> str:
        # As torch (2.13) prints it, bias included.
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")
