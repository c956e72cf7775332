"""The error measure and the bounds (``torch_ref.check.bounds``, the one
definition the parity suite's ``parity_tests/compare.py`` uses too): the
numbers, the measure on hand-worked arrays, at NaN and ±inf, with a given
scale, and the dtypes a check accepts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests import compare
from torch_ref.check import bounds


def test_the_bounds():
    assert bounds.bound_for("float64") == 1e-10 and bounds.bound_for(np.float32) == 1e-5
    assert bounds.bound_for("float64", step=2) == 1e-9 and bounds.bound_for("float32", step=7) == 1e-4
    assert bounds.bound_for("float64", step=1) == 1e-10 and bounds.bound_for("float32", step=1) == 1e-5
    assert bounds.MAX_STEPS == 100


def test_the_parity_suite_uses_them():
    assert compare.bound_for is bounds.bound_for
    assert (compare.FLOAT64_BOUND, compare.FLOAT32_BOUND) == (1e-10, 1e-5)


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)),
       hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)))
def test_the_error_measure_on_finite_arrays(a, b):
    b = np.resize(b, a.shape)
    diff = max(abs(x - y) for x, y in zip(a.tolist(), b.tolist()))
    largest = max(max(abs(x) for x in a.tolist()), max(abs(y) for y in b.tolist()))
    rel = diff / largest if largest > 0 else 0.0
    assert bounds.errors(a, b) == (diff, pytest.approx(rel, rel=1e-15, abs=0))
    assert compare.errors(a, b) == bounds.errors(a, b)


def test_errors_at_nan_and_inf():
    assert bounds.errors([1.0, np.inf], [1.0, np.inf]) == (0.0, 0.0)
    assert bounds.errors([1.0, np.nan], [1.0, np.nan]) == (0.0, 0.0)
    assert bounds.errors([1.0, np.nan], [1.0, 2.0]) == (np.inf, np.inf)
    assert bounds.errors([1.0, np.inf], [1.0, 2.0]) == (np.inf, np.inf)
    assert bounds.errors([1.0, np.inf], [1.0, -np.inf]) == (np.inf, np.inf)
    assert bounds.errors([0.0], [0.0]) == (0.0, 0.0)
    assert bounds.errors([2.0, 1.0], [2.0, 0.5]) == (0.5, 0.25)   # norm-wise: 0.5 / max(|2|, |2|)
    assert bounds.errors([np.inf, 1.0], [np.inf, 2.0]) == (1.0, 0.5)  # a shared inf is not the scale


def test_a_given_scale():
    # tanh's backward, saturated: dZ is tiny, its error is measured against |dA| = 4
    assert bounds.errors([1e-8, 2.0], [2e-8, 2.0], scale=4.0) == (1e-8, 2.5e-9)
    assert bounds.errors([1e-8], [2e-8], scale=0.0) == (1e-8, np.inf)
    assert compare.errors([1e-8, 2.0], [2e-8, 2.0], 4.0) == (1e-8, 2.5e-9)


def test_the_parity_suites_direct_comparisons_count_a_nan_as_wrong():
    # a test comparing two results directly (two fits diverging alike) must not pass on NaN
    assert compare.errors([1.0, np.nan], [1.0, np.nan]) == (np.inf, np.inf)
    assert compare.errors([np.nan], [1.0]) == (np.inf, np.inf)


def test_the_parity_suite_compares_tensors_and_parameters():
    import torch

    import scratchnet as sn

    w = torch.tensor([1.0, 2.0], requires_grad=True)
    p = sn.nn.Parameter(np.array([1.0, 2.5]))
    assert compare.errors(p, w) == (0.5, 0.2)


@pytest.mark.parametrize("given,expected", [("float64", np.float64), ("float32", np.float32),
                                            (np.float64, np.float64), ("double", np.float64)])
def test_dtype_names(given, expected):
    assert bounds.resolve_dtype(given) == np.dtype(expected)


def test_torch_dtypes_and_refusals():
    import torch

    assert bounds.resolve_dtype(torch.float32) == np.float32
    for bad in ("float16", "int64", np.int32, "fp64", None):
        with pytest.raises(ValueError, match="float64' or 'float32"):
            bounds.resolve_dtype(bad)
