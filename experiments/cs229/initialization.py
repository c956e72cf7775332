"""CS229 "Test different initializations": the lecture's ``NeuralNetworkInit``
(2 → 8 ReLU → 1 sigmoid, learning rate 0.1, 1000 iterations on the circles)
with small, large, xavier and he weights — and zeros, which the lecture's
class offers but its loop leaves out.

Two sets of initial weights, each run on both backends:

* the notebook's own: ``np.random.randn(...) * scale`` continuing the seed-42
  stream in notebook order (reproduces its "Final Costs");
* scratchnet's initializers, drawn once and copied into torch:
  ``zeros_``, ``small_`` (N(0, 0.01²)), ``large_`` (N(0, 1)),
  ``kaiming_normal_(nonlinearity="linear")`` for the lecture's "xavier" and
  ``kaiming_normal_(nonlinearity="relu")`` for its "he".

The lecture's "xavier" is randn·√(1/n_in): LeCun normal, not Glorot & Bengio's
Xavier, whose std is √(2/(n_in + n_out)) (``xavier_normal_``); the name
follows Ng's deeplearning.ai course, which calls √(1/n_in) "Xavier". And the
``NeuralNetwork`` class's "# Xavier initialization" comment sits on
randn·√(2/n_in): He (Kaiming) normal.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import (accuracy_binary, backends, draw_curves, fmt_pct, make_models, pair_gap, save_fig, to_numpy,
                      weights_gap)
from .lecture import (circles_data, claim, experiment, gradient_descent_costs, lecture_draws, lecture_gaps,
                      run_lecture_network)

METHODS = ["zeros", "small", "large", "xavier", "he"]
INITIALIZERS = {
    "zeros": lambda w, g: sn.nn.init.zeros_(w),
    "small": lambda w, g: sn.nn.init.small_(w, generator=g),
    "large": lambda w, g: sn.nn.init.large_(w, generator=g),
    "xavier": lambda w, g: sn.nn.init.kaiming_normal_(w, nonlinearity="linear", generator=g),
    "he": lambda w, g: sn.nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
}


def _empirical_std(backend: str, fn: str, n_in: int, n_out: int, seed: int = 0, **kw) -> float:
    """Std of a big (rows, n_in) draw of an initializer whose fan depends only on n_in
    (or, for Glorot, of an (n_out, n_in) weight tiled to many draws)."""
    rows = 200_000 // n_in
    if backend == "torch":
        g = torch.Generator().manual_seed(seed)
        if fn == "xavier_normal_":
            return float(np.std([torch.nn.init.xavier_normal_(torch.empty(n_out, n_in, dtype=torch.float64),
                                                              generator=g).numpy() for _ in range(rows // n_out)]))
        w = torch.empty(rows, n_in, dtype=torch.float64)
        return float(getattr(torch.nn.init, fn)(w, generator=g, **kw).std())
    g = np.random.default_rng(seed)
    if fn == "xavier_normal_":
        return float(np.std([sn.nn.init.xavier_normal_(np.empty((n_out, n_in)), generator=g)
                             for _ in range(rows // n_out)]))
    return float(np.std(getattr(sn.nn.init, fn)(np.empty((rows, n_in)), generator=g, **kw)))


@experiment("cs229_initialization", "Weight initialization comparison (zeros, small, large, xavier, he)",
            section="6.6 Test different initializations")
def run(ctx: Context) -> Result:
    steps = 100 if ctx.quick else 1000
    X, Y = circles_data()
    draws = lecture_draws()
    bk = backends(ctx)
    lecture_costs, library_costs, final, acc, gaps = {}, {}, {}, {}, {}
    zeros_models = None
    for method in METHODS:
        # The notebook's own draws (zeros draws nothing).
        if method == "zeros":
            W1, W2 = np.zeros((8, 2)), np.zeros((1, 8))
        else:
            W1, W2 = draws[f"init_{method}"]
        models, costs, net = run_lecture_network(ctx, W1, W2, X, Y, lr=0.1, steps=steps)
        lecture_costs[method] = costs
        if method == "zeros":
            zeros_models = models
        gaps.update(lecture_gaps(models, costs, net, prefix=f"{method} (lecture draw): "))
        # scratchnet's initializers, copied into torch ("zeros" is the same all-zero start as above).
        if method == "zeros":
            lib, library_costs[method] = models, {b: costs[b] for b in models}
        else:
            lib = make_models(ctx, [2, 8, 1], "relu", init=INITIALIZERS[method])
            library_costs[method] = gradient_descent_costs(lib, X, Y, epochs=steps, lr=0.1)
        if method != "zeros":
            gaps[f"{method} (scratchnet.nn.init draw): cost curve"] = pair_gap(library_costs[method])
            gaps[f"{method} (scratchnet.nn.init draw): final weights"] = weights_gap(lib)
        final[method] = {"lecture draw": {k: float(v[-1]) for k, v in costs.items()},
                         "scratchnet.nn.init draw": {b: float(v[-1]) for b, v in library_costs[method].items()}}
        acc[method] = {"lecture draw": {b: accuracy_binary(m, X, Y) for b, m in models.items()},
                       "scratchnet.nn.init draw": {b: accuracy_binary(m, X, Y) for b, m in lib.items()}}

    fig, axes = plt.subplots(1, 2, figsize=(15, 5))
    draw_curves(axes[0], lecture_costs, xlabel="iteration", ylabel="cost J", fontsize=7)
    draw_curves(axes[1], library_costs, xlabel="iteration", ylabel="cost J", fontsize=7)
    axes[0].set_title("Notebook's own seed-42 draws (dotted: lecture code)")
    axes[1].set_title("scratchnet.nn.init draws, copied into torch")
    figures = [save_fig(fig, ctx, "initialization_costs")]

    # Zeros: every hidden unit identical, nothing ever moves.
    first = zeros_models[bk[0]]
    W1z = to_numpy(first[0].weight)
    rows = []
    keys = [*bk, "lecture code"]
    for method in METHODS:
        rows.append([method, *[f"{final[method]['lecture draw'][k]:.4f}" for k in keys],
                     *[f"{final[method]['scratchnet.nn.init draw'][b]:.4f}" for b in bk],
                     *[fmt_pct(acc[method]["lecture draw"][b]) for b in bk]])

    claims = []
    # Which initializer is which: the std of each scheme, from large draws in both libraries.
    n_in, n_out = 2, 8
    glorot = np.sqrt(2.0 / (n_in + n_out))
    lecun = {b: _empirical_std(b, "kaiming_normal_", n_in, n_out, nonlinearity="linear") for b in bk}
    he = {b: _empirical_std(b, "kaiming_normal_", n_in, n_out, nonlinearity="relu") for b in bk}
    xav = {b: _empirical_std(b, "xavier_normal_", n_in, n_out) for b in bk}
    claims.append(claim("6.6 NeuralNetworkInit, init_method='xavier'",
                        "std of W1 (8×2) under the name 'xavier' — Glorot's √(2/(n_in+n_out)) = 0.45",
                        round(float(glorot), 2), lecun, decimals=2,
                        note="the code draws randn·√(1/n_in) (std 0.71 here): LeCun normal = "
                             "kaiming_normal_(nonlinearity='linear'). Ng's deeplearning.ai course also calls "
                             "√(1/n_in) 'Xavier', but Glorot & Bengio (2010, the lecture's reference 3) and "
                             "torch's xavier_normal_ use √(2/(n_in+n_out)): "
                             f"{np.mean(list(xav.values())):.2f} here"))
    claims.append(claim("6.3 NeuralNetwork.__init__ ('# Xavier initialization')",
                        "std of W1 (hidden×2) under the comment 'Xavier' — Glorot's √(2/(n_in+n_out)) "
                        "for the XOR net's 4×2 W1 = 0.58",
                        round(float(np.sqrt(2 / 6)), 2),
                        {b: _empirical_std(b, "kaiming_normal_", 2, 4, nonlinearity="relu") for b in bk},
                        decimals=2,
                        note="the code draws randn·√(2/n_in) (std 1.00 here): He/Kaiming normal "
                             "(kaiming_normal_(nonlinearity='relu')), not Xavier"))
    claims.append(claim("6.6 NeuralNetworkInit, init_method='he'", "std of W1 (8×2) for 'he': √(2/n_in)",
                        1.0, he, decimals=2))
    zeros_final = final["zeros"]["lecture draw"]
    zeros_moved = {b: float(np.abs(to_numpy(zeros_models[b][0].weight)).max()) for b in bk}
    claims.append(claim("6.6 NeuralNetworkInit, init_method='zeros' (left out of the lecture's loop)",
                        f"zeros: cost after {steps} iterations stays ln 2 (nothing learns: symmetry never broken)",
                        round(float(np.log(2)), 4), {b: zeros_final[b] for b in bk}, decimals=4,
                        note=f"Z1 = 0 so ReLU'(0) = 0 blocks dW1, A1 = 0 blocks dW2, and db2 = mean(0.5 − y) = 0 "
                             f"on balanced classes: max |W1| after training = "
                             f"{max(zeros_moved.values()):g}"))
    return Result(
        summary=("From the notebook's own seed-42 draws the four schemes of the lecture's loop reproduce on "
                 "both backends and in the lecture's code, to rounding error. With 'small' (0.01) the ReLU net "
                 "starts almost flat and lags; 'large', 'xavier' and 'he' all learn the circles. 'zeros' (offered "
                 "by the lecture's class but not run) never breaks symmetry: with ReLU nothing moves (the output bias by rounding error only) and "
                 "the cost stays ln 2. The lecture's 'xavier' is LeCun normal (√(1/n_in)), not Glorot's Xavier, "
                 "and the NeuralNetwork class's 'Xavier' comment labels He initialization."),
        tables=[Table(f"Final cost after {steps} iterations (4 decimals, as the lecture prints) and accuracy",
                      ["init", *[f"cost, lecture draw ({k})" for k in keys],
                       *[f"cost, scratchnet.nn.init draw ({b})" for b in bk],
                       *[f"accuracy, lecture draw ({b})" for b in bk]], rows),
                Table("Initialization scales (empirical std of large draws, W1 with n_in = 2, n_out = 8)",
                      ["scheme", "formula", *bk],
                      [["lecture 'xavier' = kaiming_normal_(linear)", "√(1/n_in) = 0.7071",
                        *[f"{lecun[b]:.4f}" for b in bk]],
                       ["lecture 'he' = kaiming_normal_(relu)", "√(2/n_in) = 1.0000", *[f"{he[b]:.4f}" for b in bk]],
                       ["Glorot xavier_normal_", f"√(2/(n_in+n_out)) = {glorot:.4f}", *[f"{xav[b]:.4f}" for b in bk]]])],
        figures=figures,
        numbers={"steps": steps, "final_cost": final, "accuracy": acc,
                 "zeros_hidden_rows_identical": bool(np.all(W1z == W1z[0]))},
        backend_gap=gaps, claims=claims)
