"""CS229 practice exercise 1, "Activation Comparison": the same network with
sigmoid, tanh, ReLU (and leaky ReLU) hidden units — convergence speed and
final accuracy.

The lecture's circles network (2 → 8 → 1, sigmoid output, BCE, full-batch
gradient descent, learning rate 0.1), every variant started from the *same*
weights — the notebook's seed-42 draw for ``nn_circles`` — so only the
hidden activation differs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..base import Context, Result, Table
from ..common import accuracy_binary, backends, draw_curves, first_below, fmt_pct, pair_gap, save_fig, weights_gap
from .lecture import circles_data, experiment, gradient_descent_costs, lecture_draws, lecture_models

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]


@experiment("cs229_ex01_activation_comparison", "Exercise 1: sigmoid vs tanh vs ReLU hidden units",
            section="Practice Exercises 1 (Activation Comparison)")
def run(ctx: Context) -> Result:
    steps = 150 if ctx.quick else 1000
    X, Y = circles_data()
    W1, W2 = lecture_draws()["circles"]
    bk = backends(ctx)
    costs, acc, gaps = {}, {}, {}
    for act in ACTIVATIONS:
        models = lecture_models(ctx, W1, W2, activation=act)
        costs[act] = gradient_descent_costs(models, X, Y, epochs=steps, lr=0.1)
        acc[act] = {b: accuracy_binary(m, X, Y) for b, m in models.items()}
        gaps[f"{act}: cost curve"] = pair_gap(costs[act])
        gaps[f"{act}: final weights"] = weights_gap(models)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw_curves(ax, costs, xlabel="iteration", ylabel="cost J", fontsize=7)
    ax.set_title("Hidden activation vs convergence (circles, same initial weights)")
    figures = [save_fig(fig, ctx, "activation_comparison")]
    level = 0.2
    rows = [[act, *[str(first_below(costs[act][b], level)) for b in bk],
             *[f"{costs[act][b][-1]:.4f}" for b in bk], *[fmt_pct(acc[act][b]) for b in bk]]
            for act in ACTIVATIONS]
    first = bk[0]
    return Result(
        summary=(f"From identical initial weights, ReLU and leaky ReLU reach a cost of {level} first "
                 f"(step {first_below(costs['relu'][first], level)}), tanh next "
                 f"(step {first_below(costs['tanh'][first], level)}), while sigmoid hidden units — derivative at most "
                 f"1/4 — are far slower (cost {costs['sigmoid'][first][-1]:.3f} after {steps} steps, accuracy "
                 f"{acc['sigmoid'][first]:.0%}). Both backends trace the same curves."),
        tables=[Table(f"Activation comparison, {steps} full-batch steps (lr 0.1)",
                      ["hidden activation", *[f"first step with cost < {level} ({b})" for b in bk],
                       *[f"final cost ({b})" for b in bk], *[f"accuracy ({b})" for b in bk]], rows)],
        figures=figures,
        numbers={"steps": steps, "final_cost": {a: {b: float(c[b][-1]) for b in bk} for a, c in costs.items()},
                 "accuracy": acc},
        backend_gap=gaps, claims=[])
