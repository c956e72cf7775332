"""Chapter 15, common mistake "Confusing Softmax Output with Independent Probabilities".

softmax([2.0, 1.0, 0.1]) read correctly: one distribution over mutually
exclusive classes (sums to 1, argmax is the prediction). Next to it, the
multi-label alternative the lecture names — a sigmoid on each output,
independent probabilities that need not sum to 1.
"""

from __future__ import annotations

import numpy as np

from ..base import Context, Result, Table
from ..common import activation_and_derivative, backends, gaps
from .lecture import claim, experiment
from .softmax import LOGITS, softmax_with_jacobian

WHERE = "Common Mistakes: Confusing Softmax Output with Independent Probabilities"


@experiment("ch15_mistake_softmax_reading", "Mistake: reading softmax outputs as independent probabilities",
            section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    values = {}
    for b in run_on:
        s, _ = softmax_with_jacobian(b, LOGITS, ctx.device)
        sig, _ = activation_and_derivative(b, "sigmoid", LOGITS, device=ctx.device)
        values[b] = {"softmax": s, "sum": float(s.sum()), "argmax": int(np.argmax(s)), "max": float(s.max()),
                     "sigmoid": sig, "sigmoid sum": float(sig.sum())}
    rows = [[f"class {i}", [0.659, 0.242, 0.099][i], *[float(values[b]["softmax"][i]) for b in run_on],
             *[float(values[b]["sigmoid"][i]) for b in run_on]] for i in range(3)]
    rows.append(["sum", 1.000, *[values[b]["sum"] for b in run_on], *[values[b]["sigmoid sum"] for b in run_on]])
    table = Table("Softmax (one class per sample) vs independent sigmoids (multi-label) for logits [2.0, 1.0, 0.1]",
                  ["", "printed", *[f"softmax ({b})" for b in run_on], *[f"sigmoid ({b})" for b in run_on]], rows)
    claims = [
        claim(WHERE, "Softmax output: probs.round(3)", [0.659, 0.242, 0.099],
              {b: values[b]["softmax"] for b in run_on}, decimals=3,
              note="also the comment P(class 0) = 0.659, P(class 1) = 0.242, P(class 2) = 0.099"),
        claim(WHERE, "Sum (.3f)", 1.0, {b: values[b]["sum"] for b in run_on}, decimals=3),
        claim(WHERE, "Predicted class (argmax)", 0, {b: values[b]["argmax"] for b in run_on}, decimals=0),
        claim(WHERE, "probability of the predicted class", 0.659, {b: values[b]["max"] for b in run_on},
              decimals=3),
    ]
    b0 = run_on[0]
    return Result(
        summary=("Softmax outputs are one distribution over mutually exclusive classes: [0.659, 0.242, 0.099], "
                 "summing to 1, class 0 predicted — as printed, on both backends. Independent sigmoids on the "
                 f"same logits (the multi-label choice) give {np.round(values[b0]['sigmoid'], 3).tolist()}, "
                 f"summing to {values[b0]['sigmoid sum']:.3f}: each is a yes/no probability of its own."),
        tables=[table],
        numbers={b: {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in values[b].items()} for b in run_on},
        backend_gap=gaps({b: {k: v for k, v in values[b].items() if k != "argmax"} for b in run_on}),
        claims=claims)
