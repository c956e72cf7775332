r"""RMSprop (mirrors ``torch/optim/rmsprop.py``).

The algorithm, as torch's docstring gives it, with the argument names as
symbols (γ = ``lr``, α = ``alpha``, ε = ``eps``, λ = ``weight_decay``, μ =
``momentum``), for a parameter θ with gradient ∇J(θ_{t−1}), v_0 = 0, ḡ_0 = 0,
b_0 = 0::

    g_t = −∇J(θ_{t−1}) if maximize else ∇J(θ_{t−1})
    if λ ≠ 0:  g_t ← g_t + λ θ_{t−1}
    v_t = α v_{t−1} + (1 − α) g_t²                   (``square_avg``)
    if centered:
        ḡ_t = ḡ_{t−1} + (1 − α)(g_t − ḡ_{t−1})          (``grad_avg``: α ḡ_{t−1} + (1 − α) g_t, as torch's lerp)
        d_t = √(v_t − ḡ_t²) + ε                        (an estimate of the standard deviation)
    else:
        d_t = √v_t + ε
    if μ > 0:
        b_t = μ b_{t−1} + g_t / d_t                    (``momentum_buffer``)
        θ_t = θ_{t−1} − γ b_t
    else:
        θ_t = θ_{t−1} − γ g_t / d_t

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

The file is laid out as torch's: the class, the functional :func:`rmsprop`
that picks the path, the readable :func:`_single_tensor_rmsprop` (the box
above, line for line) and the fast :func:`_multi_tensor_rmsprop`
(``foreach=True``), which does the same operations on flat buffers and so
gets the same numbers, bit for bit.
"""

from __future__ import annotations

import numpy as np

from . import _flat
from .optimizer import Optimizer, check_foreach, check_nonneg, in_pieces


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
    foreach : bool or None, default None (keyword-only; torch has its CUDA-graph option
        ``capturable`` before it): the fast path (True), the readable one (False), or
        the fast one wherever it runs (None, torch's rule)
    maximize : bool, default False (keyword-only)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False):
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize}
        self._validate_group(defaults)
        super().__init__(params, defaults)

    def _validate_group(self, group: dict) -> None:
        check_nonneg(group["lr"], "lr", "learning rate")
        check_nonneg(group["eps"], "eps", "epsilon value")
        check_nonneg(group["momentum"], "momentum", "momentum value")
        check_nonneg(group["weight_decay"], "weight_decay", "weight_decay value")
        check_nonneg(group["alpha"], "alpha", "alpha value")
        check_foreach(group["foreach"])

    def step(self, closure=None):
        """One RMSprop step of every parameter that has a gradient."""
        loss = None if closure is None else closure()
        for group in self.param_groups:
            params, grads = self._params_with_grad(group)
            if not params:
                continue
            momentum, centered = group["momentum"] > 0, group["centered"]
            self._new_state(params, "square_avg", *(["momentum_buffer"] if momentum else []),
                            *(["grad_avg"] if centered else []))
            states = [self.state[p] for p in params]
            self._count_step(states)
            rmsprop([p.data for p in params], grads, [s["square_avg"] for s in states],
                    [s["grad_avg"] for s in states] if centered else [],
                    [s["momentum_buffer"] for s in states] if momentum else [],
                    foreach=group["foreach"], workspace=self._workspace(group), lr=group["lr"], alpha=group["alpha"],
                    eps=group["eps"], weight_decay=group["weight_decay"], momentum=group["momentum"],
                    centered=centered, maximize=group["maximize"])
        return loss


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, foreach: bool | None = None,
            workspace: _flat.Workspace | None = None, *, lr: float, alpha: float, eps: float,
            weight_decay: float, momentum: float, centered: bool, maximize: bool) -> None:
    """Functional RMSprop (``torch.optim.rmsprop.rmsprop``): one step for lists of
    arrays, in place. ``foreach`` as in :func:`scratchnet.optim.adam.adam`."""
    options = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                   centered=centered, maximize=maximize)
    if foreach is None or foreach:
        _multi_tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list,
                              workspace=workspace, **options)
    else:  # big parameters in 64 KB pieces: the same numbers, see optimizer.in_pieces
        _single_tensor_rmsprop(*in_pieces(params, grads, square_avgs, grad_avgs, momentum_buffer_list),
                               **options)


def _single_tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, *, lr, alpha, eps,
                           weight_decay, momentum, centered, maximize) -> None:
    """The readable path: the algorithm of the module docstring, for one parameter θ at a time."""
    for i, theta in enumerate(params):
        g = -grads[i] if maximize else grads[i]
        v = square_avgs[i]
        if weight_decay != 0:
            g = g + weight_decay * theta                      # g_t ← g_t + λ θ_{t−1}
        v[...] = alpha * v + (1 - alpha) * g * g              # v_t = α v_{t−1} + (1 − α) g_t²
        if centered:
            g_avg = grad_avgs[i]
            g_avg += (1 - alpha) * (g - g_avg)                # ḡ_t = ḡ_{t−1} + (1 − α)(g_t − ḡ_{t−1})
            d = np.sqrt(v - g_avg * g_avg) + eps              # d_t = √(v_t − ḡ_t²) + ε
        else:
            d = np.sqrt(v) + eps                              # d_t = √v_t + ε
        if momentum > 0:
            b = momentum_buffer_list[i]
            b[...] = momentum * b + g / d                     # b_t = μ b_{t−1} + g_t / d_t
            theta -= lr * b                                   # θ_t = θ_{t−1} − γ b_t
        else:
            theta -= lr * (g / d)                             # θ_t = θ_{t−1} − γ g_t / d_t


def _multi_tensor_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffer_list, *, lr, alpha, eps,
                          weight_decay, momentum, centered, maximize,
                          workspace: _flat.Workspace | None = None) -> None:
    """The fast path: the readable path's operations, one NumPy call each over
    all parameters of a dtype, in place on flat buffers (``_flat.py``) — the
    same numbers, bit for bit."""
    workspace = workspace if workspace is not None else _flat.Workspace()
    for group in workspace.groups(params, square_avgs, grad_avgs, momentum_buffer_list):
        (v, g_avg, b), work, d = group.states, group.work, group.scratch()
        g = group.load(grads)
        if maximize:
            np.negative(g, out=g)
        if weight_decay != 0:
            _flat.gather(group.thetas, work)
            work *= weight_decay
            g += work                                             # g + λθ
        v *= alpha                                                # v = α v + (1 − α) g²
        np.multiply(g, 1 - alpha, out=work)
        work *= g
        v += work
        if centered:
            np.subtract(g, g_avg, out=work)                       # ḡ += (1 − α)(g − ḡ)
            work *= 1 - alpha
            g_avg += work
            np.multiply(g_avg, g_avg, out=work)                   # d = √(v − ḡ²) + ε
            np.subtract(v, work, out=d)
            np.sqrt(d, out=d)
        else:
            np.sqrt(v, out=d)                                     # d = √v + ε
        d += eps
        np.divide(g, d, out=work)                                 # g / d
        if momentum > 0:
            b *= momentum                                         # b = μ b + g / d
            b += work
            np.multiply(b, lr, out=work)                          # γ b
        else:
            work *= lr                                            # γ (g / d)
        group.update()                                            # θ ← θ − work
        group.store()
