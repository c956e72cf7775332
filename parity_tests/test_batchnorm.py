"""BatchNorm1d: scratchnet vs torch.nn.BatchNorm1d.

Same weights, same inputs; compared: the training-mode output, dJ/dinput,
dJ/dγ and dJ/dβ; the running statistics after 100 training steps (momentum
0.1 and momentum=None, the cumulative average); then eval-mode outputs and
gradients, and the state_dict (keys, values, num_batches_tracked's int64).

Bounds (compare.py): float64 1e-10. float32 1e-5: each output is
(x − μ)/√(σ² + eps)·γ + β with μ, σ² sums of m ≤ 64 terms (error ≲ m·u
relative to the data's scale, 64 · 6e-8 ≈ 4e-6 worst case, ~√m·u typical);
torch accumulates the batch statistics in double on the CPU while scratchnet
stays in float32, so the float32 difference is scratchnet's own rounding,
≈ 1e-7 measured. The running estimates are convex combinations
(1 − f)·r + f·s, which do not amplify relative error: after 100 steps the
error stays of the order of one step's.
"""

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import FLOAT64_BOUND, assert_parity
from parity_tests.conftest import tdtype, tensor
from torch_ref.convert import to_torch


def _pair(dtype, device, shape_c=5, **kw):
    mine = sn.nn.BatchNorm1d(shape_c, dtype=dtype, **kw)
    theirs = torch.nn.BatchNorm1d(shape_c, **kw).to(device=device, dtype=tdtype(dtype))
    rng = np.random.default_rng(7)
    if mine.affine:  # non-trivial γ, β
        mine.weight.data[...] = rng.uniform(0.5, 1.5, shape_c)
    if mine.bias is not None:
        mine.bias.data[...] = rng.standard_normal(shape_c)
    theirs.load_state_dict(to_torch(mine, device=device))
    return mine, theirs


@pytest.mark.parametrize("shape", [(32, 5), (8, 5, 6)], ids=["NC", "NCL"])
@pytest.mark.parametrize("affine", [True, False, "no bias"])
def test_batchnorm_train_forward_and_gradients(dtype, device, shape, affine):
    kw = dict(affine=True, bias=False) if affine == "no bias" else dict(affine=affine)
    mine, theirs = _pair(dtype, device, **kw)
    assert repr(mine) == repr(theirs) and list(mine.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    xt = tensor(x, dtype, device, requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, device))
    out = mine(x)
    grad_x = mine.backward(g)
    tag = f"{'(N, C, L)' if len(shape) == 3 else '(N, C)'}" + {True: "", False: ", affine=False",
                                                                 "no bias": ", bias=False"}[affine]
    assert_parity(out, out_t, component="BatchNorm1d", quantity=f"train output {tag}", dtype=dtype, device=device)
    assert_parity(grad_x, xt.grad, component="BatchNorm1d", quantity=f"dJ/dinput {tag}", dtype=dtype, device=device)
    if affine:
        assert_parity(mine.weight.grad, theirs.weight.grad, component="BatchNorm1d", quantity=f"dJ/dweight {tag}",
                      dtype=dtype, device=device)
        if affine is True:
            assert_parity(mine.bias.grad, theirs.bias.grad, component="BatchNorm1d", quantity=f"dJ/dbias {tag}",
                          dtype=dtype, device=device)
    assert_parity(mine.running_var, theirs.running_var, component="BatchNorm1d",
                  quantity=f"running_var after 1 step {tag}", dtype=dtype, device=device)


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum=0.1", "momentum=None"])
def test_batchnorm_running_stats_over_100_steps_then_eval(dtype, device, momentum):
    mine, theirs = _pair(dtype, device, momentum=momentum)
    rng = np.random.default_rng(1)
    shift = rng.standard_normal(5) * 4
    for _ in range(100):
        # Batches of varying size and statistics, so every step moves the estimates.
        x = (rng.standard_normal((int(rng.integers(2, 20)), 5)) * rng.uniform(0.5, 3) + shift).astype(dtype)
        mine(x)
        theirs(tensor(x, dtype, device))
    tag = f"after 100 steps ({'momentum=None' if momentum is None else f'momentum={momentum}'})"
    assert_parity(mine.running_mean, theirs.running_mean, component="BatchNorm1d", quantity=f"running_mean {tag}",
                  dtype=dtype, device=device)
    assert_parity(mine.running_var, theirs.running_var, component="BatchNorm1d", quantity=f"running_var {tag}",
                  dtype=dtype, device=device)
    assert int(mine.num_batches_tracked) == int(theirs.num_batches_tracked) == 100

    mine.eval(), theirs.eval()
    x = (rng.standard_normal((16, 5)) * 2 + shift).astype(dtype)
    g = rng.standard_normal((16, 5)).astype(dtype)
    xt = tensor(x, dtype, device, requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, device))
    mine.zero_grad()
    out = mine(x)
    grad_x = mine.backward(g)
    assert_parity(out, out_t, component="BatchNorm1d", quantity=f"eval output {tag}", dtype=dtype, device=device)
    assert_parity(grad_x, xt.grad, component="BatchNorm1d", quantity=f"eval dJ/dinput {tag}", dtype=dtype,
                  device=device)
    assert_parity(mine.weight.grad, theirs.weight.grad, component="BatchNorm1d", quantity=f"eval dJ/dweight {tag}",
                  dtype=dtype, device=device)
    # Eval mode leaves the running statistics alone, in both.
    assert int(mine.num_batches_tracked) == int(theirs.num_batches_tracked) == 100


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval(dtype):
    mine, theirs = _pair(dtype, "cpu", track_running_stats=False)
    mine.eval(), theirs.eval()
    x = np.random.default_rng(2).standard_normal((10, 5)).astype(dtype) * 3
    assert_parity(mine(x), theirs(tensor(x, dtype, "cpu")), component="BatchNorm1d",
                  quantity="eval output, track_running_stats=False", dtype=dtype)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]


def test_batchnorm_state_dict_as_torch(dtype):
    mine, theirs = _pair(dtype, "cpu")
    x = np.random.default_rng(3).standard_normal((6, 5)).astype(dtype)
    for _ in range(3):
        mine(x), theirs(tensor(x, dtype, "cpu"))
    sd_t = theirs.state_dict()
    sd = mine.state_dict()
    assert list(sd) == list(sd_t) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == np.int64 and sd_t["num_batches_tracked"].dtype == torch.int64
    assert sd["num_batches_tracked"].shape == tuple(sd_t["num_batches_tracked"].shape) == ()
    for k in ("running_mean", "running_var"):
        assert sd[k].dtype == dtype
        assert_parity(sd[k], sd_t[k], component="BatchNorm1d", quantity=f"state_dict {k} after 3 steps", dtype=dtype)
    # torch → scratchnet: a fresh module takes torch's state, counter included.
    fresh = sn.nn.BatchNorm1d(5, dtype=dtype)
    fresh.load_state_dict({k: v for k, v in sd_t.items()})
    assert int(fresh.num_batches_tracked) == 3 and fresh.num_batches_tracked.dtype == np.int64
    assert np.array_equal(fresh.running_var, sd_t["running_var"].numpy())
    # ... and scratchnet → torch
    back = torch.nn.BatchNorm1d(5).to(tdtype(dtype))
    back.load_state_dict(to_torch(mine))
    assert int(back.num_batches_tracked) == 3


def test_batchnorm_errors_match_torch_in_kind():
    bn = sn.nn.BatchNorm1d(3)
    tbn = torch.nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(np.ones((1, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        tbn(torch.ones(1, 3))
    with pytest.raises(ValueError, match="expected 2D"):
        bn(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="expected 2D or 3D"):
        tbn(torch.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="3 features"):
        bn(np.ones((4, 2)))
    bn.eval()
    assert bn(np.ones((1, 3))).shape == (1, 3)  # eval mode: a batch of one is fine, as in torch


from hypothesis import given, strategies as st  # noqa: E402


@given(batch=st.integers(2, 40), features=st.integers(1, 6), scale=st.floats(1e-2, 1e2),
       offset=st.floats(-1e2, 1e2), momentum=st.one_of(st.none(), st.floats(0.0, 1.0)), seed=st.integers(0, 2 ** 16))
def test_batchnorm_property_train_step(batch, features, scale, offset, momentum, seed):
    """Any batch size ≥ 2, width, data scale and offset, momentum (None included): one
    training step's output, dJ/dinput and running statistics agree in float64.

    The offset is kept within 1e4 of the scale: x − μ then loses at most
    ~log10(|offset|/scale) ≤ 4 digits to cancellation, identically in both libraries.

    A batch of two is special: its normalised outputs are ±σ/√(σ² + eps) whatever
    the input, so dJ/dinput = (1/m)/√(σ² + eps)·(m dẐ − Σ dẐ − Ẑ Σ dẐ Ẑ) is a difference
    of terms of size |γ dY|/√(σ² + eps) that cancel down to a factor eps/σ² of them.
    Its own size then carries no digits to compare, so for m = 2 its error is
    measured against the size of the cancelling terms instead (same 1e-10 bound)."""
    dtype = np.dtype(np.float64)
    mine, theirs = _pair(dtype, "cpu", shape_c=features, momentum=momentum)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, features)) * scale + offset
    g = rng.standard_normal((batch, features))
    xt = tensor(x, dtype, "cpu", requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, "cpu"))
    out = mine(x)
    grad_x = mine.backward(g)
    if batch == 2:
        terms = np.max(np.abs(g * mine.weight.data)) * np.max(mine._inv_std)
        assert np.max(np.abs(grad_x - xt.grad.numpy())) <= FLOAT64_BOUND * terms
    else:
        assert_parity(grad_x, xt.grad, component="BatchNorm1d", quantity="dJ/dinput (hypothesis cases, m ≥ 3)",
                      dtype=dtype)
    for name, a, b in (("output", out, out_t),
                       ("running_mean", mine.running_mean, theirs.running_mean),
                       ("running_var", mine.running_var, theirs.running_var)):
        assert_parity(a, b, component="BatchNorm1d", quantity=f"{name} (hypothesis cases)", dtype=dtype)
