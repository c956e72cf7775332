r"""Adam (mirrors ``torch/optim/adam.py``), and the arithmetic AdamW shares.

The algorithm, as torch's docstring gives it, with the argument names as
symbols (γ = ``lr``, β₁, β₂ = ``betas``, ε = ``eps``, λ = ``weight_decay``),
for a parameter θ with gradient g_t at step t = 1, 2, ... and m_0 = v_0 =
v_0^max = 0::

    g_t = −∇J(θ_{t−1}) if maximize else ∇J(θ_{t−1})
    if λ ≠ 0:  θ_{t−1} ← (1 − γλ) θ_{t−1}       if decoupled_weight_decay (AdamW)
               g_t ← g_t + λ θ_{t−1}            otherwise (Adam: an L2 penalty in the gradient)
    m_t = β₁ m_{t−1} + (1 − β₁) g_t
    v_t = β₂ v_{t−1} + (1 − β₂) g_t²
    m̂_t = m_t / (1 − β₁ᵗ)
    if amsgrad:  v_t^max = max(v_{t−1}^max, v_t);  v̂_t = v_t^max / (1 − β₂ᵗ)
    else:        v̂_t = v_t / (1 − β₂ᵗ)
    θ_t = θ_{t−1} − γ m̂_t / (√v̂_t + ε)

This is the textbook Adam (Kingma & Ba, Algorithm 1, and the lectures'
Chapter 15 code ``params -= lr * m_hat / (sqrt(v_hat) + eps)``): ε is added to
√v̂_t, *after* the bias correction. (Kingma & Ba's "efficient" variant, ε̂
added to √v_t before the correction, differs.) Where it differs from the
paper: ``weight_decay`` in Adam is an L2 term in the gradient, so it passes
through the adaptive scaling; AdamW's decoupled decay (Loshchilov & Hutter)
shrinks θ directly by γλ and does not.

State per parameter, created on its first step as torch does: ``"step"`` (t,
a 0-d float32 array — torch keeps it as a 0-d float32 tensor), ``"exp_avg"``
(m), ``"exp_avg_sq"`` (v) and, with amsgrad, ``"max_exp_avg_sq"`` (v^max).

The file is laid out as torch's: the class, the functional :func:`adam` that
picks the path, the readable :func:`_single_tensor_adam` (the box above, line
for line) and the fast :func:`_multi_tensor_adam` (``foreach=True``).
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_real
from . import _flat
from .optimizer import Optimizer, check_foreach, check_nonneg, in_pieces


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
    foreach : bool or None, default None (keyword-only): the fast path (True),
        the readable one (False), or the fast one wherever it runs (None, torch's rule)
    maximize : bool, default False (keyword-only)
    decoupled_weight_decay : bool, default False (keyword-only; True is AdamW)
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, decoupled_weight_decay: bool = False):
        defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                    "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad, "foreach": foreach,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "lr", "learning rate")
        check_nonneg(group["eps"], "eps", "epsilon value")
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            check_real(b, f"betas[{i}]", 0.0, 1.0, high_inclusive=False, invalid=f"beta parameter at index {i}")
        check_nonneg(group["weight_decay"], "weight_decay", "weight_decay value")
        check_foreach(group["foreach"])

    def _init_group(self, group: dict):
        """The lists :func:`adam` works on: the parameters that have a gradient,
        their gradients and states (created on the first step), each step count
        already advanced to this step's t."""
        params, grads = self._params_with_grad(group)
        self._new_state(params, "exp_avg", "exp_avg_sq", *(["max_exp_avg_sq"] if group["amsgrad"] else []))
        states = [self.state[p] for p in params]
        steps = self._count_step(states)
        return ([p.data for p in params], grads, [s["exp_avg"] for s in states],
                [s["exp_avg_sq"] for s in states], [s["max_exp_avg_sq"] for s in states] if group["amsgrad"] else [],
                steps)

    def step(self, closure=None):
        """One Adam step of every parameter that has a gradient."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps = self._init_group(group)
            if not params:
                continue
            beta1, beta2 = group["betas"]
            adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach=group["foreach"],
                 workspace=self._workspace(group), amsgrad=group["amsgrad"], beta1=beta1, beta2=beta2, lr=group["lr"],
                 weight_decay=group["weight_decay"], eps=group["eps"], maximize=group["maximize"],
                 decoupled_weight_decay=group["decoupled_weight_decay"])
        return loss


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, foreach: bool | None = None,
         workspace: _flat.Workspace | None = None, *, amsgrad: bool, beta1: float, beta2: float, lr: float,
         weight_decay: float, eps: float, maximize: bool, decoupled_weight_decay: bool = False) -> None:
    """Functional Adam (``torch.optim.adam.adam``): one step for lists of arrays,
    in place. ``state_steps`` hold t, already counted for this step.

    ``foreach=None`` takes the fast path, as torch's default does wherever its
    foreach kernels run (NumPy arrays always can); ``False`` the readable one."""
    options = dict(amsgrad=amsgrad, beta1=beta1, beta2=beta2, lr=lr, weight_decay=weight_decay, eps=eps,
                   maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
    if foreach is None or foreach:
        _multi_tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps,
                           workspace=workspace, **options)
    else:  # big parameters in 64 KB pieces: the same numbers, see optimizer.in_pieces
        _single_tensor_adam(*in_pieces(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps),
                            **options)


def _single_tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1,
                        beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay) -> None:
    """The readable path: the algorithm of the module docstring, for one parameter θ at a time."""
    for i, theta in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        m, v, t = exp_avgs[i], exp_avg_sqs[i], float(state_steps[i])
        if weight_decay != 0:
            if decoupled_weight_decay:
                theta *= 1 - lr * weight_decay                # θ_{t−1} ← (1 − γλ) θ_{t−1}
            else:
                g = g + weight_decay * theta                  # g_t ← g_t + λ θ_{t−1}
        m[...] = beta1 * m + (1 - beta1) * g                  # m_t = β₁ m_{t−1} + (1 − β₁) g_t
        v[...] = beta2 * v + (1 - beta2) * g * g              # v_t = β₂ v_{t−1} + (1 − β₂) g_t²
        m_hat = m / (1 - beta1 ** t)                          # m̂_t = m_t / (1 − β₁ᵗ)
        if amsgrad:
            v_max = max_exp_avg_sqs[i]
            np.maximum(v_max, v, out=v_max)                   # v_t^max = max(v_{t−1}^max, v_t)
            v_hat = v_max / (1 - beta2 ** t)                  # v̂_t = v_t^max / (1 − β₂ᵗ)
        else:
            v_hat = v / (1 - beta2 ** t)                      # v̂_t = v_t / (1 − β₂ᵗ)
        theta -= lr * m_hat / (np.sqrt(v_hat) + eps)          # θ_t = θ_{t−1} − γ m̂_t / (√v̂_t + ε)


def _multi_tensor_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, *, amsgrad, beta1,
                       beta2, lr, weight_decay, eps, maximize, decoupled_weight_decay,
                       workspace: _flat.Workspace | None = None) -> None:
    """The fast path: the same algorithm, one NumPy call per formula over all
    parameters of a dtype, in place on flat buffers (``_flat.py``), allocating
    nothing (its two scratch arrays come from ``workspace``).

    The moments are computed with exactly the readable path's operations; the
    last formula is evaluated with the bias corrections moved out of the
    division — multiply the fraction's top and bottom by c = √(1 − β₂ᵗ)::

        γ m̂_t / (√v̂_t + ε) = (γ c / (1 − β₁ᵗ)) · m_t / (√v_t + ε c)

    — the same number up to a rounding or two, two passes over the arrays
    fewer (``tests/test_optim_paths.py`` bounds the difference)."""
    workspace = workspace if workspace is not None else _flat.Workspace()
    for group in workspace.groups(params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs):
        thetas, (m, v, v_max), work = group.thetas, group.states, group.work
        g = group.load(grads)
        t = [float(state_steps[i]) for i in group.indices]
        if maximize:
            np.negative(g, out=g)
        if weight_decay != 0:
            if decoupled_weight_decay:
                for theta in thetas:
                    theta *= 1 - lr * weight_decay
            else:
                _flat.gather(thetas, work)
                work *= weight_decay
                g += work
        m *= beta1                                            # m = β₁ m + (1 − β₁) g
        np.multiply(g, 1 - beta1, out=work)
        m += work
        np.multiply(g, 1 - beta2, out=work)                   # v = β₂ v + (1 − β₂) g²
        work *= g
        v *= beta2
        v += work
        bias_correction1 = _flat.per_entry([1 - beta1 ** s for s in t], thetas, work.dtype)
        c = _flat.per_entry([math.sqrt(1 - beta2 ** s) for s in t], thetas, work.dtype)
        if amsgrad:
            np.maximum(v_max, v, out=v_max)
            np.sqrt(v_max, out=work)
        else:
            np.sqrt(v, out=work)                              # √v
        work += eps * c                                       # √v + ε c
        np.divide(m, work, out=work)                          # m / (√v + ε c)
        work *= lr * c / bias_correction1                     # · γ c / (1 − β₁ᵗ)
        group.update()                                        # θ ← θ − work
        group.store()
