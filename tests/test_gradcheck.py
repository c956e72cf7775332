"""scratchnet.gradcheck: passes correct backward passes (every layer of the
library, alone and in networks, dropout and batch norm in train mode), and
catches wrong ones — including a wrong entry the lecture's ten-entry check
would never look at."""

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.gradcheck import GradcheckError, gradcheck

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("layer", [
    lambda: sn.nn.Linear(4, 3), lambda: sn.nn.Sigmoid(), lambda: sn.nn.Tanh(), lambda: sn.nn.ReLU(),
    lambda: sn.nn.LeakyReLU(0.1), lambda: sn.nn.ELU(), lambda: sn.nn.ELU(0.5), lambda: sn.nn.GELU(),
    lambda: sn.nn.GELU("tanh"), lambda: sn.nn.SiLU(), lambda: sn.nn.Softplus(), lambda: sn.nn.Softplus(2.0, 1.0),
    lambda: sn.nn.Softmax(dim=-1), lambda: sn.nn.LogSoftmax(dim=-1), lambda: sn.nn.Dropout(0.4),
    lambda: sn.nn.BatchNorm1d(4), lambda: sn.nn.BatchNorm1d(4, momentum=None, affine=False),
    lambda: sn.nn.Residual(sn.nn.Sequential(sn.nn.Linear(4, 4), sn.nn.Tanh())),
], ids=["Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "ELU(0.5)", "GELU", "GELU(tanh)", "SiLU",
        "Softplus", "Softplus(2,1)", "Softmax", "LogSoftmax", "Dropout", "BatchNorm1d", "BatchNorm1d(plain)",
        "Residual"])
def test_every_layer_passes(layer):
    x = RNG.standard_normal((5, 4)) * 1.5
    report = gradcheck(layer(), x)
    assert report.passed and bool(report)
    assert report.entries[-1].name == "input"
    assert report.max_rel_diff() < 1e-6  # far inside rtol = 1e-3: central differences are O(eps²)


@pytest.mark.parametrize("train", [True, False])
def test_deep_network_with_every_option_and_a_loss(train):
    model = sn.models.mlp([3, 5, 5, 5, 2], "silu", batch_norm=True, dropout=0.3, residual=True,
                          generator=np.random.default_rng(1))
    model(RNG.standard_normal((6, 3)))  # some running statistics for eval mode
    model.train(train)
    x = RNG.standard_normal((6, 3))
    before = model.state_dict()
    report = gradcheck(model, x, loss_fn=sn.nn.CrossEntropyLoss(), target=np.array([0, 1, 1, 0, 1, 0]))
    assert report.passed
    assert [e.name for e in report.entries] == [n for n, _ in model.named_parameters()] + ["input"]
    # The model itself is untouched: same values, same float32, no dropout mask fixed.
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) and after[k].dtype == before[k].dtype for k in before)
    assert all(m._fixed_mask is None for m in model.modules() if isinstance(m, sn.nn.Dropout))


class _WrongTanh(sn.nn.Tanh):
    def backward(self, grad_output):
        return grad_output * (1 - self._a)  # should be 1 − A²


class _OneWrongEntry(sn.nn.Linear):
    """A Linear whose weight gradient is wrong in its very last entry only."""

    def backward(self, grad_output, *, needs_input_grad=True):
        dx = super().backward(grad_output, needs_input_grad=needs_input_grad)
        self.weight.grad[-1, -1] += 0.5
        return dx


class _NoBiasGrad(sn.nn.Linear):
    def backward(self, grad_output, *, needs_input_grad=True):
        self.weight.accumulate_grad(grad_output.T @ self._x)
        self.bias.accumulate_grad(np.zeros_like(self.bias.data))
        return grad_output @ self.weight.data


def test_catches_a_wrong_activation_derivative():
    with pytest.raises(GradcheckError, match="Jacobian mismatch") as err:
        gradcheck(_WrongTanh(), RNG.standard_normal((3, 4)))
    assert "input" in str(err.value) and "FAIL" in str(err.value)
    report = gradcheck(_WrongTanh(), RNG.standard_normal((3, 4)), raise_exception=False)
    assert not report and not report.passed and "gradient check FAILED" in str(report)


def test_catches_a_wrong_entry_beyond_the_first_ten():
    layer = _OneWrongEntry(6, 5)  # 30 weights; the wrong one is the 30th
    report = gradcheck(layer, RNG.standard_normal((4, 6)), raise_exception=False)
    by_name = {e.name: e for e in report.entries}
    assert not by_name["weight"].passed and by_name["weight"].worst_index == (4, 5)
    assert by_name["bias"].passed and by_name["input"].passed
    assert abs(by_name["weight"].analytical - by_name["weight"].numerical - 0.5) < 1e-6


def test_catches_a_missing_parameter_gradient():
    report = gradcheck(_NoBiasGrad(3, 2), RNG.standard_normal((4, 3)), raise_exception=False)
    assert [e.passed for e in report.entries] == [True, False, True]  # weight, bias, input


def test_frozen_parameters_are_skipped_and_hooks_not_run():
    layer = sn.nn.Linear(3, 2)
    layer.bias.requires_grad = False
    calls = []
    layer.register_forward_hook(lambda *a: calls.append(1))
    report = gradcheck(layer, RNG.standard_normal((2, 3)))
    assert [e.name for e in report.entries] == ["weight", "input"]
    assert calls == []


def test_refuses_a_random_forward_pass():
    class Noisy(sn.nn.Module):
        def forward(self, x):
            return x + np.random.default_rng().standard_normal(np.shape(x))

        def backward(self, g):
            return g

    with pytest.raises(GradcheckError, match="deterministic"):
        gradcheck(Noisy(), np.ones((2, 2)))
    with pytest.raises(TypeError, match="scratchnet Module"):
        gradcheck(lambda x: x, np.ones(2))


def test_defaults_are_torchs():
    import inspect

    params = inspect.signature(gradcheck).parameters
    assert (params["eps"].default, params["atol"].default, params["rtol"].default,
            params["raise_exception"].default) == (1e-6, 1e-5, 1e-3, True)


def test_a_gradient_that_is_zero_is_not_reported_as_wrong():
    """A Linear bias feeding BatchNorm has dJ/db = 0 exactly (BN subtracts the
    batch mean). Backprop gives rounding noise (~1e-17), differences ~1e-11:
    an entry-wise ratio would print "100 % off"; the report's norm-wise
    measure (against atol for an all-zero gradient) says 1e-6 or less."""
    rng = np.random.default_rng(3)
    model = sn.models.mlp([4, 8, 3], "tanh", batch_norm=True, generator=rng)
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    report = sn.gradcheck(model, x, loss_fn=sn.nn.CrossEntropyLoss(), target=y)
    bias = next(e for e in report.entries if e.name == "0.bias")
    assert bias.passed and bias.max_abs_diff < 1e-9
    assert bias.max_rel_diff < 1e-4 and bias.tolerance_used < 1e-3
    assert all(e.tolerance_used < 0.1 for e in report.entries)  # far inside the verdict's bound
    assert "0.bias" in str(report) and "PASSED" in str(report)


def test_tolerance_used_measures_the_verdict():
    """``tolerance_used`` > 1 exactly when an entry fails atol + rtol·|n|."""
    from scratchnet.gradcheck import _compare

    n = np.array([1.0, 0.0])
    ok = _compare("t", np.array([1.0 + 0.5e-3, 0.0]), n, atol=1e-5, rtol=1e-3)  # 0.5e-3 ≤ 1e-5 + 1e-3
    bad = _compare("t", np.array([1.0, 2e-5]), n, atol=1e-5, rtol=1e-3)          # 2e-5 > 1e-5
    assert ok.passed and ok.tolerance_used == pytest.approx(0.5e-3 / (1e-5 + 1e-3))
    assert not bad.passed and bad.tolerance_used == pytest.approx(2.0) and bad.worst_index == (1,)


def test_zero_tolerance_passes_exactly_zero_gradients():
    """With atol = 0 the bound is 0 where the numerical gradient is 0: an entry
    that is exactly 0 on both sides (a dead ReLU unit) passes, any difference fails."""
    from scratchnet.gradcheck import _compare

    entry = _compare("t", np.array([0.0, 1.0]), np.array([0.0, 1.0 + 1e-6]), atol=0.0, rtol=1e-3)
    assert entry.passed and entry.tolerance_used == pytest.approx(1e-6 / (1e-3 * (1 + 1e-6)))
    bad = _compare("t", np.array([1e-12, 1.0]), np.array([0.0, 1.0]), atol=0.0, rtol=1e-3)
    assert not bad.passed and bad.tolerance_used == np.inf and bad.worst_index == (0,)
