"""CS229 practice exercise 5, "Batch Normalization": add a batch-norm layer
and verify that it helps with vanishing gradients in deep networks.

The 10-layer sigmoid network of exercise 6 (64 → 32 ×9 → 10, PyTorch's
default Linear init, all ten digits, cross-entropy, full-batch gradient
descent with learning rate 0.05), without and with ``BatchNorm1d`` before
every sigmoid (Linear → BatchNorm1d → Sigmoid, Ioffe & Szegedy's placement),
both built by ``mlp(..., batch_norm=True)`` in each library with the same
Linear weights. Batch norm re-centres and re-scales every Z[l] to mean 0,
variance 1 (then γ, β), so each sigmoid works near z = 0 where σ' ≈ 1/4 and
the backward pass through the normalization rescales the gradient by
1/√(var + ε) — undoing the shrinkage of small weights.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import (STYLE, accuracy_multiclass, backends, draw_curves, fmt_pct, gradient_descent, make_models,
                      pair_gap, save_fig, step_losses, train, weights_gap)
from .ex06_vanishing_gradients import SIZES, recorder
from .lecture import claim, digits_multiclass, experiment

VARIANTS = {"sigmoid": dict(batch_norm=False), "sigmoid + BatchNorm1d": dict(batch_norm=True)}


@experiment("cs229_ex05_batchnorm", "Exercise 5: batch normalization against vanishing gradients",
            section="Practice Exercises 5 (Batch Normalization)")
def run(ctx: Context) -> Result:
    steps = 3 if ctx.quick else 60
    D = digits_multiclass(seed=ctx.seed)
    bk = backends(ctx)
    norms, costs, acc, gaps = {}, {}, {}, {}
    for label, options in VARIANTS.items():
        models = make_models(ctx, SIZES, "sigmoid", **options)
        store: dict = {}
        costs[label] = step_losses(train(models, D["X_train"], D["y_train"], loss="cross_entropy", lr=0.05,
                                         epochs=steps, step=gradient_descent, on_step=recorder(store)))
        norms[label] = {b: np.array(v) for b, v in store.items()}
        acc[label] = {b: accuracy_multiclass(m, D["X_test"], D["y_test"]) for b, m in models.items()}
        gaps[f"{label}: per-layer gradient norms, all steps"] = pair_gap(norms[label])
        gaps[f"{label}: cost curve"] = pair_gap(costs[label])
        gaps[f"{label}: final parameters and running statistics"] = weights_gap(models)
    layers = np.arange(1, len(SIZES))
    fig, axes = plt.subplots(1, 2, figsize=(15, 5))
    for i, label in enumerate(VARIANTS):
        for b in bk:
            st = dict(STYLE[b], color=f"C{i}")
            axes[0].plot(layers, norms[label][b][0], marker="o", label=f"{label} ({b})", **st)
    draw_curves(axes[1], costs, xlabel="iteration", ylabel="cost J", fontsize=7)
    axes[0].set(yscale="log", xlabel="layer l", ylabel="‖dJ/dW[l]‖", xticks=layers,
                title="Gradient magnitude per layer at init")
    axes[0].grid(True, alpha=0.3)
    axes[0].legend(fontsize=7)
    axes[1].set_title("Training cost")
    figures = [save_fig(fig, ctx, "batchnorm")]
    first = bk[0]
    ratio = {l: {b: float(norms[l][b][0][0] / norms[l][b][0][-1]) for b in bk} for l in VARIANTS}
    rows = [[label, *[f"{v:.1e}" for v in norms[label][first][0]], f"{ratio[label][first]:.1e}",
             *[f"{costs[label][b][-1]:.4f}" for b in bk], *[fmt_pct(acc[label][b]) for b in bk]]
            for label in VARIANTS]
    bn = "sigmoid + BatchNorm1d"
    where = "Practice Exercises 5 (Batch Normalization)"
    lift = {b: ratio[bn][b] / ratio["sigmoid"][b] for b in bk}
    claims = [
        claim(where, "'verify it helps with vanishing gradients': BatchNorm1d lifts ‖dW[1]‖/‖dW[10]‖ at init "
              "by at least 100× in the 10-layer sigmoid net (1 = yes)", 1,
              {b: int(lift[b] >= 100) for b in bk},
              note=f"measured ratio first/last layer: {ratio['sigmoid'][first]:.1e} without, "
                   f"{ratio[bn][first]:.1e} with batch norm ({lift[first]:.0e}× higher)"),
        claim(where, f"… and the net learns more: test accuracy after {steps} full-batch steps higher with "
              "BatchNorm1d (1 = yes)", 1, {b: int(acc[bn][b] > acc["sigmoid"][b]) for b in bk},
              note=f"test accuracy {acc[bn][first]:.1%} with, {acc['sigmoid'][first]:.1%} without batch norm "
                   f"(lr 0.05, cross-entropy, all ten digits)"),
    ]
    return Result(
        summary=(f"Batch norm lifts the first layer's gradient in the 10-layer sigmoid net from "
                 f"{norms['sigmoid'][first][0][0]:.0e} to {norms[bn][first][0][0]:.0e} (ratio to the last layer "
                 f"{ratio['sigmoid'][first]:.0e} → {ratio[bn][first]:.0e}), and the network trains: test accuracy "
                 f"{acc[bn][first]:.1%} vs {acc['sigmoid'][first]:.1%} without it after {steps} steps. Both "
                 "backends agree on every gradient norm, the costs and the running statistics."),
        tables=[Table("‖dJ/dW[l]‖ at init (layers 1…10), ratio first/last, after training: cost and test accuracy",
                      ["network", *[f"l={i}" for i in layers], "‖dW1‖/‖dW10‖", *[f"final cost ({b})" for b in bk],
                       *[f"test acc ({b})" for b in bk]], rows)],
        figures=figures,
        numbers={"steps": steps, "first_over_last": ratio, "test_accuracy": acc,
                 "norms_at_init": {l: {b: v[0].tolist() for b, v in n.items()} for l, n in norms.items()}},
        backend_gap=gaps, claims=claims)
