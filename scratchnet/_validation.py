"""Input checks shared by the library, so that every mistake gets a message in
scratchnet's own words (what was expected, what came) instead of a NumPy
broadcasting error or a silently wrong result.

The layers and losses call these in the first line of their ``forward``
(``x = check_linear_input(self, x)``, ``y_hat, y = check_same_shape(self,
input, target)``), so that what follows that line is the math alone. When the
input is already right (an array of the module's dtype and shape) a layer's
check costs a few attribute lookups: nothing is scanned, copied or converted.
A loss defined on some values only scans them too: BCE's probabilities and
targets in [0, 1], Poisson's counts ≥ 0, class indices in [0, C) or
``ignore_index`` (their min, max and any ``== ignore_index``) — a few
vectorised passes, the data itself neither copied nor converted.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


class UsageError(RuntimeError, ValueError):
    """A call made in the wrong state: ``backward`` before ``forward`` or twice
    after one, a ``state_dict`` that does not fit the model.

    PyTorch raises ``RuntimeError`` for these, so this is one (code written
    for torch catches it unchanged); it is also a ``ValueError``, the type
    scratchnet uses for every bad value a caller passes.
    """


def describe(x) -> str:
    """A short description of a value for error messages."""
    if isinstance(x, np.ndarray):
        return f"array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__}"


def _shown(value) -> str:
    """``value`` for a message: its repr when short, else its type."""
    text = repr(value)
    return f"{type(value).__name__} {text}" if len(text) <= 40 else type(value).__name__


# ------------------------------------------------------------------------------ arrays
def as_array(x, name: str = "input") -> np.ndarray:
    """``numpy.asarray(x)``, with a ragged nested list (rows of different
    lengths) refused in scratchnet's words instead of NumPy's."""
    try:
        return np.asarray(x)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers; got a ragged nested "
                         f"{type(x).__name__} (its rows have different lengths)") from None


def as_float_array(x, dtype: np.dtype, name: str = "input") -> np.ndarray:
    """``x`` as an array of ``dtype``.

    Real numbers (floats, integers) are converted to ``dtype``: NumPy users
    often hold integer or float64 data, and converting it is what they mean
    (PyTorch would ask for an explicit ``.float()``). Booleans, complex
    numbers, strings and objects are refused with a ``TypeError``.
    """
    if type(x) is np.ndarray and x.dtype == dtype:
        return x
    if type(x).__module__ == "torch":
        raise TypeError(
            f"{name} is a torch.Tensor; scratchnet works on NumPy arrays "
            "(use tensor.detach().cpu().numpy(), or torch_ref.from_torch)"
        )
    arr = as_array(x, name)
    kind = arr.dtype.kind
    if kind == "b":
        raise TypeError(f"{name} must hold real numbers, got booleans ({describe(arr)}); "
                        "convert with .astype(float) if 0/1 is meant")
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex values ({describe(arr)})")
    if kind not in "fiu":
        raise TypeError(f"{name} must be a numeric array, got {describe(arr)}")
    return arr.astype(dtype, copy=False)


def check_finite(x: np.ndarray, name: str) -> None:
    """Refuse NaN and infinity with a ``ValueError``."""
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)})")


# ------------------------------------------------------------------------------ numbers
def check_positive_int(value, name: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}")
    return int(value)


def check_dim(dim, name: str = "dim"):
    """An axis index (``int``) or ``None``, else ``TypeError``."""
    if dim is None:
        return None
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name} must be an integer (an axis index) or None, got {type(dim).__name__} {dim!r}")
    return int(dim)


def check_int(value, name: str) -> int:
    """An integer of any sign (not a bool), else ``TypeError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (NumPy's booleans too), else ``TypeError``; as a ``bool``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_shown(value)}")
    return bool(value)


def check_real(value, name: str, low=None, high=None, low_inclusive=True, high_inclusive=True, *,
               integer: bool = False, invalid: str | None = None) -> float:
    """A real number (an integer with ``integer=True``; never a bool) in an
    optional range — scratchnet's one real-number checker.

    Not a number of that kind: ``TypeError("lr must be a real number, got str 'a'")``.
    NaN or out of range: ``ValueError``, worded ``"eps must be > 0, got 0.0"`` /
    ``"tol must not be NaN"``; or, with ``invalid`` (the optimizers' hyperparameters),
    in torch's words ``"Invalid learning rate: -0.1"`` (torch writes
    ``if not 0.0 <= lr: raise ValueError(f"Invalid learning rate: {lr}")``).
    Returns the value as a ``float`` (an ``int`` with ``integer=True``).
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {'an integer' if integer else 'a real number'}, got {_shown(value)}")
    v = int(value) if integer else float(value)
    bad = None
    if not integer and math.isnan(v):
        bad = f"{name} must not be NaN"
    elif low is not None and (v < low or (v == low and not low_inclusive)):
        bad = f"{name} must be {'>=' if low_inclusive else '>'} {low}, got {value}"
    elif high is not None and (v > high or (v == high and not high_inclusive)):
        bad = f"{name} must be {'<=' if high_inclusive else '<'} {high}, got {value}"
    if bad is not None:
        raise ValueError(bad if invalid is None else f"Invalid {invalid}: {value}")
    return v


def check_device(device) -> None:
    """``device=`` as PyTorch's modules take it: scratchnet computes with NumPy on
    the CPU, so ``None`` and ``"cpu"`` (a string or a ``torch.device``) are
    accepted and anything else is refused in plain words."""
    if device is None or str(device) == "cpu":
        return
    raise ValueError(f"scratchnet runs on the CPU (NumPy); got device={device!r}. "
                     "Use torch_ref for the same model on another device.")


def caller_stacklevel() -> int:
    """``warnings.warn``'s ``stacklevel`` that points at the first line outside
    scratchnet — the user's call — counted from the function that calls this one
    (and then calls ``warnings.warn``). NumPy's ``errstate`` wrapper, through which a
    module's call runs its forward (``nn/modules/_ieee.py``), counts as scratchnet's:
    its frames are recognised by their code object, not by NumPy's private module name."""
    import sys

    from .nn.modules._ieee import silently

    wrapper = silently.__code__  # the code of every function np.errstate decorates
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code is wrapper
                                 or frame.f_globals.get("__name__", "").split(".")[0] == "scratchnet"):
        frame, level = frame.f_back, level + 1
    return level


# ------------------------------------------------------------------------------ layers
def check_input(module, x, *, prediction: bool = False) -> np.ndarray:
    """A layer's input (``prediction=True``: a loss's prediction) as a floating
    array: kept as it is when it already is one (an activation computes in its
    input's dtype), else converted to the default dtype, refused in the module's
    name ("Tanh input ...", "MSELoss: prediction ...") when it is not real numbers."""
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return x
    from ._dtype import get_default_dtype

    name = f"{type(module).__name__}: prediction" if prediction else f"{type(module).__name__} input"
    return as_float_array(x, get_default_dtype(), name)


def check_linear_input(layer, x) -> np.ndarray:
    """``Linear``'s input: shape (…, in_features), converted to the weight's dtype."""
    w = layer.weight.data
    if type(x) is not np.ndarray or x.dtype != w.dtype:
        x = as_float_array(x, w.dtype, "Linear input")
    if x.ndim == 0 or x.shape[-1] != layer.in_features:
        n = layer.in_features
        got = "a scalar" if x.ndim == 0 else f"shape {x.shape}"
        hint = " — flatten each example to a vector first" if x.ndim > 2 and math.prod(x.shape[1:]) == n else ""
        raise ValueError(f"Linear(in_features={n}) expects input of shape (batch, {n}) or ({n},), got {got}{hint}")
    return x


def check_batchnorm_input(layer, x) -> np.ndarray:
    """``BatchNorm1d``'s input: (m, C) or (m, C, L) with C = num_features."""
    x = as_float_array(x, layer.weight.dtype if layer.affine else layer._dtype, "BatchNorm1d input")
    c = layer.num_features
    if x.ndim not in (2, 3):
        raise ValueError(f"BatchNorm1d expected 2D (batch, {c}) or 3D (batch, {c}, length) input "
                         f"(got {x.ndim}D input of shape {x.shape})")
    if x.shape[1] != c:
        raise ValueError(f"BatchNorm1d({c}) expected {c} features in dimension 1, got input of shape {x.shape}")
    return x


def check_grad_output(module, grad_output, output):
    """``grad_output`` = dJ/d(output) for ``module.backward``: an array of the
    forward output's shape and dtype (converted from lists and other real
    dtypes, as inputs are), or ``None`` for a scalar output (J itself: dJ/dJ = 1).

    The common case, an array of that shape and dtype already, is recognised by
    the caller in the hot path (``checked_backward``, ``nn/modules/module.py``),
    which calls this only otherwise; here it comes back unchanged too."""
    name = type(module).__name__
    shape = np.shape(output)
    if grad_output is None:
        if shape != ():
            raise UsageError(f"{name}.backward() needs grad_output, dJ/d(output) of shape {shape}: "
                             "it can be implied only for a scalar output")
        return None
    from .nn.parameter import Parameter

    if isinstance(grad_output, Parameter):
        grad_output = grad_output.data
    dtype = getattr(output, "dtype", None)
    grad_output = as_float_array(grad_output, dtype if dtype is not None and dtype.kind == "f" else np.float64,
                                 f"{name}.backward: grad_output")
    if grad_output.shape != shape:
        raise ValueError(f"{name}.backward: grad_output must have the shape of the forward output "
                         f"{shape}, got {grad_output.shape}")
    return grad_output


# ------------------------------------------------------------------------------ losses
def check_same_shape(loss, input, target) -> tuple[np.ndarray, np.ndarray]:
    """(prediction, target) of one shape, the target in the prediction's dtype.

    PyTorch warns and then broadcasts when they differ (a (4, 1) prediction
    against a (4,) target silently becomes a (4, 4) loss); scratchnet refuses."""
    # check_input's own first test, inline: the common case costs no call in a loss's forward
    pred = input if type(input) is np.ndarray and input.dtype.kind == "f" else check_input(loss, input, prediction=True)
    if type(target) is not np.ndarray or target.dtype != pred.dtype:
        target = as_float_array(target, pred.dtype, f"{type(loss).__name__}: target")
    if target.shape != pred.shape:
        name = type(loss).__name__
        raise ValueError(
            f"{name}: prediction shape {pred.shape} and target shape {target.shape} differ. "
            "PyTorch would warn and broadcast them (a silently wrong loss); scratchnet refuses. "
            f"Reshape the target to {pred.shape}"
            + (" (e.g. y.reshape(-1, 1))" if pred.ndim == 2 and pred.shape[1] == 1 else "") + ".")
    return pred, target


def _check_unit_interval(loss, y: np.ndarray) -> None:
    if not np.all((y >= 0) & (y <= 1)):
        raise ValueError(f"{type(loss).__name__}: targets must lie in [0, 1] (0/1 labels or soft labels)")


def check_probabilities(loss, input, target) -> tuple[np.ndarray, np.ndarray]:
    """``BCELoss``'s (p, y): one shape, both in [0, 1] (NaN refused too: PyTorch
    raises a RuntimeError for predictions outside [0, 1])."""
    p, y = check_same_shape(loss, input, target)
    inside = (p >= 0) & (p <= 1)
    if not np.all(inside):
        raise ValueError(f"BCELoss: every prediction must be a probability in [0, 1], got {p[~inside].flat[0]} "
                         "(apply Sigmoid first, or use BCEWithLogitsLoss on the raw outputs)")
    _check_unit_interval(loss, y)
    return p, y


def check_logits_and_targets(loss, input, target) -> tuple[np.ndarray, np.ndarray]:
    """``BCEWithLogitsLoss``'s (z, y): one shape, targets in [0, 1], logits anything."""
    z, y = check_same_shape(loss, input, target)
    _check_unit_interval(loss, y)
    return z, y


def check_poisson(loss, input, target) -> tuple[np.ndarray, np.ndarray]:
    """``PoissonNLLLoss``'s (prediction, y): one shape, y ≥ 0 (counts or rates;
    NaN refused too); with ``log_input=False`` the prediction is the rate λ
    itself, so it must be ≥ 0 as well. (PyTorch checks neither: a negative
    target or rate gives a number or NaN without a word.)"""
    x, y = check_same_shape(loss, input, target)
    if not np.all(y >= 0):
        raise ValueError(f"PoissonNLLLoss: targets must be counts or rates >= 0, got {y[~(y >= 0)].flat[0]}")
    if not loss.log_input and not np.all(x >= 0):
        raise ValueError(f"PoissonNLLLoss(log_input=False): every prediction must be a rate >= 0, got "
                         f"{x[~(x >= 0)].flat[0]} (for log-rates, such as a network's raw outputs, "
                         "use log_input=True)")
    return x, y


def as_float_option(value, name: str) -> np.ndarray | None:
    """A loss's ``weight``/``pos_weight`` option as a float64 array (or None)."""
    return None if value is None else as_float_array(value, np.float64, name)


def broadcast_weight(name: str, weight: np.ndarray | None, like: np.ndarray) -> np.ndarray | None:
    """``weight`` broadcast to the prediction's shape, in its dtype (None stays None)."""
    if weight is None:
        return None
    try:
        return np.broadcast_to(weight.astype(like.dtype, copy=False), like.shape)
    except ValueError:
        raise ValueError(f"{name}: weight of shape {weight.shape} cannot be broadcast to the "
                         f"prediction's shape {like.shape}") from None


def _as_batch(name: str, x: np.ndarray) -> tuple[np.ndarray, bool]:
    """(N, C) from (N, C) or an unbatched (C,); anything else is refused."""
    if x.ndim in (1, 2) and x.shape[-1] == 0:
        raise ValueError(f"{name}: predictions of shape {x.shape} have no classes (at least one is needed)")
    if x.ndim == 2:
        return x, False
    if x.ndim == 1:
        return x[None, :], True
    raise ValueError(f"{name}: expected predictions of shape (batch, classes) or (classes,), got {x.shape}")


def _class_weight(name: str, weight, n_classes: int, dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = as_float_array(weight, dtype, f"{name}: weight")
    if w.shape != (n_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({n_classes},), got {w.shape}")
    return w


def _class_indices(name: str, t: np.ndarray, n_batch: int | None, n_classes: int,
                   ignore_index: int) -> tuple[np.ndarray, bool]:
    """Validated integer class indices — whole numbers in [0, C) or ``ignore_index`` —
    as (N,) ``intp``, and whether any of them is ``ignore_index``."""
    expected = (n_batch,) if n_batch is not None else ()
    if t.dtype.kind in "iu" and t.shape == expected and t.size and 0 <= t.min() and t.max() < n_classes:
        ignored = 0 <= ignore_index < n_classes and bool((t == ignore_index).any())
        return t.astype(np.intp, copy=False).reshape(-1), ignored  # the common case: every index a class
    if t.dtype.kind == "b" or t.dtype.kind not in "iuf":
        raise TypeError(f"{name}: class indices must be integers, got {describe(t)}")
    if t.dtype.kind == "f" and not np.all(np.isfinite(t) & (t == np.round(t))):
        bad = t[~(np.isfinite(t) & (t == np.round(t)))].flat[0]
        raise ValueError(f"{name}: class indices must be whole numbers, got {bad} "
                         "(for class probabilities, pass a target of the prediction's shape)")
    if t.shape != expected:
        raise ValueError(f"{name}: expected class indices of shape {expected} (one per example), got {t.shape}")
    # The range is checked before any cast: a float beyond int64 (1e20) would wrap around.
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if np.any(bad):
        value = t[bad].flat[0]
        value = f"{value:g}" if t.dtype.kind == "f" else int(value)
        raise IndexError(f"{name}: target {value} is out of bounds: class indices must lie in "
                         f"[0, {n_classes - 1}] for {n_classes} classes"
                         + (f" (or equal ignore_index={ignore_index})" if ignore_index != -100 else ""))
    return t.astype(np.intp, copy=False).reshape(-1), bool(np.any(t == ignore_index))


def check_classification(loss, input, target, *, probabilities_allowed: bool = False):
    """The input of ``NLLLoss`` and ``CrossEntropyLoss``.

    Returns ``(z, y, weight, unbatched, ignored)``: the predictions as (N, C)
    (an unbatched (C,) becomes one row, ``unbatched=True``); ``y``, either
    class indices of shape (N,) (``intp``, each in [0, C) or ``ignore_index``)
    or — when ``probabilities_allowed`` and the target is a float array of the
    prediction's shape — class probabilities (N, C) in [0, 1]; the class
    ``weight`` as (C,) in the prediction's dtype, or None; and whether any
    target is ``ignore_index`` (False for probabilities)."""
    name = type(loss).__name__
    x = check_input(loss, input, prediction=True)
    x2, unbatched = _as_batch(name, x)
    n, c = x2.shape
    weight = _class_weight(name, loss.weight, c, x.dtype)
    t = target if type(target) is np.ndarray else as_array(target, f"{name}: target")
    if probabilities_allowed and t.dtype.kind == "f" and t.ndim == x.ndim and t.ndim > 0:
        if t.shape != x.shape:
            raise ValueError(f"{name}: a float target of rank {t.ndim} is read as class probabilities, "
                             f"which need the prediction's shape {x.shape}; got {t.shape}. "
                             f"(Class indices have shape {x.shape[:-1]}.)")
        p = as_float_array(t, x.dtype, f"{name}: target probabilities").reshape(n, c)
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueError(f"{name}: class probabilities must lie in [0, 1]")
        return x2, p, weight, unbatched, False
    y, ignored = _class_indices(name, t, None if unbatched else n, c, loss.ignore_index)
    return x2, y, weight, unbatched, ignored
