"""The whole shape of an experiment (not in the main job; a test runs it). To add one, copy
this file to experiments/<lecture>/<name>.py, import from ``..base``, ``..common`` and
``.lecture`` there, and list the module in experiments/registry.py (README, "Experiments")."""

from __future__ import annotations

import numpy as np

from .base import Context, Result, Table
from .chapter15.lecture import XOR_X, claim, experiment
from .common import backends, epoch_losses, make_models, pair_gap, plot_curves, predict, train

WHERE = "Detailed Explanation, 1. The Perceptron: A Single Artificial Neuron"


@experiment("template_and_gate", "One sigmoid neuron learns AND (the template)", section=WHERE)
def run(ctx: Context) -> Result:
    X, Y = XOR_X, np.array([[0], [0], [0], [1]], dtype=np.float64)            # 1. the lecture's data
    models = make_models(ctx, [2, 1], "identity", "sigmoid")                 # 2. {backend: model}, same weights
    epochs = 100 if ctx.quick else 600                                       #    (quick mode: for the tests)
    curves = epoch_losses(train(models, X, Y, loss="bce", lr=1.0, epochs=epochs))  # 3. one trainer, both
    outputs = {b: predict(m, X) for b, m in models.items()}                  # 4. measure each backend
    learned = {b: int(np.all((p > 0.5) == (Y > 0.5))) for b, p in outputs.items()}
    claims = [claim(WHERE, "one neuron learns AND (1 = all four outputs right)", 1, learned,  # 5. audit what
                    decimals=0)]                                                          # the lecture says
    figures = [plot_curves(ctx, "loss", {"AND": curves}, title="One neuron on AND: J per epoch")]  # 6. plots
    gaps = {"loss curve": pair_gap(curves), "outputs": pair_gap(outputs)}   # 7. the backends' gap (None: one ran)
    rows = [[b, *np.round(outputs[b].ravel(), 4).tolist(), float(curves[b][-1])] for b in backends(ctx)]
    verdict = "every output is" if all(learned.values()) else "not every output is"
    return Result(                                                           # 8. what the report shows
        summary=f"One neuron draws one straight line: after {epochs} epochs {verdict} on the right side of 0.5.",
        tables=[Table(f"Outputs after {epochs} epochs", ["backend", "0 0", "0 1", "1 0", "1 1", "loss"], rows)],
        figures=figures, numbers={"epochs": epochs, "learned": learned}, backend_gap=gaps, claims=claims)
