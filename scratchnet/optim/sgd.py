r"""Stochastic gradient descent, with momentum and Nesterov momentum (mirrors
``torch/optim/sgd.py``).

The algorithm, as torch's docstring gives it, with the argument names as
symbols (γ = ``lr``, μ = ``momentum``, τ = ``dampening``, λ =
``weight_decay``), for a parameter θ with gradient ∇J(θ_{t−1}) at step
t = 1, 2, ...::

    g_t = −∇J(θ_{t−1}) if maximize else ∇J(θ_{t−1})
    if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}                 (L2 penalty (λ/2)‖θ‖² added to J)
    if μ ≠ 0:
        b_t = g_t                      if t = 1      (no dampening on the first step!)
        b_t = μ b_{t−1} + (1 − τ) g_t  if t > 1
        g_t ← g_t + μ b_t              if nesterov
        g_t ← b_t                      otherwise
    θ_t = θ_{t−1} − γ g_t

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
  ``v_t = β v_{t−1} + (1 − β) g_t;  θ ← θ − α v_t`` keeps α outside the
  buffer, as torch does. Since torch's buffer starts at b_1 = g_1 and then
  follows b_t = β b_{t−1} + g_t (τ = 0), ``v_t = (1 − β) b_t`` for *every* t,
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

The file is laid out as torch's: the class, the functional :func:`sgd` that
picks the path, the readable :func:`_single_tensor_sgd` (the box above, line
for line) and the fast :func:`_multi_tensor_sgd` (``foreach=True``), which
does the same operations on flat buffers and so gets the same numbers, bit for bit.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_real
from . import _flat
from .optimizer import Optimizer, check_foreach, check_nonneg, in_pieces


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
    foreach : bool or None, default None (keyword-only): the fast path (True),
        the readable one (False), or the fast one wherever it runs (None, torch's rule)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "lr", "learning rate")
        check_nonneg(group["momentum"], "momentum", "momentum value")
        check_nonneg(group["weight_decay"], "weight_decay", "weight_decay value")
        check_real(group["dampening"], "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_foreach(group["foreach"])

    def step(self, closure=None):
        """One SGD step of every parameter that has a gradient."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            params, grads = self._params_with_grad(group)
            if not params:
                continue
            momentum_buffer_list = ([self.state[p].get("momentum_buffer") for p in params]
                                    if group["momentum"] != 0 else [])
            sgd([p.data for p in params], grads, momentum_buffer_list,
                foreach=group["foreach"], workspace=self._workspace(group), weight_decay=group["weight_decay"],
                momentum=group["momentum"], lr=group["lr"], dampening=group["dampening"],
                nesterov=group["nesterov"], maximize=group["maximize"])
            for p, buf in zip(params, momentum_buffer_list):  # the buffers made on a first step
                self.state[p]["momentum_buffer"] = buf
        return loss


def sgd(params, grads, momentum_buffer_list, foreach: bool | None = None,
        workspace: _flat.Workspace | None = None, *, weight_decay: float, momentum: float, lr: float,
        dampening: float, nesterov: bool, maximize: bool) -> None:
    """Functional SGD (``torch.optim.sgd.sgd``): one step for lists of arrays, in
    place; a ``None`` in ``momentum_buffer_list`` (a first step) is replaced by the
    new buffer. ``foreach`` as in :func:`scratchnet.optim.adam.adam`."""
    if foreach is False:  # big parameters in 64 KB pieces: the same numbers, see optimizer.in_pieces
        params, grads, momentum_buffer_list = in_pieces(params, grads, momentum_buffer_list)
    elif momentum != 0 or weight_decay != 0 or maximize:
        _multi_tensor_sgd(params, grads, momentum_buffer_list, workspace=workspace, weight_decay=weight_decay,
                          momentum=momentum, lr=lr, dampening=dampening, nesterov=nesterov, maximize=maximize)
        return
    # (Plain θ ← θ − γ g is two NumPy calls per parameter however it is written — a flat
    # copy of the gradients, then the update piece by piece, would cost as many — so its
    # fast path is the readable loop itself.)
    _single_tensor_sgd(params, grads, momentum_buffer_list, weight_decay=weight_decay, momentum=momentum, lr=lr,
                       dampening=dampening, nesterov=nesterov, maximize=maximize)


def _single_tensor_sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
                       nesterov, maximize) -> None:
    """The readable path: the algorithm of the module docstring, for one parameter θ at a time."""
    for i, theta in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        if weight_decay != 0:
            g = g + weight_decay * theta                      # g_t ← g_t + λ θ_{t−1}
        if momentum != 0:
            b = momentum_buffer_list[i]
            if b is None:
                b = momentum_buffer_list[i] = np.array(g)     # b_1 = g_1 (a copy)
            else:
                b[...] = momentum * b + (1 - dampening) * g   # b_t = μ b_{t−1} + (1 − τ) g_t
            g = g + momentum * b if nesterov else b           # g_t ← g_t + μ b_t, or b_t
        theta -= lr * g                                       # θ_t = θ_{t−1} − γ g_t


def _multi_tensor_sgd(params, grads, momentum_buffer_list, *, weight_decay, momentum, lr, dampening,
                      nesterov, maximize, workspace: _flat.Workspace | None = None) -> None:
    """The fast path: the readable path's operations, one NumPy call each over
    all parameters of a dtype, in place on flat buffers (``_flat.py``) — the
    same numbers, bit for bit."""
    first_step = momentum != 0 and any(b is None for b in momentum_buffer_list)
    if first_step:
        if not all(b is None for b in momentum_buffer_list):
            # Some parameters take their first step while others do not (a gradient
            # that came later): the readable path, for once, rather than a third formula.
            _single_tensor_sgd(params, grads, momentum_buffer_list, weight_decay=weight_decay,
                               momentum=momentum, lr=lr, dampening=dampening, nesterov=nesterov,
                               maximize=maximize)
            return
        momentum_buffer_list[:] = _flat.zeros_like_all(params)   # b_1 = g_1, set below
    workspace = workspace if workspace is not None else _flat.Workspace()
    for group in workspace.groups(params, momentum_buffer_list):
        (b,), work = group.states, group.work
        g = group.load(grads)
        if maximize:
            np.negative(g, out=g)
        if weight_decay != 0:
            _flat.gather(group.thetas, work)
            work *= weight_decay
            g += work                                             # g + λθ
        if momentum != 0:
            if first_step:
                b[...] = g                                        # b_1 = g_1
            else:
                b *= momentum                                     # b = μ b + (1 − τ) g
                np.multiply(g, 1 - dampening, out=work)
                b += work
            if nesterov:
                np.multiply(b, momentum, out=work)                # g + μ b
                g += work
            else:
                g = b
        np.multiply(g, lr, out=work)                              # γ g
        group.update()                                            # θ ← θ − work
        group.store()
