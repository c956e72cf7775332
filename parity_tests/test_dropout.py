"""Dropout: scratchnet vs torch with the *same* mask.

The two libraries' random streams never match, so the mask torch draws is
recovered from its output (an input without zeros stays non-zero exactly
where it was kept: keep = out != 0) and handed to scratchnet with
``Dropout.fix_mask``. Forward and backward are then elementwise products
with M / (1 − p): both libraries form M / (1 − p) in the input's dtype and
multiply once, so the results agree to the last bit in float64 and float32
(the bound of compare.py is a formality here).
"""

import numpy as np
import pytest
import torch

import scratchnet as sn
from parity_tests.compare import assert_parity
from parity_tests.conftest import tensor
from torch_ref.modules import DropoutMasks


def _nonzero_input(rng, shape, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    x[x == 0] = 1.0  # keep = out != 0 needs an input without zeros
    return x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_forward_backward_with_torch_mask(dtype, device, p):
    rng = np.random.default_rng(1)
    x = _nonzero_input(rng, (64, 32), dtype)
    g = rng.standard_normal((64, 32)).astype(dtype)
    torch.manual_seed(0)
    xt = tensor(x, dtype, device, requires_grad=True)
    out_t = torch.nn.Dropout(p)(xt)
    out_t.backward(tensor(g, dtype, device))
    keep = (out_t != 0).cpu().numpy()
    assert 0 < keep.sum() < keep.size  # a real mask, not all-kept nor all-dropped

    drop = sn.nn.Dropout(p).fix_mask(keep)
    out = drop(x)
    grad_x = drop.backward(g)
    assert np.array_equal(drop.mask, keep)
    assert_parity(out, out_t, component="Dropout", quantity=f"output (p={p}, torch's mask)", dtype=dtype, device=device)
    assert_parity(grad_x, xt.grad, component="Dropout", quantity=f"dJ/dinput (p={p}, torch's mask)",
                  dtype=dtype, device=device)


def test_dropout_eval_is_identity_in_both(dtype):
    x = np.random.default_rng(2).standard_normal((8, 5)).astype(dtype)
    out_t = torch.nn.Dropout(0.5).eval()(tensor(x, dtype, "cpu"))
    drop = sn.nn.Dropout(0.5).eval()
    out = drop(x)
    assert_parity(out, out_t, component="Dropout", quantity="eval-mode output", dtype=dtype)
    assert np.array_equal(out, x)
    assert np.array_equal(drop.backward(np.ones_like(x)), np.ones_like(x))


def test_dropout_p_one_gives_zeros_like_torch(dtype):
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(dtype)
    xt = tensor(x, dtype, "cpu", requires_grad=True)
    out_t = torch.nn.Dropout(1.0)(xt)
    out_t.sum().backward()
    drop = sn.nn.Dropout(1.0)
    out = drop(x)
    assert_parity(out, out_t, component="Dropout", quantity="output (p=1)", dtype=dtype)
    assert_parity(drop.backward(np.ones_like(x)), xt.grad, component="Dropout", quantity="dJ/dinput (p=1)",
                  dtype=dtype)


def test_dropout_in_mlp_training_step_with_torch_masks(dtype):
    """A whole MLP with dropout after each hidden layer: torch's masks, read off with
    forward hooks (``torch_ref.modules.DropoutMasks``), drive scratchnet's; outputs and
    every parameter gradient agree."""
    from torch_ref.convert import to_torch
    import torch_ref

    rng = np.random.default_rng(4)
    x = _nonzero_input(rng, (16, 6), dtype)
    model = sn.models.mlp([6, 10, 10, 3], "tanh", dropout=0.4, dtype=dtype, generator=np.random.default_rng(0))
    tmodel = torch_ref.models.mlp([6, 10, 10, 3], "tanh", dropout=0.4, dtype=dtype)
    tmodel.load_state_dict(to_torch(model))
    torch.manual_seed(5)
    with DropoutMasks(tmodel) as masks:
        out_t = tmodel(tensor(x, dtype, "cpu"))
    out_t.square().sum().backward()
    masks.apply_to(model)
    assert sorted(masks.masks) == ["2", "5"]
    out = model(x)
    model.backward(2 * out)
    assert_parity(out, out_t, component="Dropout", quantity="MLP output (torch's masks)", dtype=dtype)
    tgrads = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        assert_parity(p.grad, tgrads[name].grad, component="Dropout", quantity=f"MLP dJ/d{name} (torch's masks)",
                      dtype=dtype)


def test_dropout_masks_helper_errors_and_eval():
    import torch_ref

    model = sn.models.mlp([3, 4, 2], dropout=0.5)
    tmodel = torch_ref.models.twin(model)
    with DropoutMasks(tmodel) as masks:
        tmodel.eval()(torch.ones(2, 3))  # eval mode draws no mask
    with pytest.raises(ValueError, match="Dropout modules differ"):
        masks.apply_to(model)
    with DropoutMasks(tmodel.train()) as masks:
        tmodel(torch.ones(2, 3))
    masks.apply_to(model)
    assert model[2]._fixed_mask.shape == (2, 4)
    with pytest.raises(ValueError, match="Dropout modules differ"):
        masks.apply_to(sn.models.mlp([3, 4, 2]))
