"""Chapter 15, "Single Neuron: Forward Pass Calculation".

One neuron with three inputs: z = x·w + b for x = [1, 2, 3], w = [0.2, 0.8, −0.5],
b = 2 — a ``Linear(3, 1)`` with that weight row — then sigmoid, ReLU and tanh of
z = 2.3 and of z = −2.
"""

from __future__ import annotations

import numpy as np

from ..base import Context, Result, Table
from ..common import activation_and_derivative, backends, gaps, make_models, predict
from .lecture import claim, experiment

WHERE = "Single Neuron: Forward Pass Calculation"

INPUTS = np.array([1.0, 2.0, 3.0])
WEIGHTS = np.array([0.2, 0.8, -0.5])
BIAS = 2.0

#: What the lecture prints (f"{z}" and f"{...:.4f}").
PRINTED = {
    2.3: {"sigmoid": 0.9089, "relu": 2.3000, "tanh": 0.9801},
    -2.0: {"sigmoid": 0.1192, "relu": 0.0000, "tanh": -0.9640},
}


@experiment("ch15_single_neuron", "The single neuron: weighted sum and activations", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    # The neuron: mlp([3, 1]), one Linear(3, 1) holding the lecture's weights, in each backend.
    neuron = make_models(ctx, [3, 1], state={"0.weight": WEIGHTS[None, :], "0.bias": np.array([BIAS])})
    z = {b: float(predict(neuron[b], INPUTS[None, :])[0, 0]) for b in run_on}
    values: dict[str, dict] = {b: {"z": z[b]} for b in run_on}
    for point in PRINTED:
        for b in run_on:
            arg = z[b] if point == 2.3 else point
            for act in ("sigmoid", "relu", "tanh"):
                values[b][f"{act}({point})"] = float(activation_and_derivative(b, act, [arg], device=ctx.device)[0][0])

    rows = [["z = x·w + b", 2.3, *[values[b]["z"] for b in run_on]]]
    for point, acts in PRINTED.items():
        rows += [[f"{act}({point})", claimed, *[values[b][f"{act}({point})"] for b in run_on]]
                 for act, claimed in acts.items()]
    claims = [claim(WHERE, "weighted sum z (printed with f\"{z}\", i.e. repr)", 2.3,
                    {b: values[b]["z"] for b in run_on}, decimals=16,
                    note="0.2 + 1.6 − 1.5 + 2.0 rounds to exactly the float 2.3 in this order")]
    for point, acts in PRINTED.items():
        for act, claimed in acts.items():
            claims.append(claim(WHERE, f"{act}({point})", claimed,
                                {b: values[b][f"{act}({point})"] for b in run_on}, decimals=4))
    return Result(
        summary=("One neuron is a `Linear(3, 1)`: z = 0.2·1 + 0.8·2 − 0.5·3 + 2 = 2.3, then an activation. "
                 "Every printed value comes out on both backends; they agree exactly (these are single "
                 "additions and one exp/tanh each)."),
        tables=[Table("Single neuron: printed vs computed", ["quantity", "printed", *run_on], rows)],
        numbers={b: values[b] for b in run_on},
        backend_gap=gaps(values), claims=claims)
