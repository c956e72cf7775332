r"""RMSprop (mirrors ``torch.optim.RMSprop``).

The algorithm, with the argument names as symbols (γ = ``lr``, α =
``alpha``, ε = ``eps``, λ = ``weight_decay``, μ = ``momentum``), for a
parameter θ with gradient g_t, v_0 = 0, ḡ_0 = 0, b_0 = 0::

    if maximize:  g_t ← −g_t
    if λ ≠ 0:     g_t ← g_t + λ θ_{t-1}
    v_t = α v_{t-1} + (1 − α) g_t²                    (``square_avg``)
    if centered:
        ḡ_t = α ḡ_{t-1} + (1 − α) g_t                  (``grad_avg``, as a lerp)
        d_t = √(v_t − ḡ_t²) + ε                         (estimate of the std. deviation)
    else:
        d_t = √v_t + ε
    if μ > 0:
        b_t = μ b_{t-1} + g_t / d_t                     (``momentum_buffer``)
        θ_t = θ_{t-1} − γ b_t
    else:
        θ_t = θ_{t-1} − γ g_t / d_t

Where it differs from the textbook (Hinton's lecture 6e, and Goodfellow et
al. Algorithm 8.5): ε is added *outside* the square root (the book writes
√(δ + r)), there is no bias correction (so the first steps are large: v_1 =
(1 − α) g_1², a step of γ/√(1 − α) ≈ 10 γ for α = 0.99), and momentum, when
used, accumulates the already normalised step. The centered form is Graves
(2013).

Centered RMSprop computes √(v_t − ḡ_t²), a difference of nearly equal terms
when the gradient is consistent: its relative rounding error is amplified by
v/(v − ḡ²). torch evaluates v − ḡ² with a fused multiply-add, we in two
roundings, so the two agree to that amplified rounding only (≈1e-14 in
float64 over 100 steps in the parity suite, against ≈1e-16 for the other
optimizers). In the degenerate case α = 0 the difference is mathematically
0; torch's FMA may make it slightly negative (NaN), ours gives exactly 0.

State per parameter: ``"step"``, ``"square_avg"``, and ``"momentum_buffer"``
(μ > 0) and ``"grad_avg"`` (centered), created on the first step.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_nonneg
from .adam import lerp_
from .optimizer import Optimizer, _step_count


def rmsprop_update(param: np.ndarray, grad: np.ndarray, square_avg: np.ndarray,
                   grad_avg: np.ndarray | None, momentum_buffer: np.ndarray | None, *,
                   lr: float, alpha: float, eps: float, weight_decay: float, momentum: float,
                   centered: bool, maximize: bool) -> None:
    """One RMSprop step for one parameter, in place on ``param`` and the state arrays."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    square_avg *= alpha
    square_avg += (1 - alpha) * g * g
    if centered:
        lerp_(grad_avg, g, 1 - alpha)
        avg = np.sqrt(square_avg - grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if momentum > 0:
        momentum_buffer *= momentum
        momentum_buffer += g / avg
        param -= lr * momentum_buffer
    else:
        param -= lr * (g / avg)


class RMSprop(Optimizer):
    """RMSprop (see the module docstring for the algorithm).

    Parameters (torch's names and defaults)
    ----------
    params : iterable of Parameters or of dicts (parameter groups)
    lr : float, default 1e-2 (γ)
    alpha : float, default 0.99 (α, the smoothing constant)
    eps : float, default 1e-8 (ε)
    weight_decay : float, default 0 (λ)
    momentum : float, default 0 (μ)
    centered : bool, default False
    maximize : bool, default False (keyword-only)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False):
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "learning rate", "lr")
        check_nonneg(group["eps"], "epsilon value", "eps")
        check_nonneg(group["momentum"], "momentum value", "momentum")
        check_nonneg(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonneg(group["alpha"], "alpha value", "alpha")

    def _update(self, param, grad, state, group) -> None:
        if "square_avg" not in state:
            _step_count(state)
            state["square_avg"] = np.zeros_like(param.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param.data)
        state["step"] += 1
        rmsprop_update(param.data, grad, state["square_avg"], state.get("grad_avg"),
                       state.get("momentum_buffer"), lr=group["lr"], alpha=group["alpha"],
                       eps=group["eps"], weight_decay=group["weight_decay"],
                       momentum=group["momentum"], centered=group["centered"],
                       maximize=group["maximize"])
