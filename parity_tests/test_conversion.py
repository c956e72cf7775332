"""scratchnet ``.npz`` files ↔ torch ``state_dict``s, exactly (same dtype, shape
and bits), and the torch side's safe files and resumable checkpoints.

Conversion copies bits, so the comparisons here are exact (``tobytes`` equality),
not within a tolerance; forward passes of the converted models are then compared
with :func:`assert_parity` at the usual bounds (the two libraries' matrix products
sum in different orders, so outputs agree to rounding, not bit for bit).
"""

from __future__ import annotations

import errno
import os

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
import torch_ref
from torch_ref.serialization import (load, load_checkpoint, npz_to_state_dict, save, save_checkpoint,
                                     state_dict_to_npz, to_numpy_tree, to_torch_tree)

from .compare import assert_parity
from .conftest import tensor


def same_bits(t: torch.Tensor, a: np.ndarray) -> bool:
    t = t.detach().cpu()
    return t.numpy().dtype == a.dtype and tuple(t.shape) == a.shape and t.numpy().tobytes() == a.tobytes()


class Marker:
    """Unpickling this creates the file ``path``: a stand-in for hidden code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


# ---------------------------------------------------------------- model weights


def test_scratchnet_file_into_torch_is_exact(tmp_path, dtype, device):
    scratch = sn.models.mlp([4, 8, 3], activation="tanh", dtype=dtype, generator=np.random.default_rng(0))
    path = tmp_path / "model.npz"
    sn.save(scratch.state_dict(), path)
    state = npz_to_state_dict(path, device=device)
    for key, value in scratch.state_dict().items():
        assert state[key].device.type == device
        assert same_bits(state[key], value), key
    theirs = torch_ref.models.mlp([4, 8, 3], activation="tanh", dtype=dtype, device=device)
    theirs.load_state_dict(state)
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(dtype)
    assert_parity(scratch(x), theirs(tensor(x, dtype, device)), component="npz→torch mlp", quantity="forward",
                  dtype=dtype, device=device)


def test_torch_state_dict_into_scratchnet_file_is_exact(tmp_path, dtype, device):
    theirs = torch_ref.models.mlp([3, 6, 2], activation="sigmoid", dtype=dtype, device=device,
                                  generator=torch.Generator().manual_seed(0))
    path = tmp_path / "from_torch.npz"
    state_dict_to_npz(theirs, path)
    loaded = sn.load(path)
    assert list(loaded) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert same_bits(value, loaded[key]), key
    mine = sn.models.mlp([3, 6, 2], activation="sigmoid", dtype=dtype)
    mine.load_state_dict(loaded)
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(dtype)
    assert_parity(mine(x), theirs(tensor(x, dtype, device)), component="torch→npz mlp", quantity="forward",
                  dtype=dtype, device=device)
    # And back into torch: the very same bits again.
    again = npz_to_state_dict(path, device=device)
    assert all(torch.equal(again[k], v) for k, v in theirs.state_dict().items())


def test_batchnorm_residual_mlp_round_trips_with_its_integer_buffers(tmp_path, dtype, device):
    """Running statistics and the int64 ``num_batches_tracked`` counter convert
    exactly too; the eval-mode twins then compute the same function."""
    kwargs = dict(activation="relu", batch_norm=True, residual=True, dropout=0.1, dtype=dtype)
    scratch = sn.models.mlp([3, 6, 6, 2], generator=np.random.default_rng(0), **kwargs)
    for _ in range(3):  # move the running statistics away from their initial values
        scratch(np.random.default_rng(1).normal(size=(8, 3)).astype(dtype))
    sn.save(scratch.state_dict(), tmp_path / "bn.npz")
    state = npz_to_state_dict(tmp_path / "bn.npz", device=device)
    assert state["1.num_batches_tracked"].dtype == torch.int64 and int(state["1.num_batches_tracked"]) == 3
    theirs = torch_ref.models.mlp([3, 6, 6, 2], device=device, **kwargs)
    theirs.load_state_dict(state)
    state_dict_to_npz(theirs, tmp_path / "back.npz")
    back = sn.load(tmp_path / "back.npz")
    for key, value in scratch.state_dict().items():
        assert back[key].dtype == value.dtype and back[key].tobytes() == value.tobytes(), key
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(dtype)
    assert_parity(scratch.eval()(x), theirs.eval()(tensor(x, dtype, device)), component="npz→torch bn-residual mlp",
                  quantity="eval forward", dtype=dtype, device=device)


@given(arrays=st.lists(hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8,
                                                     np.bool_, np.complex64]),
                                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
                       min_size=1, max_size=4))
def test_tree_conversion_round_trips_every_dtype_and_bit(arrays):
    tree = {"plain": arrays, "nested": {0: {"step": arrays[0]}}, "meta": (1, 2.5, None, "x")}
    there = to_torch_tree(tree)
    assert all(isinstance(t, torch.Tensor) for t in there["plain"])
    back = to_numpy_tree(there)
    assert back["meta"] == (1, 2.5, None, "x")
    for a, b in zip(arrays + [arrays[0]], back["plain"] + [back["nested"][0]["step"]]):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_bfloat16_is_refused_clearly():
    with pytest.raises(TypeError, match="dtype torch.bfloat16 to NumPy exactly"):
        to_numpy_tree({"w": torch.ones(2, dtype=torch.bfloat16)})


# ---------------------------------------------------------------- optimizer state through a scratchnet file


def _steps(model, opt, n, seed):
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        x = torch.randn(8, 3, generator=g, dtype=torch.float64)
        y = torch.randn(8, 2, generator=g, dtype=torch.float64)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


@pytest.mark.parametrize("make_opt", [
    lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
], ids=["sgd-nesterov", "adam-amsgrad", "rmsprop-centered"])
def test_torch_optimizer_state_survives_a_scratchnet_file_bit_for_bit(tmp_path, make_opt):
    """Save a torch optimizer's state as .npz, load it into a fresh optimizer,
    continue: the trajectory is bit-identical to the uninterrupted one."""
    def build():
        m = torch_ref.models.mlp([3, 4, 2], dtype=np.float64, generator=torch.Generator().manual_seed(0))
        return m, make_opt(m.parameters())

    ref_model, ref_opt = build()
    _steps(ref_model, ref_opt, 5, seed=1)
    _steps(ref_model, ref_opt, 5, seed=2)

    model, opt = build()
    _steps(model, opt, 5, seed=1)
    state_dict_to_npz(model, tmp_path / "m.npz")
    state_dict_to_npz(opt, tmp_path / "o.npz")
    model2, opt2 = build()
    model2.load_state_dict(npz_to_state_dict(tmp_path / "m.npz"))
    opt2.load_state_dict(npz_to_state_dict(tmp_path / "o.npz"))
    _steps(model2, opt2, 5, seed=2)
    for (k, a), b in zip(ref_model.state_dict().items(), model2.state_dict().values()):
        assert torch.equal(a, b), k


# ---------------------------------------------------------------- torch files: weights_only, atomic


def test_torch_file_with_code_is_refused_without_running_it(tmp_path):
    live_marker, marker = tmp_path / "ran-unsafely", tmp_path / "ran"
    live, evil = tmp_path / "live.pt", tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "x": Marker(live_marker)}, live)
    torch.load(live, weights_only=False)  # the payload is live: an unrestricted load runs it
    assert live_marker.exists()
    torch.save({"w": torch.ones(2), "x": Marker(marker)}, evil)
    with pytest.raises(ValueError, match="refused to load .* nothing in it was executed"):
        load(evil)
    assert not marker.exists()


def test_torch_files_missing_empty_or_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load(tmp_path / "none.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(ValueError, match="the file is empty"):
        load(tmp_path / "empty.pt")
    save({"w": torch.ones(100)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.pt: truncated or corrupt torch file"):
        load(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00junk" * 10)
    with pytest.raises(ValueError, match="junk.pt: (truncated or corrupt|refused)"):
        load(tmp_path / "junk.pt")


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_failed_torch_save_leaves_the_earlier_file_byte_identical(tmp_path, monkeypatch, failure):
    path = tmp_path / "model.pt"
    save({"w": torch.arange(10.0)}, path)
    before = path.read_bytes()
    real_save = torch.save

    def failing_save(obj, f, *args, **kwargs):
        real_save(obj, f, *args, **kwargs)  # the whole file written, then the flush fails
        raise failure

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(type(failure)):
        save({"w": torch.zeros(10)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.pt"]
    assert torch.equal(load(path)["w"], torch.arange(10.0))


# ---------------------------------------------------------------- torch checkpoints


def _train_torch(model, opt, sched, epochs, data_gen, start=0):
    """Mini-batch epochs with a seeded shuffle and input noise from the global RNG
    (so a resumed run matches only if every random state was restored)."""
    x = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(12, 2)
    y = (x[:, :1] * x[:, 1:] > 0).to(torch.float64)
    losses = []
    for _ in range(start, epochs):
        for idx in torch.randperm(12, generator=data_gen).split(4):
            opt.zero_grad()
            xb = x[idx] + 0.01 * torch.randn(len(idx), 2, dtype=torch.float64)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(xb), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return losses


def test_torch_checkpoint_resumes_bit_identically(tmp_path):
    def build():
        model = torch_ref.models.mlp([2, 8, 1], activation="tanh", dtype=np.float64,
                                     generator=torch.Generator().manual_seed(0))
        opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        return model, opt, torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

    torch.manual_seed(123)
    model, opt, sched = build()
    gen = torch.Generator().manual_seed(7)
    full = _train_torch(model, opt, sched, 6, gen)

    torch.manual_seed(123)
    m1, o1, s1 = build()
    g1 = torch.Generator().manual_seed(7)
    first = _train_torch(m1, o1, s1, 3, g1)
    save_checkpoint(tmp_path / "ckpt.pt", model=m1, optimizer=o1, scheduler=s1, epoch=3, generator=g1,
                    extra={"losses": torch.tensor(first, dtype=torch.float64)})
    torch.manual_seed(999)  # the interruption: other work disturbs every random state
    m2, o2, s2 = build()
    g2 = torch.Generator().manual_seed(0)
    info = load_checkpoint(tmp_path / "ckpt.pt", model=m2, optimizer=o2, scheduler=s2, generator=g2)
    assert info["epoch"] == 3
    rest = _train_torch(m2, o2, s2, 6, g2, start=info["epoch"])
    assert info["extra"]["losses"].tolist() + rest == full
    for (k, a), b in zip(model.state_dict().items(), m2.state_dict().values()):
        assert torch.equal(a, b), k


def test_torch_checkpoint_misuse(tmp_path):
    model = torch_ref.models.mlp([2, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        save_checkpoint(tmp_path / "c.pt", model=sn.models.mlp([2, 1]))
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        save_checkpoint(tmp_path / "c.pt", model=model, epoch=-1)
    save_checkpoint(tmp_path / "c.pt", model=model)
    with pytest.raises(ValueError, match="holds no optimizer state, but an optimizer was given to restore"):
        load_checkpoint(tmp_path / "c.pt", model=model, optimizer=opt)
    save({"w": torch.ones(1)}, tmp_path / "plain.pt")
    with pytest.raises(ValueError, match="not a torch_ref checkpoint"):
        load_checkpoint(tmp_path / "plain.pt", model=model)
    with pytest.raises(RuntimeError, match="size mismatch"):
        save_checkpoint(tmp_path / "c.pt", model=model)
        load_checkpoint(tmp_path / "c.pt", model=torch_ref.models.mlp([3, 1]))

