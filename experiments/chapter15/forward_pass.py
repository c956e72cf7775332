"""Chapter 15, "Forward Propagation Through a Multi-Layer Network".

2 inputs → 3 hidden (ReLU) → 1 output (sigmoid) with the lecture's fixed
weights. The lecture stores W1 as (in, out) = (2, 3) and computes X @ W1 + b1;
``Linear.weight`` is (out, in), so W1ᵀ is loaded. Intermediates are read with
forward hooks (the same API in both backends).
"""

from __future__ import annotations

import numpy as np

from ..base import Context, Result, Table
from ..common import backends, gaps, lecture_init, make_models, predict, to_numpy
from .lecture import claim, experiment

WHERE = "Forward Propagation Through a Multi-Layer Network"

X = np.array([[0.5, 0.8]])
W1 = np.array([[0.1, 0.3, -0.2], [0.4, -0.5, 0.6]])
b1 = np.array([0.1, -0.1, 0.2])
W2 = np.array([[0.7], [-0.3], [0.5]])
b2 = np.array([0.1])

PRINTED = {
    "z1": ([[0.47, -0.25, 0.58]], 4),
    "a1": ([[0.47, 0.0, 0.58]], 4),
    "z2": ([[0.619]], 4),
    "output": ([[0.6498]], 4),
    "z1 step by step (.4f)": ([0.4700, -0.2500, 0.5800], 4),
    "a1 step by step (.4f)": ([0.4700, 0.0000, 0.5800], 4),
}


def intermediates(model, x):
    """z1, a1, z2, output from forward hooks on layers 0..3 (the same API in both backends)."""
    names = ["z1", "a1", "z2", "output"]
    seen = {}
    handles = [model[i].register_forward_hook(lambda m, inp, out, n=names[i]: seen.__setitem__(n, to_numpy(out)))
               for i in range(4)]
    predict(model, x)
    for h in handles:
        h.remove()
    return seen


@experiment("ch15_forward_2_3_1", "The 2-3-1 forward pass with the lecture's weights", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    models = make_models(ctx, [2, 3, 1], "relu", "sigmoid")
    lecture_init(models, [W1, W2], layout="in_out", biases=[b1, b2])
    values = {}
    for b in run_on:
        v = intermediates(models[b], X)
        v["z1 step by step (.4f)"] = v["z1"][0]
        v["a1 step by step (.4f)"] = v["a1"][0]
        values[b] = v
    rows = [[q, str(np.asarray(p)), *[str(np.round(values[b][q], 6)) for b in run_on]] for q, (p, _) in PRINTED.items()]
    z1_1 = X[0, 0] * W1[0, 1] + X[0, 1] * W1[1, 1] + b1[1]
    z2 = (np.maximum(X @ W1 + b1, 0) @ W2 + b2).item()
    notes = {
        "z1": f"z1[1] = 0.5·0.3 + 0.8·(−0.5) − 0.1 = 0.15 − 0.40 − 0.10 = {z1_1:.2f}, not −0.25 (an arithmetic slip "
              "in the listing; the other two entries are right)",
        "z1 step by step (.4f)": f"the step-by-step line prints z1[1] = −0.2500; the sum is {z1_1:.4f}",
        "a1": "ReLU zeroes z1[1] whether it is −0.25 or −0.35, so a1 comes out",
        "a1 step by step (.4f)": "ReLU zeroes z1[1] whether it is −0.25 or −0.35",
        "z2": f"z2 = 0.47·0.7 + 0·(−0.3) + 0.58·0.5 + 0.1 = 0.329 + 0.29 + 0.1 = {z2:.3f}; the printed 0.619 is "
              "0.1 short (z2 does not depend on z1[1], which ReLU zeroed)",
        "output": f"σ({z2:.3f}) = {1 / (1 + np.exp(-z2)):.4f}; even σ(0.619) = {1 / (1 + np.exp(-0.619)):.4f}, "
                  "not the printed 0.6498",
    }
    claims = [claim(WHERE, q, p, {b: values[b][q] for b in run_on}, decimals=d, note=notes.get(q, ""))
              for q, (p, d) in PRINTED.items()]
    return Result(
        summary=("The 2-3-1 network (ReLU hidden, sigmoid output) with the lecture's weights, on both backends: "
                 "z1 = X W1 + b1 = [0.47, −0.35, 0.58], ReLU zeroes the middle unit, z2 = 0.719 and σ(z2) = 0.6724. "
                 "The listing prints z1[1] = −0.25 (0.15 − 0.40 − 0.10 is −0.35), z2 = 0.619 (0.329 + 0.29 + 0.1 is "
                 "0.719) and an output of 0.6498 (which is not σ(0.619) = 0.6500 either); a1 comes out because ReLU "
                 "zeroes the wrong entry anyway. The lecture's W1 is (in, out); `Linear.weight` holds W1ᵀ. The "
                 "backends agree exactly."),
        tables=[Table("Forward pass: printed vs computed", ["quantity", "printed", *run_on], rows)],
        numbers={b: {k: np.asarray(v).tolist() for k, v in values[b].items()} for b in run_on},
        backend_gap=gaps(values), claims=claims)
