"""Residual blocks and the deep-network options of the two ``mlp`` builders.

``Residual``: Y = X + F(X), dX = dY + F's backward(dY) — against
``torch_ref.modules.Residual`` (autograd). Then whole networks built by both
builders with ``batch_norm``, ``dropout`` and ``residual``: identical
``state_dict`` keys, and five hand-written SGD steps in training mode
(torch's dropout masks handed to scratchnet) after which parameters, running
statistics and eval-mode outputs agree. Bounds as in compare.py (depth ≤ 5
blocks, widths ≤ 12, batch 16: sums of ≤ a few hundred terms per step).
"""

import itertools

import numpy as np
import pytest
import torch

import scratchnet as sn
import torch_ref
from parity_tests.compare import assert_parity
from parity_tests.conftest import tdtype, tensor
from torch_ref.convert import to_torch
from torch_ref.modules import DropoutMasks
from torch_ref.modules import Residual as TorchResidual


def test_residual_block_forward_backward(dtype):
    mine = sn.nn.Residual(sn.nn.Sequential(sn.nn.Linear(6, 6, dtype=dtype), sn.nn.Tanh(),
                                           sn.nn.Linear(6, 6, dtype=dtype)))
    theirs = TorchResidual(torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Tanh(),
                                               torch.nn.Linear(6, 6))).to(tdtype(dtype))
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["fn.0.weight", "fn.0.bias", "fn.2.weight",
                                                                    "fn.2.bias"]
    theirs.load_state_dict(to_torch(mine))
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((10, 6)).astype(dtype), rng.standard_normal((10, 6)).astype(dtype)
    xt = tensor(x, dtype, "cpu", requires_grad=True)
    out_t = theirs(xt)
    out_t.backward(tensor(g, dtype, "cpu"))
    out = mine(x)
    grad_x = mine.backward(g)
    assert_parity(out, out_t, component="Residual", quantity="output", dtype=dtype)
    assert_parity(grad_x, xt.grad, component="Residual", quantity="dJ/dinput", dtype=dtype)
    tparams = dict(theirs.named_parameters())
    for name, p in mine.named_parameters():
        assert_parity(p.grad, tparams[name].grad, component="Residual", quantity=f"dJ/d{name}", dtype=dtype)
    assert repr(mine) == repr(theirs)


def test_residual_needs_shape_preserving_block():
    block = sn.nn.Residual(sn.nn.Linear(3, 4))
    with pytest.raises(ValueError, match=r"maps \(2, 3\) to \(2, 4\)"):
        block(np.ones((2, 3)))
    with pytest.raises(TypeError, match="Module"):
        sn.nn.Residual(lambda x: x)


OPTIONS = [dict(batch_norm=b, dropout=d, residual=r)
           for b, d, r in itertools.product([False, True], [0.0, 0.3], [False, True])]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_builders_agree_on_layers_and_keys(opts):
    mine = sn.models.mlp([4, 6, 6, 6, 2], "relu", "softmax", **opts)
    theirs = torch_ref.models.mlp([4, 6, 6, 6, 2], "relu", "softmax", **opts)
    sd, sd_t = mine.state_dict(), theirs.state_dict()
    assert list(sd) == list(sd_t)
    assert [v.shape for v in sd.values()] == [tuple(v.shape) for v in sd_t.values()]
    assert [v.dtype.kind for v in sd.values()] == ["i" if v.dtype == torch.int64 else "f" for v in sd_t.values()]
    assert repr(mine) == repr(theirs)
    assert list(torch_ref.models.twin(mine).state_dict()) == list(sd_t)


def test_builder_option_errors():
    with pytest.raises(ValueError, match="hidden widths equal"):
        sn.models.mlp([4, 6, 8, 2], residual=True)
    with pytest.raises(ValueError, match="at least two hidden layers"):
        torch_ref.models.mlp([4, 6, 2], residual=True)
    with pytest.raises(ValueError, match="dropout must be a probability"):
        sn.models.mlp([4, 6, 2], dropout=1.0)
    with pytest.raises(TypeError, match="batch_norm must be True or False"):
        torch_ref.models.mlp([4, 6, 2], batch_norm="yes")


@pytest.mark.parametrize("opts", [dict(batch_norm=True, dropout=0.25, residual=True),
                                  dict(batch_norm=True, residual=True)], ids=["bn+dropout+residual", "bn+residual"])
def test_deep_mlp_training_steps_then_eval(dtype, opts):
    sizes = [5, 12, 12, 12, 12, 3]
    mine = sn.models.mlp(sizes, "tanh", dtype=dtype, generator=np.random.default_rng(0), **opts)
    theirs = torch_ref.models.twin(mine)
    masks = DropoutMasks(theirs)
    rng = np.random.default_rng(1)
    loss_fn, loss_fn_t = sn.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    torch.manual_seed(0)
    lr = 0.1
    for step in range(5):
        x = rng.standard_normal((16, 5)).astype(dtype)
        y = rng.integers(0, 3, 16)
        mine.zero_grad(), theirs.zero_grad()
        loss_t = loss_fn_t(theirs(tensor(x, dtype, "cpu")), torch.tensor(y))
        loss_t.backward()
        masks.apply_to(mine)
        loss = loss_fn(mine(x), y)
        mine.backward(loss_fn.backward())
        assert_parity(loss, loss_t, component="mlp(batch_norm, residual)", quantity=f"loss, step {step + 1}",
                      dtype=dtype)
        with torch.no_grad():
            for p in theirs.parameters():
                p -= lr * p.grad
        for p in mine.parameters():
            p.data -= lr * p.grad
    state, state_t = mine.state_dict(), theirs.state_dict()
    for key in state:
        assert_parity(state[key], state_t[key], component="mlp(batch_norm, residual)",
                      quantity=f"{key.split('.')[-1]} after 5 SGD steps", dtype=dtype)
    mine.eval(), theirs.eval()
    x = rng.standard_normal((8, 5)).astype(dtype)
    assert_parity(mine(x), theirs(tensor(x, dtype, "cpu")), component="mlp(batch_norm, residual)",
                  quantity="eval output after 5 SGD steps", dtype=dtype)


@pytest.mark.parametrize("opts", [dict(), dict(batch_norm=True, dropout=0.2, residual=True)], ids=["plain", "deep"])
def test_one_numpy_generator_gives_both_builders_the_same_weights(dtype, opts):
    """The shared builder signature: ``generator=numpy.random.Generator`` draws
    scratchnet's weights in both, so the two models start identical."""
    mine = sn.models.mlp([4, 6, 6, 2], "tanh", dtype=dtype, generator=np.random.default_rng(5), **opts)
    theirs = torch_ref.models.mlp([4, 6, 6, 2], "tanh", dtype=dtype, generator=np.random.default_rng(5), **opts)
    state_t = theirs.state_dict()
    for key, value in mine.state_dict().items():
        np.testing.assert_array_equal(value, state_t[key].numpy(), err_msg=key)
    assert state_t["0.weight"].dtype == tdtype(dtype)
    with pytest.raises(TypeError, match="torch.Generator .* or a numpy.random.Generator"):
        torch_ref.models.mlp([4, 2], generator=0)
