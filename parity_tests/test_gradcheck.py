"""scratchnet's gradient checker against PyTorch's autograd.

``scratchnet.gradcheck`` estimates every gradient by central differences,
(J(θ + ε) − J(θ − ε)) / 2ε, on the scratchnet model. Here those *numerical*
gradients are compared with torch's autograd gradients of the twin model (same
weights, same input, same loss) — a check of the checker that shares no code
with scratchnet's backward pass — and ``torch.autograd.gradcheck`` runs on the
twin with the same ε, atol and rtol.

The bound: a central difference has truncation error ε²·|J'''|/6 ≈ 1e-12 for
ε = 1e-6 and third derivatives of order 1, and rounding error about
u·|J|/ε ≈ 1e-16/1e-6 = 1e-10 relative to |J| (u = 1.1e-16, float64 only:
finite differences in float32 would be meaningless). Both errors are
absolute — the same for a large gradient and for one that is exactly 0 (a
bias feeding BatchNorm) — so errors are measured relative to the model's
largest gradient entry (``scale=``), not each tensor's own. ``FD_BOUND = 1e-7``
leaves a factor 1000 for J's size and conditioning; a wrong backward formula,
or a checker perturbing the wrong entry, gives errors of order 1.
"""

import numpy as np
import pytest
import torch

import scratchnet as sn
import torch_ref
from parity_tests.compare import assert_parity

FD_BOUND = 1e-7

CASES = {
    "tanh": dict(sizes=[4, 7, 5, 3], activation="tanh"),
    "relu+batch_norm": dict(sizes=[4, 7, 5, 3], activation="relu", batch_norm=True),
    "gelu+residual": dict(sizes=[4, 6, 6, 6, 3], activation="gelu", residual=True),
    "softplus": dict(sizes=[4, 5, 3], activation="softplus"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gradcheck_numerical_gradients_match_torch_autograd(case):
    opts = dict(CASES[case])
    sizes, activation = opts.pop("sizes"), opts.pop("activation")
    rng = np.random.default_rng(11)
    mine = sn.models.mlp(sizes, activation, dtype=np.float64, generator=rng, **opts)
    theirs = torch_ref.models.twin(mine)
    x = rng.standard_normal((6, sizes[0]))
    y = rng.integers(0, sizes[-1], 6)
    report = sn.gradcheck(mine, x, loss_fn=sn.nn.CrossEntropyLoss(), target=y)
    assert report.passed

    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.cross_entropy(theirs(xt), torch.tensor(y)).backward()
    autograd = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    autograd["input"] = xt.grad.numpy()
    assert [e.name for e in report.entries] == list(autograd)
    scale = max(float(np.max(np.abs(g))) for g in autograd.values())
    for entry in report.entries:
        assert_parity(entry.numerical_grad, autograd[entry.name], component="gradcheck",
                      quantity=f"finite differences vs torch autograd, {case}, dJ/d{entry.name}",
                      dtype=np.float64, bound=FD_BOUND, scale=scale)

    def loss_of_input(xin):
        return torch.nn.functional.cross_entropy(theirs(xin), torch.tensor(y))

    assert torch.autograd.gradcheck(loss_of_input, (torch.tensor(x, requires_grad=True),),
                                    eps=report.eps, atol=report.atol, rtol=report.rtol)


def test_a_wrong_backward_is_caught_by_both():
    """The checker's purpose: a backward pass with a wrong factor fails it."""

    class BadTanh(sn.nn.Tanh):
        def backward(self, grad_output):
            return 2 * super().backward(grad_output)  # twice the true derivative

    model = sn.nn.Sequential(sn.nn.Linear(3, 4, dtype=np.float64), BadTanh(), sn.nn.Linear(4, 2, dtype=np.float64))
    x = np.random.default_rng(0).standard_normal((5, 3))
    report = sn.gradcheck(model, x, raise_exception=False)
    failed = {e.name for e in report.entries if not e.passed}
    assert failed == {"0.weight", "0.bias", "input"}  # everything upstream of the bad layer, nothing after it
    assert max(e.tolerance_used for e in report.entries if e.name in failed) > 10
