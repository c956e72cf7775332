"""Chapter 15, "1. The Perceptron: A Single Artificial Neuron".

"A single perceptron can learn linear decision boundaries (like AND, OR
gates). It cannot learn non-linear patterns (like XOR)." One sigmoid neuron
(``mlp([2, 1], output="sigmoid")``, BCE, full-batch gradient descent, lr 1.0)
is trained on each gate from the same initial weights on both backends; the
2-4-1 network of ``ch15_xor`` is the contrast.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import backends, epoch_losses, grid_for, make_models, pair_gap, plot_boundary, predict, save_fig, train
from .lecture import XOR_X as X, claim, experiment

WHERE = "Detailed Explanation, 1. The Perceptron: A Single Artificial Neuron"

GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}
CLAIMED = {"AND": 1, "OR": 1, "XOR": 0}  # "can learn" AND and OR, "cannot learn" XOR


@experiment("ch15_perceptron_gates", "One neuron learns AND and OR, not XOR", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    epochs = 150 if ctx.quick else 600
    rows, claims, numbers, backend_gap, models = [], [], {}, {}, {}
    for gate, targets in GATES.items():
        Y = np.array(targets, dtype=np.float64)[:, None]
        models[gate] = make_models(ctx, [2, 1], "identity", "sigmoid")
        curves = epoch_losses(train(models[gate], X, Y, loss="bce", lr=1.0, epochs=epochs))
        probs = {b: predict(models[gate][b], X) for b in run_on}
        acc = {b: float(np.mean((probs[b] > 0.5) == (Y > 0.5))) for b in run_on}
        learned = {b: int(acc[b] == 1.0) for b in run_on}
        numbers[gate] = {"accuracy": acc, "final_loss": {b: float(curves[b][-1]) for b in run_on},
                         "outputs": {b: probs[b].ravel().tolist() for b in run_on}}
        rows.append([gate, str(targets), *[[round(float(p), 3) for p in probs[b].ravel()] for b in run_on],
                     *[acc[b] for b in run_on], *[float(curves[b][-1]) for b in run_on]])
        claims.append(claim(WHERE, f"one neuron learns {gate} (1 = all four outputs right)",
                            CLAIMED[gate], learned, decimals=0,
                            note=("XOR is not linearly separable: a single linear boundary gets at most 3 "
                                  "of the 4 points right, and gradient descent on the cross-entropy drifts "
                                  "to the all-0.5 output" if gate == "XOR" else "")))
        backend_gap[f"{gate} loss curve"] = pair_gap(curves)
    table = Table(f"One sigmoid neuron, {epochs} epochs of gradient descent (lr 1.0, BCE)",
                  ["gate", "targets", *[f"outputs ({b})" for b in run_on], *[f"accuracy ({b})" for b in run_on],
                   *[f"final loss ({b})" for b in run_on]], rows)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    xx, yy, grid = grid_for(X, h=0.02, pad=0.5)
    for ax, gate in zip(axes, GATES):
        plot_boundary(ax, X, np.array(GATES[gate]), xx, yy, {b: predict(models[gate][b], grid) for b in run_on})
        ax.set(title=f"{gate}: one neuron", xlabel="x1", ylabel="x2")
    figures = [save_fig(fig, ctx, "gates")]
    b0 = run_on[0]
    return Result(
        summary=("One neuron draws one straight boundary. Trained on AND and OR it gets all four points right "
                 f"(accuracy {numbers['AND']['accuracy'][b0]:.2f} and {numbers['OR']['accuracy'][b0]:.2f}); on XOR "
                 f"it cannot (accuracy {numbers['XOR']['accuracy'][b0]:.2f}, loss stuck near log 2 = 0.693: "
                 f"{numbers['XOR']['final_loss'][b0]:.3f}), as the lecture says — the hidden layer of `ch15_xor` "
                 "is what solves it. Both backends agree to float64 rounding."),
        tables=[table], figures=figures, numbers=numbers, backend_gap=backend_gap, claims=claims)
