r"""Adagrad (mirrors ``torch.optim.Adagrad``).

The algorithm, with the argument names as symbols (γ = ``lr``, η =
``lr_decay``, λ = ``weight_decay``, ε = ``eps``, s_0 =
``initial_accumulator_value``), for a parameter θ with gradient g_t::

    if maximize:  g_t ← −g_t
    if λ ≠ 0:     g_t ← g_t + λ θ_{t-1}
    γ̃_t = γ / (1 + (t − 1) η)                         (a decaying learning rate)
    s_t = s_{t-1} + g_t²                               (``sum``)
    θ_t = θ_{t-1} − γ̃_t g_t / (√s_t + ε)

Where it differs from the textbook (Duchi et al.; Goodfellow et al.
Algorithm 8.4): ε is added outside the square root, and the optional
``lr_decay`` schedule is torch's own addition.

State per parameter: ``"step"`` and ``"sum"`` — created in the constructor
(as torch does, so that ``initial_accumulator_value`` is visible in the state
at once), not on the first step.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_nonneg
from .optimizer import Optimizer, _step_count


def adagrad_update(param: np.ndarray, grad: np.ndarray, state_sum: np.ndarray, step: int, *,
                   lr: float, lr_decay: float, weight_decay: float, eps: float,
                   maximize: bool) -> None:
    """One Adagrad step for one parameter, in place on ``param`` and ``state_sum``."""
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    clr = lr / (1 + (step - 1) * lr_decay)
    state_sum += g * g
    std = np.sqrt(state_sum) + eps
    param -= clr * (g / std)


class Adagrad(Optimizer):
    """Adagrad (see the module docstring for the algorithm).

    Parameters (torch's names and defaults)
    ----------
    params : iterable of Parameters or of dicts (parameter groups)
    lr : float, default 1e-2 (γ)
    lr_decay : float, default 0 (η)
    weight_decay : float, default 0 (λ)
    initial_accumulator_value : float, default 0 (s_0)
    eps : float, default 1e-10 (ε)
    maximize : bool, default False (keyword-only)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "maximize": maximize}
        self._validate_group(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "learning rate", "lr")
        check_nonneg(group["lr_decay"], "lr_decay value", "lr_decay")
        check_nonneg(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonneg(group["initial_accumulator_value"], "initial_accumulator_value value",
                     "initial_accumulator_value")
        check_nonneg(group["eps"], "epsilon value", "eps")

    @staticmethod
    def _init_state(state: dict, param, group: dict) -> None:
        if "sum" not in state:
            _step_count(state)
            state["sum"] = np.full_like(param.data, group["initial_accumulator_value"])

    def _update(self, param, grad, state, group) -> None:
        self._init_state(state, param, group)  # parameters added later by add_param_group
        state["step"] += 1
        adagrad_update(param.data, grad, state["sum"], float(state["step"]), lr=group["lr"],
                       lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                       eps=group["eps"], maximize=group["maximize"])
