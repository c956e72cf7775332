"""Chapter 15, softmax (section 2 and the "Activation Functions" example).

softmax(z)_i = e^(z_i) / Σ_j e^(z_j), computed by ``nn.Softmax(dim=-1)`` of each
backend for the lecture's logits [2.0, 1.0, 0.1]. Its backward pass (the
Jacobian s_i(δ_ij − s_j) applied to dJ/ds) is checked against autograd and
finite differences, and the max-subtraction the lecture recommends is shown
to matter: logits + 1000 overflow e^z, not the stabilised softmax.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import DTYPE, backends, gaps, save_fig, tensor, to_numpy
from .lecture import claim, experiment

WHERE = "Activation Functions: Comparison and Derivatives (softmax)"

LOGITS = np.array([2.0, 1.0, 0.1])


def softmax_with_jacobian(backend: str, z: np.ndarray, device: str):
    """``(s, J)``: softmax(z) and its Jacobian ∂s_i/∂z_j, row by row from
    backpropagating each unit vector (scratchnet's backward, torch's autograd)."""
    n = len(z)
    rows = []
    if backend == "scratchnet":
        module = sn.nn.Softmax(dim=-1)
        for i in range(n):
            s = module(z)
            rows.append(module.backward(np.eye(n)[i]))
        return s.copy(), np.array(rows)
    zt = tensor(z, device=device).requires_grad_(True)
    s = torch.nn.Softmax(dim=-1)(zt)
    for i in range(n):
        (g,) = torch.autograd.grad(s, zt, torch.eye(n, dtype=s.dtype, device=s.device)[i], retain_graph=True)
        rows.append(to_numpy(g))
    return to_numpy(s), np.array(rows)


@experiment("ch15_softmax", "Softmax: probabilities that sum to 1, and its Jacobian", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    z = LOGITS.astype(DTYPE)
    values = {}
    for b in run_on:
        s, J = softmax_with_jacobian(b, z, ctx.device)
        big, _ = softmax_with_jacobian(b, z + 1000.0, ctx.device)
        values[b] = {"softmax": s, "sum": float(s.sum()), "jacobian": J, "softmax(z + 1000)": big}
    # Finite differences of the plain formula and the closed form s_i(δ_ij − s_j).
    s_ref = np.exp(z) / np.exp(z).sum()
    closed = np.diag(s_ref) - np.outer(s_ref, s_ref)
    eps = 1e-6
    fd = np.array([(np.exp(z + eps * e) / np.exp(z + eps * e).sum() - np.exp(z - eps * e) / np.exp(z - eps * e).sum())
                   / (2 * eps) for e in np.eye(3)]).T
    with np.errstate(over="ignore", invalid="ignore"):
        naive_big = np.exp(z + 1000) / np.exp(z + 1000).sum()

    rows = [[f"class {i}", float(z[i]), [0.6590, 0.2424, 0.0986][i], *[float(values[b]["softmax"][i]) for b in run_on]]
            for i in range(3)]
    rows.append(["sum", "", 1.0000, *[values[b]["sum"] for b in run_on]])
    tables = [Table("softmax([2.0, 1.0, 0.1])", ["", "logit", "printed", *run_on], rows)]
    b0 = run_on[0]
    J = values[b0]["jacobian"]
    tables.append(Table(f"Jacobian ∂s_i/∂z_j by backpropagation ({b0}); max |J − closed form| "
                        f"= {np.max(np.abs(J - closed)):.1e}, max |J − finite differences| = {np.max(np.abs(J - fd)):.1e}",
                        ["", "z0", "z1", "z2"], [[f"s{i}", *map(float, J[i])] for i in range(3)]))
    tables.append(Table("Why subtract the max: logits + 1000", ["", "probabilities"],
                        [["naive e^z / Σ e^z (NumPy)", str(naive_big)],
                         *[[f"nn.Softmax ({b})", [round(float(v), 4) for v in values[b]["softmax(z + 1000)"]]] for b in run_on]]))

    fig, ax = plt.subplots(figsize=(5, 3.2))
    width = 0.38
    for k, b in enumerate(run_on):
        ax.bar(np.arange(3) + (k - 0.5) * width, values[b]["softmax"], width, label=b,
               color="C0" if b == "scratchnet" else "C1", hatch="" if b == "scratchnet" else "//")
    ax.set(xticks=range(3), xticklabels=[f"z={v}" for v in LOGITS], ylabel="probability",
           title="softmax([2.0, 1.0, 0.1])")
    ax.legend()
    figures = [save_fig(fig, ctx, "softmax")]

    claims = [claim(WHERE, "softmax([2.0, 1.0, 0.1]).round(4)", [0.6590, 0.2424, 0.0986],
                    {b: values[b]["softmax"] for b in run_on}, decimals=4),
              claim(WHERE, "sum of probabilities", 1.0, {b: values[b]["sum"] for b in run_on},
                    decimals=4)]
    return Result(
        summary=("`nn.Softmax` turns the logits [2.0, 1.0, 0.1] into [0.6590, 0.2424, 0.0986], summing to 1, as "
                 "printed, on both backends. Backpropagation through it applies the Jacobian s_i(δ_ij − s_j): "
                 "scratchnet's explicit backward, PyTorch's autograd, the closed form and finite differences agree. "
                 "With logits + 1000 the textbook formula overflows to NaN; the max-subtracted softmax of both "
                 "backends returns the same probabilities (softmax is shift-invariant)."),
        tables=tables, figures=figures,
        numbers={b: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in values[b].items()} for b in run_on},
        backend_gap=gaps(values), claims=claims)
