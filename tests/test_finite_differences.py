"""Every scratchnet module's backward pass against central finite differences
(float64, independent of torch), through :func:`scratchnet.gradcheck`.

Inputs keep away from kinks (|z| ≥ 0.05 for ReLU-like units) where a central
difference straddling the kink would average the two one-sided slopes.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.gradcheck import GradcheckError, gradcheck


def away_from_zero(rng, shape, scale=1.0):
    z = rng.normal(0, scale, size=shape)
    return np.where(np.abs(z) < 0.05, 0.05 * np.sign(z + 1e-12) + z, z)


MODULES = [
    ("Identity", lambda: sn.nn.Identity()),
    ("Sigmoid", lambda: sn.nn.Sigmoid()),
    ("Tanh", lambda: sn.nn.Tanh()),
    ("ReLU", lambda: sn.nn.ReLU()),
    ("LeakyReLU", lambda: sn.nn.LeakyReLU(0.1)),
    ("Softmax(dim=1)", lambda: sn.nn.Softmax(dim=1)),
    ("Softmax(dim=0)", lambda: sn.nn.Softmax(dim=0)),
    ("LogSoftmax(dim=1)", lambda: sn.nn.LogSoftmax(dim=1)),
    ("Linear", lambda: sn.nn.Linear(4, 3)),
    ("Linear(bias=False)", lambda: sn.nn.Linear(4, 3, bias=False)),
    ("MLP relu", lambda: sn.models.mlp([4, 6, 5, 3], "relu", None, generator=np.random.default_rng(0))),
    ("MLP sigmoid+softmax", lambda: sn.models.mlp([4, 5, 3], "sigmoid", "softmax", generator=np.random.default_rng(1))),
    ("MLP tanh+log_softmax", lambda: sn.models.mlp([4, 5, 5, 3], "tanh", "log_softmax", generator=np.random.default_rng(2))),
]


@pytest.mark.parametrize("name,make", MODULES, ids=[m[0] for m in MODULES])
def test_module_backward_matches_finite_differences(name, make):
    rng = np.random.default_rng(len(name))
    x = away_from_zero(rng, (5, 4))
    report = gradcheck(make(), x)
    assert report.passed, str(report)
    assert report.max_rel_diff() < 1e-6
    assert {e.name for e in report.entries} >= {"input"}


LOSSES = [
    ("MSELoss", lambda r: sn.nn.MSELoss(reduction=r), lambda rng: rng.normal(size=(5, 3)),
     lambda rng: rng.normal(size=(5, 3))),
    ("BCELoss", lambda r: sn.nn.BCELoss(reduction=r), lambda rng: rng.uniform(0.1, 0.9, size=(5, 2)),
     lambda rng: rng.integers(0, 2, size=(5, 2)).astype(float)),
    ("BCELoss(weight)", lambda r: sn.nn.BCELoss(weight=np.array([0.5, 2.0]), reduction=r),
     lambda rng: rng.uniform(0.1, 0.9, size=(5, 2)), lambda rng: rng.uniform(0, 1, size=(5, 2))),
    ("BCEWithLogitsLoss(weight)", lambda r: sn.nn.BCEWithLogitsLoss(weight=np.array([3.0, 0.25]), reduction=r),
     lambda rng: rng.normal(size=(5, 2)), lambda rng: rng.uniform(0, 1, size=(5, 2))),
    ("BCEWithLogitsLoss", lambda r: sn.nn.BCEWithLogitsLoss(reduction=r, pos_weight=np.array([2.0, 0.5])),
     lambda rng: rng.normal(size=(5, 2)), lambda rng: rng.integers(0, 2, size=(5, 2)).astype(float)),
    ("CrossEntropyLoss", lambda r: sn.nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5]), reduction=r,
                                                          label_smoothing=0.1),
     lambda rng: rng.normal(size=(5, 3)), lambda rng: rng.integers(0, 3, size=5)),
    ("CrossEntropyLoss(probabilities)", lambda r: sn.nn.CrossEntropyLoss(reduction=r),
     lambda rng: rng.normal(size=(5, 3)), lambda rng: rng.dirichlet(np.ones(3), size=5)),
    ("NLLLoss", lambda r: sn.nn.NLLLoss(weight=np.array([1.0, 3.0, 0.5]), reduction=r),
     lambda rng: rng.normal(size=(5, 3)), lambda rng: rng.integers(0, 3, size=5)),
    ("PoissonNLLLoss", lambda r: sn.nn.PoissonNLLLoss(reduction=r),
     lambda rng: rng.normal(size=(5, 3)), lambda rng: rng.poisson(2.0, size=(5, 3)).astype(float)),
    ("PoissonNLLLoss(full)", lambda r: sn.nn.PoissonNLLLoss(full=True, reduction=r),
     lambda rng: rng.normal(size=(5, 3)), lambda rng: rng.uniform(0, 6, size=(5, 3))),
    ("PoissonNLLLoss(rates)", lambda r: sn.nn.PoissonNLLLoss(log_input=False, full=True, eps=0.1, reduction=r),
     lambda rng: rng.uniform(0.2, 3.0, size=(5, 3)), lambda rng: rng.poisson(2.0, size=(5, 3)).astype(float)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name,make,pred,target", LOSSES, ids=[l[0] for l in LOSSES])
def test_loss_gradient_matches_finite_differences(name, make, pred, target, reduction):
    """dJ/d(prediction) of every loss, through an Identity 'model'."""
    rng = np.random.default_rng(7)
    p, t = pred(rng), target(rng)
    report = gradcheck(sn.nn.Identity(), p, loss_fn=make(reduction), target=t)
    assert report.passed, str(report)


@pytest.mark.parametrize("name,make,pred,target", LOSSES, ids=[l[0] for l in LOSSES])
def test_unreduced_loss_gradient_matches_finite_differences(name, make, pred, target):
    """``reduction='none'``: the per-example losses ℓ and ``backward(g)`` =
    d(Σ g ⊙ ℓ)/d(prediction) for an upstream gradient g, by central differences."""
    rng = np.random.default_rng(8)
    p, t = pred(rng), target(rng)
    loss_fn = make("none")
    losses = loss_fn(p, t)
    g = rng.normal(size=np.shape(losses))
    analytical = loss_fn.backward(g)
    numerical, eps = np.zeros_like(p), 1e-6
    for i in np.ndindex(p.shape):
        plus, minus = p.copy(), p.copy()
        plus[i] += eps
        minus[i] -= eps
        numerical[i] = (np.sum(g * make("none")(plus, t)) - np.sum(g * make("none")(minus, t))) / (2 * eps)
    # atol + rtol·|n| as torch.autograd.gradcheck (see scratchnet.gradcheck)
    np.testing.assert_allclose(analytical, numerical, rtol=1e-3, atol=1e-5)
    assert np.max(np.abs(analytical - numerical)) < 1e-7 * max(1.0, np.max(np.abs(numerical)))


def test_mlp_with_loss_every_parameter_checked():
    """Unlike the CS229 lecture's check of the first ten entries, every entry
    of every parameter is differentiated numerically."""
    model = sn.models.mlp([3, 4, 2], "tanh", None, generator=np.random.default_rng(3))
    rng = np.random.default_rng(4)
    report = gradcheck(model, rng.normal(size=(6, 3)), loss_fn=sn.nn.CrossEntropyLoss(),
                       target=rng.integers(0, 2, size=6))
    assert [(e.name, e.shape) for e in report.entries] == [
        ("0.weight", (4, 3)), ("0.bias", (4,)), ("2.weight", (2, 4)), ("2.bias", (2,)), ("input", (6, 3))]
    assert report.passed


class _WrongSigmoid(sn.nn.Sigmoid):
    """A classic mistake: σ'(z) taken as σ(z) instead of σ(z)(1 − σ(z))."""

    def backward(self, grad_output):
        return grad_output * self._a


def test_gradcheck_catches_a_wrong_derivative():
    with pytest.raises(GradcheckError, match="FAIL") as info:
        gradcheck(sn.nn.Sequential(sn.nn.Linear(3, 2), _WrongSigmoid()), np.ones((2, 3)))
    assert "input" in str(info.value)
    report = gradcheck(sn.nn.Sequential(sn.nn.Linear(3, 2), _WrongSigmoid()), np.ones((2, 3)),
                       raise_exception=False)
    assert not report.passed and not bool(report)


def test_gradcheck_leaves_the_original_module_untouched():
    model = sn.models.mlp([3, 2], generator=np.random.default_rng(0))
    before = model.state_dict()
    gradcheck(model, np.ones((2, 3)))
    after = model.state_dict()
    assert model.dtype == np.float32 and all(np.array_equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_jacobians_match_finite_differences(name):
    """``softmax_derivative`` / ``log_softmax_derivative``: J_ij = ∂g_i/∂z_j by central differences,
    for one vector and for each row of a batch."""
    F = sn.nn.functional
    g, jacobian = getattr(F, name), getattr(F, f"{name}_derivative")
    rng = np.random.default_rng(9)
    z = rng.normal(size=(3, 4))
    eps = 1e-6
    numerical = np.zeros((3, 4, 4))
    for j in range(4):
        step = np.zeros(4)
        step[j] = eps
        numerical[:, :, j] = (g(z + step, dim=1) - g(z - step, dim=1)) / (2 * eps)
    np.testing.assert_allclose(jacobian(z), numerical, atol=1e-9)
    np.testing.assert_allclose(jacobian(z[0]), numerical[0], atol=1e-9)
