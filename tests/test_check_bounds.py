"""torch_ref.check holds your code to the parity suite's bounds and error measure
(torch_ref cannot import parity_tests, so the numbers are restated there; these
tests keep the two from drifting)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from parity_tests import compare
from parity_tests import test_optim
from torch_ref.check import bounds


def test_the_bounds_are_the_parity_suites():
    assert bounds.FLOAT64_BOUND == compare.FLOAT64_BOUND == 1e-10
    assert bounds.FLOAT32_BOUND == compare.FLOAT32_BOUND == 1e-5
    assert bounds.TRAJECTORY_FLOAT64 == test_optim.TRAJECTORY_BOUND_FLOAT64
    assert bounds.TRAJECTORY_FLOAT32 == test_optim.TRAJECTORY_BOUND_FLOAT32
    assert bounds.MAX_STEPS == test_optim.STEPS
    assert bounds.bound_for("float64") == 1e-10 and bounds.bound_for(np.float32) == 1e-5
    assert bounds.bound_for("float64", step=2) == 1e-9 and bounds.bound_for("float32", step=7) == 1e-4
    assert bounds.bound_for("float64", step=1) == 1e-10


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)),
       hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)))
def test_the_error_measure_is_the_parity_suites(a, b):
    if a.shape != b.shape:
        b = np.resize(b, a.shape)
    assert bounds.errors(a, b) == pytest.approx(compare.errors(a, b), rel=1e-15, abs=0)


def test_errors_at_nan_and_inf():
    assert bounds.errors([1.0, np.inf], [1.0, np.inf]) == (0.0, 0.0)
    assert bounds.errors([1.0, np.nan], [1.0, np.nan]) == (0.0, 0.0)
    assert bounds.errors([1.0, np.nan], [1.0, 2.0]) == (np.inf, np.inf)
    assert bounds.errors([1.0, np.inf], [1.0, 2.0]) == (np.inf, np.inf)
    assert bounds.errors([0.0], [0.0]) == (0.0, 0.0)
    assert bounds.errors([2.0, 1.0], [2.0, 0.5]) == (0.5, 0.25)   # norm-wise: 0.5 / max(|2|, |2|)


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
