"""Check your own from-scratch code against PyTorch — and be told which
tensor is wrong and why.

    from torch_ref import check

    report = check.check_layer(affine_forward, affine_backward, torch.nn.Linear(4, 3),
                               params={"w": "weight", "b": "bias"}, layout="x@w")
    print(report)          # one row per tensor: shapes, errors, bound, ok, diagnosis
    report.assert_ok()     # AssertionError with the table, for pytest and autograders

* :func:`check_layer` — one layer's forward and backward (a torch module or
  function as the reference; gradients from torch's autograd for the same
  upstream gradient, so no loss is needed);
* :func:`check_loss` — a loss's value and dJ/dŷ;
* :func:`check_network` — a whole forward and backward, the first wrong
  tensor in backward order;
* :func:`check_optimizer` — an update rule against ``torch.optim``, step by
  step and state entry by state entry.

Layouts are declared by named axes (:mod:`torch_ref.check.layout`): the
CS229 notes' X ``"in m"``, W ``"out in"``, b ``"out 1"``, or Chapter 15's X
``"m in"``, W ``"in out"`` — presets ``"cs229"`` and ``"x@w"``. A failing row
carries a diagnosis (:mod:`torch_ref.check.diagnose`,
:mod:`torch_ref.check.variants`): a constant factor named (m, 1/m, −1, ½,
...), a transpose, per-row or per-column factors, errors only at a kink, or
torch re-run as a known variant (reduction='sum', a softmax before
CrossEntropyLoss, the biased running variance, Sutskever's momentum, Adam
without bias correction, ...) reproducing your numbers.

The bounds are the parity suite's: float64 1e-10, float32 1e-5 relative
(:mod:`torch_ref.check.bounds`). With pytest, the ``parity`` fixture
(registered by this package's plugin) gives the same checks:
``def test_mine(parity): parity.layer(fwd, bwd, torch.nn.Linear(4, 3), ...).assert_ok()``.
"""

from .bounds import FLOAT32_BOUND, FLOAT64_BOUND
from .forward_backward import check_layer, check_loss, check_network
from .layout import CS229, PRESETS, TORCH, X_AT_W, Layout
from .optimizer import check_optimizer
from .report import Report, Row

__all__ = ["check_layer", "check_loss", "check_network", "check_optimizer", "Report", "Row", "Layout",
           "TORCH", "CS229", "X_AT_W", "PRESETS", "FLOAT64_BOUND", "FLOAT32_BOUND"]
