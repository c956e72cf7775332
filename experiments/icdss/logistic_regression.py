"""ICDSS lecture 4, "Logistic Regression" as a network.

"Will this engine work?": one neuron, Z = Wᵀx + b, A = g(Z) the sigmoid,
cross-entropy loss J = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)], trained by
gradient descent. Built as ``mlp([2, 1], output="sigmoid")`` with
``BCELoss`` on both backends from the same weights, and compared with
scikit-learn's unregularised ``LogisticRegression`` — the minimiser of the
same J, which gradient descent approaches.

Data (generated; the slides have none): two standardised engine
measurements (temperature, vibration) and whether the engine worked.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from ..base import Context, Result, Table
from ..common import (backends, epoch_losses, gap, grid_for, make_models, pair_gap, plot_boundary, plot_curves,
                      predict, save_fig, state_dict, train)
from .lecture import engines, experiment


@experiment("icdss_logistic_regression", "Logistic regression as a one-neuron network",
            section="Logistic Regression")
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    X, Y = engines(ctx.seed)
    epochs = 100 if ctx.quick else 600
    models = make_models(ctx, [2, 1], "identity", "sigmoid")
    curves = epoch_losses(train(models, X, Y, loss="bce", lr=0.5, epochs=epochs))
    params = {}
    for b in run_on:
        sd = state_dict(models[b])
        params[b] = np.append(np.ravel(sd["0.weight"]), sd["0.bias"])
    sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, Y[:, 0])
    sk_params = np.append(sk.coef_[0], sk.intercept_)
    probs = {b: predict(models[b], X) for b in run_on}
    acc = {b: float(np.mean((probs[b] > 0.5) == (Y > 0.5))) for b in run_on}
    sk_p = sk.predict_proba(X)[:, 1:2]
    J_sk = float(-np.mean(Y * np.log(sk_p) + (1 - Y) * np.log(1 - sk_p)))
    rows = [[lab, *[float(params[b][i]) for b in run_on], float(sk_params[i])] for i, lab in enumerate(["w1", "w2", "b"])]
    rows.append(["J (cross-entropy)", *[float(curves[b][-1]) for b in run_on], J_sk])
    rows.append(["training accuracy", *[acc[b] for b in run_on], float(sk.score(X, Y[:, 0]))])
    table = Table(f"After {epochs} epochs of gradient descent (lr 0.5) vs scikit-learn (no penalty, C = ∞)",
                  ["", *[f"GD ({b})" for b in run_on], "sklearn"], rows)

    figures = [plot_curves(ctx, "loss_curve", {"cross-entropy": curves}, title="Logistic regression: J per epoch")]
    xx, yy, grid = grid_for(X, h=0.05, pad=0.5)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    plot_boundary(ax, X, Y, xx, yy, {b: predict(models[b], grid) for b in run_on})
    xs = np.linspace(xx.min(), xx.max(), 10)
    ax.plot(xs, -(sk_params[0] * xs + sk_params[2]) / sk_params[1], ":", color="k", label="sklearn")
    ax.set(title="Will the engine work? P = 0.5 boundary", xlabel="temperature (standardised)",
           ylabel="vibration (standardised)", xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()))
    figures.append(save_fig(fig, ctx, "decision_boundary"))
    gd_gap = {b: gap(params[b], sk_params) for b in run_on}
    backend_gap = {"loss curve": pair_gap(curves), "parameters": pair_gap(params)}
    b0 = run_on[0]
    return Result(
        summary=("Logistic regression is the same one-neuron network with a sigmoid activation and the cross-entropy "
                 f"loss. Trained by gradient descent for {epochs} epochs it separates the engines with training "
                 f"accuracy {acc[b0]:.3f}, and its weights approach scikit-learn's unregularised maximum-likelihood "
                 f"fit (relative gap {max(gd_gap.values()):.1e}). Both backends follow the same trajectory to float64 rounding; the boundaries overlap."),
        tables=[table], figures=figures,
        numbers={"params": {b: params[b].tolist() for b in run_on}, "sklearn": sk_params.tolist(), "accuracy": acc,
                 "final_loss": {b: float(curves[b][-1]) for b in run_on}, "gap_to_sklearn": gd_gap},
        backend_gap=backend_gap)
