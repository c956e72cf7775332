"""Chapter 15, common mistake "Using Mean Squared Error for Classification Instead of Cross-Entropy".

For a sigmoid output ŷ = σ(z), the gradient reaching the logit is

    MSE:  dℓ/dz = 2(ŷ − y) · ŷ(1 − ŷ)     (vanishes when ŷ → 0 or 1, right or wrong)
    BCE:  dℓ/dz = ŷ − y                   (large exactly when the prediction is wrong)

computed here by each backend's ``MSELoss``/``BCELoss`` and ``Sigmoid``
backward passes (scratchnet explicitly, PyTorch by autograd) for the lecture's
four predictions and for its example "predicting 0.01 when the true label is
1"; then one sigmoid neuron started confidently wrong is trained with each
loss from the same weights.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import (STYLE, backends, epoch_losses, gap, lecture_init, make_models, output_gradients, pair_gap,
                      plot_curves, predict, save_fig, train)
from .lecture import claim, experiment

WHERE = "Common Mistakes: Using Mean Squared Error for Classification Instead of Cross-Entropy"

Y_TRUE = np.array([1.0, 0.0, 1.0, 0.0])
Y_PRED = np.array([0.9, 0.1, 0.8, 0.3])


def loss_and_grads(backend: str, loss: str, p: np.ndarray, y: np.ndarray, device: str):
    """(J, dJ/dŷ, dJ/dz) for predictions ŷ = σ(z) with z = logit(p); per-example
    gradients are reported for m = 1 each (reduction 'sum')."""
    z = np.log(p / (1 - p))
    return output_gradients(backend, "sigmoid", loss, z, y, device=device, reduction="sum")


@experiment("ch15_mistake_mse_vs_ce", "Mistake: MSE instead of cross-entropy for classification", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    # The lecture's two prints (their output is not shown in the lecture).
    mse = float(np.mean((Y_TRUE - Y_PRED) ** 2))
    clipped = np.clip(Y_PRED, 1e-7, 1 - 1e-7)
    bce = float(-np.mean(Y_TRUE * np.log(clipped) + (1 - Y_TRUE) * np.log(1 - clipped)))
    vals = {b: {k: loss_and_grads(b, k, Y_PRED, Y_TRUE, ctx.device) for k in ("mse", "bce")} for b in run_on}
    b0 = run_on[0]
    rows = [[f"y = {int(Y_TRUE[i])}, ŷ = {Y_PRED[i]}", float(vals[b0]["mse"][2][i]), float(vals[b0]["bce"][2][i])]
            for i in range(4)]
    table1 = Table(f"The lecture's example: MSE = {mse:.4f}, BCE = {bce:.4f} (what its prints give); "
                   f"per-example dℓ/dz ({b0})", ["example", "MSE: dℓ/dz", "BCE: dℓ/dz"], rows)
    wrong = {b: {k: loss_and_grads(b, k, np.array([0.01]), np.array([1.0]), ctx.device) for k in ("mse", "bce")}
             for b in run_on}
    table2 = Table("Predicting 0.01 when the label is 1 (one example)", ["", *[f"{k} ({b})" for b in run_on for k in ("MSE", "BCE")]],
                   [["loss", *[wrong[b][k][0] for b in run_on for k in ("mse", "bce")]],
                    ["dℓ/dŷ", *[float(wrong[b][k][1][0]) for b in run_on for k in ("mse", "bce")]],
                    ["dℓ/dz (through the sigmoid)", *[float(wrong[b][k][2][0]) for b in run_on for k in ("mse", "bce")]]])

    # |dℓ/dz| against ŷ for y = 1, both backends overlaid.
    p = np.linspace(0.001, 0.999, 300)
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, k in enumerate(("mse", "bce")):
        for b in run_on:
            ax.plot(p, np.abs(loss_and_grads(b, k, p, np.ones_like(p), ctx.device)[2]),
                    label=f"{k.upper()} ({b})", **dict(STYLE[b], color=f"C{i}"))
    ax.set(title="Gradient at the logit for a positive example (y = 1)", xlabel="prediction ŷ", ylabel="|dℓ/dz|")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    figures = [save_fig(fig, ctx, "gradient_vs_prediction")]

    # Training from a confidently wrong start: one sigmoid neuron, w = −4 on data where y = [x > 0].
    rng = np.random.default_rng(ctx.seed + 3)
    X = rng.normal(size=(100, 1))
    Y = (X > 0).astype(float)
    epochs = 40 if ctx.quick else 300
    curves, acc, gaps_, to_95 = {}, {}, {}, {}
    for k in ("mse", "bce"):
        models = make_models(ctx, [1, 1], "identity", "sigmoid")
        lecture_init(models, [np.array([[-4.0]])], layout="out_in")
        history = {b: [] for b in run_on}

        def record(backend, m, epoch, history=history):
            history[backend].append(float(np.mean((predict(m, X) > 0.5) == (Y > 0.5))))

        c = epoch_losses(train(models, X, Y, loss=k, lr=0.5, epochs=epochs, on_epoch=record))
        acc[k] = {b: history[b][-1] for b in run_on}
        to_95[k] = {b: next((e + 1 for e, a in enumerate(history[b]) if a >= 0.95), None) for b in run_on}
        curves[f"{k.upper()} loss"] = c
        gaps_[f"{k} training curve"] = pair_gap(c)
    figures.append(plot_curves(ctx, "training_from_wrong_start", curves,
                               title="One sigmoid neuron started confidently wrong (w = −4)", logy=True))
    table3 = Table(f"One sigmoid neuron from w = −4 (lr 0.5): epochs until training accuracy ≥ 0.95, and after {epochs}",
                   ["loss", *[f"epochs to 95% ({b})" for b in run_on], *[f"final accuracy ({b})" for b in run_on]],
                   [[k.upper(), *[to_95[k][b] for b in run_on], *[acc[k][b] for b in run_on]] for k in ("mse", "bce")])
    if len(run_on) == 2:
        gaps_["per-example dℓ/dz"] = max(gap(vals["scratchnet"][k][2], vals["torch"][k][2]) for k in ("mse", "bce"))
    w = wrong[b0]
    dz = {b: {k: abs(float(wrong[b][k][2][0])) for k in ("mse", "bce")} for b in run_on}
    claims = [
        claim(WHERE, "'MSE would give a small gradient' at ŷ = 0.01, y = 1 (sigmoid output): MSE's "
              "|dℓ/dz| at most a tenth of cross-entropy's (1 = yes)", 1,
              {b: int(dz[b]["mse"] <= dz[b]["bce"] / 10) for b in run_on},
              note=f"|dℓ/dz| = 2(1 − ŷ)·ŷ(1 − ŷ) = {dz[b0]['mse']:.4f} with MSE vs 1 − ŷ = {dz[b0]['bce']:.2f} "
                   f"with cross-entropy ({dz[b0]['bce'] / dz[b0]['mse']:.0f}× smaller); the loss itself is "
                   f"{w['mse'][0]:.4f} (MSE) vs −ln 0.01 = {w['bce'][0]:.4f} (BCE, 'a very large loss')"),
        claim(WHERE, "'This makes training extremely slow': a sigmoid neuron started confidently wrong "
              "(w = −4) needs more epochs to 95 % training accuracy with MSE than with cross-entropy (1 = yes)", 1,
              {b: int(to_95["bce"][b] is not None and (to_95["mse"][b] is None or to_95["mse"][b] > to_95["bce"][b]))
               for b in run_on},
              note=f"epochs to 95 %: {to_95['bce'][b0]} (cross-entropy) vs {to_95['mse'][b0]} (MSE; None = not "
                   f"within {epochs}), lr 0.5, both from the same weights"),
    ]
    return Result(
        summary=("Through a sigmoid output, the MSE's gradient at the logit carries the factor ŷ(1 − ŷ), which "
                 f"vanishes for confident predictions: at ŷ = 0.01 with y = 1 it is {w['mse'][2][0]:.4f}, while "
                 f"cross-entropy gives ŷ − y = {w['bce'][2][0]:.2f} ({abs(w['bce'][2][0] / w['mse'][2][0]):.0f}× "
                 f"larger). A neuron started confidently wrong reaches 95% training accuracy after {to_95['bce'][b0]} "
                 f"epochs with cross-entropy and after {to_95['mse'][b0]} with MSE. (The lecture's two prints give MSE "
                 f"{mse:.4f} and BCE {bce:.4f}; it does not show them.) Both backends agree."),
        tables=[table1, table2, table3], figures=figures,
        numbers={"lecture_mse": mse, "lecture_bce": bce, "accuracy": acc, "epochs_to_95": to_95,
                 "wrong_prediction": {b: {k: [float(np.ravel(v)[0]) for v in wrong[b][k]] for k in wrong[b]} for b in run_on}},
        backend_gap=gaps_, claims=claims)
