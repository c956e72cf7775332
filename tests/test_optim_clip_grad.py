"""Gradient clipping without torch: worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratchnet.nn import Parameter
from scratchnet.nn.utils import clip_grad_norm_, clip_grad_value_


def _params(*grads, dtype=np.float64):
    ps = []
    for g in grads:
        p = Parameter(np.zeros(np.shape(g), dtype=dtype))
        p.grad = None if g is None else np.array(g, dtype=dtype)
        ps.append(p)
    return ps


def test_total_norm_is_norm_of_all_gradients_and_clips_with_torchs_epsilon():
    # ‖(3, 4)‖ = 5 over two parameters (and one without a gradient); max_norm 1:
    # c = 1/(5 + 1e-6), so the clipped norm is 5/(5 + 1e-6) — just below 1.
    a, b, c = _params([3.0], [[4.0]], None)
    total = clip_grad_norm_([a, b, c], max_norm=1.0)
    assert float(total) == 5.0 and np.shape(total) == ()
    assert a.grad[0] == pytest.approx(3 / (5 + 1e-6), abs=1e-16)
    assert math.hypot(a.grad[0], b.grad[0, 0]) < 1.0


def test_no_change_below_max_norm():
    a, = _params([0.3, 0.4])
    assert float(clip_grad_norm_(a, max_norm=1.0)) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])


@pytest.mark.parametrize("norm_type,expected", [(1.0, 7.0), (math.inf, 4.0), (3.0, (27 + 64) ** (1 / 3))])
def test_other_norms(norm_type, expected):
    a, b = _params([3.0], [-4.0])
    assert float(clip_grad_norm_([a, b], 100.0, norm_type=norm_type)) == pytest.approx(expected, rel=1e-15)


def test_nonfinite():
    a, = _params([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    b, = _params([np.nan, 1.0])
    assert np.isnan(clip_grad_norm_([b], 1.0))


def test_float32_and_value_clipping():
    a, = _params([3.0, -4.0], dtype=np.float32)
    total = clip_grad_norm_([a], 1.0)
    assert total.dtype == np.float32 and a.grad.dtype == np.float32
    b, = _params([0.5, -3.0, 2.0])
    clip_grad_value_([b], 1.0)
    np.testing.assert_array_equal(b.grad, [0.5, -1.0, 1.0])
    with pytest.raises(TypeError, match="Parameters"):
        clip_grad_norm_(np.ones(3), 1.0)


def test_norm_type_may_be_spelled_as_torch_documents():
    """torch's docs: norm_type "Can be 'inf' for infinity norm"."""
    for spelling in ("inf", math.inf):
        w, b = Parameter(np.zeros((1, 2))), Parameter(np.zeros(1))
        w.grad, b.grad = np.array([[3.0, -4.0]]), np.array([1.0])
        assert clip_grad_norm_([w, b], 1.0, norm_type=spelling) == 4.0
        np.testing.assert_allclose(w.grad, [[0.75, -1.0]], rtol=1e-6)  # scaled by 1/(4 + 1e-6)
