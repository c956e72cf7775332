"""Determinism: the same seed gives a bit-identical scratchnet training run.

Every random draw in scratchnet comes from a ``numpy.random.Generator``
(scratchnet's default one, re-seeded by :func:`scratchnet.manual_seed`, or
one passed as ``generator=``), never from NumPy's legacy global state, and
NumPy's float arithmetic is deterministic on one machine. So two runs from
the same seed agree bit for bit — weights, dropout masks, shuffles, losses —
whatever else the program does with ``numpy.random`` in between.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn


def _data():
    rng = np.random.default_rng(1234)  # the data set itself is fixed
    x = rng.normal(size=(40, 4))
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).astype(int)
    return x, y


def run(seed: int, epochs: int = 3, disturb: bool = False):
    """Train a dropout MLP with mini-batch SGD (a plain update θ ← θ − γ·∇J) from ``seed``.

    The seed drives the initial weights and dropout masks (scratchnet's default
    generator) and the shuffling (a generator of its own). Returns the loss of
    every step and the final state dict.
    """
    sn.manual_seed(seed)
    shuffle = np.random.default_rng(seed)
    model = sn.models.mlp([4, 16, 16, 2], activation="tanh", dropout=0.2, batch_norm=True)
    loss_fn = nn.CrossEntropyLoss()
    x, y = _data()
    losses = []
    for _ in range(epochs):
        if disturb:  # other code using NumPy's global random state must not matter
            np.random.seed(seed + 1)
            np.random.random(100)
        for idx in np.array_split(shuffle.permutation(len(x)), 5):
            model.zero_grad()
            losses.append(float(loss_fn(model(x[idx]), y[idx])))
            model.backward(loss_fn.backward())
            for p in model.parameters():
                p.data -= np.float32(0.1) * p.grad
    return np.array(losses), model.state_dict()


def _same(a, b) -> bool:
    return a[0].tobytes() == b[0].tobytes() and all(
        x.dtype == y.dtype and x.tobytes() == y.tobytes() for x, y in zip(a[1].values(), b[1].values()))


def test_same_seed_gives_a_bit_identical_run():
    first, second = run(7), run(7)
    assert _same(first, second)
    assert np.all(np.isfinite(first[0])) and first[0][-1] < first[0][0]  # it did train


def test_numpy_global_random_state_does_not_leak_in():
    assert _same(run(7), run(7, disturb=True))


def test_a_different_seed_gives_a_different_run():
    """Guard against a vacuous test: the seed really drives the run."""
    a, b = run(7), run(8)
    assert not np.array_equal(a[0], b[0])
    assert not np.array_equal(a[1]["0.weight"], b[1]["0.weight"])


def test_manual_seed_then_rng_state_round_trip_replays_the_stream():
    sn.manual_seed(3)
    state = sn.get_rng_state()
    first = nn.init.normal_(np.empty(5), generator=None).copy()
    sn.set_rng_state(state)
    assert nn.init.normal_(np.empty(5)).tobytes() == first.tobytes()


@pytest.mark.parametrize("seed", [-1, 1.5, "7", None, True])
def test_bad_seeds_are_refused(seed):
    with pytest.raises((TypeError, ValueError), match="manual_seed expects a"):
        sn.manual_seed(seed)


def fit_run(seed: int, epochs: int = 3):
    """The same through the library's own loop: ``scratchnet.train.fit`` with Adam, a
    cosine schedule, gradient clipping, a shuffled DataLoader and dropout."""
    from scratchnet import optim
    from scratchnet.data import DataLoader, TensorDataset
    from scratchnet.train import fit

    sn.manual_seed(seed)
    model = sn.models.mlp([4, 16, 16, 2], activation="relu", dropout=0.3, batch_norm=True)
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)  # the default generator
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs, scheduler=sched, clip_grad_norm=1.0,
                  val_data=(x[:10], y[:10]), progress=False)
    return history, model.state_dict(), opt.state_dict()


def test_fit_with_optimizer_scheduler_loader_and_dropout_is_bit_identical():
    (h1, w1, o1), (h2, w2, o2) = fit_run(7), fit_run(7)
    for name in ("step_loss", "epoch_loss", "lr", "val_loss", "val_accuracy"):
        assert np.array(getattr(h1, name)).tobytes() == np.array(getattr(h2, name)).tobytes(), name
    assert all(a.dtype == b.dtype and a.tobytes() == b.tobytes() for a, b in zip(w1.values(), w2.values()))
    for index, state in o1["state"].items():
        for key, value in state.items():
            assert np.asarray(value).tobytes() == np.asarray(o2["state"][index][key]).tobytes()
    assert len(h1.step_loss) == 15 and h1.lr[0] != h1.lr[-1]  # 5 batches × 3 epochs, a real schedule
    other, _, _ = fit_run(8)
    assert other.step_loss != h1.step_loss  # the seed drives it
