"""Known variants of torch's computation: the torch side re-run the way a
classic bug computes it.

When a check fails, the reference is re-run once per variant that applies
to it (a ReLU variant only where the reference has an ``nn.ReLU``, ...). A
variant that reproduces *every* tensor you returned, within the same bound,
explains them, and its description becomes the diagnosis. Only single
variants are tried: with two bugs at once, the generic diagnoses
(:mod:`torch_ref.check.diagnose`) speak instead.

Each variant is written in torch (autograd computes its gradients, except
where the variant *is* a different derivative: then ``_Derivative`` states
it, dZ = dA ⊙ d(Z, A)), and ``tests/test_check_variants.py``
checks that each one differs from torch on the check's inputs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


# ------------------------------------------------------------------ derivatives
class _Derivative(torch.autograd.Function):
    """A = f(Z) forward, dZ = dA ⊙ d(Z, A) backward: an activation with the
    derivative ``d`` a classic bug takes instead of f's own."""

    @staticmethod
    def forward(ctx, z, f, d):
        a = f(z)
        ctx.save_for_backward(z, a)
        ctx.d = d
        return a

    @staticmethod
    def backward(ctx, g):
        z, a = ctx.saved_tensors
        return g * ctx.d(z, a), None, None


class _WithDerivative(nn.Module):
    """torch's own activation module ``f`` (its forward unchanged) with the derivative d(Z, A)."""

    def __init__(self, f: nn.Module, d):
        super().__init__()
        self.f, self.d = f, d

    def forward(self, z):
        return _Derivative.apply(z, self.f, self.d)


def _derivative(d):
    """A ``make`` for :func:`_replace`: the module kept, its derivative replaced by d(z, a)."""
    return lambda module: _WithDerivative(module, d)


def _sigmoid_prime(x):
    s = torch.sigmoid(x)
    return s * (1 - s)


# ------------------------------------------------------------------ batch norm
def batchnorm_variant_forward(bn: nn.BatchNorm1d, x: torch.Tensor, change: str) -> torch.Tensor:
    """``nn.BatchNorm1d``'s training-mode arithmetic written out in torch, with
    one thing changed (eval mode is torch's own formula):

    * ``running_var_biased``: the running variance tracks the biased σ²;
    * ``momentum_reversed``: r ← f·r + (1 − f)·batch (momentum weighting the old value);
    * ``normalise_unbiased``: the batch normalised with the unbiased variance;
    * ``constant_stats``: μ and σ² held constant in backward (no gradient through them).
    """
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    if not bn.training and bn.track_running_stats:
        return nn.BatchNorm1d.forward(bn, x)
    n = x.numel() // x.shape[1]
    mean = x.mean(dim=dims)
    var = x.var(dim=dims, unbiased=False)
    if bn.training and bn.track_running_stats:
        with torch.no_grad():
            bn.num_batches_tracked += 1
            f = 1.0 / float(bn.num_batches_tracked) if bn.momentum is None else bn.momentum
            track = var if change == "running_var_biased" else var * n / (n - 1)
            old, new = (f, 1 - f) if change == "momentum_reversed" else (1 - f, f)
            bn.running_mean.mul_(old).add_(new * mean)
            bn.running_var.mul_(old).add_(new * track)
    if change == "normalise_unbiased":
        var = var * n / (n - 1)
    if change == "constant_stats":
        mean, var = mean.detach(), var.detach()
    out = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + bn.eps)
    if bn.weight is not None:
        out = out * bn.weight.reshape(shape)
    if bn.bias is not None:
        out = out + bn.bias.reshape(shape)
    return out


# ------------------------------------------------------------------ dropout
class MaskedDropout(nn.Module):
    """``nn.Dropout`` with *your* mask M (recovered from your output): torch's
    formula x ⊙ M / (1 − p), so that both sides drop the same units.

    ``change``: None (torch's), ``"unscaled"`` (x ⊙ M, no 1/(1 − p)) or
    ``"backward_unmasked"`` (forward x ⊙ M/(1 − p), backward dX = dY).
    """

    def __init__(self, p: float, keep: torch.Tensor, change: str | None = None):
        super().__init__()
        self.p, self.keep, self.change = p, keep, change

    def forward(self, x):
        mask = self.keep.to(x.dtype)
        if self.change == "unscaled":
            return x * mask
        scaled = x * mask / (1 - self.p)
        if self.change == "backward_unmasked":
            return x + (scaled - x).detach()  # value x·M/(1 − p), gradient dY
        return scaled


# ------------------------------------------------------------------ the catalogue
@dataclass
class Variant:
    """One known variant.

    name:    a short id
    says:    the diagnosis it gives, when it reproduces your tensors
    applies: whether it can change this reference at all
    module:  the reference rebuilt the variant's way (None: unchanged)
    loss:    the loss rebuilt the variant's way (None: unchanged)
    """

    name: str
    says: str
    applies: Callable[[nn.Module | None, nn.Module | None], bool]
    module: Callable[[nn.Module], nn.Module] | None = None
    loss: Callable[[nn.Module], Callable] | None = None


def _has(kind):
    def applies(module, loss):
        return module is not None and any(isinstance(m, kind) for m in _modules(module))
    return applies


def _loss_is(*kinds):
    def applies(module, loss):
        return loss is not None and isinstance(loss, kinds)
    return applies


def _modules(module):
    return module.modules() if isinstance(module, nn.Module) else []


def _replace(kind, make):
    """A deep copy of the reference with every ``kind`` submodule replaced by ``make(old)``
    (parameter names are kept: ``make`` returns a parameter-free module, or the old one
    with its forward overridden)."""
    def transform(module):
        new = copy.deepcopy(module)
        if isinstance(new, kind):
            return make(new)
        for child in list(new.modules()):
            for cname, sub in list(child.named_children()):
                if isinstance(sub, kind):
                    setattr(child, cname, make(sub))
        return new
    return transform


def _append(make):
    """The reference followed by ``make()`` (a forward hook, so parameter names are kept)."""
    def transform(module):
        new = copy.deepcopy(module)
        extra = make()
        new.register_forward_hook(lambda mod, inputs, out: extra(out))
        return new
    return transform


def _with_reduction(reduction):
    def make(loss):
        new = copy.copy(loss)
        new.reduction = reduction
        return new
    return make


def _scaled(factor):
    def make(loss):
        return lambda out, target: factor * loss(out, target)
    return make


def _mean_over_examples(loss):
    def fn(out, target):
        new = copy.copy(loss)
        new.reduction = "sum"
        return new(out, target) / out.shape[0]
    return fn


def _softmax_inside(loss):
    return lambda out, target: loss(torch.softmax(out, dim=1), target)


def _sigmoid_inside(loss):
    return lambda out, target: loss(torch.sigmoid(out), target)


def _bn(change):
    def make(bn):
        bn.forward = lambda x: batchnorm_variant_forward(bn, x, change)
        return bn
    return _replace(nn.BatchNorm1d, make)


NETWORK_VARIANTS: list[Variant] = [
    Variant("loss_sum", "torch's loss with reduction='sum' reproduces yours: the 1/m of the mean is missing",
            _loss_is(nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss, nn.NLLLoss),
            loss=_with_reduction("sum")),
    Variant("mse_half", "torch's MSELoss/2 reproduces yours: the 2 of d(ŷ − y)²/dŷ = 2(ŷ − y) is missing "
                        "(your gradient is that of ½·MSE)",
            _loss_is(nn.MSELoss), loss=_scaled(0.5)),
    Variant("mse_over_examples", "torch's MSELoss summed and divided by m (not m·n) reproduces yours: torch "
                                 "averages over all m·n entries, yours over the m examples only",
            _loss_is(nn.MSELoss), loss=_mean_over_examples),
    Variant("softmax_before_ce", "a softmax applied to the output before CrossEntropyLoss reproduces yours: "
                                 "your network outputs probabilities, and CrossEntropyLoss applies softmax "
                                 "again (it takes logits) — drop the final softmax",
            _loss_is(nn.CrossEntropyLoss), module=_append(lambda: nn.Softmax(dim=1))),
    Variant("softmax_twice_in_loss", "CrossEntropyLoss of softmax(output) reproduces yours: your loss applies "
                                     "softmax to what is already a softmax (CrossEntropyLoss takes logits)",
            _loss_is(nn.CrossEntropyLoss), loss=_softmax_inside),
    Variant("sigmoid_before_bce_logits", "a sigmoid applied before BCEWithLogitsLoss reproduces yours: "
                                         "BCEWithLogitsLoss takes logits and applies the sigmoid itself",
            _loss_is(nn.BCEWithLogitsLoss), module=_append(nn.Sigmoid)),
    Variant("relu_kink", "torch with ReLU'(0) = 1 reproduces yours: your ReLU derivative is 1 at z = 0 "
                         "(z >= 0); torch's is 0 there (z > 0)",
            _has(nn.ReLU), module=_replace(nn.ReLU, _derivative(lambda z, a: (z >= 0).to(z.dtype)))),
    Variant("sigmoid_no_one_minus", "torch with σ'(z) = σ(z) reproduces yours: the sigmoid derivative is "
                                    "missing its (1 − σ(z)) — σ' = σ(z)(1 − σ(z)) = A(1 − A)",
            _has(nn.Sigmoid), module=_replace(nn.Sigmoid, _derivative(lambda z, a: a))),
    Variant("sigmoid_at_activation", "torch with σ' evaluated at A = σ(Z) reproduces yours: the sigmoid "
                                     "derivative is applied to the activation instead of to Z (σ'(Z) = A(1 − A); "
                                     "a sigmoid_derivative(z) given A)",
            _has(nn.Sigmoid), module=_replace(nn.Sigmoid, _derivative(lambda z, a: _sigmoid_prime(a)))),
    Variant("tanh_of_z", "torch with tanh'(z) = 1 − z² reproduces yours: the derivative must be "
                         "1 − tanh(z)² = 1 − A², from the activation, not from Z",
            _has(nn.Tanh), module=_replace(nn.Tanh, _derivative(lambda z, a: 1 - z * z))),
    Variant("softmax_diagonal", "torch with a diagonal softmax Jacobian reproduces yours: dZ = dA ⊙ s(1 − s) "
                                "drops the −s_i s_j terms; softmax's backward is s ⊙ (dA − Σ_j dA_j s_j)",
            _has(nn.Softmax), module=_replace(nn.Softmax, _derivative(lambda z, s: s * (1 - s)))),
    Variant("bn_running_var_biased", "torch's BatchNorm tracking the biased batch variance reproduces yours: "
                                     "torch normalises with the biased σ² but stores the unbiased "
                                     "σ²·m/(m − 1) in running_var",
            _has(nn.BatchNorm1d), module=_bn("running_var_biased")),
    Variant("bn_momentum_reversed", "torch's BatchNorm with the momentum reversed reproduces yours: torch's "
                                    "momentum weights the new batch, r ← (1 − momentum)·r + momentum·x̄ "
                                    "(Keras' momentum is the other way round)",
            _has(nn.BatchNorm1d), module=_bn("momentum_reversed")),
    Variant("bn_normalise_unbiased", "torch's BatchNorm normalising with the unbiased variance reproduces "
                                     "yours: the batch is normalised with the biased σ² (divide by m); only "
                                     "running_var stores the unbiased one",
            _has(nn.BatchNorm1d), module=_bn("normalise_unbiased")),
    Variant("bn_constant_stats", "torch's BatchNorm with μ and σ² held constant in backward reproduces yours: "
                                 "in training mode every Z_i moves μ and σ², so dZ = (1/m)/σ·(m dẐ − Σ dẐ − "
                                 "Ẑ Σ dẐ Ẑ), not dẐ/σ",
            _has(nn.BatchNorm1d), module=_bn("constant_stats")),
]

DROPOUT_VARIANTS = [
    ("unscaled", "torch's dropout without the 1/(1 − p) reproduces yours: inverted dropout scales the kept "
                 "units by 1/(1 − p) in training (so eval needs no rescaling)"),
    ("backward_unmasked", "torch's dropout with an unmasked backward reproduces yours: backward must apply "
                          "the same mask and scale as forward, dX = dY ⊙ M/(1 − p)"),
]
