"""The parity suite's own comparison: it must fail on wrong arrays, whatever
special values they hold (a checker that passes wrong results hides exactly
the bugs the suite exists to catch)."""

import numpy as np
import pytest

from parity_tests.compare import FLOAT64_BOUND, assert_parity, errors

INF, NAN = np.inf, np.nan


def check(a, b, **kw):
    return assert_parity(np.array(a), np.array(b), component="test", quantity="values", dtype=np.float64, **kw)


def test_equal_arrays_pass_with_zero_error():
    assert check([1.0, -2.0, 3.0], [1.0, -2.0, 3.0]) == (0.0, 0.0)


def test_norm_wise_relative_error():
    # |3 - 3.3| / max(|a|, |b|) = 0.3 / 3.3
    max_abs, max_rel = errors(np.array([1.0, 3.0]), np.array([1.0, 3.3]))
    assert max_abs == pytest.approx(0.3)
    assert max_rel == pytest.approx(0.3 / 3.3)


def test_shared_infinity_does_not_hide_other_errors():
    # Before the fix, nan_to_num turned both infs into 1.8e308, the relative
    # error became ~5e-309 and this wrong pair passed.
    with pytest.raises(AssertionError, match="max rel error 3.333e-01"):
        check([INF, 1.0, 2.0], [INF, 1.0, 3.0])


def test_shared_infinity_and_nan_compare_equal():
    assert check([INF, -INF, NAN, 2.0], [INF, -INF, NAN, 2.0]) == (0.0, 0.0)


@pytest.mark.parametrize("a, b", [([INF, 1.0], [1.0, 1.0]), ([INF, 1.0], [-INF, 1.0]), ([1.0, 2.0], [1.0, -INF])])
def test_one_sided_or_opposite_infinity_fails(a, b):
    with pytest.raises(AssertionError, match="max rel error inf"):
        check(a, b)


def test_nan_in_different_places_fails():
    with pytest.raises(AssertionError, match="NaN in different places"):
        check([NAN, 1.0], [1.0, 1.0])


def test_failure_prints_both_values():
    with pytest.raises(AssertionError) as info:
        check([1.0, 2.0], [1.0, 2.5])
    text = str(info.value)
    assert "scratchnet: [1. 2.]" in text and "torch:      [1.  2.5]" in text
    assert f"> bound {FLOAT64_BOUND:.0e}" in text


def test_shape_mismatch_fails():
    with pytest.raises(AssertionError, match=r"shapes differ — scratchnet \(2,\), torch \(3,\)"):
        check([1.0, 2.0], [1.0, 2.0, 3.0])
