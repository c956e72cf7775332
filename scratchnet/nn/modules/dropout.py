"""``Dropout`` (mirrors ``torch.nn.Dropout`` in ``torch/nn/modules/dropout.py``).

Inverted dropout (Srivastava et al. 2014; CS229 practice exercise 7). In
training mode each entry of A is kept with probability 1 − p and the kept
entries are scaled up, so the expected output equals the input::

    M ~ Bernoulli(1 − p)           (same shape as A, True = kept)
    A_out = A ⊙ M / (1 − p)        dA = dA_out ⊙ M / (1 − p)

In eval mode dropout is the identity (nothing to rescale at test time — that
is the "inverted" part; the original paper scaled the weights by 1 − p at
test time instead). ``p = 1`` drops everything: the output is all zeros, as
in PyTorch.

Masks are drawn from ``scratchnet.random.get_generator(generator)``. NumPy's
and PyTorch's random streams never match, so to compare the two libraries
(or to check gradients by finite differences) give the module a fixed mask::

    drop = nn.Dropout(0.3)
    drop.fix_mask(keep)     # keep: boolean array, True = kept (e.g. torch_out != 0)
    out = drop(x)           # x * keep / (1 - p), every time
    drop.fix_mask(None)     # back to fresh random masks
"""

from __future__ import annotations

import numpy as np

from ..._validation import as_array, check_input, check_real, describe
from ...random import get_generator
from .module import Module, checked_backward


class Dropout(Module):
    """During training, zero each entry with probability ``p`` and scale the rest by 1/(1 − p).

    Parameters
    ----------
    p : float in [0, 1], default 0.5
        Probability of an entry being *dropped* (PyTorch's convention; some
        texts use the keep probability 1 − p instead).
    inplace : bool
        Accepted for signature parity with PyTorch and ignored.
    generator : numpy.random.Generator, optional
        Where masks come from (default: scratchnet's default generator,
        re-seeded by :func:`scratchnet.manual_seed`). Not in PyTorch.

    Attributes
    ----------
    mask : numpy.ndarray of bool or None
        The keep-mask M of the last training-mode forward pass (True = kept).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator: np.random.Generator | None = None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
                or not 0.0 <= float(p) <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = check_real(p, "p", 0.0, 1.0)
        self.inplace = inplace
        self.generator = None if generator is None else get_generator(generator)
        self.mask = None
        self._fixed_mask = None

    def fix_mask(self, mask) -> "Dropout":
        """Use ``mask`` (boolean, True = kept, the input's shape) for every
        training-mode forward pass instead of drawing one; ``None`` goes back
        to random masks. Returns the module."""
        if mask is None:
            self._fixed_mask = None
            return self
        if type(mask).__module__ == "torch":
            mask = mask.detach().cpu().numpy()
        mask = as_array(mask, "Dropout.fix_mask: mask")
        if mask.dtype != np.bool_:
            if mask.dtype.kind not in "iuf" or not np.all((mask == 0) | (mask == 1)):
                raise TypeError(f"Dropout.fix_mask expects a boolean keep-mask (True = kept) or 0/1 values, "
                                f"got {describe(mask)}")
            mask = mask != 0
        self._fixed_mask = mask.copy()
        return self

    def forward(self, x):
        x = check_input(self, x)
        if not self.training or self.p == 0.0:
            self._scale_mask = None
            return x
        if self._fixed_mask is not None:
            if self._fixed_mask.shape != x.shape:
                raise ValueError(f"Dropout: the fixed mask has shape {self._fixed_mask.shape} but the input "
                                 f"has shape {x.shape}; fix a mask of the input's shape (or fix_mask(None))")
            keep = self._fixed_mask
        else:
            keep = get_generator(self.generator).random(x.shape) >= self.p  # P(keep) = 1 − p
        self.mask = keep
        if self.p == 1.0:
            # Everything dropped; 1/(1 − p) would be infinite (PyTorch returns zeros too).
            self._scale_mask = np.zeros_like(x)
        else:
            # As torch: the mask becomes M / (1 − p) in the input's dtype, then multiplies.
            self._scale_mask = keep.astype(x.dtype) / x.dtype.type(1.0 - self.p)
        return x * self._scale_mask

    def backward(self, grad_output=None):
        """dA = dA_out ⊙ M / (1 − p) in training mode, dA_out in eval mode."""
        with checked_backward(self, grad_output) as dA_out:
            if self._scale_mask is None:
                return dA_out
            return dA_out * self._scale_mask

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
