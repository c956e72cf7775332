r"""Stochastic gradient descent, with momentum and Nesterov momentum (mirrors
``torch.optim.SGD``).

The algorithm, with the argument names as symbols (γ = ``lr``, μ =
``momentum``, τ = ``dampening``, λ = ``weight_decay``), for a parameter θ
with gradient g_t = ∇J(θ_{t-1}) at step t = 1, 2, ...::

    if maximize:  g_t ← −g_t
    if λ ≠ 0:     g_t ← g_t + λ θ_{t-1}                (L2 penalty (λ/2)‖θ‖² added to J)
    if μ ≠ 0:
        b_t = g_t                      if t = 1        (no dampening on the first step!)
        b_t = μ b_{t-1} + (1 − τ) g_t  if t > 1
        g_t ← g_t + μ b_t              if nesterov
        g_t ← b_t                      otherwise
    θ_t = θ_{t-1} − γ g_t

Where it differs from the textbook forms
----------------------------------------
* The learning rate γ sits *outside* the buffer b. Sutskever et al. and the
  lectures' Chapter 15 put it inside, ``v = μ v − γ g; θ ← θ + v``. While γ is
  constant the two give the same θ, because ``v_t = −γ b_t`` for every t
  (multiply torch's recursion by −γ). Once γ changes (a scheduler), they part:
  the lecture's v carries the old γ in its history, torch's b does not, so the
  new γ scales the whole history at once. ``tests/test_optim_lectures.py``
  proves both statements.
* The CS229 exercise's exponentially-averaged form (exercise 3, with v_0 = 0)
  ``v_t = β v_{t-1} + (1 − β) g_t;  θ ← θ − α v_t`` keeps α outside the
  buffer, as torch does. Since torch's buffer starts at b_1 = g_1 and then
  follows b_t = β b_{t-1} + g_t (τ = 0), ``v_t = (1 − β) b_t`` for *every* t,
  first step included. So **SGD(lr = α (1 − β), momentum = β, dampening = 0)
  reproduces it exactly**, and keeps doing so under any schedule α_t
  (scale each lr by 1 − β).
  The tempting ``dampening = β`` (so that (1 − τ) = 1 − β multiplies g) with
  lr = α runs the same recursion from step 2 on, but not on step 1: torch applies no
  dampening to the first buffer, b_1 = g_1, where CS229 has v_1 = (1 − β) g_1;
  the first step is 1/(1 − β) times larger (10× for β = 0.9), and the buffer
  keeps the surplus b_t − v_t = β^t g_1, decaying geometrically.
* Nesterov here is the "look-ahead on the gradient" form of Bengio et al.,
  ``g + μ b``, not an evaluation of ∇J at θ + μ v.

State per parameter: ``"momentum_buffer"`` (b), only when μ ≠ 0 — as torch,
SGD without momentum keeps no state at all.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_nonneg, check_number
from .optimizer import Optimizer


def sgd_update(param: np.ndarray, grad: np.ndarray, momentum_buffer: np.ndarray | None, *,
               lr: float, momentum: float, dampening: float, weight_decay: float,
               nesterov: bool, maximize: bool) -> np.ndarray | None:
    """One SGD step for one parameter, in place on ``param`` (and the buffer).

    Returns the momentum buffer (a new array on the first step, ``None``
    without momentum). ``grad`` is not modified.
    """
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = np.array(g, copy=True)  # b_1 = g_1: no dampening
        else:
            momentum_buffer *= momentum
            momentum_buffer += (1 - dampening) * g
        g = g + momentum * momentum_buffer if nesterov else momentum_buffer
    param -= lr * g
    return momentum_buffer


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (see the module docstring).

    Parameters (torch's names and defaults)
    ----------
    params : iterable of Parameters or of dicts (parameter groups)
    lr : float, default 1e-3 (γ)
    momentum : float, default 0 (μ)
    dampening : float, default 0 (τ)
    weight_decay : float, default 0 (λ, an L2 penalty added to the gradient)
    nesterov : bool, default False
    maximize : bool, default False (keyword-only: ascend instead of descend)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "learning rate", "lr")
        check_nonneg(group["momentum"], "momentum value", "momentum")
        check_nonneg(group["weight_decay"], "weight_decay value", "weight_decay")
        check_number(group["dampening"], "dampening value", "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, grad, state, group) -> None:
        buf = sgd_update(param.data, grad, state.get("momentum_buffer"), lr=group["lr"],
                         momentum=group["momentum"], dampening=group["dampening"],
                         weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                         maximize=group["maximize"])
        if group["momentum"] != 0:
            state["momentum_buffer"] = buf
