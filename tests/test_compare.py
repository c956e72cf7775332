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


# -- edges torch leaves open (parity_tests/edges.py) ----------------------------------------
from parity_tests.compare import assert_update_parity  # noqa: E402
from parity_tests.edges import assert_one_of, entries_equal  # noqa: E402


def test_entries_equal_compares_nan_infinity_and_the_sign_of_zero():
    a = np.array([NAN, INF, -INF, 0.0, -0.0, 1.0, 1.0])
    b = np.array([NAN, INF, INF, -0.0, -0.0, 1.0 + 1e-14, 1.1])
    np.testing.assert_array_equal(entries_equal(a, b, 1e-13, 0.0, sign_of_zero=False),
                                  [True, True, False, True, True, True, False])
    np.testing.assert_array_equal(entries_equal(a, b, 1e-13, 0.0, sign_of_zero=True),
                                  [True, True, False, False, True, True, False])
    assert not entries_equal(np.array([NAN]), np.array([1.0]), 1.0, 1.0, False)[0]


def test_an_entry_equal_to_one_of_torchs_answers_passes():
    # ELU'(NaN): torch's scalar loop gives 1, its vector loop NaN; either is accepted
    paths = ["scalar", "vector"]
    answers = np.array([[1.0, 2.0], [NAN, 2.0]])
    for mine in ([1.0, 2.0], [NAN, 2.0]):
        matched = assert_one_of(np.array(mine), answers, paths, np.array([NAN, 3.0]), component="ELU",
                                quantity="dZ", dtype=np.float64, rtol=1e-13)
        np.testing.assert_array_equal(matched, mine)


def test_an_entry_equal_to_none_of_torchs_answers_fails_with_every_path_and_the_machine():
    answers = np.array([[1.0, 2.0], [NAN, 2.0]])
    with pytest.raises(AssertionError) as info:
        assert_one_of(np.array([0.5, 2.0]), answers, ["scalar", "vector"], np.array([NAN, 3.0]),
                      component="ELU", quantity="dZ", dtype=np.float64, rtol=1e-13)
    text = str(info.value)
    assert "1 entries equal none" in text and "scalar: np.float64(1.0)" in text and "vector: np.float64(nan)" in text
    assert "paths disagree" in text and "machine:" in text and "CPU capability" in text


def test_where_torch_agrees_with_itself_its_answer_is_pinned():
    answers = np.array([[-0.0], [-0.0]])
    with pytest.raises(AssertionError, match="torch agrees with itself"):
        assert_one_of(np.array([0.0]), answers, ["a", "b"], np.array([-0.0]), component="ReLU", quantity="A",
                      dtype=np.float64, rtol=0.0, sign_of_zero=True)
    assert_one_of(np.array([0.0]), answers, ["a", "b"], np.array([-0.0]), component="ReLU", quantity="dZ",
                  dtype=np.float64, rtol=0.0, sign_of_zero=False)  # a gradient's zero sign is not compared


# -- the update Δθ, entry by entry ---------------------------------------------------------------
def test_update_parity_sees_an_error_that_theta_relative_to_its_size_dilutes():
    theta = np.array([1.0, -2.0, 3.0])
    step = np.array([1e-4, -2e-4, 3e-5])          # lr ~ 1e-4
    wrong = step * np.array([1.0, 1.0, 1.0 + 3e-6])  # one entry's update off by 3e-6 relative
    assert_parity(theta - wrong, theta - step, component="t", quantity="θ", dtype=np.float64)  # diluted: passes
    with pytest.raises(AssertionError, match="update Δθ differs entry-wise"):
        assert_update_parity(theta, theta - wrong, theta, theta - step, component="t", quantity="Δθ",
                             dtype=np.float64)
    assert_update_parity(theta, theta - step, theta, theta - step, component="t", quantity="Δθ", dtype=np.float64)


def test_update_parity_allows_the_rounding_of_theta_plus_delta():
    # a tiny update on a large θ: each library rounds θ + Δθ once, so the observed Δθ of the
    # two can differ by an ulp of θ; that is not an error of the update rule
    theta = np.array([1.0, 3.0])
    after_a = theta - np.array([1e-14, 1e-14])
    after_b = np.nextafter(after_a, np.inf)
    assert_update_parity(theta, after_a, theta, after_b, component="t", quantity="Δθ", dtype=np.float64)
