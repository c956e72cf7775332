"""Training checkpoints: a run interrupted, saved, reloaded into fresh objects
and continued ends bit-identical to the uninterrupted run; bad checkpoints and
misuse get clear errors and change nothing."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet import nn
from scratchnet.checkpoint import load_checkpoint, save_checkpoint
from scratchnet.serialization import SerializationError


def _data():
    rng = np.random.default_rng(99)
    x = rng.normal(size=(30, 3))
    return x, (x[:, 0] - x[:, 1] * x[:, 2] > 0).astype(int)


def build(seed: int = 0, optimizer=None, scheduler=None):
    """A dropout + batch-norm MLP (random masks, running statistics) and its optimizer."""
    model = sn.models.mlp([3, 12, 12, 2], activation="relu", dropout=0.25, batch_norm=True,
                          generator=np.random.default_rng(seed))
    opt = optimizer(model.parameters()) if optimizer is not None else None
    sched = scheduler(opt) if scheduler is not None else None
    return model, opt, sched


def train(model, opt, sched, shuffle, epochs, start=0):
    """Mini-batch epochs; without an optimizer, a plain θ ← θ − 0.05·∇J."""
    x, y = _data()
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(start, epochs):
        for idx in np.array_split(shuffle.permutation(len(x)), 3):
            if opt is not None:
                opt.zero_grad()
            else:
                model.zero_grad()
            losses.append(float(loss_fn(model(x[idx]), y[idx])))
            model.backward(loss_fn.backward())
            if opt is not None:
                opt.step()
            else:
                for p in model.parameters():
                    p.data -= np.float32(0.05) * p.grad
        if sched is not None:
            sched.step()
    return losses


def interrupted_run(tmp_path, optimizer=None, scheduler=None, epochs=6, stop=3, restore_rng=True):
    """Train ``stop`` epochs, checkpoint, disturb everything, resume in fresh objects."""
    sn.manual_seed(5)
    model, opt, sched = build(0, optimizer, scheduler)
    shuffle = np.random.default_rng(11)
    first = train(model, opt, sched, shuffle, stop)
    path = tmp_path / "run.npz"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=stop, generator=shuffle,
                    extra={"losses": np.array(first)})
    # The interruption: a new process would start from other random states and other weights.
    sn.manual_seed(12345)
    model, opt, sched = build(1, optimizer, scheduler)
    shuffle = np.random.default_rng(0)
    if restore_rng:
        info = load_checkpoint(path, model=model, optimizer=opt, scheduler=sched, generator=shuffle)
    else:
        info = {"epoch": stop, "extra": {"losses": np.array(first)}}
        model.load_state_dict(sn.load(path)["model"])
    rest = train(model, opt, sched, shuffle, epochs, start=info["epoch"])
    return list(info["extra"]["losses"]) + rest, model.state_dict()


def uninterrupted_run(optimizer=None, scheduler=None, epochs=6):
    sn.manual_seed(5)
    model, opt, sched = build(0, optimizer, scheduler)
    return train(model, opt, sched, np.random.default_rng(11), epochs), model.state_dict()


def assert_bit_identical(a, b):
    assert np.array(a[0]).tobytes() == np.array(b[0]).tobytes(), "loss curves differ"
    for key in a[1]:
        assert a[1][key].tobytes() == b[1][key].tobytes(), key


def test_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path):
    assert_bit_identical(interrupted_run(tmp_path), uninterrupted_run())


def test_without_the_random_states_the_resumed_run_differs(tmp_path):
    """Guard against a vacuous test: dropout masks and shuffles do depend on the
    random states the checkpoint restores."""
    resumed = interrupted_run(tmp_path, restore_rng=False)
    full = uninterrupted_run()
    assert resumed[0][:9] == full[0][:9]
    assert resumed[0][9:] != full[0][9:]


def test_module_generators_must_match(tmp_path):
    """A Dropout holding its own generator has its state in the checkpoint; a
    model built differently (dropout on the default generator) is refused."""
    model, _, _ = build(0)
    save_checkpoint(tmp_path / "c.npz", model=model)
    other = sn.models.mlp([3, 12, 12, 2], activation="relu", dropout=0.25, batch_norm=True)
    with pytest.raises(ValueError, match=r"random states of the modules \['3', '7'\].*generators in \[\]"):
        load_checkpoint(tmp_path / "c.npz", model=other)


def test_batchnorm_running_statistics_are_in_the_checkpoint(tmp_path):
    model, _, _ = build(0)
    model.train()
    model(np.random.default_rng(0).normal(size=(8, 3)))
    save_checkpoint(tmp_path / "c.npz", model=model)
    fresh, _, _ = build(1)
    load_checkpoint(tmp_path / "c.npz", model=fresh)
    for key in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
        assert fresh.state_dict()[key].tobytes() == model.state_dict()[key].tobytes()


class Refuses:
    """A stateful object whose load_state_dict fails, to test all-or-nothing restores."""

    def __init__(self):
        self.value = 1

    def state_dict(self):
        return {"value": self.value}

    def load_state_dict(self, state):
        raise ValueError("this state does not fit")


def test_restore_is_all_or_nothing(tmp_path):
    model, _, _ = build(0)
    save_checkpoint(tmp_path / "c.npz", model=model, scheduler=Refuses())
    fresh, _, _ = build(1)
    before = fresh.state_dict()
    sn.manual_seed(77)
    rng_before = sn.get_rng_state()
    with pytest.raises(ValueError, match="this state does not fit"):
        load_checkpoint(tmp_path / "c.npz", model=fresh, scheduler=Refuses())
    for key, value in before.items():
        assert fresh.state_dict()[key].tobytes() == value.tobytes(), f"{key} changed"
    assert sn.get_rng_state() == rng_before


def test_checkpoint_of_another_architecture_changes_nothing(tmp_path):
    save_checkpoint(tmp_path / "c.npz", model=sn.models.mlp([3, 5, 2]))
    other = sn.models.mlp([3, 6, 2])
    before = other.state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        load_checkpoint(tmp_path / "c.npz", model=other)
    assert all(other.state_dict()[k].tobytes() == v.tobytes() for k, v in before.items())


def test_checkpoint_misuse(tmp_path):
    model = sn.models.mlp([3, 2])
    path = tmp_path / "c.npz"
    with pytest.raises(TypeError, match="model must be a scratchnet Module, got OrderedDict"):
        save_checkpoint(path, model=model.state_dict())
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        save_checkpoint(path, model=model, epoch=-1)
    with pytest.raises(TypeError, match="generator must be the numpy.random.Generator"):
        save_checkpoint(path, model=model, generator=3)
    with pytest.raises(TypeError, match="optimizer must have state_dict"):
        save_checkpoint(path, model=model, optimizer=object())
    save_checkpoint(path, model=model)
    with pytest.raises(ValueError, match="holds no optimizer state, but an optimizer was given"):
        load_checkpoint(path, model=model, optimizer=Refuses())
    with pytest.raises(ValueError, match="holds no data generator state"):
        load_checkpoint(path, model=model, generator=np.random.default_rng(0))
    save_checkpoint(path, model=model, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="the saved data generator is a PCG64, the given one a MT19937"):
        load_checkpoint(path, model=model, generator=np.random.Generator(np.random.MT19937(0)))
    sn.save(model.state_dict(), tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="not a scratchnet checkpoint .*model.load_state_dict"):
        load_checkpoint(tmp_path / "weights.npz", model=model)
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.npz", model=model)
    (tmp_path / "cut.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(SerializationError, match="truncated or corrupt"):
        load_checkpoint(tmp_path / "cut.npz", model=model)


def test_a_failed_checkpoint_save_keeps_the_previous_checkpoint(tmp_path):
    model = sn.models.mlp([3, 2])
    path = tmp_path / "c.npz"
    save_checkpoint(path, model=model, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="cannot save state\\['extra'\\]\\['note'\\]"):
        save_checkpoint(path, model=model, epoch=2, extra={"note": object()})
    assert path.read_bytes() == before
    assert load_checkpoint(path, model=model)["epoch"] == 1
