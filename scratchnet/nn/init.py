"""Weight initialization (mirrors ``torch/nn/init.py``), plus the CS229
lecture's "small" and "large" schemes (§6.6, "Test different initializations").

Each function fills an array or a :class:`Parameter` in place and returns it.
Draws come from ``generator`` or, when it is ``None``, from scratchnet's
default generator (see :func:`scratchnet.manual_seed`). The *distributions*
are PyTorch's; the draws never match PyTorch's (the parity suite copies
weights and checks initializers by their statistics).

Which lecture scheme is which PyTorch initializer:

=============  ====================================  ===========================================
CS229 name     the lecture's code                    here
=============  ====================================  ===========================================
``zeros``      ``np.zeros``                          :func:`zeros_`
``small``      ``randn * 0.01``                      :func:`small_` (= ``normal_(std=0.01)``)
``large``      ``randn * 1.0``                       :func:`large_` (= ``normal_(std=1)``)
``xavier``     ``randn * sqrt(1 / n_in)``            ``kaiming_normal_(nonlinearity="linear")``
                                                     — LeCun normal; Glorot's
                                                     :func:`xavier_normal_` uses
                                                     sqrt(2 / (n_in + n_out)) instead
``he``         ``randn * sqrt(2 / n_in)``            ``kaiming_normal_(nonlinearity="relu")``
=============  ====================================  ===========================================
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_real
from ..random import get_generator
from .parameter import Parameter


def _array(tensor) -> np.ndarray:
    arr = tensor.data if isinstance(tensor, Parameter) else tensor
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected a numpy array or a Parameter to fill, got {type(tensor).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"can only initialize floating-point arrays, got dtype {arr.dtype}")
    return arr


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (``torch.nn.init.calculate_gain``).

    ======================  =================
    linear, conv, sigmoid   1
    tanh                    5/3
    relu                    √2
    leaky_relu              √(2 / (1 + slope²))
    selu                    3/4
    ======================  =================
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """fan_in = n_in, fan_out = n_out for a (n_out, n_in) weight (PyTorch's rule)."""
    arr = tensor.data if isinstance(tensor, Parameter) else np.asarray(tensor)
    if arr.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(arr.shape[2:])) if arr.ndim > 2 else 1
    return arr.shape[1] * receptive, arr.shape[0] * receptive


def _calculate_correct_fan(tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values: np.ndarray):
    arr = _array(tensor)
    arr[...] = values
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b)."""
    arr = _array(tensor)
    a, b = check_real(a, "a"), check_real(b, "b")
    if not a <= b:
        raise ValueError(f"uniform_ expects a <= b, got a={a}, b={b}")
    return _fill(tensor, get_generator(generator).uniform(a, b, size=arr.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std²)."""
    arr = _array(tensor)
    check_real(mean, "mean")
    check_real(std, "std", low=0)
    return _fill(tensor, get_generator(generator).normal(mean, std, size=arr.shape))


def constant_(tensor, val: float):
    """Fill with ``val``."""
    return _fill(tensor, check_real(val, "val"))


def zeros_(tensor):
    """Fill with 0 (the CS229 "zeros" scheme: every hidden unit stays identical — symmetry is never broken)."""
    return _fill(tensor, 0)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot & Bengio (2010): U(−a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator=generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot & Bengio (2010): N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """He et al. (2015): U(−bound, bound), bound = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a).

    With PyTorch's ``Linear`` defaults (a = √5) this is U(−1/√fan_in, 1/√fan_in).
    """
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """He et al. (2015): N(0, std²), std = gain / √fan.

    ``nonlinearity="relu"`` gives the CS229 lecture's "he" scheme,
    randn · √(2 / n_in); ``nonlinearity="linear"`` its "xavier" scheme,
    randn · √(1 / n_in).
    """
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator=generator)


def small_(tensor, scale: float = 0.01, generator=None):
    """The CS229 "small" scheme: ``np.random.randn(...) * 0.01`` — N(0, 0.01²).

    Small enough that sigmoid/tanh units start in their linear region, but in a
    deep network the signal shrinks by ~0.01·√n per layer.
    """
    return normal_(tensor, 0.0, scale, generator=generator)


def large_(tensor, scale: float = 1.0, generator=None):
    """The CS229 "large" scheme: ``np.random.randn(...) * 1.0`` — N(0, 1).

    Large pre-activations saturate sigmoid/tanh units, so their gradients vanish.
    """
    return normal_(tensor, 0.0, scale, generator=generator)
