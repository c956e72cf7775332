"""CS229 §6.8 "Hidden Layer Visualization": the lecture trains
``NeuralNetwork(64, 16)`` on the digits 0-vs-1 training set (learning rate
0.1, 2000 iterations; the notebook's seed-42 draw for ``nn_vis``) and shows
each hidden unit's 64 input weights ``W1[i]`` as an 8×8 image in a 4×4 grid.

Both backends' grids are drawn side by side (they are the same to rounding
error); the lecture's colour map (RdBu) is used with a symmetric range so
that 0 is white in every panel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..base import Context, Result, Table
from ..common import accuracy_binary, fmt_pct, save_fig, to_numpy
from .lecture import digits_binary, experiment, lecture_draws, lecture_gaps, run_lecture_network


@experiment("cs229_hidden_weights", "Hidden-layer weights as 8×8 images (16 units on digits)",
            section="6.8 Hidden Layer Visualization")
def run(ctx: Context) -> Result:
    steps = 100 if ctx.quick else 2000
    D = digits_binary()
    W1, W2 = lecture_draws()["hidden_vis"]
    models, costs, net = run_lecture_network(ctx, W1, W2, D["X_train"], D["y_train"], lr=0.1, steps=steps)
    weights = {b: to_numpy(m[0].weight) for b, m in models.items()}
    weights["lecture code"] = net.W1
    panels = [k for k in weights if k != "lecture code"]
    fig, axes = plt.subplots(4, 4 * len(panels), figsize=(5 * len(panels) + 1, 5.4))
    axes = np.asarray(axes).reshape(4, 4 * len(panels))
    for p, backend in enumerate(panels):
        vmax = np.abs(weights[backend]).max()
        for i in range(16):
            ax = axes[i // 4, 4 * p + i % 4]
            ax.imshow(weights[backend][i].reshape(8, 8), cmap="RdBu", vmin=-vmax, vmax=vmax)
            ax.set_title(f"{backend[:5]} {i + 1}", fontsize=8)
            ax.axis("off")
    fig.suptitle("Hidden layer learned features: W1[i] as 8×8 images (left: scratchnet, right: torch)")
    figures = [save_fig(fig, ctx, "hidden_weights")]

    acc = {b: accuracy_binary(m, D["X_test"], D["y_test"]) for b, m in models.items()}
    gaps = lecture_gaps(models, costs, net)
    w_gap = float("nan") if gaps["final weights"] is None else gaps["final weights"]  # None: one backend ran
    # How much training moved each unit's weights, and how alike the units are.
    moved = {k: float(np.linalg.norm(w - W1) / np.linalg.norm(W1)) for k, w in weights.items()}
    unit = weights[panels[0]] / np.linalg.norm(weights[panels[0]], axis=1, keepdims=True)
    cos = unit @ unit.T
    off = cos[~np.eye(16, dtype=bool)]
    rows = [["test accuracy", *[fmt_pct(acc[b]) for b in panels]],
            ["final cost", *[f"{costs[b][-1]:.3e}" for b in panels]],
            ["‖W1 − W1(init)‖ / ‖W1(init)‖", *[f"{moved[b]:.3f}" for b in panels]]]
    return Result(
        summary=("The 16 hidden units' input weights, drawn as 8×8 images, are the same pictures on both backends "
                 f"(weights agree to {w_gap:.0e} relative). On an easy task "
                 f"(0 vs 1) training moves W1 only {moved[panels[0]]:.0%} from its random start, so the images "
                 "are mostly the initial noise with a faint 0/1-shaped component; the lecture's \"each neuron "
                 "learns different features\" is visible only weakly here."),
        tables=[Table("Hidden-layer visualization network (64-16-1)", ["quantity", *panels], rows)],
        figures=figures,
        numbers={"steps": steps, "test_accuracy": acc, "relative_weight_change": moved,
                 "max_abs_cosine_between_units": float(np.abs(off).max())},
        backend_gap=gaps, claims=[])
