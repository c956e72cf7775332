"""A hypothesis sweep of scratchnet's public API with bad input.

The contract: every mistake gets a ``ValueError`` / ``TypeError`` /
``IndexError`` (``RuntimeError`` for calls in the wrong order) in scratchnet's
own words — what was expected, what came — or a documented, correct result.
Never a raw NumPy message, a silent broadcast, a warning, or a crash. The
tests assert on the message text, not only the exception type.

Deliberate choices (documented results, not errors):

* **Real numbers of another dtype are converted.** Integer, unsigned, float16
  or float64 input to a float32 module is cast to the module's dtype
  (``scratchnet._validation.as_float_array``): NumPy users hold such data and
  converting it is what they mean (PyTorch would ask for ``.float()``). The
  result equals that of the explicitly converted input, bit for bit.
  Booleans, complex numbers, strings, bytes, dates and Python objects are
  refused with a ``TypeError``.
* **NaN and infinity propagate, as in PyTorch (IEEE arithmetic).** Forward
  passes do not scan for them (that would cost a pass over every array);
  a NaN in one example never touches the other examples' results, and nothing
  warns. Where a check is cheap and the value cannot be meant, it is refused:
  ``BCELoss`` predictions or targets outside [0, 1] (NaN included),
  ``PoissonNLLLoss`` targets below 0 (NaN included) and, with
  ``log_input=False``, rates below 0 (NaN included), class indices that are NaN. The training loop stops with a clear error once the
  loss is no longer finite.
* **Empty batches work** (shape (0, n) in, (0, m) out, gradients of shape
  (0, n)); a mean over nothing is NaN, as in PyTorch, and its gradient is empty.
* **Extra leading dimensions** on a ``Linear`` input are kept, as in PyTorch:
  (a, b, n_in) → (a, b, n_out).
* **Shapes never broadcast** between a prediction and its target: a (4, 1)
  prediction against a (4,) target is a ``ValueError`` (PyTorch warns and
  broadcasts to (4, 4)).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet import nn

# Phrases of NumPy's and Python's own error messages: none may reach a learner.
RAW_PHRASES = ["could not be broadcast", "setting an array element", "zero-size array", "no identity",
               "invalid literal", "could not convert", "not supported between", "cannot be interpreted",
               "tuple index", "unhashable", "for axis", "AxisError", "ufunc", "object is not subscriptable",
               "missing required argument", "has no attribute"]


def raises_own_words(exc_type, pattern, fn, *args, **kwargs):
    """Call ``fn``: it must raise ``exc_type`` whose message matches ``pattern``
    and contains no raw NumPy/Python phrase; and it must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc_type) as info:
            fn(*args, **kwargs)
    message = str(info.value)
    assert re.search(pattern, message), f"message {message!r} does not match {pattern!r}"
    for phrase in RAW_PHRASES:
        assert phrase not in message, f"raw message leaked: {message!r}"
    return message


def quietly(fn, *args, **kwargs):
    """Call ``fn`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


ACTIVATIONS = {
    "Identity": nn.Identity, "ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh,
    "LeakyReLU": nn.LeakyReLU, "Softmax": lambda: nn.Softmax(dim=-1), "LogSoftmax": lambda: nn.LogSoftmax(dim=-1),
}
ELEMENTWISE = ["Identity", "ReLU", "Sigmoid", "Tanh", "LeakyReLU"]
#: Every other layer taking (batch, 3) input: name → (factory, the name its messages start with).
LAYERS = {
    "Linear": (lambda: nn.Linear(3, 2), "Linear"),
    **{name: (factory, name) for name, factory in ACTIVATIONS.items()},
    "ELU": (nn.ELU, "ELU"), "GELU": (nn.GELU, "GELU"), "GELU-tanh": (lambda: nn.GELU(approximate="tanh"), "GELU"),
    "SiLU": (nn.SiLU, "SiLU"), "Softplus": (nn.Softplus, "Softplus"),
    "Dropout": (lambda: nn.Dropout(0.5, generator=np.random.default_rng(0)), "Dropout"),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), "BatchNorm1d"),
    "Residual": (lambda: nn.Residual(nn.Linear(3, 3)), "Linear"),  # the wrapped layer checks its input
    "mlp": (lambda: sn.models.mlp([3, 4, 2], dropout=0.1, batch_norm=True), "Linear"),
}
SAME_SHAPE_LOSSES = {"MSELoss": nn.MSELoss, "BCELoss": nn.BCELoss, "BCEWithLogitsLoss": nn.BCEWithLogitsLoss,
                     "PoissonNLLLoss": nn.PoissonNLLLoss}
INDEX_LOSSES = {"CrossEntropyLoss": nn.CrossEntropyLoss, "NLLLoss": nn.NLLLoss}

# ---------------------------------------------------------------- dtypes

BAD_DTYPES = {
    "bool": (np.bool_, "must hold real numbers, got booleans"),
    "complex64": (np.complex64, "must hold real numbers, got complex values"),
    "complex128": (np.complex128, "must hold real numbers, got complex values"),
    "object": (object, "must be a numeric array, got array of shape .* and dtype object"),
    "str": ("U3", "must be a numeric array, got array of shape .* and dtype <U3"),
    "bytes": ("S3", "must be a numeric array, got array of shape .* and dtype \\|S3"),
    "datetime": ("datetime64[s]", "must be a numeric array, got array .* dtype datetime64"),
    "timedelta": ("timedelta64[s]", "must be a numeric array, got array .* dtype timedelta64"),
}


@st.composite
def bad_dtype_array(draw, shape):
    name = draw(st.sampled_from(sorted(BAD_DTYPES)))
    dtype, message = BAD_DTYPES[name]
    elements = st.integers(-5, 5) if dtype is object else None
    return draw(hnp.arrays(dtype, shape, elements=elements)), message


@given(case=bad_dtype_array((2, 3)), module=st.sampled_from(sorted(LAYERS)))
def test_bad_dtypes_into_any_module_are_refused_by_name(case, module):
    x, message = case
    factory, name = LAYERS[module]
    raises_own_words(TypeError, f"^{name} input {message}", factory(), x)


@pytest.mark.parametrize("module", sorted(LAYERS))
def test_ragged_lists_into_any_module(module):
    factory, name = LAYERS[module]
    raises_own_words(ValueError, f"^{name} input must be a rectangular array of numbers; got a ragged nested list",
                     factory(), [[1.0, 2.0, 3.0], [4.0, 5.0]])


@given(case=bad_dtype_array((4, 3)), loss=st.sampled_from(sorted(SAME_SHAPE_LOSSES)), which=st.sampled_from(["prediction", "target"]))
def test_bad_dtypes_into_losses_are_refused_by_name(case, loss, which):
    bad, message = case
    good = np.full((4, 3), 0.5)
    args = (bad, good) if which == "prediction" else (good, bad)
    raises_own_words(TypeError, f"^{loss}: {which} {message}", SAME_SHAPE_LOSSES[loss](), *args)


@given(case=bad_dtype_array((4,)), loss=st.sampled_from(sorted(INDEX_LOSSES)))
def test_bad_class_index_dtypes_are_refused(case, loss):
    target, _ = case
    raises_own_words(TypeError, f"^{loss}: class indices must be integers, got array of shape \\(4,\\)",
                     INDEX_LOSSES[loss](), np.zeros((4, 3)), target)


@given(case=bad_dtype_array((2, 3)), module=st.sampled_from(sorted(LAYERS)))
def test_bad_dtypes_as_grad_output_are_refused(case, module):
    g, message = case
    layer = LAYERS[module][0]()
    out = layer(np.arange(6.0).reshape(2, 3))
    if out.shape != (2, 3):
        g = g[:, : out.shape[1]]
    raises_own_words(TypeError, f"^{type(layer).__name__}.backward: grad_output {message}", layer.backward, g)


@given(x=hnp.arrays(st.sampled_from([np.int8, np.int32, np.int64, np.uint8, np.uint16, np.float16, np.float64]),
                    (3, 4), elements=st.integers(0, 100)),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_real_numbers_of_other_dtypes_are_converted_exactly(x, dtype):
    """Documented choice: real numbers are cast to the module's dtype — the
    same result, bit for bit, as converting them first."""
    model = sn.models.mlp([4, 5, 2], activation="tanh", dtype=dtype, generator=np.random.default_rng(0))
    out = quietly(model, x)
    assert out.dtype == dtype
    assert out.tobytes() == model(x.astype(dtype)).tobytes()


@pytest.mark.parametrize("value", [None, {"a": 1}, "1.0, 2.0, 3.0", object(), [[1, 2, 3], [4, 5]], [[1, 2, 3], 4]])
def test_non_arrays_into_linear(value):
    pattern = r"rectangular array of numbers; got a ragged nested list" if isinstance(value, list) \
        else r"^Linear input must be a numeric array"
    raises_own_words(ValueError if isinstance(value, list) else TypeError, pattern, nn.Linear(3, 2), value)


def test_ragged_parameter_data_and_state_values():
    raises_own_words(ValueError, "Parameter data must be a rectangular array", nn.Parameter, [[1.0], [1.0, 2.0]])
    raises_own_words(TypeError, "Parameter data must be floating point, got dtype int64", nn.Parameter, [1, 2])
    model = sn.models.mlp([2, 3, 1])
    raises_own_words(RuntimeError, r"'0.weight': cannot convert list to an array", model.load_state_dict,
                     {**model.state_dict(), "0.weight": [[1.0, 2.0], [3.0]]})


# ---------------------------------------------------------------- shapes and ranks


@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
def test_linear_refuses_every_shape_whose_last_dim_is_wrong(shape):
    assume(len(shape) == 0 or shape[-1] != 3)
    got = "a scalar" if len(shape) == 0 else re.escape(f"shape {shape}")
    raises_own_words(ValueError, rf"^Linear\(in_features=3\) expects input of shape \(batch, 3\) or \(3,\), got {got}",
                     nn.Linear(3, 2), np.zeros(shape))


@given(lead=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
def test_linear_keeps_leading_dimensions_like_pytorch(lead):
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = np.arange(np.prod(lead, dtype=int) * 3, dtype=np.float64).reshape(*lead, 3)
    out = quietly(layer, x)
    assert out.shape == (*lead, 2)
    np.testing.assert_allclose(out.reshape(-1, 2), x.reshape(-1, 3) @ layer.weight.data.T + layer.bias.data,
                               rtol=1e-12, atol=1e-12)
    g = quietly(layer.backward, np.ones_like(out))
    assert g.shape == x.shape


def test_flattening_hint_for_image_like_input():
    raises_own_words(ValueError, "flatten each example to a vector first", nn.Linear(64, 10), np.zeros((5, 8, 8)))


@given(pred=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), target=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
       loss=st.sampled_from(sorted(SAME_SHAPE_LOSSES)))
def test_losses_never_broadcast_prediction_against_target(pred, target, loss):
    assume(pred != target)
    message = raises_own_words(ValueError, rf"^{loss}: prediction shape .* and target shape .* differ",
                               SAME_SHAPE_LOSSES[loss](), np.full(pred, 0.5), np.full(target, 0.5))
    assert "scratchnet refuses" in message


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), module=st.sampled_from(sorted(LAYERS)))
def test_grad_output_of_the_wrong_shape_is_refused(shape, module):
    layer = LAYERS[module][0]()
    out = layer(np.arange(6.0).reshape(2, 3))
    assume(shape != out.shape)
    raises_own_words(ValueError, rf"^{type(layer).__name__}.backward: grad_output must have the shape of the forward output "
                                 rf"{re.escape(str(out.shape))}, got", layer.backward, np.ones(shape))


@given(dim=st.integers(-8, 8), rank=st.integers(0, 3))
def test_softmax_dim_out_of_range(dim, rank):
    bound = max(rank, 1)
    assume(not -bound <= dim < bound)
    for cls in (nn.Softmax, nn.LogSoftmax):
        raises_own_words(IndexError, rf"{cls.__name__}: dim {dim} is out of range for an input of rank {rank} "
                                     rf"\(expected in \[{-bound}, {bound - 1}\]\)", cls(dim=dim), np.ones((2,) * rank))


@pytest.mark.parametrize("cls", [nn.Softmax, nn.LogSoftmax])
def test_softmax_of_a_scalar_is_as_in_pytorch(cls):
    """A scalar counts as a vector of one entry: softmax 1, log-softmax 0, gradient 0."""
    for dim in (0, -1):
        module = cls(dim=dim)
        assert quietly(module, np.float64(3.0)) == (1.0 if cls is nn.Softmax else 0.0)
        assert quietly(module.backward, np.float64(1.0)) == 0.0


# ---------------------------------------------------------------- NaN, infinity, empty batches


finite_or_not = st.one_of(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 3e38, -3e38]),
                          st.floats(allow_nan=True, allow_infinity=True, width=32))


@given(x=hnp.arrays(np.float32, (5, 3), elements=finite_or_not))
def test_nan_and_inf_stay_in_their_own_rows_through_linear(x):
    layer = nn.Linear(3, 2)
    out = quietly(layer, x)
    quietly(layer.backward, np.ones_like(out))
    clean = np.all(np.isfinite(x), axis=1)
    if clean.any():
        # The clean rows alone give the same values, to the rounding bound of a
        # 3-term dot product (≈ 3u·Σ|x_j w_j|, u = 6e-8 in float32; 1e-5 leaves a margin;
        # the two calls may use different BLAS kernels).
        alone = layer(x[clean])
        bound = 1e-5 * (np.abs(x[clean]).astype(np.float64) @ np.abs(layer.weight.data.T) + np.abs(layer.bias.data))
        both_inf = np.isinf(out[clean]) & (out[clean] == alone)
        with np.errstate(invalid="ignore"):  # inf − inf where both are the same infinity
            assert np.all(both_inf | (np.abs(out[clean].astype(np.float64) - alone) <= bound))
    assert np.all(np.isnan(out[np.any(np.isnan(x), axis=1)]))  # NaN in, NaN out — for that example only


@given(x=hnp.arrays(np.float64, (4, 3), elements=finite_or_not),
       name=st.sampled_from(["ELU", "GELU", "GELU-tanh", "SiLU", "Softplus", "Dropout", "BatchNorm1d"]))
def test_smooth_activations_dropout_and_batchnorm_stay_silent_on_nan_and_inf(x, name):
    """NaN in gives NaN out (for BatchNorm in training, the whole feature column
    that shares the batch statistics; for Dropout, dropped entries too: NaN·0 is
    NaN, as in PyTorch), with no warning, forward and backward."""
    layer = LAYERS[name][0]()
    out = quietly(layer, x)
    quietly(layer.backward, np.ones_like(out))
    cols = np.isnan(x).any(axis=0) if name == "BatchNorm1d" else None
    nan_in = np.broadcast_to(cols, x.shape) if cols is not None else np.isnan(x)
    assert np.all(np.isnan(out[nan_in]))


@given(x=hnp.arrays(np.float64, (4, 3), elements=finite_or_not), name=st.sampled_from(ELEMENTWISE))
def test_elementwise_activations_map_nan_and_inf_as_ieee(x, name):
    out = quietly(ACTIVATIONS[name](), x)
    assert np.array_equal(np.isnan(out), np.isnan(x))
    limits = {"Identity": (-np.inf, np.inf), "ReLU": (0.0, np.inf), "Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0),
              "LeakyReLU": (-np.inf, np.inf)}[name]
    assert np.all(out[x == -np.inf] == limits[0]) and np.all(out[x == np.inf] == limits[1])


@given(x=hnp.arrays(np.float64, (4, 3), elements=finite_or_not))
def test_softmax_rows_with_nan_or_plus_inf_are_nan_others_are_distributions(x):
    """As in PyTorch: a row holding NaN or +inf gives NaN; −inf entries get probability 0."""
    s = quietly(nn.Softmax(dim=1), x)
    bad = np.any(np.isnan(x) | (x == np.inf), axis=1) | np.all(x == -np.inf, axis=1)
    assert np.all(np.isnan(s[bad]))
    good = s[~bad]
    np.testing.assert_allclose(good.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(good[x[~bad] == -np.inf] == 0)


@given(x=hnp.arrays(np.float64, (3, 2), elements=finite_or_not),
       t=hnp.arrays(np.float64, (3, 2), elements=finite_or_not),
       loss=st.sampled_from(["MSELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "PoissonNLLLoss"]),
       reduction=st.sampled_from(["mean", "sum", "none"]))
@example(x=np.full((3, 2), 709.0), t=np.zeros((3, 2)), loss="PoissonNLLLoss", reduction="sum")  # clamped below
def test_non_finite_losses_are_computed_silently(x, t, loss, reduction):
    """NaN/inf predictions (and MSE targets, and ±inf Poisson targets) give a
    loss and a gradient — NaN or inf where IEEE arithmetic says so, as in
    PyTorch — with no warning; finite where every input is finite (and, for the
    Poisson loss on log-rates, where so is the sum of the e^z: each log-rate
    is clamped to log(max float / m) − 1 for the m = 6 entries, ≈ 707.0, so
    that Σ e^z ≤ max/e. Clamped only at 709, three entries there already
    overflow the sum: 3·e^709 = 2.5e308 > 1.8e308)."""
    fn = {**SAME_SHAPE_LOSSES, **INDEX_LOSSES}[loss](reduction=reduction)
    if loss == "BCEWithLogitsLoss":
        t = np.clip(np.nan_to_num(t), 0, 1)
    elif loss == "PoissonNLLLoss":
        t = np.abs(np.nan_to_num(t, nan=0.0, posinf=np.inf, neginf=-np.inf))
        top = np.log(np.finfo(x.dtype).max / x.size) - 1  # Σ e^z over the x.size entries stays finite
        x = np.where(x < top, x, np.where(np.isfinite(x), top, x))
    elif loss in INDEX_LOSSES:
        t = np.array([0, 1, 1])
    value = quietly(fn, x, t)
    grad = quietly(fn.backward, None if reduction != "none" else np.ones(np.shape(value)))
    assert grad.shape == x.shape
    if np.all(np.isfinite(x)) and np.all(np.isfinite(t)):
        assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))


@pytest.mark.parametrize("loss", sorted(SAME_SHAPE_LOSSES) + sorted(INDEX_LOSSES))
def test_nan_in_a_prediction(loss):
    x = np.array([[np.nan, 0.5, 0.5], [0.2, 0.3, 0.5]])
    if loss == "BCELoss":
        raises_own_words(ValueError, r"BCELoss: every prediction must be a probability in \[0, 1\], got nan",
                         nn.BCELoss(), x, np.zeros_like(x))
        return
    target = np.array([0, 1]) if loss in INDEX_LOSSES else np.zeros_like(x)
    fn = {**SAME_SHAPE_LOSSES, **INDEX_LOSSES}[loss](reduction="none")
    losses = quietly(fn, x, target)
    assert np.isnan(losses.reshape(2, -1)[0]).any() and np.all(np.isfinite(losses.reshape(2, -1)[1]))


@pytest.mark.parametrize("loss", sorted(INDEX_LOSSES))
def test_nan_or_fractional_class_indices_are_refused(loss):
    for bad in (np.nan, np.inf, 0.5):
        raises_own_words(ValueError, rf"{loss}: class indices must be whole numbers, got {bad}",
                         INDEX_LOSSES[loss](), np.zeros((2, 3)), np.array([0.0, bad]))


@given(n_in=st.integers(1, 4), n_out=st.integers(1, 4),
       module=st.sampled_from(["Linear", *ACTIVATIONS, "ELU", "GELU", "SiLU", "Softplus", "Dropout"]))
def test_empty_batches_forward_and_backward(n_in, n_out, module):
    layer = nn.Linear(n_in, n_out) if module == "Linear" else LAYERS[module][0]()
    out = quietly(layer, np.zeros((0, n_in), np.float32))
    assert out.shape == (0, n_out if module == "Linear" else n_in)
    assert quietly(layer.backward, np.zeros(out.shape, np.float32)).shape == (0, n_in)


@pytest.mark.parametrize("loss", sorted(SAME_SHAPE_LOSSES) + sorted(INDEX_LOSSES))
def test_empty_batch_losses_are_nan_for_the_mean_and_zero_for_the_sum(loss):
    cls = {**SAME_SHAPE_LOSSES, **INDEX_LOSSES}[loss]
    target = np.zeros(0, int) if loss in INDEX_LOSSES else np.zeros((0, 3))
    mean = cls()
    assert np.isnan(quietly(mean, np.zeros((0, 3)), target))
    assert quietly(mean.backward).shape == (0, 3)
    total = cls(reduction="sum")
    assert quietly(total, np.zeros((0, 3)), target) == 0


def test_softmax_over_an_empty_dimension_is_empty_and_zero_classes_are_refused():
    assert quietly(nn.Softmax(dim=1), np.zeros((2, 0))).shape == (2, 0)
    assert quietly(nn.LogSoftmax(dim=1), np.zeros((2, 0))).shape == (2, 0)
    for name, cls in INDEX_LOSSES.items():
        raises_own_words(ValueError, rf"{name}: predictions of shape \(4, 0\) have no classes", cls(),
                         np.zeros((4, 0)), np.zeros(4, int))


# ---------------------------------------------------------------- labels


@given(n=st.integers(1, 5), c=st.integers(1, 5), data=st.data())
def test_class_indices_out_of_range(n, c, data):
    target = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(-10, 10)))
    bad = (target < 0) | (target >= c)
    assume(bad.any())
    for name, cls in INDEX_LOSSES.items():
        raises_own_words(IndexError, rf"^{name}: target {target[bad][0]} is out of bounds: class indices must "
                                     rf"lie in \[0, {c - 1}\] for {c} classes", cls(), np.zeros((n, c)), target)


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
def test_class_indices_of_the_wrong_shape(shape):
    assume(shape != (4,))
    for name, cls in INDEX_LOSSES.items():
        raises_own_words(ValueError, rf"^{name}: expected class indices of shape \(4,\) \(one per example\), got",
                         cls(), np.zeros((4, 3)), np.zeros(shape, int))


@given(target=hnp.arrays(np.float64, (3, 2), elements=st.floats(-5, 5)), loss=st.sampled_from(["BCELoss", "BCEWithLogitsLoss"]))
def test_binary_targets_outside_zero_one(target, loss):
    assume(np.any((target < 0) | (target > 1)))
    raises_own_words(ValueError, rf"^{loss}: targets must lie in \[0, 1\]", SAME_SHAPE_LOSSES[loss](),
                     np.full((3, 2), 0.5), target)


@given(p=hnp.arrays(np.float64, (3, 2), elements=st.floats(-5, 5)))
def test_bce_probabilities_outside_zero_one(p):
    assume(np.any((p < 0) | (p > 1)))
    raises_own_words(ValueError, r"^BCELoss: every prediction must be a probability in \[0, 1\].*"
                                 r"BCEWithLogitsLoss", nn.BCELoss(), p, np.zeros((3, 2)))


@given(target=hnp.arrays(np.float64, (3, 2), elements=st.floats(-5, 5) | st.just(np.nan)))
def test_poisson_targets_below_zero_or_nan(target):
    assume(not np.all(target >= 0))
    raises_own_words(ValueError, r"^PoissonNLLLoss: targets must be counts or rates >= 0, got", nn.PoissonNLLLoss(),
                     np.zeros((3, 2)), target)


@given(rate=hnp.arrays(np.float64, (3, 2), elements=st.floats(-5, 5) | st.just(np.nan)))
def test_poisson_rates_below_zero_or_nan(rate):
    """With ``log_input=False`` the prediction is the rate λ itself; with the
    default log-rates any real number (NaN too, propagating) is a prediction."""
    assume(not np.all(rate >= 0))
    message = raises_own_words(ValueError, r"^PoissonNLLLoss\(log_input=False\): every prediction must be a rate "
                                           r">= 0, got", nn.PoissonNLLLoss(log_input=False), rate, np.ones((3, 2)))
    assert "use log_input=True" in message
    assert quietly(nn.PoissonNLLLoss(reduction="none"), rate, np.ones((3, 2))).shape == (3, 2)


@given(value=st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none(), st.lists(st.booleans(), max_size=2)),
       which=st.sampled_from(["log_input", "full"]))
def test_poisson_switches_must_be_booleans(value, which):
    raises_own_words(TypeError, rf"^PoissonNLLLoss: {which} must be True or False, got", nn.PoissonNLLLoss,
                     **{which: value})


@given(value=st.floats(allow_nan=True).filter(lambda v: not v >= 0))
def test_poisson_eps_below_zero_or_nan(value):
    raises_own_words(ValueError, "^PoissonNLLLoss: eps must (not be NaN|be >= 0)", nn.PoissonNLLLoss, eps=value)


def test_class_probabilities_outside_zero_one():
    raises_own_words(ValueError, "CrossEntropyLoss: class probabilities must lie in", nn.CrossEntropyLoss(),
                     np.zeros((2, 3)), np.full((2, 3), 1.5))


# ---------------------------------------------------------------- hyperparameters

not_an_int = st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans(),
                       st.lists(st.integers(), max_size=2))
not_a_real = st.one_of(st.text(max_size=3), st.none(), st.booleans(), st.lists(st.floats(), max_size=2),
                       st.complex_numbers())


@given(value=not_an_int, which=st.sampled_from(["in_features", "out_features"]))
def test_linear_sizes_must_be_integers(value, which):
    kwargs = {"in_features": 3, "out_features": 2, which: value}
    raises_own_words(TypeError, f"^{which} must be an integer, got", nn.Linear, **kwargs)


@given(value=st.integers(max_value=-1))
def test_linear_sizes_must_not_be_negative(value):
    raises_own_words(ValueError, f"^in_features must be non-negative, got {value}", nn.Linear, value, 2)


@given(dtype=st.one_of(st.sampled_from(["int", "float16", "complex", "half", np.int32, np.float16, np.complex64, bool]),
                       st.text(max_size=4)))
def test_dtypes_other_than_float32_and_float64_are_refused(dtype):
    assume(dtype not in ("float32", "float64", "float", "double"))
    raises_own_words(TypeError, "^dtype must be float32 or float64, got", nn.Linear, 2, 2, dtype=dtype)
    raises_own_words(TypeError, "^dtype must be float32 or float64, got", sn.models.mlp([2, 1]).to, dtype)


@given(value=not_a_real)
def test_real_hyperparameters(value):
    raises_own_words(TypeError, "^negative_slope must be a real number", nn.LeakyReLU, value)
    raises_own_words(TypeError, "^label_smoothing must be a real number", nn.CrossEntropyLoss, label_smoothing=value)
    raises_own_words(TypeError, "^PoissonNLLLoss: eps must be a real number", nn.PoissonNLLLoss, eps=value)
    raises_own_words(TypeError, "^val must be a real number", nn.init.constant_, np.zeros(2), value)
    raises_own_words(TypeError, "^std must be a real number", nn.init.normal_, np.zeros(2), std=value)


@given(value=st.floats(allow_nan=True).filter(lambda v: not 0 <= v <= 1))
def test_label_smoothing_out_of_range(value):
    raises_own_words(ValueError, "^label_smoothing must (not be NaN|be >= 0.0|be <= 1.0)", nn.CrossEntropyLoss,
                     label_smoothing=value)


@given(value=not_an_int)
def test_integer_hyperparameters(value):
    raises_own_words(TypeError, "^ignore_index must be an integer", nn.CrossEntropyLoss, ignore_index=value)
    raises_own_words(TypeError, "^ignore_index must be an integer", nn.NLLLoss, ignore_index=value)
    if value is not None:
        raises_own_words(TypeError, r"^dim must be an integer \(an axis index\) or None", nn.Softmax, dim=value)
    raises_own_words(TypeError, "^manual_seed expects an integer seed", sn.manual_seed, value)


@given(value=st.one_of(st.text(max_size=6), st.none(), st.integers(), st.lists(st.text(max_size=2), max_size=2)))
def test_names_that_are_not_in_the_registries(value):
    assume(not isinstance(value, str) or value not in [*sn.models.ACTIVATIONS, *sn.models.OUTPUTS, "mean", "sum", "none"])
    raises_own_words(ValueError, "^unknown activation .*; choose one of", sn.models.mlp, [2, 1], activation=value)
    if value is not None:
        raises_own_words(ValueError, "^unknown output .*; choose None", sn.models.mlp, [2, 1], output=value)
    raises_own_words(ValueError, "is not a valid value for reduction", nn.MSELoss, reduction=value)


@given(sizes=st.one_of(st.lists(st.integers(-3, 0), min_size=2, max_size=4), st.lists(st.integers(1, 3), max_size=1),
                       st.text(max_size=3), st.integers(), st.none()))
def test_mlp_sizes(sizes):
    assume(not (isinstance(sizes, list) and all(isinstance(s, int) and s > 0 for s in sizes) and len(sizes) >= 2))
    raises_own_words((TypeError, ValueError), r"sizes|must be positive", sn.models.mlp, sizes)


@pytest.mark.parametrize("state, error, pattern", [
    (5, TypeError, "expects a state dict returned by get_rng_state"),
    ({"bit_generator": "__class__"}, ValueError, "unknown bit generator '__class__'"),
    ({"bit_generator": "default_rng"}, ValueError, "unknown bit generator 'default_rng'"),
    ({"bit_generator": "PCG64", "state": 5}, ValueError, "not a valid PCG64 state"),
    ({"bit_generator": "PCG64"}, ValueError, "not a valid PCG64 state"),
])
def test_bad_rng_states(state, error, pattern):
    before = sn.get_rng_state()
    raises_own_words(error, pattern, sn.set_rng_state, state)
    assert sn.get_rng_state() == before  # nothing changed


def test_bad_generators_and_init_arguments():
    raises_own_words(TypeError, "generator must be a numpy.random.Generator", sn.models.mlp, [2, 1], generator=3)
    raises_own_words(TypeError, "can only initialize floating-point arrays", nn.init.uniform_, np.zeros(3, int))
    raises_own_words(TypeError, "expected a numpy array or a Parameter to fill, got list", nn.init.zeros_, [1.0])
    raises_own_words(ValueError, r"uniform_ expects a <= b", nn.init.uniform_, np.zeros(3), 1, 0)
    raises_own_words(TypeError, "^a must be a real number", nn.init.uniform_, np.zeros(3), "0", 1)


# ---------------------------------------------------------------- misuse order


@pytest.mark.parametrize("module", ["Linear", "Sequential", *ACTIVATIONS, *SAME_SHAPE_LOSSES, *INDEX_LOSSES])
def test_backward_before_forward_and_twice(module):
    if module == "Linear":
        m, args, g = nn.Linear(3, 2), (np.ones((2, 3)),), np.ones((2, 2))
    elif module == "Sequential":
        m, args, g = sn.models.mlp([3, 4, 2]), (np.ones((2, 3)),), np.ones((2, 2))
    elif module in ACTIVATIONS:
        m, args, g = ACTIVATIONS[module](), (np.ones((2, 3)),), np.ones((2, 3))
    else:
        target = np.array([0, 1]) if module in INDEX_LOSSES else np.full((2, 3), 0.5)
        m, args, g = {**SAME_SHAPE_LOSSES, **INDEX_LOSSES}[module](), (np.full((2, 3), 0.5), target), None
    raises_own_words(RuntimeError, rf"^{type(m).__name__}.backward\(\) called before forward\(\)", m.backward, g)
    m(*args)
    quietly(m.backward, g)
    raises_own_words(RuntimeError, rf"^{type(m).__name__}.backward\(\) called twice after one forward\(\)",
                     m.backward, g)
    m(*args)  # a new forward makes backward legal again
    quietly(m.backward, g)


def test_implied_grad_output_only_for_scalar_outputs():
    layer = nn.Linear(3, 2)
    layer(np.ones((1, 3)))
    raises_own_words(RuntimeError, r"needs grad_output, dJ/d\(output\) of shape \(1, 2\)", layer.backward)
    loss = nn.MSELoss(reduction="none")
    loss(np.ones(3), np.zeros(3))
    raises_own_words(RuntimeError, r"MSELoss.backward\(\) needs grad_output", loss.backward)


def test_misused_containers_and_state():
    raises_own_words(TypeError, "did you pass a class instead of an instance", nn.Sequential, nn.ReLU)
    raises_own_words(IndexError, "index 5 is out of range for a Sequential of 2 modules",
                     sn.models.mlp([2, 1], output="sigmoid").__getitem__, 5)
    raises_own_words(TypeError, "Sequential indices must be integers or slices, got str",
                     sn.models.mlp([2, 1]).__getitem__, "0")
    model = sn.models.mlp([2, 3, 1])
    raises_own_words(TypeError, "load_state_dict expects a mapping of names to arrays, got list",
                     model.load_state_dict, [1, 2])
    raises_own_words(RuntimeError, r"'0.weight': expected a numeric array, got array of shape \(3, 2\) and dtype complex",
                     model.load_state_dict, {k: np.zeros(v.shape, complex) for k, v in model.state_dict().items()})
    raises_own_words(ValueError, "training mode is expected to be boolean", model.train, "yes")
    raises_own_words(TypeError, "cannot assign array .* as parameter 'weight'", setattr, model[0], "weight", np.ones((3, 2)))


# ---------------------------------------------------------------- optimizers, schedulers, clipping

from scratchnet import optim  # noqa: E402
from scratchnet.data import DataLoader, TensorDataset  # noqa: E402
from scratchnet.optim import lr_scheduler as lrs  # noqa: E402
from scratchnet.train import fit  # noqa: E402

#: Every optimizer's real-valued hyperparameters that must be finite and >= 0, with torch's word for it.
OPTIMIZER_OPTIONS = {
    "SGD": (optim.SGD, {"lr": "learning rate", "momentum": "momentum value", "weight_decay": "weight_decay value"}),
    "Adam": (optim.Adam, {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value"}),
    "AdamW": (optim.AdamW, {"lr": "learning rate", "eps": "epsilon value", "weight_decay": "weight_decay value"}),
    "RMSprop": (optim.RMSprop, {"lr": "learning rate", "eps": "epsilon value", "momentum": "momentum value",
                                "weight_decay": "weight_decay value", "alpha": "alpha value"}),
    "Adagrad": (optim.Adagrad, {"lr": "learning rate", "lr_decay": "lr_decay value", "eps": "epsilon value",
                                "weight_decay": "weight_decay value"}),
}
optimizer_option = st.sampled_from([(o, k) for o, (_, opts) in OPTIMIZER_OPTIONS.items() for k in opts])
bad_option_value = st.one_of(st.floats(max_value=-1e-300), st.sampled_from([np.nan, np.inf, -np.inf]))


def _param(shape=(2, 3), dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype))


@given(case=optimizer_option, value=not_a_real)
def test_optimizer_hyperparameters_must_be_real(case, value):
    name, option = case
    raises_own_words(TypeError, f"^{option} must be a real number", OPTIMIZER_OPTIONS[name][0], [_param()],
                     **{option: value})


@given(case=optimizer_option, value=bad_option_value)
def test_optimizer_hyperparameters_out_of_range(case, value):
    name, option = case
    cls, words = OPTIMIZER_OPTIONS[name]
    raises_own_words(ValueError, f"^Invalid {words[option]}: ", cls, [_param()], **{option: value})
    raises_own_words(ValueError, f"^Invalid {words[option]}: ", cls([_param()]).add_param_group,
                     {"params": [_param()], option: value})  # a group's own options too


@given(betas=st.one_of(not_a_real, st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True)),
                       st.lists(st.floats(0, 0.5), min_size=0, max_size=3)),
       name=st.sampled_from(["Adam", "AdamW"]))
def test_adam_betas(betas, name):
    assume(not (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(isinstance(b, float) and 0 <= b < 1 for b in betas)))
    raises_own_words((TypeError, ValueError), r"^(betas must be a pair|Invalid beta parameter|betas\[\d\] must be a real)",
                     OPTIMIZER_OPTIONS[name][0], [_param()], betas=betas)


@given(params=st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=3), st.just([]),
                        st.lists(st.one_of(st.integers(), st.none(), st.text(max_size=2)), min_size=1, max_size=3),
                        st.just({"params": []}), st.just(np.zeros(3))),
       name=st.sampled_from(sorted(OPTIMIZER_OPTIONS)))
def test_optimizer_params_that_are_not_parameters(params, name):
    raises_own_words((TypeError, ValueError), r"^(params argument given to the optimizer should be an iterable|"
                                              r"optimizer got an empty parameter list|optimizer can only optimize Parameters)",
                     OPTIMIZER_OPTIONS[name][0], params)


@st.composite
def bad_grad(draw):
    """A value that is not a gradient of a float32 (2, 3) parameter, and the message it gets."""
    kind = draw(st.sampled_from(["dtype", "shape", "float64", "not an array"]))
    if kind == "dtype":
        g, _ = draw(bad_dtype_array((2, 3)))
        return g, r"^assigned grad has dtype .*, the parameter has dtype float32"
    if kind == "float64":
        return np.zeros((2, 3)), r"^assigned grad has dtype float64, the parameter has dtype float32"
    if kind == "shape":
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4).filter(lambda s: s != (2, 3)))
        return np.zeros(shape, np.float32), r"^assigned grad has shape .*, the parameter has shape \(2, 3\)"
    value = draw(st.one_of(st.lists(st.floats(), max_size=3), st.floats(), st.text(max_size=2), st.integers()))
    return value, r"^assigned grad must be a NumPy array or None, got"


@given(case=bad_grad(), name=st.sampled_from(sorted(OPTIMIZER_OPTIONS)))
def test_bad_gradients_are_refused_when_assigned(case, name):
    value, pattern = case
    p = _param()
    opt = OPTIMIZER_OPTIONS[name][0]([p])
    raises_own_words((TypeError, ValueError), pattern, setattr, p, "grad", value)
    assert p.grad is None
    quietly(opt.step)  # nothing was assigned, so nothing to do


def test_a_preset_gradient_of_the_wrong_shape_never_reaches_backward():
    layer = nn.Linear(3, 2)
    raises_own_words(RuntimeError, r"assigned grad has shape \(3, 3\), the parameter has shape \(2, 3\)",
                     setattr, layer.weight, "grad", np.zeros((3, 3), np.float32))
    layer(np.ones((1, 3)))
    quietly(layer.backward, np.ones((1, 2)))
    assert np.array_equal(layer.weight.grad, np.ones((2, 3), np.float32))


def _opt():
    return optim.SGD([_param()], lr=0.1)


SCHEDULER_FACTORS = {  # scheduler → (factory taking the bad value, the option's name)
    "StepLR.gamma": (lambda v: lrs.StepLR(_opt(), 2, gamma=v), "gamma"),
    "MultiStepLR.gamma": (lambda v: lrs.MultiStepLR(_opt(), [1], gamma=v), "gamma"),
    "ExponentialLR.gamma": (lambda v: lrs.ExponentialLR(_opt(), gamma=v), "gamma"),
    "CosineAnnealingLR.eta_min": (lambda v: lrs.CosineAnnealingLR(_opt(), 5, eta_min=v), "eta_min"),
}
SCHEDULER_INTS = {
    "StepLR.step_size": (lambda v: lrs.StepLR(_opt(), v), "step_size"),
    "CosineAnnealingLR.T_max": (lambda v: lrs.CosineAnnealingLR(_opt(), v), "T_max"),
}


@given(value=st.one_of(not_a_real, bad_option_value), case=st.sampled_from(sorted(SCHEDULER_FACTORS)))
def test_scheduler_factors(value, case):
    factory, option = SCHEDULER_FACTORS[case]
    raises_own_words((TypeError, ValueError), rf"^{option} must be (a real number|a finite number >= 0)", factory, value)


@given(value=st.one_of(not_an_int, st.integers(max_value=0)), case=st.sampled_from(sorted(SCHEDULER_INTS)))
def test_scheduler_integer_options(value, case):
    factory, option = SCHEDULER_INTS[case]
    raises_own_words((TypeError, ValueError), rf"^{option} must be a positive integer, got", factory, value)


@given(milestones=st.one_of(st.integers(), st.floats(), st.none(), st.text(min_size=1, max_size=3),
                            st.lists(st.one_of(st.floats(), st.text(max_size=2), st.none(), st.booleans()),
                                     min_size=1, max_size=3)))
def test_scheduler_milestones(milestones):
    raises_own_words(TypeError, r"^milestones must be (a list of epoch numbers|integers)", lrs.MultiStepLR,
                     _opt(), milestones)


@given(fn=st.one_of(st.integers(), st.floats(), st.none(), st.text(max_size=2),
                    st.lists(st.just(lambda e: 1.0), min_size=2, max_size=3), st.just([3])))
def test_lambda_lr_needs_functions(fn):
    raises_own_words((TypeError, ValueError), r"^(lr_lambda should be a function|Expected 1 lr_lambdas)",
                     lrs.LambdaLR, _opt(), fn)


@given(result=st.one_of(not_a_real))
def test_lambda_lr_result_must_be_a_number(result):
    raises_own_words(TypeError, r"^lr_lambda must return a real number, but lr_lambda\(0\) returned",
                     lrs.LambdaLR, _opt(), lambda e: result)


@given(last_epoch=st.integers(0, 10), cls=st.sampled_from(["StepLR", "ExponentialLR", "CosineAnnealingLR"]))
def test_resuming_a_scheduler_without_initial_lr(last_epoch, cls):
    factory = {"StepLR": lambda: lrs.StepLR(_opt(), 2, last_epoch=last_epoch),
               "ExponentialLR": lambda: lrs.ExponentialLR(_opt(), 0.5, last_epoch=last_epoch),
               "CosineAnnealingLR": lambda: lrs.CosineAnnealingLR(_opt(), 5, last_epoch=last_epoch)}[cls]
    message = raises_own_words(KeyError, rf"^{cls}\(last_epoch={last_epoch}\) resumes a schedule, so every "
                                         r"parameter group needs 'initial_lr'", factory)
    with pytest.raises(ValueError):  # also scratchnet's type for a bad argument
        factory()
    assert not message.startswith('"')


def _is_number(text: str) -> bool:
    try:
        return not np.isnan(float(text))
    except ValueError:
        return False


def _with_grads():
    layer = nn.Linear(3, 2)
    layer(np.ones((2, 3)))
    layer.backward(np.ones((2, 2)))
    return layer


@given(value=st.one_of(not_a_real, st.floats(max_value=-1e-300), st.just(np.nan)),
       which=st.sampled_from(["max_norm", "norm_type", "clip_value"]))
def test_clip_grad_arguments(value, which):
    assume(not (which == "norm_type" and isinstance(value, float) and not np.isnan(value)))  # negative p: torch's too
    assume(not (which == "norm_type" and isinstance(value, str) and _is_number(value)))  # "inf", "2": torch's spelling
    layer = _with_grads()
    before = [p.grad.copy() for p in layer.parameters()]
    if which == "clip_value":
        fn, kwargs = nn.utils.clip_grad_value_, {"clip_value": value}
    else:
        fn, kwargs = nn.utils.clip_grad_norm_, {"max_norm": 1.0, which: value}
    raises_own_words((TypeError, ValueError), rf"^{which} must be", fn, layer.parameters(), **kwargs)
    assert all(np.array_equal(p.grad, b) for p, b in zip(layer.parameters(), before))  # untouched


def test_clip_value_must_be_finite_and_max_norm_may_be_inf():
    layer = _with_grads()
    raises_own_words(ValueError, r"^clip_value must be a finite number >= 0, got inf",
                     nn.utils.clip_grad_value_, layer.parameters(), np.inf)
    raises_own_words(ValueError, r"^max_norm must be a number >= 0, got -1.*flip its sign",
                     nn.utils.clip_grad_norm_, layer.parameters(), -1)
    quietly(nn.utils.clip_grad_norm_, layer.parameters(), np.inf)  # no clipping, as torch
    assert np.array_equal(layer.weight.grad, np.full((2, 3), 2.0, np.float32))


# ---------------------------------------------------------------- data, gradcheck, fit


@given(arrays=st.one_of(
    st.just([[[1, 2], [3]]]),                                    # ragged
    st.lists(st.integers(1, 4), min_size=2, max_size=3, unique=True).map(lambda ns: [np.zeros(n) for n in ns]),
    st.just([np.float64(1.0)]), st.just([3]), st.just([])))     # scalars, nothing
def test_tensor_dataset_bad_arrays(arrays):
    raises_own_words(ValueError, r"^(TensorDataset array 0 must be a rectangular|Size mismatch between arrays|"
                                 r"array 0 is a scalar|TensorDataset needs at least one array)",
                     TensorDataset, *arrays)


@given(batch_size=st.one_of(not_an_int, st.integers(max_value=0)), shuffle=st.booleans())
def test_data_loader_batch_size(batch_size, shuffle):
    raises_own_words((TypeError, ValueError), r"^batch_size must be (an integer|positive)", DataLoader,
                     (np.zeros((4, 2)), np.zeros(4)), batch_size=batch_size, shuffle=shuffle)


@given(dataset=st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=2)),
       generator=st.one_of(st.none(), st.integers(), st.text(max_size=2)))
def test_data_loader_dataset_and_generator(dataset, generator):
    raises_own_words(TypeError, r"^dataset must be a TensorDataset", DataLoader, dataset)
    if generator is not None:
        raises_own_words(TypeError, r"generator must be a numpy.random.Generator", DataLoader,
                         (np.zeros((4, 2)),), 2, shuffle=True, generator=generator)


@given(value=st.one_of(not_a_real, st.floats(max_value=0), st.sampled_from([np.nan, np.inf])),
       which=st.sampled_from(["eps", "atol", "rtol"]))
def test_gradcheck_tolerances(value, which):
    assume(not (which != "eps" and isinstance(value, float) and value == 0))  # atol=0 / rtol=0 are fine
    assume(not (which != "eps" and value == np.inf))
    raises_own_words((TypeError, ValueError), rf"^gradcheck {which}.* must (be|not be NaN)", sn.gradcheck,
                     nn.Linear(2, 1), np.ones((2, 2)), **{which: value})


@given(case=bad_dtype_array((2, 2)))
def test_gradcheck_input(case):
    x, message = case
    raises_own_words(TypeError, f"^gradcheck input {message}", sn.gradcheck, nn.Linear(2, 1), x)
    raises_own_words(TypeError, "^gradcheck expects a scratchnet Module", sn.gradcheck, x, x)


def _fit_parts():
    model = sn.models.mlp([2, 3, 2])
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (np.zeros((4, 2)), np.zeros(4, int))


@given(epochs=st.one_of(not_an_int, st.integers(max_value=0)))
def test_fit_epochs(epochs):
    model, loss_fn, opt, data = _fit_parts()
    raises_own_words(ValueError, r"^epochs must be a positive integer", fit, model, loss_fn, opt, data, epochs)


@given(value=st.one_of(not_a_real, st.floats(max_value=0), st.just(np.nan)), which=st.sampled_from(["clip_grad_norm", "patience"]))
def test_fit_options(value, which):
    assume(value is not None)
    model, loss_fn, opt, data = _fit_parts()
    raises_own_words(ValueError, rf"^{which} must be a positive", fit, model, loss_fn, opt, data, 1, **{which: value})


@given(which=st.sampled_from(["model", "loss_fn", "optimizer", "scheduler", "data"]),
       value=st.one_of(st.integers(), st.text(max_size=3), st.just(object()), st.just(np.zeros(3))))
def test_fit_objects(which, value):
    model, loss_fn, opt, data = _fit_parts()
    args = {"model": model, "loss_fn": loss_fn, "optimizer": opt, "data": data, "scheduler": None, which: value}
    if which == "data" and isinstance(value, np.ndarray):
        value = 3  # an array is iterable; as a loader its rows would be the batches
        args["data"] = value
    raises_own_words(TypeError, rf"^(fit: )?{which} must be", fit, args["model"], args["loss_fn"], args["optimizer"],
                     args["data"], 1, scheduler=args["scheduler"], progress=False)


def test_class_indices_beyond_int64_are_reported_as_given():
    for name, cls in INDEX_LOSSES.items():
        for bad in (1e20, -1e20, 2.0 ** 63):
            raises_own_words(IndexError, rf"^{name}: target {re.escape(f'{bad:g}')} is out of bounds", cls(), np.zeros((1, 3)),
                             np.array([bad]))


def test_fit_with_a_used_up_iterator_or_empty_data():
    model, loss_fn, opt, (x, y) = _fit_parts()
    raises_own_words(TypeError, r"^data must be a DataLoader .*iterator without len\(\) \(it would be used up",
                     fit, model, loss_fn, opt, iter([(x, y)]), 2, progress=False)

    class Empty:
        def __len__(self):
            return 0

        def __iter__(self):
            return iter(())

    raises_own_words(ValueError, r"^data yielded no batches in epoch 0 \(counting from 0\): an empty loader",
                     fit, model, loss_fn, opt, Empty(), 1, progress=False)
    raises_own_words(ValueError, r"^dataset is empty", fit, model, loss_fn, opt, (x[:0], y[:0]), 1, progress=False)
