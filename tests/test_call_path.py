"""What runs is what a learner reads: ``module(x)`` is ``Module.__call__`` →
the class's own ``forward``; ``module.backward(g)`` is the class's own
``backward`` (its first line, ``checked_backward``, does the checks); hook
machinery runs only on a module that has hooks registered (torch's
``_call_impl`` fast path), and NumPy's error state is entered once per
outermost call, not once per layer."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.nn.modules import _ieee, hooks

LAYERS = [sn.nn.Linear, sn.nn.ReLU, sn.nn.Sigmoid, sn.nn.Tanh, sn.nn.Softmax, sn.nn.Dropout, sn.nn.BatchNorm1d,
          sn.nn.Sequential, sn.nn.Residual, sn.nn.MSELoss, sn.nn.CrossEntropyLoss, sn.nn.PoissonNLLLoss]


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_forward_and_backward_are_the_classes_own_functions(cls):
    """No wrapping: the methods are the functions written in the class's file."""
    for name in ("forward", "backward"):
        fn = getattr(cls, name)
        assert not hasattr(fn, "__wrapped__")
        owner = next(k for k in cls.__mro__ if name in k.__dict__)
        assert fn is owner.__dict__[name]
        assert inspect.getsourcefile(fn).endswith(owner.__module__.rsplit(".", 1)[-1] + ".py")
    assert "__init_subclass__" not in sn.nn.Module.__dict__  # no class-level wrapping


def test_hook_machinery_runs_only_while_hooks_are_registered(monkeypatch):
    calls = []
    real_forward, real_backward = hooks.call_with_forward_hooks, hooks.backward_with_hooks
    monkeypatch.setattr(hooks, "call_with_forward_hooks",
                        lambda *a: calls.append("forward hooks") or real_forward(*a))
    model = sn.models.mlp([3, 4, 2], dtype=np.float64)
    layer, x = model[0], np.ones((2, 3))
    model.backward(np.ones_like(model(x)))
    assert calls == [] and "backward" not in layer.__dict__  # nothing registered: the fast path
    seen = []
    h1 = layer.register_forward_hook(lambda m, i, o: seen.append("forward"))
    h2 = layer.register_full_backward_hook(lambda m, gi, go: seen.append("backward"))
    assert layer.__dict__["backward"].__func__ is real_backward  # on this instance only
    assert "backward" not in model[2].__dict__
    model.backward(np.ones_like(model(x)))
    assert calls == ["forward hooks"] and seen == ["forward", "backward"]
    h1.remove()
    h2.remove()
    model.backward(np.ones_like(model(x)))
    assert calls == ["forward hooks"] and seen == ["forward", "backward"]
    assert "backward" not in layer.__dict__  # the last hook gone: back to the class's method


def test_numpy_error_state_is_entered_once_per_outermost_call():
    """Inside every layer NaN and ±inf are silent (IEEE arithmetic, as torch); the
    state is set by the outermost call — forward and backward alike — and restored after."""
    states = []

    class Probe(sn.nn.Module):
        def forward(self, x):
            states.append((_ieee.depth.n, np.geterr()["invalid"]))
            return x

        def backward(self, grad_output=None):
            with sn.nn.checked_backward(self, grad_output) as g:
                states.append((_ieee.depth.n, np.geterr()["invalid"]))
                return g

    before = np.geterr()
    model = sn.nn.Sequential(sn.nn.Linear(2, 2), Probe(), sn.nn.Tanh(), Probe())
    out = model(np.ones((1, 2)))
    model.backward(np.ones_like(out))
    probe = Probe()
    probe(np.ones(2))
    probe.backward(np.ones(2))
    assert states == [(1, "ignore")] * 6  # one level deep everywhere: entered once, by the outermost
    assert np.geterr() == before and _ieee.depth.n == 0


def test_a_module_with_forward_hooks_enters_the_error_state_as_one_without():
    """The hook path runs forward as ``Module.__call__`` does: under IEEE arithmetic,
    entered by the outermost call only, restored after (also when forward raises)."""
    states = []

    class Probe(sn.nn.Module):
        def forward(self, x):
            states.append((_ieee.depth.n, np.geterr()["invalid"]))
            if x is None:
                raise ValueError("no input")
            return x

    before = np.geterr()
    inner, outer = Probe(), Probe()
    inner.register_forward_hook(lambda m, i, o: None)
    outer.register_forward_hook(lambda m, i, o: None)
    sn.nn.Sequential(sn.nn.Tanh(), inner)(np.ones(2))   # inside another module's call
    outer(np.ones(2))                                   # the outermost call
    with pytest.raises(ValueError, match="no input"):
        outer(None)
    assert states == [(1, "ignore")] * 3
    assert np.geterr() == before and _ieee.depth.n == 0


def test_a_failing_backward_leaves_no_state_behind():
    layer = sn.nn.Linear(2, 3)
    layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match="shape of the forward output"):
        layer.backward(np.ones((4, 2)))
    assert _ieee.depth.n == 0
    layer.backward(np.ones((4, 3)))  # the refused call did not use up the forward
    with pytest.raises(RuntimeError, match="twice"):
        layer.backward(np.ones((4, 3)))
