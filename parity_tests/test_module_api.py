"""``Module``'s bookkeeping API against torch.nn.Module's: hooks and their
options, traversal with shared parameters, ``state_dict`` options and
``load_state_dict(assign=True)`` — same calls, same observable results."""

import warnings

import numpy as np
import pytest
import torch

import scratchnet as sn
from torch_ref.convert import to_torch


def pair():
    mine = sn.models.mlp([3, 4, 2], "tanh", dtype=np.float64, generator=np.random.default_rng(0))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict(to_torch(mine))
    return mine, theirs


def test_forward_hook_order_prepend_and_kwargs():
    logs = {}
    for name, model in zip(["scratchnet", "torch"], pair()):
        log = logs[name] = []
        layer = model[0]
        layer.register_forward_hook(lambda m, a, o: log.append("first"))
        layer.register_forward_hook(lambda m, a, o: log.append("prepended"), prepend=True)
        layer.register_forward_hook(lambda m, a, kw, o: log.append(("kwargs", sorted(kw))), with_kwargs=True)
        x = np.ones((2, 3))
        model(x if name == "scratchnet" else torch.tensor(x))
    assert logs["scratchnet"] == logs["torch"] == ["prepended", "first", ("kwargs", [])]


def test_always_call_hook_runs_when_forward_raises():
    for name, model in zip(["scratchnet", "torch"], pair()):
        seen = []
        model[0].register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
        model[0].register_forward_hook(lambda m, a, o: seen.append("not always"))
        bad = np.ones((2, 5))
        with pytest.raises((ValueError, RuntimeError)):
            model(bad if name == "scratchnet" else torch.tensor(bad))
        assert seen == [None], name


def test_hook_handles_remove_their_options():
    layer = sn.nn.Linear(2, 2)
    calls = []
    handle = layer.register_forward_hook(lambda m, a, kw, o: calls.append(1), with_kwargs=True, always_call=True)
    handle.remove()
    layer(np.ones((1, 2)))
    assert calls == [] and not layer._forward_hooks_with_kwargs and not layer._forward_hooks_always_called
    with pytest.raises(TypeError, match="hook must be callable"):
        layer.register_forward_hook("not a function")


def test_backward_hook_prepend_order():
    model = sn.models.mlp([3, 4, 2], "tanh")
    log = []
    model[2].register_full_backward_hook(lambda m, gi, go: log.append("first"))
    model[2].register_full_backward_hook(lambda m, gi, go: log.append("prepended"), prepend=True)
    model(np.ones((2, 3)))
    model.backward(np.ones((2, 2)))
    assert log == ["prepended", "first"]


def test_shared_parameters_and_remove_duplicate():
    shared_sn, shared_t = sn.nn.Linear(3, 3), torch.nn.Linear(3, 3)
    mine, theirs = sn.nn.Sequential(shared_sn, sn.nn.Tanh(), shared_sn), torch.nn.Sequential(shared_t,
                                                                                              torch.nn.Tanh(), shared_t)
    for kwargs in [{}, {"remove_duplicate": False}]:
        assert [n for n, _ in mine.named_parameters(**kwargs)] == [n for n, _ in theirs.named_parameters(**kwargs)]
        assert [n for n, _ in mine.named_modules(**kwargs)] == [n for n, _ in theirs.named_modules(**kwargs)]
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_options_match_torch():
    mine, theirs = pair()
    assert list(mine.state_dict(prefix="net.")) == list(theirs.state_dict(prefix="net."))
    dest, dest_t = {"kept": 1}, {"kept": 1}
    assert mine.state_dict(destination=dest) is dest and list(dest) == list(theirs.state_dict(destination=dest_t))
    live = mine.state_dict(keep_vars=True)
    assert live["0.weight"] is mine[0].weight  # the Parameter itself, as torch gives its Parameter
    snapshot = mine.state_dict()
    assert snapshot["0.weight"] is not mine[0].weight.data and np.shares_memory(live["0.weight"].data,
                                                                                  mine[0].weight.data)
    with pytest.raises(TypeError, match="as keywords"):  # torch's deprecated positional form: see test_signatures
        mine.state_dict(None, "p.")


def test_load_state_dict_assign():
    mine = sn.models.mlp([3, 4, 2], dtype=np.float64)
    new = {k: np.full(v.shape, 0.5) for k, v in mine.state_dict().items()}
    mine.load_state_dict(new, assign=True)
    assert mine[0].weight.data is new["0.weight"]  # no copy: the state dict's own array
    copied = sn.models.mlp([3, 4, 2], dtype=np.float64)
    copied.load_state_dict(new)
    assert copied[0].weight.data is not new["0.weight"]
    np.testing.assert_array_equal(copied[0].weight.data, new["0.weight"])
    with pytest.raises(ValueError, match="assign=True keeps the state dict's array.*float32"):
        sn.models.mlp([3, 4, 2]).load_state_dict(new, assign=True)  # float32 model, float64 arrays
    bn = sn.nn.BatchNorm1d(3, dtype=np.float64)
    stats = {k: v + 1 for k, v in bn.state_dict().items()}
    bn.load_state_dict(stats, assign=True)
    assert bn.running_mean is stats["running_mean"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bn.train()(np.arange(12.0).reshape(4, 3))  # the assigned buffers are used and updated
    assert not np.array_equal(stats["running_mean"], np.ones(3))


def test_assign_refuses_read_only_arrays():
    mine = sn.models.mlp([3, 4, 2], dtype=np.float64)
    state = mine.state_dict()
    for value in state.values():
        value.flags.writeable = False  # as np.load(..., mmap_mode="r") gives
    with pytest.raises(ValueError, match="read-only"):
        mine.load_state_dict(state, assign=True)
    mine.load_state_dict(state)  # a copy is fine
    assert mine[0].weight.data.flags.writeable


def test_an_always_call_hook_that_fails_warns_as_torch():
    for name, model in zip(["scratchnet", "torch"], pair()):
        def broken(module, args, output):
            raise RuntimeError("hook broke")

        model[0].register_forward_hook(broken, always_call=True)
        bad = np.ones((2, 5))
        with pytest.warns(UserWarning, match="always_call=True.*silenced.*hook broke"):
            with pytest.raises((ValueError, RuntimeError)) as info:
                model(bad if name == "scratchnet" else torch.tensor(bad))
        assert "hook broke" not in str(info.value), name  # the forward's own error propagates
