"""Chapter 15, "Backpropagation: Computing Gradients Step by Step".

2 inputs → 2 hidden (ReLU) → 1 output (sigmoid), BCE loss, one example, then
one gradient-descent step with lr 0.1. Every intermediate the lecture prints
is read from the backends' own backward passes with full backward hooks (the
same API in both): dz2 = dJ/dz2 leaves the Sigmoid, da1 enters and dz1 leaves
the ReLU; dW and db are the Linear layers' ``.grad`` (transposed to the
lecture's (in, out) layout). The step is ``optim.SGD(lr=0.1)``.
"""

from __future__ import annotations

import numpy as np

from ..base import Context, Result, Table
from ..common import (backends, gaps, gradients, lecture_init, loss_and_backward, make_models, make_optimizer, state_dict,
                      to_numpy)
from .lecture import claim, experiment

WHERE = "Backpropagation: Computing Gradients Step by Step"

X = np.array([[1.0, 0.5]])
Y = np.array([[1.0]])
W1 = np.array([[0.3, 0.7], [0.5, -0.2]])
b1 = np.array([0.1, -0.1])
W2 = np.array([[0.6], [-0.4]])
b2 = np.array([0.2])
LR = 0.1

#: Everything the lecture prints (all with .round(4) or :.4f).
PRINTED = {
    "z1": [[0.65, 0.5]],
    "a1": [[0.65, 0.5]],
    "z2": [[0.39]],
    "a2": [[0.5963]],
    "loss (BCE)": 0.5173,
    "dz2": [[-0.4037]],
    "dW2": [[-0.2624], [-0.2019]],
    "db2": [-0.4037],
    "da1": [[-0.2422, 0.1615]],
    "dz1": [[-0.2422, 0.1615]],
    "dW1": [[-0.2422, 0.1615], [-0.1211, 0.0807]],
    "db1": [-0.2422, 0.1615],
    "W2 after the step": [0.6262, -0.3798],
    "W1 after the step": [[0.3242, 0.6838], [0.5121, -0.2081]],
}


def step(backend: str, model) -> dict:
    """Forward, BCE, backward and one SGD step on one backend, recording every intermediate."""
    seen = {}

    def keep(name):
        return lambda m, inp, out: seen.__setitem__(name, to_numpy(out))

    def keep_grads(name_in, name_out):
        def hook(m, grad_input, grad_output):
            seen[name_in] = to_numpy(grad_input[0])
            if name_out:
                seen[name_out] = to_numpy(grad_output[0])
        return hook

    handles = [model[i].register_forward_hook(keep(n)) for i, n in enumerate(["z1", "a1", "z2", "a2"])]
    handles.append(model[3].register_full_backward_hook(keep_grads("dz2", None)))
    handles.append(model[1].register_full_backward_hook(keep_grads("dz1", "da1")))
    opt = make_optimizer(backend, model.parameters(), "SGD", lr=LR)
    seen["loss (BCE)"] = loss_and_backward(backend, model, "bce", X, Y)   # explicit backward / autograd
    grads = gradients(model)
    seen["dW2"], seen["db2"] = grads["2.weight"].T, grads["2.bias"]
    seen["dW1"], seen["db1"] = grads["0.weight"].T, grads["0.bias"]
    opt.step()
    params = state_dict(model)
    seen["W2 after the step"] = params["2.weight"].T.ravel()
    seen["W1 after the step"] = params["0.weight"].T
    for h in handles:
        h.remove()
    return seen


@experiment("ch15_backward_2_2_1", "The 2-2-1 backward pass, step by step", section=WHERE)
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    models = make_models(ctx, [2, 2, 1], "relu", "sigmoid")
    lecture_init(models, [W1, W2], layout="in_out", biases=[b1, b2])
    values = {b: step(b, models[b]) for b in run_on}

    # The same quantities by hand, in the lecture's own NumPy (for the note on W1).
    a2 = 1 / (1 + np.exp(-0.39))
    dz1_hand = (a2 - 1.0) * W2.ravel()
    rows = [[q, str(np.asarray(p)), *[str(np.round(np.asarray(values[b][q]), 6)) for b in run_on]]
            for q, p in PRINTED.items()]
    claims = []
    for q, p in PRINTED.items():
        note = ""
        if q == "W1 after the step":
            w = 0.7 - LR * dz1_hand[1]
            note = (f"W1[0,1] = 0.7 − 0.1 × dz1[1] = 0.7 − 0.1 × {dz1_hand[1]:.6f} = {w:.6f}, which rounds to "
                    f"{w:.4f}, not 0.6838 (the printed dz1[1] = 0.1615 gives 0.68385 — the listing rounded twice)")
        if q == "loss (BCE)":
            note = (f"−log(a2) = −log({a2:.6f}) = {-np.log(a2):.6f}, which prints 0.5170; −log of the printed a2 "
                    f"(0.5963) is {-np.log(0.5963):.4f} too")
        claims.append(claim(WHERE, q, p, {b: values[b][q] for b in run_on}, decimals=4, note=note))
    return Result(
        summary=("One example through the 2-2-1 network (ReLU hidden, sigmoid output, BCE), backward, and one SGD "
                 "step with lr 0.1. The intermediates are read from each backend's own backward pass with "
                 "backward hooks: dz2 = a2 − y = −0.4037 leaves the sigmoid, da1 = dz2 W2ᵀ and dz1 = da1 ⊙ ReLU'(z1) "
                 "pass the ReLU, and dW = Xᵀ dz sits in each Linear's `.grad` (transposed: the lecture stores W as "
                 "(in, out)). All printed numbers come out but two: the loss is −log 0.5963 = 0.5170, not 0.5173, and "
                 "the updated W1[0,1] is 0.6839, not 0.6838. "
                 "The backends agree to float64 rounding."),
        tables=[Table("Backward pass and update: printed vs computed", ["quantity", "printed", *run_on], rows)],
        numbers={b: {k: np.asarray(v).tolist() for k, v in values[b].items()} for b in run_on},
        backend_gap=gaps(values), claims=claims)
