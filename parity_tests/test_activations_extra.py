"""ELU, GELU (exact and tanh), SiLU, Softplus: scratchnet vs torch.nn.

Compared: A = g(Z) and dZ = dA ⊙ g'(Z) for Z = 3·N(0, 1) (norm-wise, the
parity table's measure), and entry by entry at edge values — 0 and −0,
tiny, the erf branch points 0.46875 and 4 (×√2), Softplus's threshold 20 on
both sides, saturation at ±30, ±100, ±1e4 — where a norm-wise error would
hide a wrong small entry next to a large one.

Entry-wise bound: ``parity_tests.edges.entrywise_tolerance`` (argued there); at
the edges torch's answer may depend on its kernel path, and scratchnet is
accepted when it equals one of torch's answers (``parity_tests/edges.py``).
"""

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor
from parity_tests.edges import assert_edges

PAIRS = {
    "ELU": (lambda: sn.nn.ELU(), lambda: torch.nn.ELU()),
    "ELU(alpha=0.5)": (lambda: sn.nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    "GELU": (lambda: sn.nn.GELU(), lambda: torch.nn.GELU()),
    "GELU(approximate='tanh')": (lambda: sn.nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    "SiLU": (lambda: sn.nn.SiLU(), lambda: torch.nn.SiLU()),
    "Softplus": (lambda: sn.nn.Softplus(), lambda: torch.nn.Softplus()),
    "Softplus(beta=2, threshold=10)": (lambda: sn.nn.Softplus(2.0, 10.0), lambda: torch.nn.Softplus(2.0, 10.0)),
}

EDGES = np.array([0.0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 0.46875 * 2 ** 0.5, -0.46875 * 2 ** 0.5,
                  4 * 2 ** 0.5, -4 * 2 ** 0.5, 4.99, 5.01, 9.99, 10.01, 19.99, 20.0, 20.01, -20.0,
                  30.0, -30.0, 100.0, -100.0, 1e4, -1e4])


def _run(pair, x, g, dtype, device="cpu"):
    mine, theirs = PAIRS[pair][0](), PAIRS[pair][1]().to(device)
    xt = tensor(x, dtype, device, requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, device))
    out = mine(x)
    return out, mine.backward(g), out_t.detach().cpu().numpy(), xt.grad.cpu().numpy()


@pytest.mark.parametrize("pair", list(PAIRS))
def test_activation_parity(pair, dtype, device):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 16)) * 3).astype(dtype)
    g = rng.standard_normal((64, 16)).astype(dtype)
    out, grad, out_t, grad_t = _run(pair, x, g, dtype, device)
    assert out.dtype == grad.dtype == dtype
    assert_parity(out, out_t, component=pair, quantity="output, Z ~ 3·N(0,1)", dtype=dtype, device=device)
    assert_parity(grad, grad_t, component=pair, quantity="dJ/dZ, Z ~ 3·N(0,1)", dtype=dtype, device=device)


@pytest.mark.parametrize("pair", list(PAIRS))
def test_activation_edge_values_entrywise(pair, dtype, device):
    """Each edge value entry by entry, the sign of a zero output included
    (ELU(−0) = −0 in torch), against torch's answers on every kernel path;
    no overflow, NaN or division by zero anywhere in scratchnet."""
    x = EDGES.astype(dtype)
    g = np.ones_like(x)
    mine = PAIRS[pair][0]()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = mine(x)
        grad = mine.backward(g)
    assert out.dtype == grad.dtype == dtype
    assert_edges(out, grad, PAIRS[pair][1], x, g, component=pair, quantity="at edge values", dtype=dtype,
                 device=device)


def test_erf_against_math_erf():
    """The Cody erf behind GELU, against Python's math.erf (the C library's), to 4 ulp."""
    import math

    x = np.concatenate([np.linspace(-8, 8, 20001), np.geomspace(1e-300, 30, 2000), -np.geomspace(1e-300, 30, 2000),
                        [0.0, 0.46875, 4.0, 26.543, 27.0, np.inf, -np.inf]])
    ref = np.array([math.erf(v) for v in x])
    mine = sn.nn.functional.erf(x)
    ulps = np.abs(mine - ref) / np.spacing(np.abs(ref))
    assert ulps.max() <= 4, f"erf off by {ulps.max()} ulp at {x[np.argmax(ulps)]}"
    assert_parity(mine, torch.erf(torch.tensor(x)), component="erf",
                  quantity="values (Cody's approximation) on [-8, 8] and tails", dtype=np.float64)


@pytest.mark.parametrize("name", ["elu", "gelu", "gelu_tanh", "silu", "softplus"])
def test_registered_in_both_builders(name):
    import torch_ref

    mine = sn.models.mlp([3, 4, 2], name, dtype=np.float64)
    theirs = torch_ref.models.twin(mine)
    assert type(mine[1]).__name__ == type(theirs[1]).__name__
    assert repr(mine[1]) == repr(theirs[1])
    x = np.random.default_rng(1).standard_normal((5, 3))
    assert_parity(mine(x), theirs(torch.tensor(x)), component=f"mlp(activation={name!r})", quantity="output",
                  dtype=np.float64)
