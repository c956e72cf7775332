"""CS229 §6.4 "Decision Boundary Visualization": the lecture's network
(2 → 8 ReLU → 1 sigmoid, learning rate 0.1, 3000 iterations) on
``make_circles(300, noise=0.1, factor=0.3, random_state=42)``.

Two runs, both from the notebook's own seed-42 draw for ``nn_circles``:

* the lecture's own: trained and scored on all 300 points (its "Accuracy" is
  a training accuracy);
* a held-out version: a stratified 70/30 split (random_state=42), trained on
  the 70 %, scored on the 30 % it never saw — what a test accuracy means.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from ..base import Context, Result, Table
from ..common import (accuracy_binary, draw_curves, fmt_pct, grid_for, pair_gap, plot_boundary, predict, save_fig,
                      weights_gap)
from .lecture import (circles_data, experiment, gradient_descent_costs, lecture_draws, lecture_gaps, lecture_models,
                      run_lecture_network)


def _probs(models, points):
    return {b: 1 / (1 + np.exp(-predict(m, points))).ravel() for b, m in models.items()}


@experiment("cs229_circles", "make_circles: decision boundary and cost curve",
            section="6.4 Decision Boundary Visualization")
def run(ctx: Context) -> Result:
    steps = 300 if ctx.quick else 3000
    X, Y = circles_data()
    W1, W2 = lecture_draws()["circles"]

    # The lecture's run: all 300 points.
    models, costs, net = run_lecture_network(ctx, W1, W2, X, Y, lr=0.1, steps=steps)
    acc_full = {b: accuracy_binary(m, X, Y) for b, m in models.items()}
    acc_full["lecture code"] = float(np.mean(net.predict(X.T) == Y.T))

    # Held out: 70/30 stratified split, same initial weights.
    X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y, test_size=0.3, random_state=42, stratify=Y.ravel())
    held = lecture_models(ctx, W1, W2)
    held_costs = gradient_descent_costs(held, X_tr, Y_tr, epochs=steps, lr=0.1)
    acc_tr = {b: accuracy_binary(m, X_tr, Y_tr) for b, m in held.items()}
    acc_te = {b: accuracy_binary(m, X_te, Y_te) for b, m in held.items()}

    xx, yy, points = grid_for(X, h=0.05 if ctx.quick else 0.01)  # the lecture's mesh step h = 0.01
    grid_full, grid_held = _probs(models, points), _probs(held, points)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    plot_boundary(axes[0], X, Y, xx, yy, grid_full)
    axes[0].set_title(f"Lecture's run (all 300 points), {steps} iterations")
    draw_curves(axes[1], {"": costs}, xlabel="iteration", ylabel="cost J")
    axes[1].set_title("Training cost (lecture's run)")
    plot_boundary(axes[2], X_te, Y_te, xx, yy, grid_held)
    axes[2].set_title(f"Held-out run: boundary and the {len(X_te)} test points")
    figures = [save_fig(fig, ctx, "circles_boundary")]

    gaps = lecture_gaps(models, costs, net)
    gaps["boundary grid probabilities"] = pair_gap(grid_full)
    gaps["held-out: cost curve"] = pair_gap(held_costs)
    gaps["held-out: final weights"] = weights_gap(held)
    gaps["held-out: grid probabilities"] = pair_gap(grid_held)
    keys = [*models, "lecture code"]
    rows = [["lecture's run: accuracy on all 300 (training) points", *[fmt_pct(acc_full[k]) for k in keys]],
            ["lecture's run: final cost", *[f"{costs[k][-1]:.6f}" for k in keys]],
            [f"held out: train accuracy ({len(X_tr)} points)", *[fmt_pct(acc_tr[k]) for k in models], "—"],
            [f"held out: test accuracy ({len(X_te)} points)", *[fmt_pct(acc_te[k]) for k in models], "—"],
            ["held out: final training cost", *[f"{held_costs[k][-1]:.6f}" for k in models], "—"]]
    return Result(
        summary=("The 2-8-1 network bends its boundary into a closed curve around the inner circle. From the "
                 "notebook's own seed-42 weights, scratchnet, torch and the lecture's NumPy code follow the "
                 "same cost curve to rounding error and draw the same boundary. The lecture scores on its "
                 "training points; on a held-out 30 % the test accuracy is "
                 f"{fmt_pct(acc_te.get('scratchnet'))} (scratchnet) / {fmt_pct(acc_te.get('torch'))} (torch)."),
        tables=[Table("make_circles results", ["quantity", *keys], rows)],
        figures=figures,
        numbers={"steps": steps, "accuracy_all_points": acc_full, "heldout_train_accuracy": acc_tr,
                 "heldout_test_accuracy": acc_te, "n_train": len(X_tr), "n_test": len(X_te),
                 "final_cost": {k: float(v[-1]) for k, v in costs.items()},
                 "grid_points_classified_differently": (
                     int(np.sum((grid_full["scratchnet"] > 0.5) != (grid_full["torch"] > 0.5)))
                     if len(models) == 2 else None)},
        backend_gap=gaps, claims=[])
