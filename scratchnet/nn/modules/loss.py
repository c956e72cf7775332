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

Unlike PyTorch, which only warns and then broadcasts when prediction and
target shapes differ (a (4, 1) prediction against a (4,) target silently
becomes a (4, 4) loss), scratchnet refuses with a ``ValueError``.
"""

from __future__ import annotations

import numpy as np

from ..._dtype import get_default_dtype
from ..._validation import as_float_array, caller_stacklevel, check_int, check_real, describe
from .. import functional as F
from .module import Module

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` pair as a ``reduction``
    (``torch.nn._reduction.legacy_get_string``), with torch's warning.

    They are kept only so that positional arguments land where they land in
    torch (``NLLLoss(w, None, 2)`` sets ``ignore_index=2`` in both)."""
    import warnings

    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=caller_stacklevel())
    return reduction


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
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction!r} is not a valid value for reduction "
                             f"(expected one of {', '.join(repr(r) for r in _REDUCTIONS)})")
        self.reduction = reduction

    # -- helpers for subclasses ------------------------------------------------------
    def _prediction(self, x) -> np.ndarray:
        name = type(self).__name__
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            return x
        return as_float_array(x, get_default_dtype(), f"{name}: prediction")

    def _same_shape_target(self, pred: np.ndarray, target) -> np.ndarray:
        name = type(self).__name__
        target = as_float_array(target, pred.dtype, f"{name}: target")
        if target.shape != pred.shape:
            raise ValueError(
                f"{name}: prediction shape {pred.shape} and target shape {target.shape} differ. "
                "PyTorch would warn and broadcast them (a silently wrong loss); scratchnet refuses. "
                f"Reshape the target to {pred.shape}"
                + (" (e.g. y.reshape(-1, 1))" if pred.ndim == 2 and pred.shape[1] == 1 else "") + ".")
        return target

    def _reduce(self, losses: np.ndarray, denominator=None):
        """J from the per-example losses; remembers the mean's denominator."""
        if self.reduction == "none":
            return losses
        total = np.sum(losses)
        if self.reduction == "sum":
            return total
        self._denominator = losses.size if denominator is None else denominator
        with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 = NaN, as PyTorch
            return (total / self._denominator).astype(losses.dtype)[()]

    def _expand(self, grad_output: np.ndarray) -> np.ndarray:
        """Broadcast a loss-shaped dJ/dℓ onto the prediction's shape."""
        return grad_output

    def backward(self, grad_output=None):
        """dJ/d(prediction). ``grad_output`` is dJ/d(loss): 1 by default for a
        scalar loss; required (shape of the loss) for ``reduction='none'``."""
        local = self._local
        if self.reduction == "none":
            return local * self._expand(grad_output)
        g = local.dtype.type(1) if grad_output is None else grad_output
        if self.reduction == "mean":
            denominator = self._denominator
            if denominator == 0:  # every target ignored: J is NaN, nothing to learn
                return np.zeros_like(local)
            g = g / local.dtype.type(denominator)
        return local * g



def _check_weight(name: str, weight, size: int | None, dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = as_float_array(weight, dtype, f"{name}: weight")
    if size is not None and w.shape != (size,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({size},), got {w.shape}")
    return w


# ============================================================================ MSE


class MSELoss(_Loss):
    """ℓ_i = (ŷ_i − y_i)²; J = mean (default), sum or none.

    dJ/dŷ = 2(ŷ − y)/m for the mean — the ICDSS slides' d(MSE)/dŷ =
    −(2/m) Σ (y_i − ŷ_i), per example. (Some texts use ½(ŷ − y)² to drop the
    2; PyTorch and the lectures do not.)
    """

    def forward(self, input, target):
        pred = self._prediction(input)
        target = self._same_shape_target(pred, target)
        diff = pred - target
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
        self.weight = None if weight is None else as_float_array(weight, np.float64, "BCELoss: weight")

    def forward(self, input, target):
        p = self._prediction(input)
        y = self._same_shape_target(p, target)
        if not np.all((p >= 0) & (p <= 1)):
            bad = p[~((p >= 0) & (p <= 1))].flat[0]
            raise ValueError(f"BCELoss: every prediction must be a probability in [0, 1], got {bad} "
                             "(apply Sigmoid first, or use BCEWithLogitsLoss on the raw outputs)")
        if not np.all((y >= 0) & (y <= 1)):
            raise ValueError("BCELoss: targets must lie in [0, 1] (0/1 labels or soft labels)")
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        losses = -(y * log_p + (1 - y) * log_1mp)
        local = (p - y) / np.maximum((1 - p) * p, p.dtype.type(self._EPSILON))
        if self.weight is not None:
            w = _broadcast_weight("BCELoss", self.weight, p)
            losses = losses * w
            local = local * w
        self._local = local
        return self._reduce(losses)


def _broadcast_weight(name: str, weight: np.ndarray, like: np.ndarray) -> np.ndarray:
    try:
        return np.broadcast_to(weight.astype(like.dtype, copy=False), like.shape)
    except ValueError:
        raise ValueError(f"{name}: weight of shape {weight.shape} cannot be broadcast to the "
                         f"prediction's shape {like.shape}") from None


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
        self.weight = None if weight is None else as_float_array(weight, np.float64, "BCEWithLogitsLoss: weight")
        self.pos_weight = (None if pos_weight is None
                           else as_float_array(pos_weight, np.float64, "BCEWithLogitsLoss: pos_weight"))

    def forward(self, input, target):
        z = self._prediction(input)
        y = self._same_shape_target(z, target)
        if not np.all((y >= 0) & (y <= 1)):
            raise ValueError("BCEWithLogitsLoss: targets must lie in [0, 1] (0/1 labels or soft labels)")
        log_sigmoid = np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
        sig = F.sigmoid(z)
        # An infinite logit gives NaN where PyTorch's formula does (0·∞), without a warning.
        with np.errstate(invalid="ignore"):
            if self.pos_weight is not None:
                pw = _broadcast_weight("BCEWithLogitsLoss (pos_weight)", self.pos_weight, z)
                log_weight = (pw - 1) * y + 1
                losses = (1 - y) * z - log_weight * log_sigmoid
                local = log_weight * sig - pw * y
            else:
                losses = (1 - y) * z - log_sigmoid
                local = sig - y
        if self.weight is not None:
            w = _broadcast_weight("BCEWithLogitsLoss", self.weight, z)
            losses = losses * w
            local = local * w
        self._local = local
        return self._reduce(losses)


# ================================================================== class indices


def _class_indices(name: str, target, n_batch: int | None, n_classes: int, ignore_index: int) -> np.ndarray:
    """Validated integer class indices: whole numbers in [0, C) or ``ignore_index``."""
    t = np.asarray(target)
    if t.dtype.kind == "b" or t.dtype.kind not in "iuf":
        raise TypeError(f"{name}: class indices must be integers, got {describe(t)}")
    if t.dtype.kind == "f" and not np.all(np.isfinite(t) & (t == np.round(t))):
        bad = t[~(np.isfinite(t) & (t == np.round(t)))].flat[0]
        raise ValueError(f"{name}: class indices must be whole numbers, got {bad} "
                         "(for class probabilities, pass a target of the prediction's shape)")
    expected = (n_batch,) if n_batch is not None else ()
    if t.shape != expected:
        raise ValueError(f"{name}: expected class indices of shape {expected} (one per example), "
                         f"got {t.shape}")
    # The range is checked before any cast: a float beyond int64 (1e20) would wrap around.
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        value = t[bad].flat[0]
        value = f"{value:g}" if t.dtype.kind == "f" else int(value)
        raise IndexError(f"{name}: target {value} is out of bounds: class indices must lie in "
                         f"[0, {n_classes - 1}] for {n_classes} classes"
                         + (f" (or equal ignore_index={ignore_index})" if ignore_index != -100 else ""))
    return t.astype(np.intp, copy=False)


def _as_batch(name: str, x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(N, C) from (N, C) or an unbatched (C,); anything else is refused."""
    if x.ndim in (1, 2) and x.shape[-1] == 0:
        raise ValueError(f"{name}: predictions of shape {x.shape} have no classes (at least one is needed)")
    if x.ndim == 2:
        return x, False
    if x.ndim == 1:
        return x[None, :], True
    raise ValueError(f"{name}: expected predictions of shape (batch, classes) or (classes,), got {x.shape}")


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
        name = type(self).__name__
        x = self._prediction(input)
        x2, unbatched = _as_batch(name, x)
        n, c = x2.shape
        y = _class_indices(name, target, None if unbatched else n, c, self.ignore_index).reshape(-1)
        w = _check_weight(name, self.weight, c, x.dtype)
        valid = y != self.ignore_index
        y_safe = np.where(valid, y, 0)
        w_i = (w[y_safe] if w is not None else np.ones(n, x.dtype)) * valid
        rows = np.arange(n)
        losses = -w_i * x2[rows, y_safe]
        local = np.zeros_like(x2)
        local[rows, y_safe] = -w_i
        self._local = local.reshape(x.shape)
        self._unbatched = unbatched
        if unbatched:
            losses = losses.reshape(())
        return self._reduce(losses, denominator=np.sum(w_i))

    def _expand(self, grad_output):
        return grad_output[..., None]


class CrossEntropyLoss(_Loss):
    """Softmax and negative log-likelihood in one, on logits z (N, C).

    With class indices y_i (integers) and no smoothing::

        ℓ_i = −w[y_i] log softmax(z_i)[y_i]          dℓ_i/dz_i = w[y_i] (softmax(z_i) − e_{y_i})

    the "fused" gradient s − one_hot that never divides by a probability and
    is exact for logits of any size. With class probabilities P (a float
    target of the prediction's shape)::

        ℓ_i = −Σ_c w_c P_ic log softmax(z_i)_c

    ``label_smoothing`` = ε mixes the target with the uniform distribution,
    and the mean is taken as PyTorch takes it: for indices,
    J = [(1 − ε) Σ_i nll_i + (ε/C) Σ_i smooth_i] / Σ_i w[y_i] with
    smooth_i = −Σ_c w_c log softmax(z_i)_c; for probabilities, P ← (1 − ε)P + ε/C
    and J = Σ ℓ_i / N.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(size_average, reduce, reduction)
        check_real(label_smoothing, "label_smoothing", 0.0, 1.0)
        self.weight = weight
        self.ignore_index = check_int(ignore_index, "ignore_index")
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):
        name = type(self).__name__
        z = self._prediction(input)
        z2, unbatched = _as_batch(name, z)
        n, c = z2.shape
        w = _check_weight(name, self.weight, c, z.dtype)
        eps = self.label_smoothing
        log_s = F.log_softmax(z2, dim=1)
        s = np.exp(log_s)
        t = np.asarray(target)
        probabilities = t.dtype.kind == "f" and t.shape == z.shape and not (unbatched and t.ndim == 0)
        if t.dtype.kind == "f" and t.ndim == z.ndim and t.ndim > 0 and t.shape != z.shape:
            raise ValueError(f"{name}: a float target of rank {t.ndim} is read as class probabilities, "
                             f"which need the prediction's shape {z.shape}; got {t.shape}. "
                             f"(Class indices have shape {z.shape[:-1]}.)")
        if probabilities:
            p = as_float_array(t, z.dtype, f"{name}: target probabilities").reshape(n, c)
            if not np.all((p >= 0) & (p <= 1)):
                raise ValueError(f"{name}: class probabilities must lie in [0, 1]")
            if eps > 0:
                p = p * (1 - eps) + eps / c
            wp = p * w if w is not None else p
            losses = -np.sum(wp * log_s, axis=1)
            local = s * np.sum(wp, axis=1, keepdims=True) - wp
            denominator = n
        else:
            y = _class_indices(name, target, None if unbatched else n, c, self.ignore_index).reshape(-1)
            valid = y != self.ignore_index
            rows = np.arange(n)
            if w is None and eps == 0 and valid.all():
                # The common case written out (no class weights, no smoothing, nothing
                # ignored): ℓ_i = −log s_{i,y_i}, and the fused gradient s_i − e_{y_i}
                # formed in place in s (a fresh array) — the general lines below with
                # w_i = 1, minus their multiplications by one.
                losses = -log_s[rows, y]
                local = s
                local[rows, y] -= 1
                denominator = z.dtype.type(n)
            else:
                y_safe = np.where(valid, y, 0)
                w_i = (w[y_safe] if w is not None else np.ones(n, z.dtype)) * valid
                losses = -w_i * log_s[rows, y_safe]
                local = s * w_i[:, None]
                local[rows, y_safe] -= w_i
                if eps > 0:
                    wc = w if w is not None else np.ones(c, z.dtype)
                    valid_f = valid.astype(z.dtype)
                    smooth = -np.sum(log_s * wc, axis=1) * valid_f
                    losses = (1 - eps) * losses + (eps / c) * smooth
                    local = (1 - eps) * local + (eps / c) * valid_f[:, None] * (s * np.sum(wc) - wc)
                denominator = np.sum(w_i)
        self._local = local.reshape(z.shape)
        if unbatched:
            losses = losses.reshape(())
        return self._reduce(losses, denominator=denominator)

    def _expand(self, grad_output):
        return grad_output[..., None]
