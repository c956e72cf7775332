r"""AdamW: Adam with decoupled weight decay (mirrors ``torch.optim.AdamW``).

Same algorithm as :mod:`scratchnet.optim.adam` (see there), except that the
weight decay shrinks the parameter directly instead of entering the gradient::

    θ_{t−1} ← (1 − γλ) θ_{t−1}                     (before the Adam step)
    θ_t = θ_{t−1} − γ m̂_t / (√v̂_t + ε)

so the decay is not rescaled by 1/√v̂ (Loshchilov & Hutter, "Decoupled
Weight Decay Regularization"). Note the decay is γλ per step: it follows the
learning rate and any schedule on it (the paper's η_t λ with a separate
schedule multiplier). Default λ = 1e-2, as torch. As torch's, it is the Adam
class with ``decoupled_weight_decay=True``: the same two paths
(``foreach=``), the same functions.
"""

from __future__ import annotations

from .adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay; torch's defaults (``weight_decay=1e-2``)."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         decoupled_weight_decay=True)
