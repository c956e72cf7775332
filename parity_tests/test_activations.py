"""Activations: forward A = g(Z) and backward dZ = dA ⊙ g'(Z), scratchnet vs torch.

Each case feeds identical Z and an identical upstream gradient dA to both
libraries; torch computes dZ by autograd, scratchnet by its explicit
``backward``. Forward outputs are compared relative to their own magnitude;
dZ relative to max|dA| (``scale=``), because g'(Z) computed from a saturated
output is ill-conditioned (see ``parity_tests/compare.py``).
"""

from __future__ import annotations

import warnings
import zlib

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor
from parity_tests.edges import assert_edges, entrywise_tolerance

# (name, scratchnet factory, torch factory)
ACTIVATIONS = [
    ("Identity", lambda: sn.nn.Identity(), lambda: torch.nn.Identity()),
    ("Sigmoid", lambda: sn.nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    ("Tanh", lambda: sn.nn.Tanh(), lambda: torch.nn.Tanh()),
    ("ReLU", lambda: sn.nn.ReLU(), lambda: torch.nn.ReLU()),
    ("LeakyReLU", lambda: sn.nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    ("LeakyReLU(0.2)", lambda: sn.nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    ("Softmax(dim=1)", lambda: sn.nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    ("Softmax(dim=0)", lambda: sn.nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    ("LogSoftmax(dim=1)", lambda: sn.nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    ("LogSoftmax(dim=-1)", lambda: sn.nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
]


def run_both(make_sn, make_torch, z: np.ndarray, g: np.ndarray, dtype, device):
    """(scratchnet A, scratchnet dZ, torch A, torch dZ) for the same Z and dA."""
    mine = make_sn()
    a = mine(z.astype(dtype))
    dz = mine.backward(g.astype(dtype))
    zt = tensor(z, dtype, device, requires_grad=True)
    at = make_torch()(zt)
    at.backward(tensor(g, dtype, device))
    return a, dz, at, zt.grad


@pytest.mark.parametrize("name,make_sn,make_torch", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 3), (32, 10)])
def test_activation_forward_backward(name, make_sn, make_torch, shape, dtype, device):
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    z = rng.normal(0, 3, size=shape)
    g = rng.normal(size=shape)
    a, dz, at, dzt = run_both(make_sn, make_torch, z, g, dtype, device)
    assert a.dtype == dtype and dz.dtype == dtype
    assert_parity(a, at, component=name, quantity="forward", dtype=dtype, device=device)
    assert_parity(dz, dzt, component=name, quantity="dL/dinput", dtype=dtype, device=device,
                  scale=np.max(np.abs(g)))


@pytest.mark.parametrize("name,make_sn,make_torch", ACTIVATIONS[:6], ids=[a[0] for a in ACTIVATIONS[:6]])
def test_elementwise_activation_any_rank(name, make_sn, make_torch, dtype, device):
    """Element-wise activations accept any shape, including a single vector and rank 3."""
    rng = np.random.default_rng(3)
    for shape in [(6,), (2, 3, 4)]:
        z, g = rng.normal(size=shape), rng.normal(size=shape)
        a, dz, at, dzt = run_both(make_sn, make_torch, z, g, dtype, device)
        assert_parity(a, at, component=name, quantity="forward", dtype=dtype, device=device)
        assert_parity(dz, dzt, component=name, quantity="dL/dinput", dtype=dtype, device=device,
                      scale=np.max(np.abs(g)))


# ------------------------------------------------------------------ edge values
#
# At edges (±0, kinks, saturation, NaN, ±inf) torch's answer can depend on the
# kernel path its CPU takes; the tests below accept scratchnet when it equals one
# of torch's own answers and fail wherever torch agrees with itself
# (``parity_tests/edges.py`` gives the rule and lists the edges torch leaves open).


def run_mine(make_sn, z, g, dtype):
    """scratchnet's (A, dZ) for Z and upstream dA."""
    mine = make_sn()
    a = mine(z.astype(dtype))
    return a, mine.backward(g.astype(dtype))


@pytest.mark.parametrize("name,make_sn,make_torch", [ACTIVATIONS[3], ACTIVATIONS[4], ACTIVATIONS[5]],
                         ids=["ReLU", "LeakyReLU", "LeakyReLU(0.2)"])
def test_kinks_at_exactly_zero(name, make_sn, make_torch, dtype, device):
    """At Z = ±0 exactly, ReLU' = 0 and LeakyReLU' = negative_slope — torch's
    documented convention, asserted as written — and the same answers as torch,
    exactly (rtol = atol = 0)."""
    z = np.array([[-0.0, 0.0, -1.0, 1.0]])
    g = np.ones_like(z)
    a, dz = run_mine(make_sn, z, g, dtype)
    slope = 0.0 if name == "ReLU" else (0.2 if "0.2" in name else 0.01)
    np.testing.assert_array_equal(dz[0, :2], np.array([slope, slope], dtype=dtype))
    assert_edges(a, dz, make_torch, z, g, component=name, quantity="at ±0", dtype=dtype, device=device,
                 rtol=0.0, atol=0.0)


@pytest.mark.parametrize("name,make_sn,make_torch", [ACTIVATIONS[1], ACTIVATIONS[2]], ids=["Sigmoid", "Tanh"])
def test_saturation_and_underflow_tails(name, make_sn, make_torch, dtype, device):
    """Sigmoid and tanh at −709, −88, ±50 and ±500: finite, no overflow
    warning, equal to torch entry by entry, including the subnormal and zero
    tails: σ(−709) = 1.2e-308 is subnormal in float64 and 0 in float32
    (e^709 overflows), σ(−88) = 6.1e-39 subnormal in float32, σ(−50) =
    1.9e-22, σ(−500) = 7.1e-218 in float64 and 0 in float32.

    Tolerance: the relative part of ``edges.entrywise_tolerance`` (1e-13 /
    1e-5) and no absolute part, so a tail value must match torch's to its
    leading digits, not merely be small. Both compute σ(Z) = 1/(1 + e^(−Z))
    (ATen's scalar and vector loops alike, as scratchnet): no cancellation,
    one exp (an ulp or so; torch's scalar and vector float32 loops were seen
    one ulp apart at −87) and a correctly rounded add and divide, so the
    results agree relatively. That holds in the subnormal range too: the
    smallest nonzero result is 1/max float (5.6e-309 = 2⁵⁰ and 2.9e-39 = 2²¹
    smallest subnormals), so rounding it costs at most 2⁻⁵¹ (float64) or 2⁻²²
    = 2.4e-7 (float32) relatively — inside rtol. Where e^(−Z) overflows both give
    exactly 0. tanh(±50), tanh(±500) and tanh(−709), tanh(−88) round to ±1 and
    their derivative 1 − A² is exactly 0. (This holds with subnormals kept,
    as torch and NumPy leave the FPU; a process that flushes them to zero
    would get 0 at σ(−709) and σ(−88) on one side only.)"""
    z = np.array([[-709.0, -500.0, -88.0, -50.0, 50.0, 500.0]])
    g = np.ones_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, dz = run_mine(make_sn, z, g, dtype)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz))
    rtol, _ = entrywise_tolerance(dtype, z)
    assert_edges(a, dz, make_torch, z, g, component=name, quantity="at −709, −88, ±50, ±500", dtype=dtype,
                 device=device, rtol=rtol, atol=0.0)
    if name == "Sigmoid":   # σ(500) rounds to 1; σ(−500) = e^−500 ≈ 7e-218 is 0 in float32
        assert a[0, 5] == 1.0
        assert (0 < a[0, 1] < 1e-200) if dtype == np.float64 else (a[0, 1] == 0.0)
        tiny = np.finfo(dtype).smallest_normal   # the subnormal tail: σ(−709) in float64, σ(−88) in float32
        assert 0 < a[0, 0 if dtype == np.float64 else 2] < tiny
    else:                   # tanh(±500) = ±1 exactly, and its derivative 0
        assert a[0, 1] == -1.0 and a[0, 5] == 1.0 and dz[0, 1] == 0.0


@pytest.mark.parametrize("name,make_sn,make_torch", ACTIVATIONS[6:], ids=[a[0] for a in ACTIVATIONS[6:]])
def test_softmax_huge_logits(name, make_sn, make_torch, dtype, device):
    """Softmax/LogSoftmax stay finite and equal to torch for logits up to ±1e4."""
    z = np.array([[1e4, -1e4, 0.0], [1e3, 1e3 - 1, -1e3], [-1e4, -1e4, -1e4]])
    g = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, 0.1], [1.0, 1.0, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a, dz, at, dzt = run_both(make_sn, make_torch, z, g, dtype, device)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz))
    assert_parity(a, at, component=name, quantity="forward, logits ±1e4", dtype=dtype, device=device)
    assert_parity(dz, dzt, component=name, quantity="dL/dinput, logits ±1e4", dtype=dtype, device=device,
                  scale=np.max(np.abs(g)))


def test_functional_derivatives_match_autograd(dtype, device):
    """Each ``functional.*_derivative`` equals torch's derivative of the same function."""
    F = sn.nn.functional
    z = np.concatenate([np.linspace(-6, 6, 25), [0.0]])
    pairs = [(F.sigmoid_derivative, torch.sigmoid), (F.tanh_derivative, torch.tanh),
             (F.relu_derivative, torch.relu), (F.identity_derivative, lambda t: t),
             (F.leaky_relu_derivative, torch.nn.functional.leaky_relu)]
    for mine, theirs in pairs:
        zt = tensor(z, dtype, device, requires_grad=True)
        theirs(zt).sum().backward()
        assert_parity(mine(z.astype(dtype)), zt.grad, component=f"functional.{mine.__name__}",
                      quantity="g'(z)", dtype=dtype, device=device, scale=1.0)
    s = z[:5].astype(dtype)
    zt = tensor(s, dtype, device, requires_grad=True)
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), zt)
    assert_parity(F.softmax_derivative(s), jac, component="functional.softmax_derivative",
                  quantity="Jacobian", dtype=dtype, device=device)


def test_implicit_softmax_dim_warns_like_torch():
    """Softmax(dim=None) picks torch's implicit dimension (1 for rank 2) and warns."""
    z = np.random.default_rng(0).normal(size=(3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        a = sn.nn.Softmax()(z)
    with pytest.warns(UserWarning):
        at = torch.nn.Softmax()(torch.tensor(z))
    np.testing.assert_allclose(a, at.numpy(), rtol=1e-12)


ELEMENTWISE = ACTIVATIONS[:6] + [
    ("ELU", lambda: sn.nn.ELU(), lambda: torch.nn.ELU()),
    ("GELU", lambda: sn.nn.GELU(), lambda: torch.nn.GELU()),
    ("GELU(tanh)", lambda: sn.nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    ("SiLU", lambda: sn.nn.SiLU(), lambda: torch.nn.SiLU()),
    ("Softplus", lambda: sn.nn.Softplus(), lambda: torch.nn.Softplus()),
]


@pytest.mark.parametrize("name,make_sn,make_torch", ELEMENTWISE, ids=[a[0] for a in ELEMENTWISE])
def test_nan_and_infinity_propagate_as_in_torch(name, make_sn, make_torch, dtype, device):
    """NaN and ±inf inputs, and NaN/inf upstream gradients at active and inactive
    units, entry by entry against torch's answers on every kernel path. (ReLU
    and ELU test ``z ≤ 0`` as torch's scalar loop does, so a NaN unit passes its
    gradient on; torch's vectorised ELU backward gives NaN there — an open edge,
    ``parity_tests/edges.py``.)"""
    z = np.array([np.nan, np.inf, -np.inf, 1.0, -1.0, 0.0, 2.0, -2.0])
    g = np.array([1.0, 1.0, 1.0, 1.0, np.inf, np.nan, -np.inf, np.nan])
    with np.errstate(all="ignore"):
        a, dz = run_mine(make_sn, z, g, dtype)
    assert_edges(a, dz, make_torch, z, g, component=name, quantity="at NaN, ±inf", dtype=dtype, device=device)
