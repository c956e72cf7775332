"""Loss functions (mirrors ``torch/nn/modules/loss.py``).

``loss_fn(prediction, target)`` returns the loss J — a NumPy scalar for
``reduction='mean'`` or ``'sum'`` (``loss.item()`` works, as in PyTorch), an
array for ``'none'`` — and keeps what the gradient needs.
``loss_fn.backward()`` then returns dJ/d(prediction), the array a model's
``backward`` starts from. For ``reduction='none'`` pass dJ/d(loss) explicitly,
as PyTorch requires for non-scalar outputs.

The per-example losses ℓ_i are reduced as J = Σ ℓ_i / m (``'mean'``), Σ ℓ_i
(``'sum'``) or left alone (``'none'``); the 1/m of the mean lives here, in the
loss's gradient, so no layer divides by the batch size again (CS229 §6.5
"cost J = (1/m) Σ L").

Each ``forward`` starts with one line that checks its input
(``scratchnet._validation``) and then is the math. Unlike PyTorch, which only
warns and then broadcasts when prediction and target shapes differ (a (4, 1)
prediction against a (4,) target silently becomes a (4, 4) loss), scratchnet
refuses with a ``ValueError``.

PyTorch's deprecated ``size_average`` and ``reduce`` keep their positions in
the signatures (so that ``NLLLoss(w, None, 2)`` sets ``ignore_index=2`` in
both libraries), but passing them is a ``TypeError`` naming the ``reduction``
to use instead.
"""

from __future__ import annotations

import numpy as np

from ..._validation import (as_float_option, broadcast_weight, check_bool, check_classification, check_int,
                            check_logits_and_targets, check_poisson, check_probabilities, check_real,
                            check_same_shape)
from .. import functional as F
from .module import Module, checked_backward

_REDUCTIONS = ("mean", "sum", "none")


def _refuse_legacy_reduction(name: str, size_average, reduce) -> None:
    """PyTorch's deprecated pair, refused with the ``reduction`` it stands for
    (``torch.nn._reduction.legacy_get_string``: None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    raise TypeError(f"{name}: size_average and reduce are deprecated in PyTorch and not supported by "
                    f"scratchnet; use reduction='{reduction}' instead")


class _Loss(Module):
    """Shared reduction logic.

    Each subclass's ``forward`` computes the per-element losses and
    ``self._local``, the derivative of the *unreduced* loss ℓ with respect to
    each prediction entry; ``backward`` then applies the reduction's factor
    (g/m for ``'mean'``, g for ``'sum'``, g_i per entry for ``'none'``).
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            _refuse_legacy_reduction(type(self).__name__, size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction!r} is not a valid value for reduction "
                             f"(expected one of {', '.join(repr(r) for r in _REDUCTIONS)})")
        self.reduction = reduction

    def _reduce(self, losses: np.ndarray, denominator=None):
        """J from the per-example losses; remembers the mean's denominator."""
        if self.reduction == "none":
            return losses
        total = losses.sum()
        if self.reduction == "sum":
            return total
        self._denominator = losses.size if denominator is None else denominator
        return losses.dtype.type(total / self._denominator)  # 0/0 = NaN, as in PyTorch

    def _expand(self, grad_output: np.ndarray) -> np.ndarray:
        """Broadcast a loss-shaped dJ/dℓ onto the prediction's shape."""
        return grad_output

    def backward(self, grad_output=None):
        """dJ/d(prediction). ``grad_output`` is dJ/d(loss): 1 by default for a
        scalar loss; required (shape of the loss) for ``reduction='none'``."""
        with checked_backward(self, grad_output) as dJ:
            local = self._local
            if self.reduction == "none":
                return local * self._expand(dJ)
            g = local.dtype.type(1) if dJ is None else dJ
            if self.reduction == "mean":
                if self._denominator == 0:  # every target ignored: J is NaN, nothing to learn
                    return np.zeros_like(local)
                g = g / local.dtype.type(self._denominator)
            return local * g


# ============================================================================ MSE


class MSELoss(_Loss):
    """ℓ_i = (ŷ_i − y_i)²; J = mean (default), sum or none.

    dJ/dŷ = 2(ŷ − y)/m for the mean — the ICDSS slides' d(MSE)/dŷ =
    −(2/m) Σ (y_i − ŷ_i), per example. (Some texts use ½(ŷ − y)² to drop the
    2; PyTorch and the lectures do not.)
    """

    def forward(self, input, target):
        y_hat, y = check_same_shape(self, input, target)
        diff = y_hat - y
        self._local = 2 * diff
        return self._reduce(diff * diff)


# ============================================================================ BCE


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities p ∈ [0, 1]:

        ℓ_i = −w_i [ y_i log p_i + (1 − y_i) log(1 − p_i) ]

    Mirrors two PyTorch choices a textbook would not make, so values and
    gradients match PyTorch's even at p exactly 0 or 1:

    * each log is clamped below at −100, so ℓ ≤ 100 instead of ∞;
    * the gradient is dℓ/dp = w (p − y) / max(p(1 − p), ε) with ε = float32(1e-12)
      — the textbook (p − y)/(p(1 − p)) with the denominator kept away from 0.

    Predictions outside [0, 1] (or NaN) raise ``ValueError`` (PyTorch raises a
    RuntimeError); targets must lie in [0, 1] too. For logits use
    :class:`BCEWithLogitsLoss`, which is stabler.
    """

    # PyTorch's EPSILON in binary_cross_entropy_backward is a C ``float``
    # 1e-12, i.e. 9.99999996e-13 even in float64; at p exactly 0 or 1 the
    # gradient is w(p − y)/EPSILON, so the exact constant is visible.
    _EPSILON = float(np.float32(1e-12))

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.weight = as_float_option(weight, "BCELoss: weight")

    def forward(self, input, target):
        p, y = check_probabilities(self, input, target)
        log_p = np.maximum(np.log(p), -100)
        log_1mp = np.maximum(np.log1p(-p), -100)
        losses = -(y * log_p + (1 - y) * log_1mp)
        local = (p - y) / np.maximum((1 - p) * p, p.dtype.type(self._EPSILON))
        w = broadcast_weight("BCELoss", self.weight, p)
        if w is not None:
            losses, local = losses * w, local * w
        self._local = local
        return self._reduce(losses)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid and binary cross-entropy in one, on logits z (PyTorch's formula):

        ℓ_i = w_i [ (1 − y_i) z_i − (1 + (pos_weight − 1) y_i) log σ(z_i) ]

    with log σ(z) = min(z, 0) − log(1 + e^(−|z|)), finite for any z.
    Gradient: dℓ/dz = w [ (1 + (pos_weight − 1) y) σ(z) − pos_weight·y ],
    which is the familiar σ(z) − y when pos_weight = 1 (Chapter 15:
    "dz2 = a2 − y, gradient of BCE + sigmoid combined").
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.weight = as_float_option(weight, "BCEWithLogitsLoss: weight")
        self.pos_weight = as_float_option(pos_weight, "BCEWithLogitsLoss: pos_weight")

    def forward(self, input, target):
        z, y = check_logits_and_targets(self, input, target)
        log_sigmoid = np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
        if self.pos_weight is None:
            losses = (1 - y) * z - log_sigmoid
            local = F.sigmoid(z) - y
        else:
            pw = broadcast_weight("BCEWithLogitsLoss (pos_weight)", self.pos_weight, z)
            log_weight = (pw - 1) * y + 1
            losses = (1 - y) * z - log_weight * log_sigmoid
            local = log_weight * F.sigmoid(z) - pw * y
        w = broadcast_weight("BCEWithLogitsLoss", self.weight, z)
        if w is not None:
            losses, local = losses * w, local * w
        self._local = local
        return self._reduce(losses)


# ======================================================================== Poisson


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of counts y ~ Poisson(λ), for regression on
    counts or rates (a network's output z read as the log-rate, λ = e^z):

        log_input=True (default):  ℓ_i = e^(z_i) − y_i z_i               dℓ_i/dz_i = e^(z_i) − y_i
        log_input=False:           ℓ_i = λ_i − y_i log(λ_i + ε)          dℓ_i/dλ_i = 1 − y_i / (λ_i + ε)

    — −log P(y | λ) = λ − y log λ + log(y!) without its log(y!), a constant of
    the data (it moves J, never its gradient). With ``log_input=False`` the
    prediction is the rate λ ≥ 0 itself and ε = ``eps`` keeps log(0) away;
    on log-rates no ε is needed (e^z > 0). J = Σ ℓ_i / m over all m entries
    (mean), Σ ℓ_i (sum), or the ℓ_i (none).

    ``full=True`` adds PyTorch's Stirling approximation of log(y!),

        log(y!) ≈ y log y − y + ½ log(2πy)     added for y > 1 only (0 for y ≤ 1),

    exactly as torch does it (``stirling_term.masked_fill(target <= 1, 0)``
    in ATen's ``poisson_nll_loss``): for y ∈ {0, 1}, log(y!) = 0 exactly and
    the approximation (−0.081 at y = 1) would be wrong, so the term is cut at
    y = 1 — a jump of the loss between y = 1 and y just above it, not a
    smooth correction. The term depends on y alone, so dJ/dz is the same with
    or without it.

    The gradient is written by hand: for the mean, dJ/dz_i = (e^(z_i) − y_i)/m
    — the rate minus the count, as with the canonical link of any GLM (the
    "prediction − target" of MSE's 2(ŷ − y) and of cross-entropy's
    dz = a − y, Chapter 15). torch obtains
    the same by autograd through its composite formula (g·e^z + (−g)·y, one
    rounding apart).

    Targets must be counts or rates ≥ 0 and, with ``log_input=False``,
    predictions too (``ValueError``; PyTorch computes a number or NaN without
    a word). ``scratchnet.sklearn.MLPRegressor(loss='poisson')`` trains on it
    (``reduction='none'``).
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = check_bool(log_input, "PoissonNLLLoss: log_input")
        self.full = check_bool(full, "PoissonNLLLoss: full")
        self.eps = check_real(eps, "PoissonNLLLoss: eps", low=0)  # a Python float: computes in z's dtype

    def forward(self, input, target):
        z, y = check_poisson(self, input, target)
        if self.log_input:
            rate = np.exp(z)                          # λ = e^z
            losses = rate - y * z                     # ℓ = e^z − y·z
            self._local = rate - y                    # dℓ/dz = e^z − y
        else:
            shifted = z + self.eps                    # λ + ε
            losses = z - y * np.log(shifted)          # ℓ = λ − y·log(λ + ε)
            self._local = 1 - y / shifted             # dℓ/dλ = 1 − y/(λ + ε)
        if self.full:                                 # + log(y!) ≈ y log y − y + ½ log(2πy), for y > 1
            stirling = y * np.log(y) - y + 0.5 * np.log(2 * np.pi * y)
            losses = losses + np.where(y <= 1, 0, stirling)
        return self._reduce(losses)


# ================================================================== class indices


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities x (e.g. from ``LogSoftmax``):

        ℓ_i = −w[y_i] · x_{i, y_i}        J = Σ ℓ_i / Σ w[y_i]  (mean)

    As in PyTorch, the weighted mean divides by the total weight of the
    targets, and examples whose target equals ``ignore_index`` contribute
    nothing (if every target is ignored the mean is NaN).
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.weight = weight
        self.ignore_index = check_int(ignore_index, "ignore_index")

    def forward(self, input, target):
        x, y, w, unbatched, _ = check_classification(self, input, target)  # x: (N, C), y: (N,)
        n = len(y)
        valid = y != self.ignore_index
        y_safe = np.where(valid, y, 0)
        w_i = (w[y_safe] if w is not None else np.ones(n, x.dtype)) * valid
        rows = np.arange(n)
        losses = -w_i * x[rows, y_safe]
        local = np.zeros_like(x)
        local[rows, y_safe] = -w_i
        self._local = local[0] if unbatched else local
        return self._reduce(losses.reshape(()) if unbatched else losses, denominator=np.sum(w_i))

    def _expand(self, grad_output):
        return grad_output[..., None]


class CrossEntropyLoss(_Loss):
    """Softmax and negative log-likelihood in one, on logits z (N, C).

    The textbook case — class indices y_i, no class weights, no smoothing::

        ℓ_i = −log softmax(z_i)[y_i]          dℓ_i/dz_i = softmax(z_i) − e_{y_i}

    the "fused" gradient s − one_hot (Chapter 15's dz = a − y for softmax and
    cross-entropy) that never divides by a probability and is exact for logits
    of any size. Everything else is PyTorch's generalisation of it:

    * class weights w: ℓ_i = −w[y_i] log softmax(z_i)[y_i], and the mean
      divides by Σ_i w[y_i]; targets equal to ``ignore_index`` count for nothing;
    * ``label_smoothing`` = ε mixes the target with the uniform distribution:
      J = [(1 − ε) Σ_i nll_i + (ε/C) Σ_i smooth_i] / Σ_i w[y_i] with
      smooth_i = −Σ_c w_c log softmax(z_i)_c;
    * class probabilities P (a float target of the prediction's shape):
      ℓ_i = −Σ_c w_c P_ic log softmax(z_i)_c, with P ← (1 − ε)P + ε/C when
      smoothing, and J = Σ ℓ_i / N.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(size_average, reduce, reduction)
        check_real(label_smoothing, "label_smoothing", 0.0, 1.0)
        self.weight = weight
        self.ignore_index = check_int(ignore_index, "ignore_index")
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):
        z, y, w, unbatched, ignored = check_classification(self, input, target, probabilities_allowed=True)
        log_s = F._log_softmax(z, 1)  # log softmax(z_i) = z_i − m − log Σ_c e^(z_ic − m), m = max_c z_ic; (N, C)
        s = np.exp(log_s)
        if y.ndim == 1 and w is None and self.label_smoothing == 0 and not ignored:
            rows = np.arange(len(y))
            losses = -log_s[rows, y]             # ℓ_i = −log s_{i, y_i}
            local = s                            # dℓ_i/dz_i = s_i − e_{y_i}, in place in s (a fresh array)
            local[rows, y] -= 1
            denominator = z.dtype.type(len(y))
        elif y.ndim == 1:
            losses, local, denominator = self._weighted_or_smoothed(log_s, s, y, w)
        else:
            losses, local, denominator = self._probabilities(log_s, s, y, w)
        self._local = local[0] if unbatched else local
        return self._reduce(losses.reshape(()) if unbatched else losses, denominator=denominator)

    def _weighted_or_smoothed(self, log_s, s, y, w):
        """Class indices with class weights, ignored targets or label smoothing."""
        n, c = s.shape
        eps = self.label_smoothing
        valid = y != self.ignore_index
        y_safe = np.where(valid, y, 0)
        w_i = (w[y_safe] if w is not None else np.ones(n, s.dtype)) * valid
        rows = np.arange(n)
        losses = -w_i * log_s[rows, y_safe]
        local = s * w_i[:, None]
        local[rows, y_safe] -= w_i
        if eps > 0:
            wc = w if w is not None else np.ones(c, s.dtype)
            valid_f = valid.astype(s.dtype)
            smooth = -np.sum(log_s * wc, axis=1) * valid_f
            losses = (1 - eps) * losses + (eps / c) * smooth
            local = (1 - eps) * local + (eps / c) * valid_f[:, None] * (s * np.sum(wc) - wc)
        return losses, local, np.sum(w_i)

    def _probabilities(self, log_s, s, p, w):
        """A target of class probabilities P (N, C)."""
        n, c = s.shape
        eps = self.label_smoothing
        if eps > 0:
            p = p * (1 - eps) + eps / c
        wp = p * w if w is not None else p
        losses = -np.sum(wp * log_s, axis=1)
        local = s * np.sum(wp, axis=1, keepdims=True) - wp
        return losses, local, n

    def _expand(self, grad_output):
        return grad_output[..., None]
