"""CS229 practice exercise 4, "Mini-batch": mini-batch gradient descent
instead of full-batch, compared for speed and convergence.

The lecture's circles network (2 → 8 ReLU → 1, the notebook's seed-42 draw
for ``nn_circles``, learning rate 0.1) trained for the same number of epochs
with the full batch (300 points, the lecture's way) and with mini-batches of
64 and 16. Both backends see the same shuffled batches (one permutation per
epoch, drawn once). The lecture's §6.6 trade-off: a mini-batch step is
cheaper and noisier; per epoch, mini-batches make many more updates.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import accuracy_binary, backends, draw_curves, fmt_pct, pair_gap, save_fig, weights_gap
from .lecture import circles_data, experiment, gradient_descent_costs, lecture_draws, lecture_models

BATCHES = [None, 64, 16]


def _label(bs):
    return "full batch (300)" if bs is None else f"mini-batch {bs}"


@experiment("cs229_ex04_minibatch", "Exercise 4: mini-batch vs full-batch gradient descent",
            section="Practice Exercises 4 (Mini-batch); 6.6 Batch Gradient Descent vs Stochastic Gradient Descent")
def run(ctx: Context) -> Result:
    epochs = 5 if ctx.quick else 60
    X, Y = circles_data()
    W1, W2 = lecture_draws()["circles"]
    bk = backends(ctx)
    epoch_costs, seconds, acc, gaps, n_steps = {}, {}, {}, {}, {}
    for bs in BATCHES:
        per_epoch = 1 if bs is None else int(np.ceil(len(X) / bs))
        steps = epochs * per_epoch
        n_steps[_label(bs)] = steps
        costs, models = {}, lecture_models(ctx, W1, W2)
        seconds[_label(bs)] = {}
        for b in bk:
            t0 = time.perf_counter()
            costs.update(gradient_descent_costs({b: models[b]}, X, Y, epochs=epochs, lr=0.1, batch_size=bs,
                                                seed=ctx.seed))
            seconds[_label(bs)][b] = time.perf_counter() - t0
        # Cost of an epoch: the mean of its batch costs (each before its update).
        epoch_costs[_label(bs)] = {b: c.reshape(epochs, per_epoch).mean(axis=1) for b, c in costs.items()}
        acc[_label(bs)] = {b: accuracy_binary(m, X, Y) for b, m in models.items()}
        gaps[f"{_label(bs)}: cost per step"] = pair_gap(costs)
        gaps[f"{_label(bs)}: final weights"] = weights_gap(models)

    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw_curves(ax, epoch_costs, ylabel="mean batch cost", logy=True, fontsize=7)
    ax.set_title("Full batch vs mini-batches (circles, lr 0.1)")
    figures = [save_fig(fig, ctx, "minibatch_costs")]
    rows = [[_label(bs), n_steps[_label(bs)], *[f"{epoch_costs[_label(bs)][b][-1]:.4f}" for b in bk],
             *[fmt_pct(acc[_label(bs)][b]) for b in bk]] for bs in BATCHES]
    time_rows = [[_label(bs), *[f"{1e3 * seconds[_label(bs)][b] / epochs:.2f}" for b in bk]] for bs in BATCHES]
    full, small = _label(None), _label(BATCHES[-1])
    first = bk[0]
    return Result(
        summary=(f"Over {epochs} epochs at the same learning rate, mini-batches of {BATCHES[-1]} make "
                 f"{n_steps[small] // epochs}× more updates than the full batch and reach a far lower cost "
                 f"({epoch_costs[small][first][-1]:.3f} vs {epoch_costs[full][first][-1]:.3f}), at a higher "
                 "cost per epoch in wall time (more, smaller steps: Python overhead dominates at this size, more "
                 "so in torch). Their cost curve is noisier. Both backends see the same batches and agree to "
                 "rounding error at every step."),
        tables=[Table(f"Full batch vs mini-batches, {epochs} epochs",
                      ["batches", "updates", *[f"last-epoch cost ({b})" for b in bk],
                       *[f"accuracy ({b})" for b in bk]], rows),
                Table("Wall time per epoch (ms; a timing: it varies from run to run and machine to machine)",
                      ["batches", *[f"ms per epoch ({b})" for b in bk]], time_rows, timing=True)],
        figures=figures,
        numbers={"epochs": epochs, "updates": n_steps, "accuracy": acc,
                 "last_epoch_cost": {l: {b: float(c[-1]) for b, c in v.items()} for l, v in epoch_costs.items()}},
        timings={"seconds": seconds}, backend_gap=gaps, claims=[])
