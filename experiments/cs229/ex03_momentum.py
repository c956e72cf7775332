"""CS229 practice exercise 3, "Momentum": v_t = β v_{t−1} + (1 − β) ∇J, W := W − α v_t.

On the lecture's circles network (2 → 8 ReLU → 1, the notebook's seed-42
draw for ``nn_circles``, full batch), α = 0.1, β = 0.9:

* plain gradient descent (the lecture's update);
* the exercise's momentum, written by hand on both backends;
* ``SGD(lr=α(1 − β), momentum=β)`` in scratchnet.optim and torch.optim — the
  same iterates exactly: PyTorch's buffer u_t = β u_{t−1} + ∇J is
  v_t / (1 − β), so lr·u_t = α v_t from the first step on;
* ``SGD(lr=α, momentum=β, dampening=β)``, the obvious translation, which is
  *not* the same: PyTorch skips the dampening on the first step (u_1 = ∇J,
  not (1 − β)∇J), so every later iterate is shifted;
* ``SGD(lr=α, momentum=β)`` (PyTorch's default, heavy ball): steps of
  α/(1 − β) = 10× the exercise's once the velocity builds up.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..base import Context, Result, Table
from ..common import (backends, draw_curves, first_below, gap, gradient_descent, pair_gap, save_fig, step_losses,
                      train, weights_gap)
from .lecture import circles_data, claim, experiment, lecture_draws, lecture_models

ALPHA, BETA = 0.1, 0.9


def exercise_momentum(params, state):
    """v := β v + (1 − β) dW ;  W := W − α v  (v starts at 0), written out (either backend:
    ``p.data`` and ``p.grad`` are arrays in scratchnet, tensors in torch)."""
    vel = state.setdefault("v", {})
    for i, p in enumerate(params):
        g = p.grad
        if i not in vel:
            vel[i] = g * 0
        vel[i] = BETA * vel[i] + (1 - BETA) * g
        p.data -= state["lr"] * vel[i]


@experiment("cs229_ex03_momentum", "Exercise 3: momentum, and which torch settings match it",
            section="Practice Exercises 3 (Momentum)")
def run(ctx: Context) -> Result:
    steps = 80 if ctx.quick else 600
    X, Y = circles_data()
    W1, W2 = lecture_draws()["circles"]
    runs = {
        "gradient descent (α = 0.1)": dict(step=gradient_descent),
        "exercise momentum, by hand (α = 0.1, β = 0.9)": dict(step=exercise_momentum),
        "SGD(lr=α(1−β) = 0.01, momentum=0.9)": dict(optimizer="SGD", lr=ALPHA * (1 - BETA),
                                                    optimizer_kwargs={"momentum": BETA}),
        "SGD(lr=0.1, momentum=0.9, dampening=0.9)": dict(optimizer="SGD",
                                                         optimizer_kwargs={"momentum": BETA, "dampening": BETA}),
        "SGD(lr=0.1, momentum=0.9) (PyTorch default: heavy ball)": dict(optimizer="SGD",
                                                                       optimizer_kwargs={"momentum": BETA}),
    }
    costs, gaps = {}, {}
    for label, kw in runs.items():
        models = lecture_models(ctx, W1, W2)
        kw = dict(kw)
        lr = kw.pop("lr", ALPHA)
        costs[label] = step_losses(train(models, X, Y, loss="bce_with_logits", lr=lr, epochs=steps, **kw))
        gaps[f"{label}: cost curve"] = pair_gap(costs[label])
        gaps[f"{label}: final weights"] = weights_gap(models)
    bk = backends(ctx)
    hand = "exercise momentum, by hand (α = 0.1, β = 0.9)"
    equivalence = {label: {b: gap(costs[label][b], costs[hand][b]) for b in bk} for label in runs}

    fig, ax = plt.subplots(figsize=(8, 4.5))
    draw_curves(ax, costs, xlabel="iteration", ylabel="cost J", logy=True, fontsize=7)
    ax.set_title("Momentum on the circles network (scratchnet solid, torch dashed)")
    figures = [save_fig(fig, ctx, "momentum_costs")]

    rows = []
    for label in runs:
        rows.append([label, *[f"{costs[label][b][-1]:.5f}" for b in bk],
                     *[str(first_below(costs[label][b], 0.1)) for b in bk],
                     *[f"{equivalence[label][b]:.1e}" for b in bk]])
    first = bk[0]
    torch_form = "SGD(lr=α(1−β) = 0.01, momentum=0.9)"
    at = [1, 10, steps // 2, steps - 1]
    claims = [claim("Practice Exercises 3 (Momentum)",
                    f"v_t = β v_(t−1) + (1 − β) ∇J, W := W − α v_t (α = 0.1, β = 0.9): cost at steps {at}, "
                    "the formula by hand vs optim.SGD(lr=α(1−β), momentum=β)",
                    costs[hand][first][at], {b: costs[torch_form][b][at] for b in bk}, rtol=1e-9,
                    note="PyTorch's buffer u_t = β u_(t−1) + ∇J is v_t / (1 − β), so lr·u_t = α v_t: the "
                           "optimizer takes the exercise's steps (relative gap over the whole curve "
                           f"{max(equivalence[torch_form].values()):.0e}). SGD(lr=α, momentum=β, dampening=β) does "
                           "not: PyTorch skips the dampening on the first step")]
    return Result(
        summary=("The exercise's momentum v = βv + (1−β)∇J is reproduced exactly (to rounding) by "
                 "SGD(lr=α(1−β), momentum=β) in both scratchnet.optim and torch.optim; the tempting "
                 "SGD(lr=α, momentum=β, dampening=β) is not the same, because PyTorch does not dampen the first "
                 f"step (its cost curve ends {equivalence['SGD(lr=0.1, momentum=0.9, dampening=0.9)'][first]:.0e} "
                 "away, relative). With the same α the exercise's averaged velocity moves no faster than plain "
                 "gradient descent once the gradient is steady — it only smooths; PyTorch's default heavy ball "
                 "(dampening 0) takes 1/(1−β) = 10× larger steps and gets to a low cost much sooner."),
        tables=[Table(f"Momentum variants, {steps} full-batch steps on the circles network",
                      ["update", *[f"final cost ({b})" for b in bk], *[f"first step with cost < 0.1 ({b})" for b in bk],
                       *[f"rel. gap to the by-hand exercise curve ({b})" for b in bk]], rows)],
        figures=figures,
        numbers={"steps": steps, "final_cost": {l: {b: float(c[b][-1]) for b in bk} for l, c in costs.items()},
                 "gap_to_exercise_form": equivalence,
                 "first_step_below_0.1": {l: {b: first_below(c[b], 0.1) for b in bk} for l, c in costs.items()}},
        backend_gap=gaps, claims=claims)
