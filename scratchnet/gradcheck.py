"""Gradient checking by central finite differences (CS229 §6.7).

    dJ/dθ ≈ (J(θ + ε) − J(θ − ε)) / (2ε)

:func:`gradcheck` compares a module's backpropagated gradients with this
estimate for *every* entry of every parameter and of the input — the
lecture's ``gradient_check`` looks only at the first ten entries of each — in
float64, with the defaults of ``torch.autograd.gradcheck`` (ε = 1e-6,
atol = 1e-5, rtol = 1e-3: an entry passes when
|analytical − numerical| ≤ atol + rtol·|numerical|).

The scalar being differentiated is J = Σ (output ⊙ G) for a fixed random
"upstream gradient" G (so every output entry is checked), or, with
``loss_fn=`` and ``target=``, the loss itself.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from ._validation import as_float_array, check_real
from .nn.modules.dropout import Dropout
from .nn.modules.module import Module


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when a gradient is wrong (as torch's GradcheckError)."""


@dataclass
class GradcheckEntry:
    """One tensor's comparison.

    ``max_abs_diff`` = max_i |a_i − n_i| (a analytical, n numerical);
    ``max_rel_diff`` = max_abs_diff / max(max_i |a_i|, max_i |n_i|, atol),
    norm-wise as in the parity suite — an entry-wise ratio would call a true
    gradient of 0 (a bias feeding BatchNorm, say), estimated as 1e-11 by
    differences, 100 % wrong; a tensor whose whole gradient is below ``atol``
    is measured against ``atol``; ``tolerance_used`` = max_i |a_i − n_i| / (atol + rtol·|n_i|), the
    verdict's own measure: the tensor passes when it is ≤ 1. ``analytical_grad``
    and ``numerical_grad`` hold the two whole gradients (float64).
    """

    name: str
    shape: tuple
    max_abs_diff: float
    max_rel_diff: float
    passed: bool
    worst_index: tuple | None = None
    analytical: float | None = None
    numerical: float | None = None
    tolerance_used: float = 0.0
    analytical_grad: np.ndarray | None = field(default=None, repr=False)
    numerical_grad: np.ndarray | None = field(default=None, repr=False)


@dataclass
class GradcheckReport:
    """Per-tensor results and the verdict; truthy when every gradient passed."""

    entries: list[GradcheckEntry] = field(default_factory=list)
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)

    def __bool__(self) -> bool:
        return self.passed

    def max_rel_diff(self) -> float:
        return max((e.max_rel_diff for e in self.entries), default=0.0)

    def __str__(self) -> str:
        lines = [f"{'tensor':<20} {'shape':<14} {'max |a−n|':>11} {'max rel':>11} {'of tol':>9}  verdict"]
        for e in self.entries:
            lines.append(f"{e.name:<20} {str(e.shape):<14} {e.max_abs_diff:11.2e} {e.max_rel_diff:11.2e} "
                         f"{e.tolerance_used:9.2e}  "
                         + ("ok" if e.passed else f"FAIL at {e.worst_index}: analytical {e.analytical:.6g}, "
                                                  f"numerical {e.numerical:.6g}"))
        lines.append("gradient check " + ("PASSED" if self.passed else "FAILED")
                     + f" (eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}; an entry passes when "
                       "|a−n| ≤ atol + rtol·|n|, 'of tol' is the worst entry's |a−n| over that bound)")
        return "\n".join(lines)


def _compare(name, analytical, numerical, atol, rtol) -> GradcheckEntry:
    if analytical.size == 0:
        return GradcheckEntry(name, analytical.shape, 0.0, 0.0, True,
                              analytical_grad=analytical, numerical_grad=numerical)
    diff = np.abs(analytical - numerical)
    bound = atol + rtol * np.abs(numerical)
    # diff / bound, with 0/0 = 0 (both exactly 0, e.g. a dead ReLU unit with atol = 0)
    # and d/0 = inf for d > 0.
    share = np.divide(diff, bound, out=np.where(diff > 0, np.inf, 0.0), where=bound > 0)
    scale = max(float(np.max(np.abs(analytical))), float(np.max(np.abs(numerical))), atol)
    max_abs = float(diff.max())
    max_rel = max_abs / scale if scale > 0 else float(max_abs > 0)
    worst = np.unravel_index(int(np.argmax(share)), diff.shape)
    return GradcheckEntry(name, analytical.shape, max_abs, max_rel, bool(np.all(share <= 1)),
                          tuple(int(i) for i in worst), float(analytical[worst]), float(numerical[worst]),
                          float(share.max()), analytical, numerical)


def gradcheck(module: Module, input, *, loss_fn: Module | None = None, target=None, grad_output=None,
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, check_input: bool = True,
              raise_exception: bool = True, seed: int = 0) -> GradcheckReport:
    """Check ``module``'s backward pass against central differences.

    The module is copied and converted to float64 first; the original is not
    touched (nor are its hooks run on the copy). Its mode (train/eval) is
    kept, so BatchNorm is checked with batch statistics in train mode (each
    perturbed input changes μ and σ², exactly the dependence its backward
    must account for) and with its running statistics in eval mode.
    Forward passes must be deterministic: a ``Dropout`` in train mode keeps
    the mask it draws on the first forward pass (its ``fix_mask``; a mask
    fixed beforehand is used as it is). Any other randomness is refused with
    a :class:`GradcheckError`. Parameters with ``requires_grad=False`` are
    skipped (as torch checks only what requires grad).

    Returns a :class:`GradcheckReport` (print it for the per-tensor table);
    with ``raise_exception=True`` (the default, as in torch) a failure raises
    :class:`GradcheckError` carrying that report.
    """
    if not isinstance(module, Module):
        raise TypeError(f"gradcheck expects a scratchnet Module, got {type(module).__name__}")
    eps = check_real(eps, "gradcheck eps (the finite-difference step)", low=0, low_inclusive=False)
    atol = check_real(atol, "gradcheck atol", low=0)
    rtol = check_real(rtol, "gradcheck rtol", low=0)
    if not np.isfinite(eps):
        raise ValueError(f"gradcheck eps (the finite-difference step) must be finite, got {eps}")
    model = copy.deepcopy(module).double()
    for m in model.modules():
        m._forward_hooks.clear()
        m._backward_hooks.clear()
    x = as_float_array(input, np.float64, "gradcheck input").copy()
    rng = np.random.default_rng(seed)

    def objective(xv):
        out = model(xv)
        if loss_fn is not None:
            return float(loss_fn(out, target)), out
        return float(np.sum(out * G)), out

    out = model(x)
    for m in model.modules():  # freeze the dropout masks just drawn
        if isinstance(m, Dropout) and m.training and m._fixed_mask is None and m.mask is not None:
            m.fix_mask(m.mask)
    again = model(x)
    if not np.array_equal(np.asarray(out), np.asarray(again)):
        raise GradcheckError("gradcheck needs a deterministic forward pass, but two passes on the same input "
                             "differ (random layers other than Dropout? fix their randomness first)")
    if loss_fn is None:
        G = rng.standard_normal(np.shape(out)) if grad_output is None else np.asarray(grad_output, np.float64)
    # Analytical gradients.
    model.zero_grad()
    out = model(x)
    if loss_fn is not None:
        loss_fn(out, target)
        grad_x = model.backward(loss_fn.backward())
    else:
        grad_x = model.backward(G)
    analytical = {name: (p.grad.copy() if p.grad is not None else np.zeros_like(p.data))
                  for name, p in model.named_parameters() if p.requires_grad}

    def numerical_gradient(array: np.ndarray) -> np.ndarray:
        """Central differences of J with respect to every entry of ``array`` (perturbed in place)."""
        numerical = np.zeros_like(array)
        flat, nflat = array.reshape(-1), numerical.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            j_plus, _ = objective(x)
            flat[i] = old - eps
            j_minus, _ = objective(x)
            flat[i] = old
            nflat[i] = (j_plus - j_minus) / (2 * eps)
        return numerical

    report = GradcheckReport(eps=eps, atol=atol, rtol=rtol)
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        report.entries.append(_compare(name, analytical[name], numerical_gradient(p.data), atol, rtol))
    if check_input:
        report.entries.append(_compare("input", np.asarray(grad_x, dtype=np.float64),
                                       numerical_gradient(x), atol, rtol))
    if raise_exception and not report.passed:
        raise GradcheckError("Jacobian mismatch:\n" + str(report))
    return report
