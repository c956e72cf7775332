"""ICDSS lecture 4, "General NNs" and "Activation Functions": the slides' forward
formulas for a 3 → 4 → 4 → 1 network, the chain rule for dL/dW1 in a 2-layer
network, and "Leaky ReLU tends to perform better than just ReLU", measured.

* Layer 1, neuron j: A_j[1] = g[1](W_j[1]ᵀ X + b_j[1]) — the row of ``Linear``
  then the activation, as the modules compute it.
* Layer 2 as the slide writes it: A_j[2] = g[2](W_j[2]ᵀ A_j[1] + b_j[2]), each
  neuron fed only A_j[1]. As written W_j[2]ᵀ A_j[1] multiplies a 4-vector by one
  number; read as neuron j seeing A_j[1] alone (through its weight w_jj) it
  differs from the fully-connected layer, A_j[2] = g[2](W_j[2]ᵀ A[1] + b_j[2]).
* The output ŷ = g[3](W[3]ᵀ A[2] + b[3]).
* dL/dW1 = dL/da2 · da2/dz2 · dz2/da1 · da1/dz1 · dz1/dW1, multiplied out by hand
  (with the shapes: W2 a row, da1/dz1 diagonal, dz1/dW1 the input) against
  backpropagation.
* Leaky ReLU vs ReLU: the slides' 3 → 4 → 4 → 1 network (sigmoid output,
  cross-entropy, full-batch gradient descent) on a generated non-linear task,
  from several initialisations shared by the two activations.
"""

from __future__ import annotations

import numpy as np

from ..base import Context, Result, Table
from ..common import (backends, epoch_losses, gap, linears, loss_and_backward, make_models, pair_gap, predict,
                      to_numpy, train)
from .lecture import claim, experiment, ring

WHERE_NN = "General NNs (forward propagation, 3 → 4 → 4 → 1)"
RTOL = 1e-12
SIZES = [3, 4, 4, 1]


def activations(model, X) -> list[np.ndarray]:
    """The output of every activation module, in order (A[1], A[2], ŷ), on either backend."""
    linear = [id(m) for m in linears(model)]
    return [predict(model, X, upto=i + 1) for i, layer in enumerate(model) if id(layer) not in linear]


def weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(to_numpy(l.weight), to_numpy(l.bias)) for l in linears(model)]


def chain_rule_dW1(x, y, W1, b1, W2, b2) -> np.ndarray:
    """dL/dW1 as the slide's product of factors, one example, sigmoid layers, cross-entropy L."""
    a1 = 1 / (1 + np.exp(-(W1 @ x + b1)))
    a2 = float(1 / (1 + np.exp(-(W2 @ a1 + b2)))[0])
    dL_da2 = -(y / a2 - (1 - y) / (1 - a2))
    da2_dz2 = a2 * (1 - a2)
    dz2_da1 = W2[0]                       # (4,)
    da1_dz1 = np.diag(a1 * (1 - a1))      # (4, 4)
    dL_dz1 = dL_da2 * da2_dz2 * dz2_da1 @ da1_dz1
    return np.outer(dL_dz1, x)            # dz1_j/dW1_ji = x_i


def backprop_dW1(backend: str, model, x, y) -> np.ndarray:
    """dL/dW1 for one example (x, y), by scratchnet's backprop or torch's autograd."""
    X, Y = np.asarray(x, dtype=np.float64)[None, :], np.array([[y]], dtype=np.float64)
    loss_and_backward(backend, model, "bce", X, Y)
    return to_numpy(linears(model)[0].weight.grad)


@experiment("icdss_general_network", "General networks: the forward formulas, the chain rule for dL/dW1, and "
            "Leaky ReLU vs ReLU", section="General NNs; Activation Functions")
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    claims, gaps_ = [], {}
    # --- the forward formulas, on the slides' 3 → 4 → 4 → 1 network (tanh, tanh, sigmoid)
    X = np.random.default_rng(ctx.seed + 5).normal(size=(6, 3))
    nets = make_models(ctx, SIZES, "tanh", "sigmoid")
    (W1, b1), (W2, b2), (W3, b3) = weights(nets[run_on[0]])
    acts = {b: activations(nets[b], X) for b in run_on}
    A1 = np.stack([np.tanh(X @ W1[j] + b1[j]) for j in range(4)], axis=1)       # A_j[1] = g(W_j[1]ᵀ X + b_j)
    A1_true = acts[run_on[0]][0]
    A2_slide = np.stack([np.tanh(W2[j, j] * A1_true[:, j] + b2[j]) for j in range(4)], axis=1)
    A2_true = acts[run_on[0]][1]
    y_hat = 1 / (1 + np.exp(-(A2_true @ W3.T + b3)))
    claims.append(claim(WHERE_NN, "A_j[1] = g[1](W_j[1]ᵀ X + b_j[1]), j = 1…4 (g = tanh, 6 examples)",
                        A1, {b: acts[b][0] for b in run_on}, rtol=RTOL,
                        note="neuron j's row of Linear.weight, then the activation: what the modules compute"))
    claims.append(claim(
        WHERE_NN, "A_j[2] = g[2](W_j[2]ᵀ A_j[1] + b_j[2]): neuron j of layer 2 fed only A_j[1] "
        "(through w_jj), 6 examples", A2_slide, {b: acts[b][1] for b in run_on}, rtol=RTOL,
        note="each neuron of a fully-connected layer takes the whole A[1]: A_j[2] = g[2](W_j[2]ᵀ A[1] + b_j[2]), as "
             "the layer-1 slide has it with X. As written, W_j[2]ᵀ A_j[1] multiplies the 4-vector W_j[2] by one "
             "number, so it is not even a scalar pre-activation; the reading checked here keeps one weight per "
             f"neuron. Largest difference from the module's A[2]: {np.max(np.abs(A2_slide - A2_true)):.3f}"))
    claims.append(claim(WHERE_NN, "ŷ = g[3](W[3]ᵀ A[2] + b[3]) (g = sigmoid, 6 examples)", y_hat,
                        {b: acts[b][2] for b in run_on}, rtol=RTOL))
    if len(run_on) == 2:
        gaps_["forward activations"] = max(gap(acts["scratchnet"][k], acts["torch"][k]) for k in range(3))

    # --- the chain rule for dL/dW1, a 3 → 4 → 1 sigmoid network, one example
    small = make_models(ctx, [3, 4, 1], "sigmoid", "sigmoid", seed=ctx.seed + 1)
    (V1, c1), (V2, c2) = weights(small[run_on[0]])
    x, y = np.array([0.5, -1.2, 2.0]), 1.0
    by_chain = chain_rule_dW1(x, y, V1, c1, V2, c2)
    dW1 = {b: backprop_dW1(b, small[b], x, y) for b in run_on}
    claims.append(claim(
        "Introduction (chain rule)", "dL/dW1 = dL/da2 · da2/dz2 · dz2/da1 · da1/dz1 · dz1/dW1 "
        "(3 → 4 → 1 sigmoid network, cross-entropy, one example)", by_chain, dW1, rtol=1e-10,
        note="multiplied out with the shapes: dz2/da1 = W2 (a row), da1/dz1 = diag(a1(1 − a1)), dz1_j/dW1_ji = x_i; "
             "against scratchnet's backprop and torch's autograd"))
    gaps_["dL/dW1"] = pair_gap(dW1)

    # --- Leaky ReLU vs ReLU on the slides' network, several shared initialisations
    seeds = range(3) if ctx.quick else range(8)
    epochs = 60 if ctx.quick else 300
    Xtr, Ytr = ring(ctx.seed, 200)
    Xte, Yte = ring(ctx.seed + 1, 400)
    acc = {k: {b: [] for b in run_on} for k in ("relu", "leaky_relu")}
    final = {k: {b: [] for b in run_on} for k in ("relu", "leaky_relu")}
    for s in seeds:
        for kind in ("relu", "leaky_relu"):
            models = make_models(ctx, SIZES, kind, "sigmoid", seed=100 + s)  # same draws for both kinds
            curves = epoch_losses(train(models, Xtr, Ytr, loss="bce", lr=0.5, epochs=epochs))
            for b, model_b in models.items():
                acc[kind][b].append(float(np.mean((predict(model_b, Xte) > 0.5) == (Yte > 0.5))))
                final[kind][b].append(float(curves[b][-1]))
            gaps_[f"{kind}, init {s}: loss curve"] = pair_gap(curves)
    b0 = run_on[0]
    mean = {k: {b: float(np.mean(acc[k][b])) for b in run_on} for k in acc}
    wins = sum(a > r for a, r in zip(acc["leaky_relu"][b0], acc["relu"][b0]))
    ties = sum(a == r for a, r in zip(acc["leaky_relu"][b0], acc["relu"][b0]))
    rows = [[s, acc["relu"][b0][i], acc["leaky_relu"][b0][i], final["relu"][b0][i], final["leaky_relu"][b0][i]]
            for i, s in enumerate(seeds)]
    return Result(
        summary=("The slides' first-layer formula A_j[1] = g(W_j[1]ᵀ X + b_j) and the output ŷ = g(W[3]ᵀ A[2] + b[3]) "
                 "are what `Linear` and the activation modules compute on both backends; the second layer as "
                 "written, with neuron j fed only A_j[1], is not (every neuron takes the whole A[1]). The chain "
                 "rule for dL/dW1 multiplied out factor by factor equals backpropagation. Leaky ReLU vs ReLU on "
                 f"the slides' 3 → 4 → 4 → 1 network over {len(seeds)} shared initialisations: mean held-out "
                 f"accuracy {mean['leaky_relu'][b0]:.3f} vs {mean['relu'][b0]:.3f} (Leaky ReLU better on {wins}, "
                 f"tied on {ties}); one generated task cannot settle the slide's 'tends to' (a tendency across "
                 "problems), so it has no audit record. Both backends agree to rounding."),
        tables=[Table(f"Leaky ReLU vs ReLU, 3 → 4 → 4 → 1, {epochs} epochs ({b0}; the other backend agrees)",
                      ["init", "ReLU test acc", "Leaky ReLU test acc", "ReLU final loss", "Leaky ReLU final loss"],
                      rows)],
        numbers={"test_accuracy": acc, "final_loss": final, "mean_test_accuracy": mean,
                 "dW1_chain_rule": by_chain.tolist()},
        backend_gap=gaps_, claims=claims)
