r"""Adam (mirrors ``torch.optim.Adam``), and the shared arithmetic of AdamW.

The algorithm, with the argument names as symbols (γ = ``lr``, β₁, β₂ =
``betas``, ε = ``eps``, λ = ``weight_decay``), for a parameter θ with
gradient g_t at step t = 1, 2, ... and m_0 = v_0 = 0::

    if maximize:  g_t ← −g_t
    if λ ≠ 0:     g_t ← g_t + λ θ_{t-1}          (Adam: L2 penalty in the gradient)
                  θ_{t-1} ← (1 − γ λ) θ_{t-1}      (AdamW instead: decoupled decay)
    m_t = β₁ m_{t-1} + (1 − β₁) g_t               (computed as m + (1 − β₁)(g − m))
    v_t = β₂ v_{t-1} + (1 − β₂) g_t²
    if amsgrad:   v̂max_t = max(v̂max_{t-1}, v_t);  use v̂max_t in place of v_t below
    θ_t = θ_{t-1} − (γ / (1 − β₁ᵗ)) · m_t / (√v_t / √(1 − β₂ᵗ) + ε)

This is the textbook Adam (Kingma & Ba, Algorithm 1, and the lectures'
Chapter 15 code ``params -= lr * m_hat / (sqrt(v_hat) + eps)``): ε is added to
√v̂_t = √v_t / √(1 − β₂ᵗ), *after* the bias correction. (Kingma & Ba's
"efficient" variant, ε̂ added to √v_t before the correction, differs.)
Where it differs from the paper: ``weight_decay`` in Adam is an L2 term in the
gradient, so it passes through the adaptive scaling; AdamW's decoupled decay
(Loshchilov & Hutter) shrinks θ directly by γλ and does not.

State per parameter, created on its first step as torch does: ``"step"`` (t,
a 0-d float32 array — torch keeps it as a 0-d float32 tensor), ``"exp_avg"``
(m), ``"exp_avg_sq"`` (v) and, with amsgrad, ``"max_exp_avg_sq"``.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_betas, check_nonneg
from .optimizer import Optimizer, _step_count, blocks


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, work: np.ndarray | None = None) -> None:
    """``start ← start + weight (end − start)`` in place, as ``torch.lerp_``.

    torch's kernel evaluates it as ``end − (end − start)(1 − weight)`` when
    weight ≥ 0.5 (more accurate there); we use the same two formulas, so the
    moving averages round as torch's do (up to torch's vectorised fused
    multiply-adds, ≤ 1 ulp per step).

    ``work`` (an array of ``start``'s shape and dtype) receives the
    intermediate ``end − start``, so the update allocates nothing; without it
    a temporary is allocated. Either way the arithmetic is the same.
    """
    work = np.subtract(end, start, out=work)
    if weight < 0.5:
        work *= weight
        start += work
    else:
        work *= 1 - weight
        np.subtract(end, work, out=start)


def adam_update(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
                max_exp_avg_sq: np.ndarray | None, step: int, *, lr: float, beta1: float,
                beta2: float, eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
                decoupled_weight_decay: bool, work: np.ndarray | None = None) -> None:
    """One Adam/AdamW step for one parameter, in place on ``param`` and the
    moment arrays. ``step`` is t, already incremented (t ≥ 1).

    Every line is one formula of the module docstring, evaluated in place
    into ``work`` (an array of ``param``'s shape and dtype, allocated here if
    not given), so that a step allocates nothing: on a 784-256-128-10 MLP the
    temporaries of the plain expressions (``(1 − β₂) g g``, ``√v / c + ε``,
    ``m / denom``) cost more than the rest of the step. The moments are
    computed in the order of the plain expressions (and of torch's kernels);
    the last line folds the bias corrections into two scalars (see the
    comment there), which changes the result by at most a rounding (the
    parity suite holds it to torch's). Only ``maximize`` and ``weight_decay``
    (Adam's L2 form) allocate a modified gradient.
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    if work is None:
        work = np.empty_like(param)
    lerp_(exp_avg, g, 1 - beta1, work)                   # m ← β₁ m + (1 − β₁) g
    np.multiply(g, 1 - beta2, out=work)                  # v ← β₂ v + (1 − β₂) g²
    work *= g
    exp_avg_sq *= beta2
    exp_avg_sq += work
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    # θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε), evaluated with the
    # bias corrections moved outside the division — multiply the fraction's top
    # and bottom by c = √(1 − β₂ᵗ):
    #     θ ← θ − (γ c / (1 − β₁ᵗ)) · m / (√v + ε c)
    # the same number (up to one rounding), one pass over the arrays fewer.
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=work)                # √v̂max
    else:
        np.sqrt(exp_avg_sq, out=work)                    # √v
    work += eps * bias_correction2_sqrt                  # √v + ε c
    np.divide(exp_avg, work, out=work)                   # m / (√v + ε c)
    work *= lr * bias_correction2_sqrt / bias_correction1
    param -= work


class Adam(Optimizer):
    """Adam (see the module docstring for the algorithm).

    Parameters (torch's names and defaults)
    ----------
    params : iterable of Parameters or of dicts (parameter groups)
    lr : float, default 1e-3 (γ)
    betas : (float, float), default (0.9, 0.999) (β₁, β₂), each in [0, 1)
    eps : float, default 1e-8 (ε)
    weight_decay : float, default 0 (λ, L2 penalty in the gradient)
    amsgrad : bool, default False
    maximize : bool, default False (keyword-only)
    decoupled_weight_decay : bool, default False (keyword-only; True is AdamW)
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                    "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "learning rate", "lr")
        check_nonneg(group["eps"], "epsilon value", "eps")
        check_betas(group["betas"])
        check_nonneg(group["weight_decay"], "weight_decay value", "weight_decay")

    def _update(self, param, grad, state, group) -> None:
        if "exp_avg" not in state:
            _step_count(state)
            state["exp_avg"] = np.zeros_like(param.data)
            state["exp_avg_sq"] = np.zeros_like(param.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param.data)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        arrays = (param.data, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq"),
                  self._work(param))
        # Block by block (cache blocking, see optimizer.blocks): the same arithmetic, faster.
        for p, g, m, v, v_max, work in blocks(*arrays):
            adam_update(p, g, m, v, v_max, float(state["step"]), lr=group["lr"],
                        beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                        amsgrad=group["amsgrad"], maximize=group["maximize"],
                        decoupled_weight_decay=group["decoupled_weight_decay"], work=work)
