"""scratchnet.data: batch orders, shuffling, drop_last, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.data import DataLoader, TensorDataset, batch_order


def test_in_order_batches_and_last_smaller_batch():
    X, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(batches[2][0], [[8.0], [9.0]])
    assert [o.tolist() for o in loader.last_order] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last():
    loader = DataLoader((np.zeros((10, 2)), np.zeros(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[0]) for b in loader] == [4, 4]
    with pytest.raises(ValueError, match="leaves no batch"):
        DataLoader(np.zeros((3, 1)), batch_size=4, drop_last=True)


def test_shuffle_is_a_fresh_permutation_each_epoch_and_seeded():
    X = np.arange(20.0)[:, None]
    a = DataLoader(X, batch_size=6, shuffle=True, generator=np.random.default_rng(7))
    b = DataLoader(X, batch_size=6, shuffle=True, generator=np.random.default_rng(7))
    e1 = np.concatenate([x[:, 0] for (x,) in a])
    e2 = np.concatenate([x[:, 0] for (x,) in a])
    assert sorted(e1) == list(range(20)) and sorted(e2) == list(range(20))   # every sample once
    assert not np.array_equal(e1, e2)                                         # a new order
    assert np.array_equal(np.concatenate(b.next_order()), e1)                # same seed, same orders
    assert np.array_equal(np.concatenate(b.next_order()), e2)


def test_default_generator_follows_manual_seed():
    sn.manual_seed(3)
    o1 = np.concatenate(DataLoader(np.zeros((9, 1)), batch_size=4, shuffle=True).next_order())
    sn.manual_seed(3)
    o2 = np.concatenate(DataLoader(np.zeros((9, 1)), batch_size=4, shuffle=True).next_order())
    np.testing.assert_array_equal(o1, o2)


def test_batches_of_a_recorded_order():
    X = np.arange(6.0)[:, None]
    loader = DataLoader(X, batch_size=2)
    order = [np.array([5, 0]), np.array([3])]
    assert [b[0][:, 0].tolist() for b in loader.batches(order)] == [[5.0, 0.0], [3.0]]


def test_errors():
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be positive"):
        DataLoader(np.zeros((3, 1)), batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        DataLoader(np.zeros((3, 1)), batch_size=2.5)
    with pytest.raises(TypeError, match="dataset must be"):
        DataLoader(42)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        batch_order(5, 2, shuffle=True, generator=3)


def test_default_generator_draws_after_construction_do_not_change_the_orders():
    """Without ``generator=``, the loader shuffles from a private stream seeded once
    from the default generator: a dropout mask or an initialisation drawn between
    epochs (from the default generator) leaves the following epochs' orders alone."""
    def orders(draw_between_epochs):
        sn.manual_seed(11)
        loader = DataLoader(np.zeros((9, 1)), batch_size=4, shuffle=True)
        first = np.concatenate(loader.next_order())
        if draw_between_epochs:
            sn.nn.Dropout(0.5)(np.ones((4, 4)))
            sn.nn.Linear(3, 2)
        return first, np.concatenate(loader.next_order())

    (a1, a2), (b1, b2) = orders(False), orders(True)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)


def test_no_generator_draws_one_seed_from_the_default_generator():
    sn.manual_seed(4)
    seed = int(sn.random.default_generator().integers(2 ** 63))
    after = sn.random.default_generator().standard_normal()
    sn.manual_seed(4)
    loader = DataLoader(np.zeros((9, 1)), batch_size=4, shuffle=True)
    assert sn.random.default_generator().standard_normal() == after     # one draw consumed
    np.testing.assert_array_equal(np.concatenate(loader.next_order()),
                                  np.random.default_rng(seed).permutation(9))
    sn.manual_seed(4)
    DataLoader(np.zeros((9, 1)), batch_size=4)                           # no shuffle: no draw
    assert sn.random.default_generator().integers(2 ** 63) == seed
