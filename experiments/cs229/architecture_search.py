"""CS229 §7 "Architecture Decisions": "We would try ten different
architectures, train the network, look at validation set accuracy, and
decide which one seems to be the best." — Andrew Ng

Ten architectures for all ten digits (widths, depths, activations), each
trained the same way (He init for ReLU, Glorot for tanh/sigmoid, mini-batch
SGD with batch 64 and learning rate 0.1, the same batches) on a stratified
60 % training split; the pick is the one with the best accuracy on the 20 %
validation split, and only the pick is then scored on the 20 % test split —
the lecture's protocol. Ties on validation accuracy go to the smaller
network ("start simple").
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import accuracy_multiclass, backends, fmt_pct, pair_gap, save_fig, sizes_str, weights_gap
from .lecture import digits_multiclass, experiment, he_init, train_digits

ARCHITECTURES = [
    ([64, 16, 10], "relu"), ([64, 32, 10], "relu"), ([64, 64, 10], "relu"), ([64, 128, 10], "relu"),
    ([64, 32, 32, 10], "relu"), ([64, 64, 64, 10], "relu"), ([64, 128, 64, 10], "relu"),
    ([64, 32, 32, 32, 10], "relu"), ([64, 64, 10], "tanh"), ([64, 64, 10], "sigmoid"),
]


def _glorot(weight, generator):
    return sn.nn.init.xavier_normal_(weight, generator=generator)


@experiment("cs229_architecture_search", "Ten architectures, picked by validation accuracy",
            section="Summary §7 Architecture Decisions")
def run(ctx: Context) -> Result:
    epochs = 1 if ctx.quick else 15
    data = digits_multiclass(seed=ctx.seed, val=True)
    bk = backends(ctx)
    results, gaps, costs = [], {}, {}
    for sizes, act in ARCHITECTURES:
        label = f"{sizes_str(sizes)} {act}"
        models, costs[label] = train_digits(ctx, sizes, act, data=data, epochs=epochs,
                                            init=he_init if act == "relu" else _glorot)
        val = {b: accuracy_multiclass(m, data["X_val"], data["y_val"]) for b, m in models.items()}
        test = {b: accuracy_multiclass(m, data["X_test"], data["y_test"]) for b, m in models.items()}
        n_params = sum(int(np.prod(p.shape)) for p in next(iter(models.values())).parameters())
        results.append(dict(label=label, params=n_params, val=val, test=test))
        gaps[f"{label}: cost curve"] = pair_gap(costs[label])
        gaps[f"{label}: final weights"] = weights_gap(models)
    pick = {b: max(results, key=lambda r: (r["val"][b], -r["params"]))["label"] for b in bk}
    by_label = {r["label"]: r for r in results}
    rows = [[r["label"], r["params"], *[fmt_pct(r["val"][b]) for b in bk],
             *[("← picked" if pick[b] == r["label"] else "") for b in bk]] for r in results]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = np.arange(len(results))
    for i, b in enumerate(bk):
        ax.bar(x + (i - 0.5 * (len(bk) - 1)) * 0.38, [r["val"][b] for r in results], width=0.38, label=b)
    ax.set_xticks(x, [r["label"] for r in results], rotation=35, ha="right", fontsize=8)
    ax.set_ylim(min(min(r["val"].values()) for r in results) - 0.05, 1.0)
    ax.set(ylabel="validation accuracy", title="Ten architectures on 10-class digits")
    ax.legend()
    figures = [save_fig(fig, ctx, "architecture_search")]
    first = bk[0]
    chosen = by_label[pick[first]]
    same_pick = len(set(pick.values())) == 1
    return Result(
        summary=(f"Following the lecture's advice, ten architectures were trained for {epochs} epochs and compared "
                 f"on a validation split: the pick is {pick[first]} (validation {chosen['val'][first]:.1%}, test "
                 f"{chosen['test'][first]:.1%} — the test split is used once, for the pick only). "
                 + ("Both backends pick the same architecture with the same accuracies. " if same_pick else
                    "The backends pick different architectures (a tie broken by rounding). ")
                 + f"Validation accuracies span {min(r['val'][first] for r in results):.1%}–"
                   f"{max(r['val'][first] for r in results):.1%}: on this small problem most architectures land "
                   "within a few points of each other, which is why the lecture lets the validation set decide."),
        tables=[Table(f"Validation accuracy after {epochs} epochs (60/20/20 split)",
                      ["architecture", "parameters", *[f"validation ({b})" for b in bk],
                       *[f"pick ({b})" for b in bk]], rows),
                Table("The pick, scored once on the test split", ["backend", "architecture", "test accuracy"],
                      [[b, pick[b], fmt_pct(by_label[pick[b]]["test"][b])] for b in bk])],
        figures=figures,
        numbers={"epochs": epochs, "pick": pick, "validation_accuracy": {r["label"]: r["val"] for r in results},
                 "test_accuracy_of_pick": {b: by_label[pick[b]]["test"][b] for b in bk}},
        backend_gap=gaps, claims=[])
