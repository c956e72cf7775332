"""Known variants of torch's optimizers: the update rules learners write
instead, in torch, one tensor at a time.

``sgd_step``, ``adam_step``, ``rmsprop_step`` and ``adagrad_step`` with
``change=None`` are torch's own ``torch.optim.SGD``, ``Adam``/``AdamW``,
``RMSprop`` and ``Adagrad`` algorithms (the single-tensor pseudo-code of their
docstrings, with ``maximize`` where torch's ``_single_tensor_*`` applies it:
the gradient is negated first, before the weight decay is added;
``tests/test_check_variants.py`` holds them equal to ``torch.optim``); each
``change`` is one classic difference. A
variant that reproduces your whole trajectory — every parameter and state
entry at every step — is the diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch


def sgd_step(p, g, state, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False,
             change=None):
    """One SGD step in place on ``p``; ``state`` holds ``momentum_buffer`` (in the variant's own form)."""
    g = -g if maximize else g
    if weight_decay != 0 and change != "weight_decay_after_momentum":
        g = g + weight_decay * p
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if change == "sutskever":  # v = μv − γg;  θ ← θ + v
            buf = -lr * g if buf is None else momentum * buf - lr * g
            state["momentum_buffer"] = buf
            p.add_(buf)
            return
        if change in ("lr_in_buffer", "lr_in_buffer_and_step"):  # b = μb + γg
            buf = lr * g if buf is None else momentum * buf + lr * g
            state["momentum_buffer"] = buf
            p.sub_(buf if change == "lr_in_buffer" else lr * buf)
            return
        if buf is None:
            if change == "ema":
                buf = (1 - momentum) * g
            elif change == "dampened_first_step":
                buf = (1 - dampening) * g
            else:
                buf = g.clone()
        else:
            buf = momentum * buf + ((1 - momentum) if change == "ema" else (1 - dampening)) * g
        state["momentum_buffer"] = buf
        g = g + momentum * buf if nesterov else buf
    if weight_decay != 0 and change == "weight_decay_after_momentum":
        g = g + weight_decay * p
    p.sub_(lr * g)


def adam_step(p, g, state, *, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
              maximize=False, decoupled=False, change=None):
    """One Adam (``decoupled=True``: AdamW) step in place on ``p``; ``state``
    holds ``step``, ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq``)."""
    beta1, beta2 = betas
    if change == "betas_swapped":
        beta1, beta2 = beta2, beta1
    g = -g if maximize else g
    if "step" not in state:
        state["step"] = torch.tensor(0.0, dtype=torch.float32)
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
        if amsgrad:
            state["max_exp_avg_sq"] = torch.zeros_like(p)
    state["step"] = state["step"] * 0 + 1 if change == "step_stuck" else state["step"] + 1
    t = float(state["step"])
    use_decoupled = decoupled != (change in ("l2_instead_of_decoupled", "decoupled_instead_of_l2"))
    if weight_decay != 0:
        if use_decoupled:
            p.mul_(1 - (weight_decay if change == "decay_without_lr" else lr * weight_decay))
        else:
            g = g + weight_decay * p
    m = state["exp_avg"].mul_(beta1).add_((1 - beta1) * g)
    v = state["exp_avg_sq"].mul_(beta2).add_((1 - beta2) * g * g)
    if amsgrad:
        v = torch.maximum(state["max_exp_avg_sq"], v)
        state["max_exp_avg_sq"] = v
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
    if change == "no_bias_correction":
        p.sub_(lr * m / (v.sqrt() + eps))
    elif change == "eps_inside_sqrt":
        p.sub_(lr * (m / bc1) / torch.sqrt(v / bc2 + eps))
    elif change == "eps_before_correction":
        p.sub_(lr * (m / bc1) / ((v.sqrt() + eps) / bc2 ** 0.5))
    else:
        p.sub_(lr * (m / bc1) / ((v / bc2).sqrt() + eps))


def rmsprop_step(p, g, state, *, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                 maximize=False, change=None):
    """One RMSprop step in place on ``p``; ``state`` holds ``step``, ``square_avg``
    (and ``momentum_buffer`` for μ > 0, ``grad_avg`` when centered), as torch's::

        g ← −g if maximize;  g ← g + λθ
        v = αv + (1 − α)g²;  ṽ = v − ḡ² with ḡ = αḡ + (1 − α)g if centered, else ṽ = v
        b = μb + g/(√ṽ + ε), θ ← θ − γb   if μ > 0, else   θ ← θ − γ g/(√ṽ + ε)
    """
    if "step" not in state:
        state["step"] = torch.tensor(0.0, dtype=torch.float32)
        state["square_avg"] = torch.zeros_like(p)
        if momentum > 0:
            state["momentum_buffer"] = torch.zeros_like(p)
        if centered:
            state["grad_avg"] = torch.zeros_like(p)
    state["step"] = state["step"] + 1
    if change == "maximize_after_weight_decay":  # g ← −(g + λθ)
        g = g + weight_decay * p if weight_decay != 0 else g
        g = -g if maximize else g
    else:
        g = -g if maximize else g
        g = g + weight_decay * p if weight_decay != 0 else g
    v = state["square_avg"].mul_(alpha).addcmul_(g, g, value=1 - alpha)
    if centered:  # torch's own operations: lerp, and v − ḡ² in one fused multiply-add
        g_avg = state["grad_avg"].lerp_(g, 1 - alpha)
        v = v.addcmul(g_avg, g_avg, value=-1)
    avg = torch.sqrt(v + eps) if change == "eps_inside_sqrt" else v.sqrt() + eps
    if momentum > 0:
        buf = state["momentum_buffer"].mul_(momentum).addcdiv_(g, avg)
        p.sub_(lr * buf)
    else:
        p.sub_(lr * (g / avg))


def adagrad_step(p, g, state, *, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                 maximize=False, change=None):
    """One Adagrad step in place on ``p``; ``state`` holds ``step`` and ``sum``
    (created at s₀ = ``initial_accumulator_value``, as torch's constructor does)::

        g ← −g if maximize;  g ← g + λθ
        γ̃ = γ/(1 + (t − 1)η);  s = s + g²;  θ ← θ − γ̃ g/(√s + ε)
    """
    if "step" not in state:
        state["step"] = torch.tensor(0.0, dtype=torch.float32)
        state["sum"] = torch.full_like(p, initial_accumulator_value)
    state["step"] = state["step"] + 1
    t = float(state["step"])
    if change == "maximize_after_weight_decay":  # g ← −(g + λθ)
        g = g + weight_decay * p if weight_decay != 0 else g
        g = -g if maximize else g
    else:
        g = -g if maximize else g
        g = g + weight_decay * p if weight_decay != 0 else g
    if change == "no_lr_decay":
        clr = lr
    elif change == "lr_decay_from_step_one":  # γ/(1 + tη): the decay already on the first step
        clr = lr / (1 + t * lr_decay)
    else:
        clr = lr / (1 + (t - 1) * lr_decay)
    s = state["sum"].addcmul_(g, g, value=1)
    std = torch.sqrt(s + eps) if change == "eps_inside_sqrt" else s.sqrt() + eps
    p.sub_(clr * (g / std))


@dataclass
class OptimVariant:
    name: str
    says: str
    family: str                          # "SGD", "Adam" (Adam and AdamW), "RMSprop" or "Adagrad"
    applies: Callable[[str, dict], bool]  # (torch's class name, torch's hyperparameters, defaults included)
    change: str


def _sgd(cond=lambda h: True):
    return lambda family, h: family == "SGD" and h.get("momentum", 0) != 0 and cond(h)


def _adam(cond=lambda h: True):
    return lambda family, h: family in ("Adam", "AdamW") and cond(h)


def _rmsprop(cond=lambda h: True):
    return lambda family, h: family == "RMSprop" and cond(h)


def _adagrad(cond=lambda h: True):
    return lambda family, h: family == "Adagrad" and cond(h)


def _maximize_with_decay(h):
    return bool(h.get("maximize", False)) and h.get("weight_decay", 0) != 0


MAXIMIZE_AFTER_DECAY = ("maximize applied after the weight decay reproduces yours: torch negates the gradient "
                        "first and then adds λθ (g ← −g; g ← g + λθ), so the decay still pulls θ towards 0; "
                        "−(g + λθ) pushes θ away from 0")

OPTIM_VARIANTS = [
    OptimVariant("sutskever", "Sutskever's momentum reproduces yours: v = μv − γg, θ ← θ + v (the lr inside the "
                              "velocity, Chapter 15's form). While lr is constant it gives torch's parameters and "
                              "v = −γ·momentum_buffer; once lr changes the two part (torch's b carries no old γ)",
                 "SGD", _sgd(), "sutskever"),
    OptimVariant("lr_in_buffer", "the lr inside the momentum buffer reproduces yours: b = μb + γg, θ ← θ − b "
                                 "(torch: b = μb + g, θ ← θ − γb); equal parameters only while lr is constant",
                 "SGD", _sgd(), "lr_in_buffer"),
    OptimVariant("lr_in_buffer_and_step", "the lr applied twice reproduces yours: inside the buffer (b = μb + γg) "
                                          "and again in the step (θ ← θ − γb)",
                 "SGD", _sgd(), "lr_in_buffer_and_step"),
    OptimVariant("ema", "an exponentially-averaged momentum reproduces yours: v = βv + (1 − β)g (CS229 exercise 3) "
                        "where torch's SGD(momentum=β) sums b = βb + g; SGD(lr=α(1 − β), momentum=β) is the same "
                        "rule",
                 "SGD", _sgd(lambda h: h.get("dampening", 0) == 0), "ema"),
    OptimVariant("dampened_first_step", "dampening on the first step reproduces yours: torch starts the buffer "
                                        "undampened, b₁ = g₁, and applies (1 − dampening) from step 2 on",
                 "SGD", _sgd(lambda h: h.get("dampening", 0) != 0), "dampened_first_step"),
    OptimVariant("weight_decay_after_momentum", "weight decay applied after the momentum reproduces yours: torch "
                                                "adds λθ to the gradient *before* the buffer (g ← g + λθ; "
                                                "b = μb + g)",
                 "SGD", _sgd(lambda h: h.get("weight_decay", 0) != 0), "weight_decay_after_momentum"),
    OptimVariant("no_bias_correction", "Adam without bias correction reproduces yours: torch divides m by "
                                       "1 − β₁ᵗ and v by 1 − β₂ᵗ (m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ))",
                 "Adam", _adam(), "no_bias_correction"),
    OptimVariant("eps_inside_sqrt", "ε inside the square root reproduces yours: torch's step is "
                                    "m̂/(√v̂ + ε), not m̂/√(v̂ + ε)",
                 "Adam", _adam(), "eps_inside_sqrt"),
    OptimVariant("eps_before_correction", "ε added before the bias correction reproduces yours (Kingma & Ba's "
                                          "ε̂ form): torch adds ε to √v̂ = √v/√(1 − β₂ᵗ), after the correction",
                 "Adam", _adam(), "eps_before_correction"),
    OptimVariant("betas_swapped", "β₁ and β₂ swapped reproduces yours: m averages g with β₁ (0.9), v averages g² "
                                  "with β₂ (0.999)",
                 "Adam", _adam(lambda h: tuple(h.get("betas", (0.9, 0.999)))[0] != tuple(h.get("betas", (0.9, 0.999)))[1]),
                 "betas_swapped"),
    OptimVariant("step_stuck", "a step counter stuck at t = 1 reproduces yours: the bias corrections use the "
                               "step number t = 1, 2, 3, … (keep t in the state and increment it every step)",
                 "Adam", _adam(), "step_stuck"),
    OptimVariant("decay_without_lr", "AdamW's decay without the learning rate reproduces yours: torch shrinks "
                                     "θ ← (1 − γλ)θ, not (1 − λ)θ",
                 "Adam", lambda f, h: f == "AdamW" and h.get("weight_decay", 0) != 0, "decay_without_lr"),
    OptimVariant("l2_instead_of_decoupled", "Adam's L2 (λθ added to the gradient) reproduces yours: AdamW "
                                            "decouples the decay, θ ← (1 − γλ)θ, outside the adaptive step",
                 "Adam", lambda f, h: f == "AdamW" and h.get("weight_decay", 0) != 0, "l2_instead_of_decoupled"),
    OptimVariant("decoupled_instead_of_l2", "AdamW's decoupled decay reproduces yours: torch's Adam adds λθ to the "
                                            "gradient (L2), so it passes through the adaptive scaling",
                 "Adam", lambda f, h: f == "Adam" and h.get("weight_decay", 0) != 0, "decoupled_instead_of_l2"),
    OptimVariant("rmsprop_maximize_after_weight_decay", MAXIMIZE_AFTER_DECAY,
                 "RMSprop", _rmsprop(_maximize_with_decay), "maximize_after_weight_decay"),
    OptimVariant("rmsprop_eps_inside_sqrt", "ε inside the square root reproduces yours: torch's RMSprop divides "
                                            "by √v + ε, not √(v + ε) (TensorFlow's order, and the textbook's "
                                            "√(δ + r))",
                 "RMSprop", _rmsprop(), "eps_inside_sqrt"),
    OptimVariant("adagrad_maximize_after_weight_decay", MAXIMIZE_AFTER_DECAY,
                 "Adagrad", _adagrad(_maximize_with_decay), "maximize_after_weight_decay"),
    OptimVariant("adagrad_eps_inside_sqrt", "ε inside the square root reproduces yours: torch's Adagrad step is "
                                            "γ̃ g/(√s + ε), not γ̃ g/√(s + ε) (the textbook's √(δ + r))",
                 "Adagrad", _adagrad(), "eps_inside_sqrt"),
    OptimVariant("adagrad_no_lr_decay", "Adagrad without the lr decay reproduces yours: torch's step size is "
                                        "γ̃ = γ/(1 + (t − 1)η) with η = lr_decay and t the step count (keep t in "
                                        "the state)",
                 "Adagrad", _adagrad(lambda h: h.get("lr_decay", 0) != 0), "no_lr_decay"),
    OptimVariant("adagrad_lr_decay_from_step_one", "the lr decay counted from step 1 reproduces yours: torch's "
                                                   "γ̃ = γ/(1 + (t − 1)η) is γ itself on the first step, not "
                                                   "γ/(1 + tη)",
                 "Adagrad", _adagrad(lambda h: h.get("lr_decay", 0) != 0), "lr_decay_from_step_one"),
]
