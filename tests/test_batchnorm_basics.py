"""BatchNorm1d without torch: a hand-worked example, buffers and dtypes."""

import numpy as np
import pytest

import scratchnet as sn


def test_hand_worked_example():
    # One feature, batch [1, 2, 3]: μ = 2, biased σ² = 2/3, unbiased = 1.
    bn = sn.nn.BatchNorm1d(1, eps=0.0 + 1e-12, dtype=np.float64)
    out = bn(np.array([[1.0], [2.0], [3.0]]))
    expected = (np.array([[-1.0], [0.0], [1.0]])) / np.sqrt(2 / 3 + 1e-12)
    assert np.allclose(out, expected, rtol=1e-14, atol=0)
    # running_mean = 0.9·0 + 0.1·2, running_var = 0.9·1 + 0.1·1 (unbiased batch variance 1).
    assert np.allclose(bn.running_mean, [0.2], rtol=1e-15)
    assert np.allclose(bn.running_var, [1.0], rtol=1e-15)
    assert int(bn.num_batches_tracked) == 1


def test_cumulative_average_with_momentum_none():
    bn = sn.nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((5, 2)) + i for i in range(4)]
    for b in batches:
        bn(b)
    # f = 1/t makes the running mean the plain average of the batch means.
    assert np.allclose(bn.running_mean, np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-14)
    assert np.allclose(bn.running_var, np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-14)


def test_num_batches_tracked_stays_int64_through_dtype_changes_and_loading():
    bn = sn.nn.BatchNorm1d(3)
    bn(np.ones((4, 3)) * np.arange(4)[:, None])
    bn.double()
    assert bn.running_var.dtype == np.float64 and bn.weight.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64 and int(bn.num_batches_tracked) == 1
    bn.float()
    assert bn.running_var.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64
    other = sn.nn.BatchNorm1d(3, dtype=np.float64)
    other.load_state_dict(bn.state_dict())
    assert other.num_batches_tracked.dtype == np.int64 and int(other.num_batches_tracked) == 1
    assert other.running_var.dtype == np.float64
    assert np.array_equal(other.running_var, bn.running_var.astype(np.float64))


def test_eval_uses_running_statistics():
    bn = sn.nn.BatchNorm1d(2, dtype=np.float64)
    bn.running_mean[...] = [1.0, -1.0]
    bn.running_var[...] = [4.0, 0.25]
    bn.eval()
    x = np.array([[3.0, 0.0]])
    assert np.allclose(bn(x), [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)]], rtol=1e-15)
    assert int(bn.num_batches_tracked) == 0


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batchnorm_gradcheck(train, shape):
    bn = sn.nn.BatchNorm1d(3, dtype=np.float64)
    rng = np.random.default_rng(1)
    bn.weight.data[...] = rng.uniform(0.5, 2, 3)
    bn.bias.data[...] = rng.standard_normal(3)
    bn.running_var[...] = rng.uniform(0.5, 2, 3)
    bn.train(train)
    report = sn.gradcheck(bn, rng.standard_normal(shape) * 2)
    assert report.passed and report.max_rel_diff() < 1e-6
