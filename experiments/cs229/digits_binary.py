"""CS229 §6.5 "MNIST Digit Classification": the lecture's network
(64 → 32 ReLU → 1 sigmoid, learning rate 0.1, 2000 iterations) separating
0s from 1s in scikit-learn's 8×8 digits, with the lecture's stratified 80/20
split (random_state=42) and its StandardScaler, from the notebook's own
seed-42 draw for ``nn_digits``. The lecture calls it "MNIST"; it is
scikit-learn's ``load_digits`` (8×8 images, not MNIST's 28×28).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import accuracy_binary, draw_curves, fmt_pct, pair_gap, predict, save_fig
from .lecture import claim, digits_binary, experiment, lecture_draws, lecture_gaps, run_lecture_network


@experiment("cs229_digits_binary", "Digits 0 vs 1: train/test accuracy and predictions",
            section="6.5 MNIST Digit Classification")
def run(ctx: Context) -> Result:
    steps = 100 if ctx.quick else 2000
    D = digits_binary()
    W1, W2 = lecture_draws()["digits"]
    models, costs, net = run_lecture_network(ctx, W1, W2, D["X_train"], D["y_train"], lr=0.1, steps=steps)
    keys = [*models, "lecture code"]
    acc = {}
    for split in ("train", "test"):
        X, Y = D[f"X_{split}"], D[f"y_{split}"]
        acc[split] = {b: accuracy_binary(m, X, Y) for b, m in models.items()}
        acc[split]["lecture code"] = float(np.mean(net.predict(X.T) == Y.T))
    test_pred = {b: (predict(m, D["X_test"]) > 0).astype(int).ravel() for b, m in models.items()}

    fig, axes = plt.subplots(2, 5, figsize=(12, 5.5))
    for i, ax in enumerate(axes.flat):
        ax.imshow(D["X_test_raw"][i].reshape(8, 8), cmap="gray")
        true = int(D["y_test"][i, 0])
        preds = [int(test_pred[b][i]) for b in models]
        color = "green" if all(p == true for p in preds) else "red"
        ax.set_title(" / ".join(f"{b[:5]}: {p}" for b, p in zip(models, preds)) + f"\ntrue: {true}",
                     color=color, fontsize=9)
        ax.axis("off")
    fig.suptitle("Digit predictions (0 vs 1), first ten test images: scratchnet / torch")
    figures = [save_fig(fig, ctx, "digits_predictions")]
    fig, ax = plt.subplots(figsize=(7, 4))
    draw_curves(ax, {"": costs}, xlabel="iteration", ylabel="cost J", logy=True)
    ax.set_title("Digits 0 vs 1: training cost")
    figures.append(save_fig(fig, ctx, "digits_cost"))

    gaps = lecture_gaps(models, costs, net)
    gaps["test logits"] = pair_gap({b: predict(m, D["X_test"]) for b, m in models.items()})
    n_all = D["n_all"]
    claims = [claim("6.5 MNIST Digit Classification (code comment)", "number of samples in load_digits",
                    1797, {b: n_all for b in models}, note="shared dataset: the same count for both backends"),
              claim("6.5 MNIST Digit Classification (code comment)", "pixels per image (8x8)",
                    64, {b: D["X_train"].shape[1] for b in models},
                    note="the lecture says MNIST but uses scikit-learn's 8x8 digits, not 28x28 MNIST")]
    rows = [["train accuracy", *[fmt_pct(acc["train"][k]) for k in keys]],
            ["test accuracy", *[fmt_pct(acc["test"][k]) for k in keys]],
            ["final cost", *[f"{costs[k][-1]:.3e}" for k in keys]]]
    shapes = [["X_train_T (features, samples)", str(D["X_train"].T.shape)],
              ["X_test_T (features, samples)", str(D["X_test"].T.shape)]]
    return Result(
        summary=(f"0-vs-1 on 8×8 digits is easy: after {steps} steps from the notebook's seed-42 weights the "
                 f"test accuracy is {fmt_pct(acc['test'].get('scratchnet'))} (scratchnet) / "
                 f"{fmt_pct(acc['test'].get('torch'))} (torch) / {fmt_pct(acc['test']['lecture code'])} "
                 "(lecture code), and the three cost curves agree to rounding error. The lecture calls the "
                 "data MNIST; it is scikit-learn's 8×8 digits."),
        tables=[Table("Digits 0 vs 1", ["quantity", *keys], rows),
                Table("The lecture's printed shapes", ["array", "shape"], shapes)],
        figures=figures,
        numbers={"steps": steps, "train_accuracy": acc["train"], "test_accuracy": acc["test"],
                 "n_train": len(D["X_train"]), "n_test": len(D["X_test"]),
                 "final_cost": {k: float(v[-1]) for k, v in costs.items()}},
        backend_gap=gaps, claims=claims)
