"""CS229 practice exercise 7, "Dropout": does it improve test accuracy?

A wide network that can overfit a small training set: 64 → 256 → 256 → 10
(ReLU, He init), trained on 300 digits (stratified subsample of the
exercise-9 training split) with mini-batch SGD (batch 32, learning rate
0.05), tested on the 360 held-out digits; without dropout, and with
``Dropout(p)`` after each hidden ReLU (p = 0.2 and 0.5, PyTorch's convention:
p = probability of *dropping*; inverted dropout, identity at test time).

Same masks on both backends: torch's ``nn.Dropout`` draws each step's masks,
they are read off its output and handed to scratchnet's ``Dropout.fix_mask``
for the same step — the backends then compute the same function at every
step.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from ..base import Context, Result, Table
from ..common import accuracy_multiclass, backends, draw_curves, fmt_pct, pair_gap, save_fig, weights_gap
from .lecture import digits_multiclass, experiment, train_digits

PS = [0.0, 0.2, 0.5]


@experiment("cs229_ex07_dropout", "Exercise 7: dropout and test accuracy",
            section="Practice Exercises 7 (Dropout)")
def run(ctx: Context) -> Result:
    epochs = 3 if ctx.quick else 30
    full = digits_multiclass(seed=ctx.seed)
    X_small, _, y_small, _ = train_test_split(full["X_train"], full["y_train"], train_size=300,
                                              random_state=ctx.seed, stratify=full["y_train"])
    data = {"X_train": X_small, "y_train": y_small}
    bk = backends(ctx)
    costs, acc, train_acc, gaps = {}, {}, {}, {}
    for p in PS:
        label = "no dropout" if p == 0 else f"dropout p = {p}"
        torch_seed(ctx.seed)
        models, costs[label] = train_digits(ctx, [64, 256, 256, 10], "relu", data=data, epochs=epochs,
                                            batch_size=32, lr=0.05, dropout=p)
        acc[label] = {b: accuracy_multiclass(m, full["X_test"], full["y_test"]) for b, m in models.items()}
        train_acc[label] = {b: accuracy_multiclass(m, X_small, y_small) for b, m in models.items()}
        gaps[f"{label}: cost curve"] = pair_gap(costs[label])
        gaps[f"{label}: final weights"] = weights_gap(models)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw_curves(ax, costs, ylabel="mean batch cross-entropy (with dropout on)", logy=True, fontsize=7)
    ax.set_title("Dropout on a 300-digit training set")
    figures = [save_fig(fig, ctx, "dropout")]
    rows = [[label, *[fmt_pct(train_acc[label][b]) for b in bk], *[fmt_pct(acc[label][b]) for b in bk]]
            for label in costs]
    first = bk[0]
    base, best = acc["no dropout"][first], max(acc[l][first] for l in acc if l != "no dropout")
    verdict = "improves" if best > base else "does not improve"
    return Result(
        summary=(f"Trained on only 300 digits, the 64-256-256-10 network fits its training set; dropout {verdict} "
                 f"test accuracy here ({base:.1%} without, best {best:.1%} with). The masks are drawn by torch and "
                 "handed to scratchnet step by step, so the two backends' training runs agree to rounding error "
                 "even with dropout on."),
        tables=[Table(f"Dropout, {epochs} epochs on 300 training digits",
                      ["", *[f"train acc ({b})" for b in bk], *[f"test acc ({b})" for b in bk]], rows)],
        figures=figures, numbers={"epochs": epochs, "test_accuracy": acc, "train_accuracy": train_acc},
        backend_gap=gaps, claims=[])


def torch_seed(seed: int) -> None:
    """Seed torch's generator (the dropout masks) so a second run gives the same numbers."""
    import torch

    torch.manual_seed(seed)
