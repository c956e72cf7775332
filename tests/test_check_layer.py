"""torch_ref.check.check_layer: correct hand-written layers pass in float64 and
float32, in every accepted code shape and layout; wrong ones fail on the right
tensor with the cause named; misuse gets a clear error in the check's words.

The layers here are written for these tests (CS231n-style functions with a
cache, a class with attributes, CS229's columns layout), independently of the
catalogue's hand-written network."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from torch_ref.check import FLOAT32_BOUND, FLOAT64_BOUND, check_layer

DTYPES = ["float64", "float32"]


# ----------------------------------------------------------------------------- hand-written layers
def affine_forward(x, w, b):          # CS231n: x (m, in), w (in, out), b (out,)
    return x @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def cs229_forward(X, W, b):           # CS229: X (in, m), W (out, in), b (out, 1)
    Z = W @ X + b
    return Z, (X, W)


def cs229_backward(dZ, cache):
    X, W = cache
    return {"dW": dZ @ X.T, "db": dZ.sum(axis=1, keepdims=True), "dX": W.T @ dZ}


class Dense:
    """nnfs-style: parameters as attributes, gradients as attributes, backward returns dX."""

    def __init__(self, n_in, n_out, rng, bias=True):
        self.W = rng.standard_normal((n_out, n_in))
        self.b = rng.standard_normal(n_out) if bias else None

    def forward(self, x):
        self.x = x
        return x @ self.W.T + (self.b if self.b is not None else 0)

    def backward(self, dout):
        self.dW = dout.T @ self.x
        if self.b is not None:
            self.db = dout.sum(axis=0)
        return dout @ self.W


class BatchNorm:
    def __init__(self, n, rng, momentum=0.1, eps=1e-5):
        self.gamma, self.beta = rng.uniform(0.5, 1.5, n), rng.standard_normal(n)
        self.running_mean, self.running_var = np.zeros(n), np.ones(n)
        self.momentum, self.eps = momentum, eps

    def forward(self, x):
        m = len(x)
        mu, var = x.mean(axis=0), x.var(axis=0)
        self.inv = 1 / np.sqrt(var + self.eps)
        self.xhat = (x - mu) * self.inv
        self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
        self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * m / (m - 1)
        return self.gamma * self.xhat + self.beta

    def backward(self, dy):
        m = len(dy)
        self.dgamma, self.dbeta = (dy * self.xhat).sum(axis=0), dy.sum(axis=0)
        dxhat = dy * self.gamma
        return self.inv / m * (m * dxhat - dxhat.sum(axis=0) - self.xhat * (dxhat * self.xhat).sum(axis=0))


def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(d, z):
    return d * (z > 0)


def leaky_forward(z):
    return np.where(z > 0, z, 0.01 * z), z


def leaky_backward(d, z):
    return d * np.where(z > 0, 1.0, 0.01)


# ----------------------------------------------------------------------------- correct code passes
@pytest.mark.parametrize("dtype", DTYPES)
def test_cs231n_affine_with_a_cache_passes(dtype):
    r = check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out", "b": "out"}, dtype=dtype)
    assert r.ok, r
    assert [row.name for row in r.rows] == ["output", "dw", "db", "dX"]
    bound = FLOAT64_BOUND if dtype == "float64" else FLOAT32_BOUND
    assert all(row.bound == bound for row in r.rows)
    # measured far inside the bound: rounding only (float64 ~1e-16, float32 ~1e-7)
    assert max(row.max_rel for row in r.rows) < (1e-14 if dtype == "float64" else 1e-6)
    assert r.rows[1].mine.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cs229_columns_layout_passes(dtype):
    r = check_layer(cs229_forward, cs229_backward, nn.Linear(4, 3), params={"W": "weight", "b": "bias"},
                    layout="cs229", dtype=dtype)
    assert r.ok, r
    assert r["output"].shape_mine == (3, 8) and r["db"].shape_mine == (3, 1) and r["dX"].shape_mine == (4, 8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_layer_object_without_bias_passes(dtype):
    layer = Dense(4, 3, np.random.default_rng(1), bias=False)
    r = check_layer(layer, nn.Linear(4, 3, bias=False), params={"W": "weight"}, dtype=dtype)
    assert r.ok, r
    assert [row.name for row in r.rows] == ["output", "dW", "dX"]
    assert layer.W.dtype == np.dtype(dtype)   # the object was moved to the check's dtype, as model.to(dtype)


def test_a_layer_objects_own_weights_are_the_ones_torch_gets():
    layer = Dense(4, 3, np.random.default_rng(2))
    x = np.random.default_rng(3).standard_normal((5, 4))
    r = check_layer(layer, nn.Linear(4, 3), params={"W": "weight", "b": "bias"}, inputs=x)
    assert r.ok, r
    np.testing.assert_allclose(r["output"].expected, x @ layer.W.T + layer.b, rtol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_object_passes_with_its_running_statistics(dtype):
    bn = BatchNorm(5, np.random.default_rng(4))
    r = check_layer(bn, nn.BatchNorm1d(5), params={"gamma": "weight", "beta": "bias"}, dtype=dtype)
    assert r.ok, r
    names = [row.name for row in r.rows]
    assert names == ["output", "running_mean", "running_var", "dgamma", "dbeta", "dX"]
    assert r["running_var"].kind == "state"


def test_batchnorm_buffers_mapped_by_your_names():
    bn = BatchNorm(3, np.random.default_rng(5))
    bn.mu_run, bn.var_run = bn.running_mean, bn.running_var
    del bn.running_mean, bn.running_var

    class Renamed(BatchNorm):
        def forward(self, x):
            self.running_mean, self.running_var = self.mu_run, self.var_run
            out = super().forward(x)
            self.mu_run, self.var_run = self.running_mean, self.running_var
            del self.running_mean, self.running_var
            return out

    bn.__class__ = Renamed
    r = check_layer(bn, nn.BatchNorm1d(3), params={"gamma": "weight", "beta": "bias"},
                    buffers={"mu_run": "running_mean", "var_run": "running_var"})
    assert r.ok, r
    assert "var_run" in [row.name for row in r.rows]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fwd,bwd,ref", [(relu_forward, relu_backward, nn.ReLU()),
                                         (leaky_forward, leaky_backward, nn.LeakyReLU(0.01))],
                         ids=["ReLU", "LeakyReLU"])
def test_activations_pass_including_at_the_kink(fwd, bwd, ref, dtype):
    """The drawn input has exact zeros (example 0, all of it), where the kink
    conventions differ, and there the derivative is torch's — ReLU'(0) = 0,
    LeakyReLU'(0) = negative_slope — to the check's bound (this LeakyReLU
    multiplies by a float64 0.01, torch by a float32 one; a wrong convention
    is 100× off)."""
    seen = []

    def recording(z):  # the input check_layer hands the layer
        seen.append(np.array(z, copy=True))
        return fwd(z)

    r = check_layer(recording, bwd, ref, dtype=dtype)
    assert r.ok, r
    z = seen[0]
    assert z.shape == (8, 5) and z.dtype == np.dtype(dtype)
    assert np.all(z[0] == 0) and (z == 0).sum() == 5   # example 0 all zeros; N(0, 1) elsewhere
    dX = r["dX"]
    assert dX.mine.shape == (8, 5)
    bound = FLOAT64_BOUND if dtype == "float64" else FLOAT32_BOUND
    np.testing.assert_allclose(dX.mine[0], dX.expected[0], rtol=bound, atol=0)
    if isinstance(ref, nn.ReLU):
        assert np.all(dX.mine[0] == 0)
    else:  # negative_slope times the upstream gradient, which is N(0, 1): not 0
        assert np.all(dX.mine[0] != 0)


def test_a_torch_function_reference():
    def sig_f(z):
        a = 1 / (1 + np.exp(-z))
        return a, a

    r = check_layer(sig_f, lambda d, a: d * a * (1 - a), torch.sigmoid)
    assert r.ok, r


def test_a_torch_function_with_parameters_takes_your_values():
    w = np.random.default_rng(6).standard_normal((3, 4))
    r = check_layer(lambda x, weight: (x @ weight.T, x), lambda d, x: (d @ w, d.T @ x),
                    nn.functional.linear, params={"weight": "weight"}, values={"weight": w})
    assert r.ok, r


def test_dropout_uses_your_mask():
    class Dropout:
        def __init__(self, p, rng):
            self.p, self.rng = p, rng

        def forward(self, a):
            self.mask = self.rng.random(a.shape) >= self.p
            return a * self.mask / (1 - self.p)

        def backward(self, d):
            return d * self.mask / (1 - self.p)

    layer = Dropout(0.4, np.random.default_rng(7))
    r = check_layer(layer, nn.Dropout(0.4))
    assert r.ok, r
    assert any("your mask" in n for n in r.notes)
    assert 0 < layer.mask.mean() < 1


def test_upstream_and_inputs_you_give_are_used():
    x = np.random.default_rng(8).standard_normal((6, 4))
    dout = np.random.default_rng(9).standard_normal((6, 3))
    captured = {}

    def bwd(d, cache):
        captured["dout"] = d
        return affine_backward(d, cache)

    r = check_layer(affine_forward, bwd, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"}, inputs=x, upstream=dout)
    assert r.ok, r
    np.testing.assert_array_equal(captured["dout"], dout)
    assert r["dX"].shape_mine == (6, 4)


# ----------------------------------------------------------------------------- wrong code: the right tensor, the cause named
def test_a_missing_one_over_m_in_a_layer_is_named():
    def bwd(dout, cache):
        x, w, b = cache
        return dout @ w.T, x.T @ dout / len(x), dout.sum(axis=0)

    r = check_layer(affine_forward, bwd, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert not r.ok and r.first_failure.name == "dw"
    assert "0.125 × torch's (1/8 = 1/m)" in r["dw"].diagnosis and "applied twice" in r["dw"].diagnosis
    assert r["db"].ok and r["dX"].ok


def test_a_transposed_weight_gradient_is_named_with_the_formula_for_your_layout():
    def bwd(dout, cache):
        x, w, b = cache
        return dout @ w.T, dout.T @ x, dout.sum(axis=0)

    r = check_layer(affine_forward, bwd, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert r.first_failure.name == "dw"
    assert "transposed" in r["dw"].diagnosis and "dW = Xᵀ·dZ" in r["dw"].diagnosis
    assert r["dw"].shape_mine == (3, 4) and r["dw"].shape_ref == (4, 3)


def test_a_square_transposed_gradient_is_named_too():
    def bwd(dout, cache):
        x, w, b = cache
        return dout @ w.T, (x.T @ dout).T, dout.sum(axis=0)

    r = check_layer(affine_forward, bwd, nn.Linear(4, 4), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert r.first_failure.name == "dw" and "transposed" in r["dw"].diagnosis


def test_a_relu_kink_in_a_layer_is_located():
    r = check_layer(relu_forward, lambda d, z: d * (z >= 0), nn.ReLU())
    assert r.first_failure.name == "dX"
    assert "ReLU'(0) = 1" in r["dX"].diagnosis


def test_a_sign_error_and_a_per_row_factor():
    def bwd_sign(dout, cache):
        x, w, b = cache
        return -(dout @ w.T), x.T @ dout, dout.sum(axis=0)

    r = check_layer(affine_forward, bwd_sign, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert r.first_failure.name == "dX" and "sign is flipped" in r["dX"].diagnosis

    scale = np.array([1.0, 2.0, 3.0])

    def bwd_rows(dout, cache):          # each output unit's gradient scaled differently
        x, w, b = cache
        return dout @ w.T, x.T @ dout * scale, dout.sum(axis=0)

    r = check_layer(affine_forward, bwd_rows, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert "own factor" in r["dw"].diagnosis or "slices differ" in r["dw"].diagnosis
    assert "'out'" in r["dw"].diagnosis


def test_batchnorm_running_variance_and_momentum_bugs_are_named():
    class Biased(BatchNorm):
        def forward(self, x):
            out = super().forward(x)
            m = len(x)
            self.running_var = (self.running_var - (1 - self.momentum)) * (m - 1) / m + (1 - self.momentum)
            return out

    r = check_layer(Biased(4, np.random.default_rng(10)), nn.BatchNorm1d(4), params={"gamma": "weight", "beta": "bias"})
    assert r.first_failure.name == "running_var" and "biased" in r["running_var"].diagnosis

    class Reversed(BatchNorm):
        def forward(self, x):
            self.momentum = 0.9
            out = super().forward(x)
            self.momentum = 0.1
            return out

    r = check_layer(Reversed(4, np.random.default_rng(11)), nn.BatchNorm1d(4), params={"gamma": "weight", "beta": "bias"})
    assert r.first_failure.name == "running_mean" and "momentum reversed" in r["running_mean"].diagnosis


def test_float32_code_in_a_float64_check_is_named():
    def fwd(x, w, b):
        return (x @ w + b).astype(np.float32), (x, w, b)

    r = check_layer(fwd, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    assert r.first_failure.name == "output"
    assert "float32" in r["output"].diagnosis
    # Within 1e-7 of torch, yet failing: float32 numbers cannot meet a float64 check's bound.
    assert r["output"].max_rel < 1e-6


def test_a_missing_gradient_is_a_failing_row_that_says_so():
    r = check_layer(affine_forward, lambda d, c: {"dx": d @ c[1].T}, nn.Linear(4, 3),
                    params={"w": "weight", "b": "bias"}, layout={"w": "in out"})
    assert not r["dw"].ok and "no gradient for 'w'" in r["dw"].diagnosis
    assert r["dX"].ok


# ----------------------------------------------------------------------------- the report
def test_the_report_prints_a_table_and_asserts_with_it():
    def bwd(dout, cache):
        x, w, b = cache
        return dout @ w.T, x.T @ dout / len(x), dout.sum(axis=0)

    r = check_layer(affine_forward, bwd, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})
    text = str(r)
    for word in ("tensor", "shape (mine)", "shape (torch)", "max abs", "max rel", "bound", "diagnosis", "FAIL", "dw"):
        assert word in text
    with pytest.raises(AssertionError) as info:
        r.assert_ok()
    assert "1/m" in str(info.value) and "dw" in str(info.value)
    md = r.to_markdown()
    assert md.count("\n|") >= 5 and "| dw |" in md
    assert r._repr_markdown_() == md
    with pytest.raises(KeyError, match="rows are"):
        r["nonexistent"]
    ok = check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                     layout={"w": "in out"})
    assert ok.assert_ok() is ok and ok.first_failure is None and ok.summary().startswith("OK")


# ----------------------------------------------------------------------------- misuse: a clear error in the check's words
def test_a_params_name_torch_does_not_have():
    with pytest.raises(ValueError, match=r"no parameter 'weights'.*'weight', 'bias'"):
        check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weights", "b": "bias"})


def test_a_torch_parameter_left_unmapped():
    with pytest.raises(ValueError, match=r"'bias' that params does not name"):
        check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weight"})


def test_an_input_of_the_wrong_shape_suggests_the_layout_it_fits():
    with pytest.raises(ValueError, match=r"in = 5 features, but the reference expects in = 4.*'in m'"):
        check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"}, inputs=np.zeros((4, 5)))
    with pytest.raises(ValueError, match="3 dimension"):
        check_layer(affine_forward, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    inputs=np.zeros((2, 4, 1)))


def test_a_parameter_of_the_wrong_shape_suggests_the_layout_it_fits():
    layer = Dense(4, 3, np.random.default_rng(0))
    layer.W = layer.W.T.copy()   # stored (in, out) while declared torch's (out, in)
    with pytest.raises(ValueError, match=r"'W' has shape \(4, 3\).*'out in'.*'in out'"):
        check_layer(layer, nn.Linear(4, 3), params={"W": "weight", "b": "bias"})


@pytest.mark.parametrize("layout,match", [({"W": "out inn"}, "unknown axis"), ({"W": "out"}, "must name the axes"),
                                          ({"weights": "out in"}, "neither one of your tensors"),
                                          ("columns", "unknown layout preset"), ({"W": "out out in"}, "twice"),
                                          ({"W": 3}, "string of axis names")])
def test_bad_layouts(layout, match):
    layer = Dense(4, 3, np.random.default_rng(0))
    with pytest.raises((ValueError, TypeError), match=match):
        check_layer(layer, nn.Linear(4, 3), params={"W": "weight", "b": "bias"}, layout=layout)


def test_an_object_without_the_named_attribute():
    with pytest.raises(ValueError, match=r"has no attribute 'weight'"):
        check_layer(Dense(4, 3, np.random.default_rng(0)), nn.Linear(4, 3), params={"weight": "weight", "b": "bias"})


def test_a_backward_returning_the_wrong_number_of_arrays():
    with pytest.raises(ValueError, match=r"returned 4 arrays.*\(dX, dw, db\)"):
        check_layer(affine_forward, lambda d, c: (d, d, d, d), nn.Linear(4, 3), params={"w": "weight", "b": "bias"},
                    layout={"w": "in out"})


def test_wrong_arguments():
    with pytest.raises(TypeError, match="reference"):
        check_layer(affine_forward, affine_backward)
    with pytest.raises(TypeError, match="backward"):
        check_layer(affine_forward, None, nn.Linear(4, 3))
    with pytest.raises(ValueError, match="float64' or 'float32"):
        check_layer(relu_forward, relu_backward, nn.ReLU(), dtype="float16")
    with pytest.raises(TypeError, match="forward"):
        check_layer(3, relu_backward, nn.ReLU())
    with pytest.raises(ValueError, match="values="):
        check_layer(affine_forward, affine_backward, nn.functional.linear, params={"w": "weight"})
    with pytest.raises(TypeError, match="forward\\(x, w=..., b=...\\)"):
        check_layer(lambda x: x, affine_backward, nn.Linear(4, 3), params={"w": "weight", "b": "bias"})
