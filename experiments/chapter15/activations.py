"""Chapter 15, "Activation Functions: Comparison and Derivatives".

The lecture's table for z ∈ {−3, −1, 0, 1, 3}: sigmoid, sigmoid', ReLU, ReLU',
Leaky ReLU (α = 0.01) and its derivative. Here the values come from each
backend's activation *module*: the forward pass gives g(z), and the derivative
is what backpropagation computes — scratchnet's explicit ``backward`` of ones,
PyTorch's autograd — so the table also checks the modules' derivatives at the
kinks (ReLU'(0) = 0 and LeakyReLU'(0) = α, as in the lecture's code).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import STYLE, activation_and_derivative, backends, gaps, save_fig
from .lecture import claim, experiment

WHERE = "Activation Functions: Comparison and Derivatives"

Z = np.array([-3.0, -1.0, 0.0, 1.0, 3.0])

#: The lecture's printed table, column by column (z = −3, −1, 0, 1, 3).
PRINTED = {
    "Sigmoid": ([0.0474, 0.2689, 0.5000, 0.7311, 0.9526], 4),
    "Sigmoid'": ([0.0452, 0.1966, 0.2500, 0.1966, 0.0452], 4),
    "ReLU": ([-0.0, -0.0, 0.0, 1.0, 3.0], 1),
    "ReLU'": ([0.0, 0.0, 0.0, 1.0, 1.0], 1),
    "Leaky ReLU": ([-0.0300, -0.0100, 0.0000, 1.0000, 3.0000], 4),
    "Leaky'": ([0.01, 0.01, 0.01, 1.00, 1.00], 2),
}

COLUMNS = {"Sigmoid": ("sigmoid", 0), "Sigmoid'": ("sigmoid", 1), "ReLU": ("relu", 0), "ReLU'": ("relu", 1),
           "Leaky ReLU": ("leaky_relu", 0), "Leaky'": ("leaky_relu", 1)}


@experiment("ch15_activations", "The activation table: values and derivatives", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    computed = {b: {} for b in run_on}
    for b in run_on:
        for col, (name, k) in COLUMNS.items():
            computed[b][col] = activation_and_derivative(b, name, Z, device=ctx.device)[k]
    b0 = run_on[0]
    rows = [[z, *[float(computed[b0][col][i]) for col in COLUMNS]] for i, z in enumerate(Z)]
    tables = [Table(f"The lecture's table as computed ({b0}; the other backend agrees exactly)",
                    ["z", *COLUMNS], rows)]
    claims = []
    for col, (printed, decimals) in PRINTED.items():
        note = ""
        if col == "ReLU":
            note = ("printed as -0.0 for z = −3 and −1; the code gives 0 there (np.maximum(0, z) of the integer z "
                    "is the integer 0, which prints as 0.0): the same number, a sign-of-zero artifact of the listing")
        claims.append(claim(WHERE, f"{col} at z = −3, −1, 0, 1, 3", printed,
                            {b: computed[b][col] for b in run_on}, decimals=decimals, note=note))

    # "Sigmoid derivative is at most 0.25" (sections 2 and 8), on a fine grid, from backpropagation.
    fine = np.linspace(-10, 10, 2001)
    peak = {b: float(np.max(activation_and_derivative(b, "sigmoid", fine, device=ctx.device)[1])) for b in run_on}
    claims.append(claim("Detailed Explanation, 8. Vanishing and Exploding Gradients",
                        "largest sigmoid derivative (\"at most 0.25\")", 0.25, peak, decimals=4,
                        note="σ'(z) = σ(z)(1 − σ(z)) on z ∈ [−10, 10], peak at z = 0"))

    # "Output range: (0, 1)", "(-1, 1)", "[0, infinity)" (section 2), on z ∈ [−30, 30] and one large z.
    wide = np.linspace(-30, 30, 6001)
    where2 = "Detailed Explanation, 2. Activation Functions"
    for name, label, claimed in (("sigmoid", "Sigmoid output range (0, 1)", [0.0, 1.0]),
                                 ("tanh", "Tanh output range (−1, 1)", [-1.0, 1.0])):
        got = {b: activation_and_derivative(b, name, wide, device=ctx.device)[0] for b in run_on}
        claims.append(claim(where2, f"{label}: [min, max] of the output on z ∈ [−30, 30], 4 decimals",
                            claimed, {b: [float(got[b].min()), float(got[b].max())] for b in run_on}, decimals=4,
                            note="approached, not reached: the open ends are the limits z → ∓∞ (in float64 "
                                 "the outputs round to them past |z| ≈ 19 for tanh, 37 for sigmoid)"))
    big = np.append(wide, 1e6)
    relu = {b: activation_and_derivative(b, "relu", big, device=ctx.device)[0] for b in run_on}
    claims.append(claim(where2, "ReLU output range [0, ∞): min over z ∈ [−30, 30], and ReLU(10⁶) "
                        "(no upper bound)", [0.0, 1e6], {b: [float(relu[b].min()), float(relu[b][-1])] for b in run_on},
                        decimals=4, note="ReLU(z) = z for every z > 0: it grows without bound"))

    # The figure: each activation and its derivative on both backends (tanh too).
    z = np.linspace(-5, 5, 201)
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    for ax, name in zip(axes, ("sigmoid", "tanh", "relu", "leaky_relu")):
        for b in run_on:
            g, dg = activation_and_derivative(b, name, z, device=ctx.device)
            ax.plot(z, g, label=f"g ({b})", **STYLE[b])
            ax.plot(z, dg, label=f"g' ({b})", **dict(STYLE[b], color="C3" if b == "scratchnet" else "C2"))
        ax.set(title=name, xlabel="z")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize=7)
    figures = [save_fig(fig, ctx, "activations")]

    backend_gap = gaps(computed)
    return Result(
        summary=("The lecture's activation table, computed by each backend's activation modules (values from "
                 "the forward pass, derivatives from backpropagation). Every printed entry comes out; the two "
                 "backends agree exactly, including the conventions at the kink z = 0 (ReLU'(0) = 0, "
                 "LeakyReLU'(0) = 0.01, as the lecture's `z > 0` tests). The listing's '-0.0' for ReLU(−3) and "
                 "ReLU(−1) is the same number as the 0.0 the code prints."),
        tables=tables, figures=figures,
        numbers={b: {col: computed[b][col].tolist() for col in COLUMNS} for b in run_on},
        backend_gap=backend_gap, claims=claims)
