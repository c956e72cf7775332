"""The Module contract: registration, state dicts, modes, gradients, dtypes, hooks."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import scratchnet as sn


def small_mlp(**kw):
    return sn.models.mlp([3, 4, 2], "relu", None, generator=np.random.default_rng(0), **kw)


def test_parameters_and_names_in_registration_order():
    model = small_mlp()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(model.parameters())) == 4
    assert [type(m).__name__ for m in model.children()] == ["Linear", "ReLU", "Linear"]
    assert model[0].weight.shape == (4, 3) and model[-1].bias.shape == (2,)
    assert len(model) == 3 and isinstance(model[1:], sn.nn.Sequential) and len(model[1:]) == 2


def test_state_dict_is_a_snapshot_and_round_trips():
    model = small_mlp()
    state = model.state_dict()
    model[0].weight.data += 1.0  # a later update does not change the snapshot
    assert not np.array_equal(state["0.weight"], model[0].weight.data)
    result = model.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(model[0].weight.data, state["0.weight"])


def test_load_state_dict_errors_name_the_keys():
    model = small_mlp()
    state = model.state_dict()
    missing = OrderedDict((k, v) for k, v in state.items() if k != "2.bias")
    with pytest.raises(ValueError, match=r"Missing key\(s\) in state_dict: '2.bias'"):
        model.load_state_dict(missing)
    extra = dict(state, **{"9.weight": np.zeros(3)})
    with pytest.raises(ValueError, match=r"Unexpected key\(s\) in state_dict: '9.weight'"):
        model.load_state_dict(extra)
    wrong = dict(state, **{"0.weight": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"size mismatch for 0.weight: .*\(3, 4\).*\(4, 3\)"):
        model.load_state_dict(wrong)
    # strict=False reports instead of raising — but a shape mismatch always raises.
    result = model.load_state_dict(missing, strict=False)
    assert result.missing_keys == ["2.bias"]
    with pytest.raises(ValueError, match="size mismatch"):
        model.load_state_dict(wrong, strict=False)
    with pytest.raises(TypeError, match="mapping"):
        model.load_state_dict([1, 2, 3])


def test_failed_load_changes_nothing():
    model = small_mlp()
    before = model.state_dict()
    state = model.state_dict()
    state["0.bias"] = state["0.bias"] + 5
    state["2.weight"] = np.zeros((7, 7))
    with pytest.raises(RuntimeError):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model[0].bias.data, before["0.bias"])


def test_gradients_accumulate_until_zero_grad():
    model = small_mlp(dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(5, 3))
    g = np.ones((5, 2))
    model(x)
    model.backward(g)
    first = model[0].weight.grad.copy()
    model(x)
    model.backward(g)
    np.testing.assert_allclose(model[0].weight.grad, 2 * first, rtol=1e-15)
    model.zero_grad(set_to_none=False)
    assert np.all(model[0].weight.grad == 0)
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_frozen_parameters_get_no_gradient():
    model = small_mlp()
    model[0].requires_grad_(False)
    model(np.ones((2, 3)))
    model.backward(np.ones((2, 2)))
    assert model[0].weight.grad is None and model[2].weight.grad is not None


def test_needs_input_grad_false_skips_only_the_input_gradient():
    model = small_mlp(dtype=np.float64)
    x = np.random.default_rng(2).normal(size=(4, 3))
    model(x)
    dx = model.backward(np.ones((4, 2)))
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    model(x)
    assert model.backward(np.ones((4, 2)), needs_input_grad=False) is None
    for a, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(a, p.grad)
    assert dx.shape == x.shape


def test_train_eval_and_dtype_conversion():
    model = small_mlp()
    assert model.training and all(m.training for m in model.modules())
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert model[1].training
    assert model.dtype == np.float32
    model.double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model(np.ones((1, 3))).dtype == np.float64
    model.float()
    assert model(np.ones((1, 3))).dtype == np.float32
    sn.set_default_dtype(np.float64)
    try:
        assert sn.nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        sn.set_default_dtype(np.float32)
    assert sn.nn.Linear(2, 2, dtype="float64").weight.dtype == np.float64


def test_forward_hook_and_backward_hook():
    model = small_mlp(dtype=np.float64)
    seen = []
    h1 = model[0].register_forward_hook(lambda m, inp, out: seen.append(("fwd", out.shape)))
    h2 = model[0].register_full_backward_hook(lambda m, gin, gout: seen.append(("bwd", gin[0].shape, gout[0].shape)))
    model(np.ones((5, 3)))
    model.backward(np.ones((5, 2)))
    assert seen == [("fwd", (5, 4)), ("bwd", (5, 3), (5, 4))]
    h1.remove()
    h2.remove()
    model(np.ones((5, 3)))
    model.backward(np.ones((5, 2)))
    assert len(seen) == 2
    # A forward hook may replace the output.
    with model[2].register_forward_hook(lambda m, inp, out: out * 0):
        assert np.all(model(np.ones((1, 3))) == 0)


def test_custom_module_gets_the_checks_from_one_line():
    """A module of one's own gets backward's checks by starting its backward as the
    library's layers do, ``with checked_backward(self, grad_output) as g:``."""

    class Double(sn.nn.Module):
        def forward(self, x):
            return 2 * x

        def backward(self, grad_output):
            with sn.nn.checked_backward(self, grad_output) as g:
                return 2 * g

    m = Double()
    with pytest.raises(RuntimeError, match="before forward"):
        m.backward(np.ones(3))
    m(np.ones(3))
    with pytest.raises(ValueError, match=r"shape of the forward output \(3,\), got \(4,\)"):
        m.backward(np.ones(4))
    np.testing.assert_array_equal(m.backward(np.ones(3)), [2, 2, 2])
    with pytest.raises(RuntimeError, match="twice"):
        m.backward(np.ones(3))
    m(np.ones(3))
    np.testing.assert_array_equal(m.backward([1, 2, 3]), [2, 4, 6])  # converted to the output's dtype


def test_custom_module_without_the_line_still_runs_its_hooks():
    """Without it, backward is plain Python (no checks), and hooks still run: they are
    put on the instance when registered, not on the class's method."""

    class Double(sn.nn.Module):
        def forward(self, x):
            return 2 * x

        def backward(self, grad_output):
            return 2 * grad_output

    m, seen = Double(), []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0].tolist(), go[0].tolist())))
    m(np.ones(2))
    np.testing.assert_array_equal(m.backward(np.ones(2)), [2, 2])
    assert seen == [([2.0, 2.0], [1.0, 1.0])]


def test_manual_seed_and_generators_make_initialization_reproducible():
    sn.manual_seed(123)
    a = sn.models.mlp([5, 4, 3]).state_dict()
    sn.manual_seed(123)
    b = sn.models.mlp([5, 4, 3]).state_dict()
    c = sn.models.mlp([5, 4, 3], generator=np.random.default_rng(9)).state_dict()
    d = sn.models.mlp([5, 4, 3], generator=np.random.default_rng(9)).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_array_equal(c[k], d[k])
    assert not np.array_equal(a["0.weight"], c["0.weight"])
    state = sn.get_rng_state()
    x = sn.random.default_generator().normal(size=3)
    sn.set_rng_state(state)
    np.testing.assert_array_equal(x, sn.random.default_generator().normal(size=3))


def test_a_subclass_may_extend_forward_and_backward_with_super():
    """Overriding ``backward`` and calling ``super().backward`` (the usual way
    to extend a layer) runs the checks and hooks once, for the outer call."""

    class DoubledTanh(sn.nn.Tanh):
        def forward(self, x):
            return 2 * super().forward(x)

        def backward(self, grad_output):
            return super().backward(2 * grad_output)

    layer, x = DoubledTanh(), np.array([[0.5, -1.0]])
    calls = []
    layer.register_full_backward_hook(lambda m, gi, go: calls.append(gi[0].copy()))
    np.testing.assert_allclose(layer(x), 2 * np.tanh(x))
    grad = layer.backward(np.ones((1, 2)))
    np.testing.assert_allclose(grad, 2 * (1 - np.tanh(x) ** 2), rtol=1e-6)
    assert len(calls) == 1
    with pytest.raises(ValueError, match="called twice"):
        layer.backward(np.ones((1, 2)))
