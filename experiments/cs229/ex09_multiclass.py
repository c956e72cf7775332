"""CS229 practice exercise 9, "Multi-class": all ten digits with a softmax
output and cross-entropy, and the confusion matrix.

The exercise says MNIST; scikit-learn's 8×8 digits stand in (no download).
A 64 → 64 (ReLU) → 10 network, He initialization (the lecture's default
scale), mini-batch SGD (batch 64, learning rate 0.1, 30 epochs), stratified
80/20 split, StandardScaler fitted on the training part. The softmax is
folded into ``CrossEntropyLoss`` (log-softmax + negative log-likelihood, the
numerically stable form; its gradient with respect to the logits is
softmax(Z) − Y, the multi-class analogue of the lecture's dZ2 = A2 − Y).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import confusion_matrix

from ..base import Context, Result, Table
from ..common import (accuracy_multiclass, backends, draw_curves, fmt_pct, make_activation, module_output, pair_gap,
                      predict, save_fig, weights_gap)
from .lecture import claim, experiment, multiclass_run


@experiment("cs229_ex09_multiclass", "Exercise 9: 10-class digits, softmax and the confusion matrix",
            section="Practice Exercises 9 (Multi-class)")
def run(ctx: Context) -> Result:
    models, costs, data = multiclass_run(ctx)
    bk = backends(ctx)
    logits = {b: predict(m, data["X_test"]) for b, m in models.items()}
    pred = {b: z.argmax(axis=1) for b, z in logits.items()}
    cm = {b: confusion_matrix(data["y_test"], p, labels=range(10)) for b, p in pred.items()}
    acc = {b: float(np.mean(p == data["y_test"])) for b, p in pred.items()}
    train_acc = {b: accuracy_multiclass(m, data["X_train"], data["y_train"]) for b, m in models.items()}
    probs = {b: module_output(b, make_activation(b, "softmax"), z) for b, z in logits.items()}

    fig, axes = plt.subplots(1, len(bk) + 1, figsize=(6 * (len(bk) + 1), 5))
    for ax, b in zip(axes, bk):
        ax.imshow(cm[b], cmap="Blues")
        for i in range(10):
            for j in range(10):
                ax.text(j, i, cm[b][i, j], ha="center", va="center", fontsize=8,
                        color="white" if cm[b][i, j] > cm[b].max() / 2 else "black")
        ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true",
               title=f"Confusion matrix ({b}), test accuracy {acc[b]:.2%}")
    draw_curves(axes[-1], {"": costs}, ylabel="mean batch cross-entropy")
    axes[-1].set_title("Training cost")
    figures = [save_fig(fig, ctx, "multiclass_confusion")]
    first = bk[0]
    off = cm[first] - np.diag(np.diag(cm[first]))
    worst = np.unravel_index(np.argmax(off), off.shape)
    gaps = {"cost curve": pair_gap(costs), "final weights": weights_gap(models), "test logits": pair_gap(logits),
            "confusion matrix": pair_gap(cm)}
    rows = [[str(i), *cm[first][i].tolist()] for i in range(10)]
    claims = [claim("6.1 Key insight (multi-class → softmax)", "softmax outputs sum to 1 on every test image "
                    "(max |Σ_k p_k − 1|, 0 at 12 decimals)", 0.0,
                    {b: float(np.abs(p.sum(axis=1) - 1).max()) for b, p in probs.items()}, decimals=12)]
    return Result(
        summary=(f"All ten digits: test accuracy {fmt_pct(acc.get('scratchnet'))} (scratchnet) / "
                 f"{fmt_pct(acc.get('torch'))} (torch), identical confusion matrices; the most frequent "
                 f"confusion is a true {worst[0]} read as {worst[1]} ({off[worst]} times). The exercise's "
                 "MNIST is replaced by scikit-learn's 8×8 digits."),
        tables=[Table(f"Confusion matrix ({first}; rows: true digit, columns: predicted)",
                      ["true \\ pred", *[str(j) for j in range(10)]], rows),
                Table("Accuracy", ["split", *bk], [["train", *[fmt_pct(train_acc[b]) for b in bk]],
                                                  ["test", *[fmt_pct(acc[b]) for b in bk]]])],
        figures=figures,
        numbers={"test_accuracy": acc, "train_accuracy": train_acc,
                 "confusion_matrix": {b: c.tolist() for b, c in cm.items()},
                 "final_cost": {b: float(c[-1]) for b, c in costs.items()}},
        backend_gap=gaps, claims=claims)
