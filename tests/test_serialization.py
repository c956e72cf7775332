"""``scratchnet.save`` / ``scratchnet.load``: exact round trips, files that can
never run code, saves that never damage an earlier file, and clear errors for
missing, truncated and corrupt files."""

from __future__ import annotations

import errno
import math
import os
import pickle
import stat
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchnet as sn
from scratchnet.serialization import META_KEY, SerializationError


# ---------------------------------------------------------------- helpers


def assert_identical(a, b, where="state"):
    """Same types all the way down; arrays with the same dtype, shape and bits."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray) or isinstance(a, np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b), where
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes(), where
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys()), where
        assert all(type(k) is type(kb) for k, kb in zip(a, b)), f"{where}: key types differ"
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b)), where
    else:
        assert a == b, where


def files_in(folder):
    return sorted(os.listdir(folder))


class Marker:
    """Unpickling this object creates the file ``path`` (``open(path, "w")``):
    a harmless stand-in for code hidden in a downloaded model file."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_model_state_dict_round_trip_is_exact(tmp_path, dtype):
    model = sn.models.mlp([3, 5, 2], activation="tanh", dtype=dtype, generator=np.random.default_rng(0))
    path = tmp_path / "model.npz"
    sn.save(model.state_dict(), path)
    loaded = sn.load(path)
    assert isinstance(loaded, OrderedDict)
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert_identical(model.state_dict(), loaded)
    # Plain NumPy reads the same arrays under the same names, with pickling off.
    with np.load(path, allow_pickle=False) as plain:
        assert sorted(plain.files) == sorted([META_KEY, *loaded])
        np.testing.assert_array_equal(plain["0.weight"], model[0].weight.data)
    # And a fresh model given the file computes exactly the same function.
    other = sn.models.mlp([3, 5, 2], activation="tanh", dtype=dtype, generator=np.random.default_rng(1))
    other.load_state_dict(sn.load(path))
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(dtype)
    assert model(x).tobytes() == other(x).tobytes()


def test_nested_optimizer_like_state_round_trips_with_types_and_bits(tmp_path):
    state = {
        "state": {0: {"step": 7, "exp_avg": np.arange(6, dtype=np.float64).reshape(2, 3) / 7},
                  1: {"step": np.float32(3.0), "momentum_buffer": None}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "nesterov": False,
                          "params": [0, 1], "name": "all", "initial_lr": float("nan"),
                          "bounds": (float("inf"), -float("inf"), -0.0)}],
        "rng": {"bit_generator": "PCG64", "state": {"state": 2**127 + 12345, "inc": 3}},
        "odd arrays": [np.zeros((0, 4), np.float32), np.array(2.5), np.array([True, False]),
                       np.array([-1, 2**40], np.int64), np.array([1 + 2j]), np.uint8(255),
                       np.array([np.nan, np.inf, -0.0], np.float32)],
        "ordered": OrderedDict([("b", 1), ("a", 2)]), "milestones": Counter({30: 1, 80: 2}),
        "empty": {}, "empty list": [],
    }
    path = tmp_path / "state.npz"
    sn.save(state, path)
    assert_identical(state, sn.load(path))


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True), st.text(max_size=5),
    hnp.arrays(st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.bool_]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
)
_trees = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-3, 3)), children, max_size=3),
    ),
    max_leaves=8,
)


@given(tree=_trees)
def test_any_supported_nesting_round_trips_exactly(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("tree") / "t.npz"
    sn.save(tree, path)
    assert_identical(tree, sn.load(path))


def test_plain_numpy_savez_file_loads_as_a_dict_of_arrays(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones((2, 2)), b=np.zeros(2, np.float32))
    loaded = sn.load(path)
    assert list(loaded) == ["w", "b"]
    assert_identical(loaded["b"], np.zeros(2, np.float32))


def test_save_writes_exactly_the_given_path_and_replaces_an_earlier_file(tmp_path):
    path = tmp_path / "model"  # no .npz appended (numpy.savez would append one)
    sn.save({"x": np.ones(2)}, path)
    sn.save({"x": np.zeros(3)}, path)
    assert files_in(tmp_path) == ["model"]
    np.testing.assert_array_equal(sn.load(path)["x"], np.zeros(3))


# ---------------------------------------------------------------- never runs code


def test_pickle_bearing_npz_is_refused_without_running_anything(tmp_path):
    # First prove the payload is live: NumPy *with* pickling enabled runs it.
    live_marker = tmp_path / "ran-with-allow_pickle"
    live = tmp_path / "live.npz"
    np.savez(live, evil=np.array([Marker(live_marker)], dtype=object))
    with np.load(live, allow_pickle=True) as f:
        f["evil"]
    assert live_marker.exists()

    marker = tmp_path / "ran"
    evil = tmp_path / "evil.npz"
    np.savez(evil, weight=np.ones(3), evil=np.array([Marker(marker)], dtype=object))
    with pytest.raises(SerializationError, match=r"holds Python objects.*refuses to load it; nothing from "
                                                 r"the file was executed"):
        sn.load(evil)
    assert not marker.exists()


def test_pickle_hidden_inside_a_scratchnet_file_is_refused(tmp_path):
    """A genuine scratchnet file with one extra, pickle-bearing member."""
    path = tmp_path / "model.npz"
    sn.save({"w": np.ones(2)}, path)
    marker = tmp_path / "ran"
    with zipfile.ZipFile(path, "a") as zf, zf.open("w#1.npy", "w") as member:
        np.lib.format.write_array(member, np.array([Marker(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(SerializationError, match="holds Python objects"):
        sn.load(path)
    assert not marker.exists()


def test_a_raw_pickle_or_torch_save_file_is_refused_without_running_anything(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"weight": Marker(marker)}, protocol=2))
    with pytest.raises(SerializationError, match="looks like a pickle.*never unpickles"):
        sn.load(path)
    assert not marker.exists()


# ---------------------------------------------------------------- failed saves


@pytest.fixture
def earlier(tmp_path):
    """A folder holding one good file; returns (path, its bytes)."""
    path = tmp_path / "model.npz"
    sn.save(sn.models.mlp([2, 3, 1], generator=np.random.default_rng(0)).state_dict(), path)
    return path, path.read_bytes()


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    """One good file shared by the hypothesis tests (which only read it)."""
    path = tmp_path_factory.mktemp("good") / "model.npz"
    sn.save(sn.models.mlp([2, 3, 1], generator=np.random.default_rng(0)).state_dict(), path)
    return path, path.read_bytes()


def _assert_untouched(path, before):
    assert path.read_bytes() == before
    assert files_in(path.parent) == [path.name], "a temporary file was left behind"
    sn.load(path)  # and it still loads


@pytest.mark.parametrize("bad, message", [
    ({"w": np.array([object()], dtype=object)}, "dtype object"),
    ({"w": np.array(["a", "b"])}, "dtype <U1"),
    ({"w": {1, 2}}, "type set"),
    ({"w": lambda: 0}, "type function"),
    ({("a", 1): np.ones(2)}, "dict keys must be str or int"),
    ({"model": sn.nn.Linear(2, 1)}, r"save its \.state_dict\(\) instead"),
])
def test_unsaveable_value_leaves_the_earlier_file_byte_identical(earlier, bad, message):
    path, before = earlier
    with pytest.raises(TypeError, match=message):
        sn.save({"ok": np.ones(4), **bad}, path)
    _assert_untouched(path, before)


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()])
def test_a_write_failing_midway_leaves_the_earlier_file_byte_identical(earlier, monkeypatch, failure):
    path, before = earlier
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # a few members in: half an array, then the disk fills up
            fp.write(b"\x00" * 17)
            raise failure
        return real_write(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    new_state = {f"w{i}": np.full(100, i, np.float64) for i in range(5)}
    with pytest.raises(type(failure)):
        sn.save(new_state, path)
    assert len(calls) == 3
    monkeypatch.undo()
    _assert_untouched(path, before)


@pytest.mark.parametrize("stage", ["fsync", "replace"])
def test_failing_flush_or_rename_leaves_the_earlier_file_byte_identical(earlier, monkeypatch, stage):
    path, before = earlier

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, f"simulated {stage} failure")

    monkeypatch.setattr(os, stage, fail)
    with pytest.raises(OSError, match=f"simulated {stage} failure"):
        sn.save({"w": np.zeros(5)}, path)
    monkeypatch.undo()
    _assert_untouched(path, before)


# ---------------------------------------------------------------- bad files, bad paths


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*nothere.npz"):
        sn.load(tmp_path / "nothere.npz")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(SerializationError, match="the file is empty"):
        sn.load(path)


def test_not_an_archive(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello, these are not weights")
    with pytest.raises(SerializationError, match=r"not a scratchnet file \(not an \.npz archive\)"):
        sn.load(path)


@given(cut=st.floats(0.0, 0.999))
def test_every_truncation_gets_a_clear_error(good_file, cut):
    path, before = good_file
    short = path.with_name("short.npz")
    short.write_bytes(before[: max(1, int(len(before) * cut))])
    with pytest.raises(SerializationError, match=r"short\.npz: (truncated or corrupt|not a scratchnet file)"):
        sn.load(short)


@given(position=st.floats(0.0, 0.999), flip=st.integers(1, 255))
def test_corrupted_bytes_never_pass_silently(good_file, position, flip):
    """A flipped byte anywhere: either a clear error, or (where the byte is one
    the zip format does not check, e.g. a timestamp) exactly the saved state."""
    path, before = good_file
    bad = bytearray(before)
    bad[int(len(bad) * position)] ^= flip
    corrupt = path.with_name("corrupt.npz")
    corrupt.write_bytes(bytes(bad))
    try:
        loaded = sn.load(corrupt)
    except SerializationError as exc:
        assert "corrupt.npz" in str(exc)
    else:
        assert_identical(loaded, sn.load(path))


def _write_archive(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, arr in members.items():
            with zf.open(name + ".npy", "w") as fp:
                np.lib.format.write_array(fp, np.asarray(arr), allow_pickle=False)


@pytest.mark.parametrize("meta, message", [
    ("not json", "unreadable structure"),
    ('{"format": "other", "tree": {}}', "unrecognised structure header"),
    ('{"format": "scratchnet", "version": 99, "tree": {}}', "format version 99"),
    ('{"format": "scratchnet", "version": 1, "tree": {"t": "array", "k": "gone"}}', "does not hold"),
    ('{"format": "scratchnet", "version": 1, "tree": {"t": "exec", "v": "rm -rf"}}', "unknown entry type"),
    ('{"format": "scratchnet", "version": 1, "tree": {"t": "json", "v": [1]}}', "unexpected value"),
    ('{"format": "scratchnet", "version": 1, "tree": {"t": "json", "v": 1}}', "not named by its structure"),
])
def test_corrupt_structure_gets_a_clear_error(tmp_path, meta, message):
    path = tmp_path / "bad.npz"
    _write_archive(path, {META_KEY: np.array(meta), "w": np.ones(2)})
    with pytest.raises(SerializationError, match=message):
        sn.load(path)


def test_keys_or_shapes_that_do_not_fit_the_model(tmp_path):
    path = tmp_path / "small.npz"
    sn.save(sn.models.mlp([2, 3, 1]).state_dict(), path)
    wider = sn.models.mlp([2, 4, 1])
    before = wider.state_dict()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight: copying a param with shape \(3, 2\) "
                                           r"from checkpoint, the shape in current model is \(4, 2\)"):
        wider.load_state_dict(sn.load(path))
    assert_identical(before, wider.state_dict())  # nothing changed
    deeper = sn.models.mlp([2, 3, 3, 1])
    with pytest.raises(RuntimeError, match=r"Missing key\(s\) in state_dict: '4\.weight', '4\.bias'"):
        deeper.load_state_dict(sn.load(path))


@pytest.mark.parametrize("path, error, message", [
    (123, TypeError, "path must be a str or os.PathLike, got int"),
    (b"model.npz", TypeError, "path must be a str or os.PathLike, got bytes"),
])
def test_bad_path_types(path, error, message):
    with pytest.raises(error, match=message):
        sn.save({}, path)
    with pytest.raises(error, match=message):
        sn.load(path)


def test_directories_and_missing_folders(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        sn.save({}, tmp_path)
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        sn.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sn.save({}, tmp_path / "no" / "such" / "folder.npz")
    assert files_in(tmp_path) == []


# ---------------------------------------------------------------- nesting depth


def _nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_up_to_the_cap_round_trips_and_deeper_is_refused(tmp_path):
    sn.save(_nested(100), tmp_path / "ok.npz")
    assert sn.load(tmp_path / "ok.npz") == _nested(100)
    loop = {"a": []}
    loop["a"].append(loop)
    for value in (_nested(3000), loop):
        with pytest.raises(ValueError, match="nested more than 100 levels deep .*contain itself"):
            sn.save(value, tmp_path / "deep.npz")
    assert not (tmp_path / "deep.npz").exists()


@pytest.mark.parametrize("depth, message", [(100_000, "nests too deeply to read"), (150, "nests more than 100 levels")])
def test_a_crafted_deeply_nested_file_is_refused_clearly(tmp_path, depth, message):
    tree = '{"t": "list", "v": [' * depth + "]}" * depth
    meta = '{"format": "scratchnet", "version": 1, "tree": ' + tree + "}"
    np.savez(tmp_path / "deep.npz", __scratchnet__=np.array(meta))
    with pytest.raises(SerializationError, match=message):
        sn.load(tmp_path / "deep.npz")


# ---------------------------------------------------------------- permissions and symlinks


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_get_the_umask_mode_like_numpy_savez(tmp_path, umask_022):
    np.savez(tmp_path / "plain.npz", a=np.ones(1))
    sn.save({"a": np.ones(1)}, tmp_path / "new.npz")
    assert _mode(tmp_path / "new.npz") == _mode(tmp_path / "plain.npz") == 0o644
    os.umask(0o077)
    sn.save({"a": np.ones(1)}, tmp_path / "private.npz")
    assert _mode(tmp_path / "private.npz") == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_replacing_a_file_keeps_its_mode(tmp_path, umask_022, mode):
    path = tmp_path / "model.npz"
    sn.save({"a": np.ones(1)}, path)
    os.chmod(path, mode)
    sn.save({"a": np.zeros(1)}, path)
    assert _mode(path) == mode and sn.load(path)["a"][0] == 0


def test_saving_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch3.npz"
    sn.save({"a": np.ones(2)}, target)
    os.chmod(target, 0o640)
    link = tmp_path / "latest.npz"
    os.symlink(os.path.join("runs", "epoch3.npz"), link)  # a relative link
    sn.save({"a": np.zeros(2)}, link)
    assert os.path.islink(link) and os.readlink(link) == os.path.join("runs", "epoch3.npz")
    assert np.array_equal(sn.load(target)["a"], np.zeros(2)) and _mode(target) == 0o640
    assert sorted(os.listdir(tmp_path / "runs")) == ["epoch3.npz"]  # no temporary file left
    dangling = tmp_path / "next.npz"
    os.symlink(tmp_path / "runs" / "epoch4.npz", dangling)
    sn.save({"a": np.ones(1)}, dangling)  # as open(link, "wb"): creates the target
    assert os.path.islink(dangling) and sn.load(tmp_path / "runs" / "epoch4.npz")["a"][0] == 1
    os.symlink(tmp_path / "runs", tmp_path / "dirlink")
    with pytest.raises(IsADirectoryError):
        sn.save({}, tmp_path / "dirlink")


def test_a_write_protected_file_is_not_replaced(tmp_path, monkeypatch):
    """open(path, "wb") refuses a file the user may not write; a save (temporary file +
    rename, which only needs the folder's permission) refuses it too. The check uses
    os.access, which is always True for root (as CI runs), hence the stand-in here."""
    import scratchnet._fileio as fileio

    target = tmp_path / "model.npz"
    sn.save({"a": np.ones(2)}, target)
    before = target.read_bytes()
    monkeypatch.setattr(fileio.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match="write-protected"):
        sn.save({"a": np.zeros(2)}, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]  # no temporary file left
