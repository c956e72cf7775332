"""torch_ref's file safety: a save refuses (before writing) exactly what
``torch.load(weights_only=True)`` could not read back, checkpoints restore all
or nothing, and files get a plain write's permissions and follow symlinks."""

from __future__ import annotations

import collections
import io
import os
import stat
import warnings

import numpy as np
import pytest
import torch

import torch_ref
from torch_ref.serialization import check_weights_only, load, load_checkpoint, save, save_checkpoint

#: What torch's weights_only unpickler rebuilds by default (torch 2.x).
LOADABLE = {
    "tensor": torch.arange(3.0), "parameter": torch.nn.Parameter(torch.ones(2)),
    "complex tensor": torch.zeros(2, dtype=torch.complex64), "bf16 tensor": torch.ones(2, dtype=torch.bfloat16),
    "sparse tensor": torch.eye(2).to_sparse(), "int": 3, "big int": 2 ** 100, "float": 1.5, "complex": 1 + 2j,
    "str": "a", "bytes": b"a", "bytearray": bytearray(b"a"), "bool": True, "None": None,
    "list": [1, [2.0]], "tuple": (1, "b"), "dict": {1: 2, "a": (3,), (1, 2): None}, "set": {1, "x"},
    "OrderedDict": collections.OrderedDict(a=torch.ones(1)), "Counter": collections.Counter([1, 1]),
    "Size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu"),
    "layout": torch.sparse_coo, "qscheme": torch.per_tensor_affine,
}
#: What it refuses, with the hint a save gives.
UNLOADABLE = {
    "ndarray": (np.zeros(2), "to_torch_tree"), "numpy scalar": (np.float64(1.0), "to_torch_tree"),
    "frozenset": (frozenset({1}), "frozenset"), "defaultdict": (collections.defaultdict(int), "defaultdict"),
    "slice": (slice(1, 2), "slice"), "range": (range(3), "range"), "Ellipsis": (..., "ellipsis"),
    "Generator": (torch.Generator(), "get_state"), "module": (torch.nn.Linear(1, 1), "state_dict"),
    "object": (object(), "builtins.object"), "in a list": ([1, object()], r"obj\[1\]"),
    "as a dict key": ({frozenset(): 1}, "a key of obj"),
}


def _torch_round_trip(value):
    buf = io.BytesIO()
    torch.save(value, buf)
    buf.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.load(buf, weights_only=True)


@pytest.mark.parametrize("name", sorted(LOADABLE))
def test_what_weights_only_loads_is_saved_and_round_trips(tmp_path, name):
    value = LOADABLE[name]
    _torch_round_trip(value)  # torch itself reads it back
    save({"v": value}, tmp_path / "f.pt")
    back = load(tmp_path / "f.pt")["v"]
    assert type(back) is type(value) or isinstance(value, torch.Tensor)
    if isinstance(value, torch.Tensor):
        assert torch.equal(back.to_dense(), value.to_dense())
    else:
        assert back == value


@pytest.mark.parametrize("name", sorted(UNLOADABLE))
def test_what_weights_only_refuses_is_refused_at_save_time(tmp_path, name):
    value, hint = UNLOADABLE[name]
    if name not in ("module",):  # torch refuses to read it back (the reason for the check)
        with pytest.raises(Exception, match="Weights only load failed"):
            _torch_round_trip(value)
    path = tmp_path / "f.pt"
    save({"w": torch.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=f"cannot save .*{hint}|{hint}.*nothing was written") as info:
        save(value, path)
    assert "weights_only=True" in str(info.value)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["f.pt"]


def test_deep_or_self_containing_values_are_refused(tmp_path):
    loop = []
    loop.append(loop)
    deep = []
    for _ in range(150):
        deep = [deep]
    for value in (loop, deep):
        with pytest.raises(ValueError, match="nested more than 100 levels"):
            save(value, tmp_path / "f.pt")
    assert not os.listdir(tmp_path)
    check_weights_only({"a": [torch.ones(1)] * 3})  # shared references are fine


def _build(sizes=(2, 4, 1), optimizer=torch.optim.Adam, seed=0):
    model = torch_ref.models.mlp(list(sizes), generator=torch.Generator().manual_seed(seed))
    opt = optimizer(model.parameters(), lr=0.1)
    return model, opt, torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)


def _snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_checkpoint_with_an_unsaveable_extra_keeps_the_earlier_one(tmp_path):
    model, opt, sched = _build()
    path = tmp_path / "c.pt"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"cannot save obj\['extra'\]\['history'\]: a numpy.ndarray"):
        save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=2,
                        extra={"history": np.zeros(3)})
    assert path.read_bytes() == before
    assert load_checkpoint(path, model=model, optimizer=opt, scheduler=sched)["epoch"] == 1


def test_a_checkpoint_of_another_output_layer_changes_nothing(tmp_path):
    """torch's load_state_dict copies the first layer before failing on the second;
    the staged restore never lets it start on the given model."""
    model, _, _ = _build((2, 4, 1))
    save_checkpoint(tmp_path / "c.pt", model=model)
    other, _, _ = _build((2, 4, 3), seed=1)
    before = _snapshot(other)
    with pytest.raises(RuntimeError, match="size mismatch for 2.weight"):
        load_checkpoint(tmp_path / "c.pt", model=other)
    assert all(torch.equal(other.state_dict()[k], v) for k, v in before.items())


def test_a_failing_optimizer_state_leaves_model_and_rng_untouched(tmp_path):
    model, opt, sched = _build()
    model(torch.ones(3, 2)).sum().backward()
    opt.step()
    save_checkpoint(tmp_path / "c.pt", model=model, optimizer=opt, scheduler=sched, epoch=1,
                    generator=torch.Generator().manual_seed(3))
    fresh, _, _ = _build(seed=1)
    params = list(fresh.parameters())
    two_groups = torch.optim.Adam([{"params": params[:2]}, {"params": params[2:]}], lr=0.1)
    before = _snapshot(fresh)
    torch.manual_seed(42)
    rng_before = torch.get_rng_state()
    gen = torch.Generator().manual_seed(9)
    gen_before = gen.get_state()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        load_checkpoint(tmp_path / "c.pt", model=fresh, optimizer=two_groups, generator=gen)
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in before.items())
    assert torch.equal(torch.get_rng_state(), rng_before) and torch.equal(gen.get_state(), gen_before)
    assert two_groups.state_dict()["state"] == {}


# ---------------------------------------------------------------- permissions and symlinks


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_torch_save_gives_the_umask_mode_and_keeps_an_existing_one(tmp_path, umask_022):
    torch.save({"w": torch.ones(1)}, tmp_path / "plain.pt")
    save({"w": torch.ones(1)}, tmp_path / "new.pt")
    assert _mode(tmp_path / "new.pt") == _mode(tmp_path / "plain.pt") == 0o644
    os.chmod(tmp_path / "new.pt", 0o640)
    save({"w": torch.zeros(1)}, tmp_path / "new.pt")
    assert _mode(tmp_path / "new.pt") == 0o640


def test_torch_save_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    save({"w": torch.ones(1)}, tmp_path / "real" / "model.pt")
    os.symlink(tmp_path / "real" / "model.pt", tmp_path / "latest.pt")
    save({"w": torch.zeros(1)}, tmp_path / "latest.pt")
    assert os.path.islink(tmp_path / "latest.pt")
    assert torch.equal(load(tmp_path / "real" / "model.pt")["w"], torch.zeros(1))
    assert sorted(os.listdir(tmp_path / "real")) == ["model.pt"]


def test_torch_loader_shuffling_resumes_through_loader_argument(tmp_path):
    """torch_ref's DataLoader draws its batch orders with a NumPy generator (as
    scratchnet's); ``loader=`` checkpoints that stream on the torch side too."""
    x, y = np.arange(24.0).reshape(12, 2), np.arange(12) % 3

    def make(seed):
        return torch_ref.data.DataLoader((x, y), batch_size=4, shuffle=True, generator=np.random.default_rng(seed))

    def epoch_order(loader):
        return [yb.tolist() for _, yb in loader]

    straight = make(7)
    expected = [epoch_order(straight) for _ in range(4)]
    first = make(7)
    got = [epoch_order(first) for _ in range(2)]
    model = torch.nn.Linear(2, 3)
    save_checkpoint(tmp_path / "c.pt", model=model, epoch=2, loader=first)
    again = make(99)
    load_checkpoint(tmp_path / "c.pt", model=model, loader=again)
    got += [epoch_order(again) for _ in range(2)]
    assert got == expected
    unshuffled = torch_ref.data.DataLoader((x, y), batch_size=4)
    save_checkpoint(tmp_path / "d.pt", model=model, loader=unshuffled)  # nothing to save
    with pytest.raises(ValueError, match="no shuffling state"):
        load_checkpoint(tmp_path / "d.pt", model=model, loader=again)


def test_a_file_saved_on_cuda_gets_a_hint_on_a_machine_without_one(tmp_path, monkeypatch):
    """torch's own message for CUDA tensors on a CPU-only machine becomes a hint, not 'corrupt'."""
    path = tmp_path / "gpu.pt"
    save({"w": torch.ones(2)}, path)

    def cuda_file(*args, **kwargs):
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                           "is False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")

    monkeypatch.setattr(torch, "load", cuda_file)
    with pytest.raises(ValueError, match="CUDA tensors .* map_location='cpu'"):
        load(path)


def test_cuda_random_states_are_checked_before_anything_changes(tmp_path, monkeypatch):
    """A checkpoint whose CUDA random states are malformed changes nothing (stubbed CUDA:
    the check runs before the model, optimizer and global RNG are touched)."""
    model = torch.nn.Linear(2, 2)
    save_checkpoint(tmp_path / "c.pt", model=model)
    ckpt = load(tmp_path / "c.pt")
    ckpt["rng"]["cuda"] = [torch.zeros(3, dtype=torch.float32)]
    save(ckpt, tmp_path / "bad.pt")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    fresh = torch.nn.Linear(2, 2)
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    rng_before = torch.get_rng_state()
    with pytest.raises(ValueError, match="CUDA random states are not uint8"):
        load_checkpoint(tmp_path / "bad.pt", model=fresh)
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in before.items())
    assert torch.equal(torch.get_rng_state(), rng_before)
