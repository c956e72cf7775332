"""CS229 §6.4 "Vectorization and Batch Processing": the lecture's 2-layer
``NeuralNetwork`` (2 → 4 ReLU → 1 sigmoid, BCE, full-batch gradient descent,
learning rate 0.5, 5000 iterations) learns XOR.

Both backends start from the notebook's own first draw after
``np.random.seed(42)`` (W1 = randn(4, 2)·√(2/2), W2 = randn(1, 4)·√(2/4),
biases zero) and are checked against the lecture's NumPy code as well.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import draw_curves, fmt_pct, pair_gap, predict, save_fig
from .lecture import claim, experiment, lecture_draws, lecture_gaps, run_lecture_network, xor_data


@experiment("cs229_xor", "XOR with the lecture's 2-layer NeuralNetwork",
            section="6.4 Vectorization and Batch Processing (XOR dataset)")
def run(ctx: Context) -> Result:
    steps = 300 if ctx.quick else 5000
    X, Y = xor_data()
    W1, W2 = lecture_draws()["xor"]
    models, costs, net = run_lecture_network(ctx, W1, W2, X, Y, lr=0.5, steps=steps)

    probs = {b: 1 / (1 + np.exp(-predict(m, X))) for b, m in models.items()}
    probs["lecture code"] = net.forward(X.T).T
    preds = {k: (p > 0.5).astype(int).ravel() for k, p in probs.items()}
    acc = {k: float(np.mean(p == Y.ravel())) for k, p in preds.items()}
    rows = [[str(X[i].astype(int)), int(Y[i, 0])] + [f"{probs[k][i, 0]:.6f} → {preds[k][i]}" for k in probs]
            for i in range(4)]
    cost_rows = [[i] + [f"{costs[k][i]:.6f}" for k in costs] for i in range(0, steps, steps // 5)]
    cost_rows.append([steps - 1] + [f"{costs[k][-1]:.6f}" for k in costs])

    fig, ax = plt.subplots(figsize=(7, 4))
    draw_curves(ax, {"": costs}, xlabel="iteration", ylabel="cost J", logy=True)
    ax.set_title(f"XOR: training cost (2-4-1, lr 0.5, {steps} iterations)")
    figures = [save_fig(fig, ctx, "xor_cost")]

    gaps = lecture_gaps(models, costs, net)
    gaps["final probabilities"] = pair_gap(probs)
    claims = [claim("6.4 XOR (Predictions vs True)",
                    "predictions on the four XOR inputs after training (the lecture prints them; "
                    "no output is shown, the code asserts it learns XOR's truth table)",
                    [0, 1, 1, 0], {b: preds[b].tolist() for b in models},
                    note=f"{steps} iterations from the notebook's seed-42 draw; final cost "
                         f"{costs[next(iter(models))][-1]:.3g}")]
    return Result(
        summary=(f"The lecture's 2-4-1 ReLU/sigmoid network, started from the notebook's own seed-42 "
                 f"weights, solves XOR on both backends (accuracy {fmt_pct(acc.get('scratchnet'))} / "
                 f"{fmt_pct(acc.get('torch'))}) after {steps} full-batch steps; the cost curves of "
                 f"scratchnet, torch and the lecture's own NumPy code coincide to rounding error. "
                 "The lecture's comment calls its init \"Xavier\", but √(2/n_in) is He (Kaiming) scaling."),
        tables=[Table("XOR predictions: σ(Z2) → class", ["input", "target", *probs], rows),
                Table("Cost J by iteration", ["iteration", *costs], cost_rows)],
        figures=figures,
        numbers={"steps": steps, "accuracy": acc, "final_cost": {k: float(v[-1]) for k, v in costs.items()},
                 "probabilities": {k: p.ravel().tolist() for k, p in probs.items()}},
        backend_gap=gaps, claims=claims)
