"""Dropout's drop rate and 1/(1 − p) scaling, checked statistically (no torch needed).

With n independent entries each dropped with probability p, the dropped
fraction has mean p and standard deviation √(p(1 − p)/n). The tests allow
5 standard deviations (a correct implementation fails with probability
< 6e-7; the generators are seeded, so runs are reproducible), while a wrong
rate — e.g. keep probability p instead of 1 − p, off by |1 − 2p| — is
hundreds of standard deviations out for the p used here.
"""

import math

import numpy as np
import pytest

import scratchnet as sn

N = 200_000


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_drop_rate_and_scaling(p):
    drop = sn.nn.Dropout(p, generator=np.random.default_rng(12345))
    x = np.ones((N // 100, 100))
    out = drop(x)
    dropped = float(np.mean(out == 0))
    sd = math.sqrt(p * (1 - p) / N)
    assert abs(dropped - p) <= 5 * sd, f"dropped fraction {dropped} vs p = {p} (5 sd = {5 * sd:.2e})"
    # Kept entries are exactly x / (1 - p); the mask attribute says which.
    kept = out[out != 0]
    assert np.allclose(kept, 1 / (1 - p), rtol=1e-15, atol=0)
    assert np.array_equal(drop.mask, out != 0)
    # Inverted dropout keeps the expected value: mean of out ≈ 1 within 5 sd,
    # sd of the mean = √(p / ((1 − p) n)) (each entry is 0 or 1/(1 − p)).
    sd_mean = math.sqrt(p / ((1 - p) * N))
    assert abs(out.mean() - 1) <= 5 * sd_mean


def test_masks_are_fresh_independent_and_seeded():
    p = 0.5
    drop = sn.nn.Dropout(p, generator=np.random.default_rng(0))
    x = np.ones((400, 250))
    m1 = drop(x) != 0
    m2 = drop(x) != 0
    assert not np.array_equal(m1, m2)
    # Two masks agree on a fraction p² + (1 − p)² = 1/2 of entries if independent.
    agree = float(np.mean(m1 == m2))
    assert abs(agree - 0.5) <= 5 * math.sqrt(0.25 / m1.size)
    # Neighbouring entries are uncorrelated (correlation ~ N(0, 1/n)).
    a, b = m1[:, :-1].ravel().astype(float), m1[:, 1:].ravel().astype(float)
    assert abs(np.corrcoef(a, b)[0, 1]) <= 5 / math.sqrt(a.size)
    # The default generator follows scratchnet.manual_seed.
    sn.manual_seed(7)
    first = sn.nn.Dropout(0.5)(x) != 0
    sn.manual_seed(7)
    assert np.array_equal(sn.nn.Dropout(0.5)(x) != 0, first)


def test_backward_uses_the_forward_mask():
    drop = sn.nn.Dropout(0.25, generator=np.random.default_rng(3))
    x = np.arange(1, 13, dtype=np.float64).reshape(3, 4)
    out = drop(x)
    g = np.full_like(x, 2.0)
    # dA = dA_out ⊙ M / (1 − p), and the forward was A ⊙ M / (1 − p).
    assert np.array_equal(drop.backward(g), np.where(drop.mask, 2.0 / 0.75, 0.0))
    assert np.array_equal(out, np.where(drop.mask, x * (1 / 0.75), 0.0))  # torch: x · (M / (1 − p))


def test_fixed_mask_and_eval():
    keep = np.array([[True, False, True], [False, True, True]])
    drop = sn.nn.Dropout(0.5).fix_mask(keep)
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert np.array_equal(drop(x), [[2.0, 0.0, 6.0], [0.0, 10.0, 12.0]])
    assert np.array_equal(drop(x), [[2.0, 0.0, 6.0], [0.0, 10.0, 12.0]])  # same mask every time
    drop.fix_mask(np.array([[1, 0, 1], [0, 1, 1]]))  # 0/1 accepted too
    assert np.array_equal(drop(x), [[2.0, 0.0, 6.0], [0.0, 10.0, 12.0]])
    drop.eval()
    assert np.array_equal(drop(x), x)
    drop.train().fix_mask(None)
    assert drop(np.ones((50, 50))).std() > 0  # random again


def test_dropout_bad_arguments():
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 1"):
            sn.nn.Dropout(bad)
    drop = sn.nn.Dropout(0.5).fix_mask(np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="fixed mask has shape"):
        drop(np.ones((3, 2)))
    with pytest.raises(TypeError, match="keep-mask"):
        drop.fix_mask(np.full((2, 3), 0.5))
    assert repr(sn.nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"
