r"""Adagrad (mirrors ``torch/optim/adagrad.py``).

The algorithm, as torch's docstring gives it, with the argument names as
symbols (γ = ``lr``, η = ``lr_decay``, λ = ``weight_decay``, ε = ``eps``,
s_0 = ``initial_accumulator_value``), for a parameter θ with gradient
∇J(θ_{t−1}) at step t = 1, 2, ...::

    g_t = −∇J(θ_{t−1}) if maximize else ∇J(θ_{t−1})
    if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
    γ̃_t = γ / (1 + (t − 1) η)                        (a decaying learning rate)
    s_t = s_{t−1} + g_t²                              (``sum``)
    θ_t = θ_{t−1} − γ̃_t g_t / (√s_t + ε)

Where it differs from the textbook (Duchi et al.; Goodfellow et al.
Algorithm 8.4): ε is added outside the square root, and the optional
``lr_decay`` schedule is torch's own addition.

State per parameter: ``"step"`` and ``"sum"`` — created when the parameter
joins the optimizer (the constructor, ``add_param_group``), as torch's
constructor does, so that ``initial_accumulator_value`` is visible in the
state at once; not on the first step. (torch makes the state of a parameter
added by ``add_param_group`` on its first step instead, so its state dict can
lack it; ``load_state_dict`` then creates the missing state.)

The file is laid out as torch's: the class, the functional :func:`adagrad`
that picks the path, the readable :func:`_single_tensor_adagrad` (the box
above, line for line) and the fast :func:`_multi_tensor_adagrad`
(``foreach=True``), which does the same operations on flat buffers and so
gets the same numbers, bit for bit.
"""

from __future__ import annotations

import numpy as np

from . import _flat
from .optimizer import Optimizer, check_foreach, check_nonneg, in_pieces


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
    foreach : bool or None, default None: the fast path (True), the readable one
        (False), or the fast one wherever it runs (None, torch's rule)
    maximize : bool, default False (keyword-only)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False):
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize}
        self._validate_group(defaults)
        super().__init__(params, defaults)  # every group goes through add_param_group

    def add_param_group(self, param_group: dict) -> None:
        """Add a group (as :meth:`Optimizer.add_param_group`) and create its state:
        t = 0 and s_0 = the *constructor's* ``initial_accumulator_value``.

        As torch's: it fills every state, in ``__init__`` and for a parameter added
        later, from ``defaults["initial_accumulator_value"]``, so a group's own
        ``initial_accumulator_value`` is kept in the group but never used."""
        super().add_param_group(param_group)
        self._init_state(self.param_groups[-1])

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a state (as :meth:`Optimizer.load_state_dict`); a parameter it has no
        state for (torch's, before that parameter's first step) gets a fresh one, s_0
        from this optimizer's constructor, as torch's would make it on that first step."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            self._init_state(group)

    def _init_state(self, group: dict) -> None:
        self._new_state(group["params"], "sum", fill=self.defaults["initial_accumulator_value"])  # torch's rule

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "lr", "learning rate")
        check_nonneg(group["lr_decay"], "lr_decay", "lr_decay value")
        check_nonneg(group["weight_decay"], "weight_decay", "weight_decay value")
        check_nonneg(group["initial_accumulator_value"], "initial_accumulator_value", "initial_accumulator_value value")
        check_nonneg(group["eps"], "eps", "epsilon value")
        check_foreach(group["foreach"])

    def step(self, closure=None):
        """One Adagrad step of every parameter that has a gradient."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            params, grads = self._params_with_grad(group)
            if not params:
                continue
            states = [self.state[p] for p in params]
            steps = self._count_step(states)
            adagrad([p.data for p in params], grads, [s["sum"] for s in states],
                    steps, foreach=group["foreach"], workspace=self._workspace(group),
                    lr=group["lr"], lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                    eps=group["eps"], maximize=group["maximize"])
        return loss


def adagrad(params, grads, state_sums, state_steps, foreach: bool | None = None,
            workspace: _flat.Workspace | None = None, *, lr: float, lr_decay: float, weight_decay: float,
            eps: float, maximize: bool) -> None:
    """Functional Adagrad (``torch.optim.adagrad.adagrad``): one step for lists of
    arrays, in place. ``state_steps`` hold t, already counted for this step;
    ``foreach`` as in :func:`scratchnet.optim.adam.adam`."""
    options = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps, maximize=maximize)
    if foreach is None or foreach:
        _multi_tensor_adagrad(params, grads, state_sums, state_steps, workspace=workspace, **options)
    else:  # big parameters in 64 KB pieces: the same numbers, see optimizer.in_pieces
        _single_tensor_adagrad(*in_pieces(params, grads, state_sums, state_steps), **options)


def _single_tensor_adagrad(params, grads, state_sums, state_steps, *, lr, lr_decay, weight_decay, eps,
                           maximize) -> None:
    """The readable path: the algorithm of the module docstring, for one parameter θ at a time."""
    for i, theta in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        s, t = state_sums[i], float(state_steps[i])
        if weight_decay != 0:
            g = g + weight_decay * theta                      # g_t ← g_t + λ θ_{t−1}
        clr = lr / (1 + (t - 1) * lr_decay)                   # γ̃_t = γ / (1 + (t − 1) η)
        s += g * g                                            # s_t = s_{t−1} + g_t²
        theta -= clr * (g / (np.sqrt(s) + eps))               # θ_t = θ_{t−1} − γ̃_t g_t / (√s_t + ε)


def _multi_tensor_adagrad(params, grads, state_sums, state_steps, *, lr, lr_decay, weight_decay, eps,
                          maximize, workspace: _flat.Workspace | None = None) -> None:
    """The fast path: the readable path's operations, one NumPy call each over
    all parameters of a dtype, in place on flat buffers (``_flat.py``) — the
    same numbers, bit for bit."""
    workspace = workspace if workspace is not None else _flat.Workspace()
    for group in workspace.groups(params, state_sums):
        (s,), work, d = group.states, group.work, group.scratch()
        g = group.load(grads)
        if maximize:
            np.negative(g, out=g)
        if weight_decay != 0:
            _flat.gather(group.thetas, work)
            work *= weight_decay
            g += work                                             # g + λθ
        clr = _flat.per_entry([lr / (1 + (float(state_steps[i]) - 1) * lr_decay) for i in group.indices],
                              group.thetas, work.dtype)
        np.multiply(g, g, out=work)                               # s += g²
        s += work
        np.sqrt(s, out=d)                                         # g / (√s + ε)
        d += eps
        np.divide(g, d, out=work)
        work *= clr                                               # γ̃ · (g / (√s + ε))
        group.update()                                            # θ ← θ − work
        group.store()
