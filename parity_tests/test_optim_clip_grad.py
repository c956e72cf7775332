"""nn.utils.clip_grad_norm_ / clip_grad_value_ against torch.

Bounds: the suite's (1e-10 / 1e-5). The total norm is a sum of squares then
a square root — relative error ≲ n·u for n entries (n ≤ 60 here) — and the
clipped gradients are one multiplication more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm, dtype, device):
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((5, 6)), rng.standard_normal(6), rng.standard_normal((3, 8))]
    ps, tps = [], []
    for g in grads:
        p = sn.nn.Parameter(np.zeros(g.shape, dtype=dtype))
        p.grad = g.astype(dtype)
        t = tensor(np.zeros(g.shape), dtype, device, requires_grad=True)
        t.grad = tensor(g, dtype, device)
        ps.append(p)
        tps.append(t)
    total = sn.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type=norm_type)
    comp = f"clip_grad_norm_(max_norm={max_norm}, norm_type={norm_type})"
    assert total.dtype == dtype
    assert_parity(total, ttotal, component=comp, quantity="total norm", dtype=dtype, device=device)
    for p, t in zip(ps, tps):
        assert_parity(p.grad, t.grad, component=comp, quantity="clipped gradients", dtype=dtype, device=device)


def test_clip_grad_value(dtype, device):
    rng = np.random.default_rng(4)
    g = rng.standard_normal((4, 5)) * 3
    p = sn.nn.Parameter(np.zeros(g.shape, dtype=dtype))
    p.grad = g.astype(dtype)
    t = tensor(np.zeros(g.shape), dtype, device, requires_grad=True)
    t.grad = tensor(g, dtype, device)
    sn.nn.utils.clip_grad_value_([p], 1.5)
    torch.nn.utils.clip_grad_value_([t], 1.5)
    assert_parity(p.grad, t.grad, component="clip_grad_value_(1.5)", quantity="clipped gradients",
                  dtype=dtype, device=device)
    np.testing.assert_array_equal(p.grad, t.grad.cpu().numpy())   # a clamp is exact
