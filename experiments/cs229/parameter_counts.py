"""CS229 §6.1 and §6.3: parameter counts, shapes and the multi-output layer.

Every count the lecture states is counted on models built in both libraries
(``mlp`` in scratchnet and torch, ``sum(p.numel())``):

* logistic regression on a 64×64×3 image: 12,288 weights + 1 bias = 12,289;
* three sigmoid output neurons: 3 × 12,289 = 36,867;
* the n → 3 → 2 → 1 network: 3n + 3, 8 and 3 per layer, 3n + 14 in all;
* the count trick "edges + neurons";
* the forward shapes Z[1] (3×m), Z[2] (2×m), Z[3] (1×m) — the lecture's
  (features, samples) layout is the transpose of the batch-first one here;
* "the three neurons aren't communicating": training them together equals
  training three logistic regressions apart;
* multi-label (sigmoid, outputs independent) vs multi-class (softmax, outputs
  sum to 1) — and the summary's line that swaps the two.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import backends, gap, gradient_descent, linears, make_models, predict, tensor, to_numpy, train
from .lecture import claim, experiment

IMAGE = 64 * 64 * 3


def _count(model) -> int:
    return int(sum(p.numel() for p in model.parameters()))


def _build(ctx, sizes, activation="sigmoid", output="sigmoid") -> dict:
    return make_models(ctx, sizes, activation, output, seed=0)


def _layer_counts(model) -> list[int]:
    return [_count(m) for m in linears(model)]


def _shapes(model, X) -> list[list[int]]:
    """Shapes of Z[1], Z[2], Z[3] in the lecture's (units, samples) layout."""
    h = tensor(X, model) if isinstance(model, torch.nn.Module) else X
    shapes = []
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, (sn.nn.Linear, torch.nn.Linear)):
                shapes.append(list(reversed(tuple(h.shape))))
    return shapes


def _independent_neurons(ctx, steps: int) -> dict:
    """Max relative gap between 3 sigmoid outputs trained together (summed
    BCE, the three costs added) and 3 one-output models trained apart."""
    rng = np.random.default_rng(1)
    m, n = 16, IMAGE
    X = rng.standard_normal((m, n)) / np.sqrt(n)
    Y = (rng.random((m, 3)) < 0.5).astype(float)  # multi-label: any subset of {cat, lion, iguana}
    W = rng.standard_normal((3, n)) * 0.01
    out = {}
    for backend in backends(ctx):
        one = dataclasses.replace(ctx, backends=(backend,))
        joint = make_models(one, [n, 3], state={"0.weight": W, "0.bias": np.zeros(3)})
        # J = Σ_k J_k: BCE mean over the m·3 entries, times 3.
        train(joint, X, Y, loss="bce_with_logits", lr=0.5, epochs=steps, step=gradient_descent,
              on_step=_scale_grads(3.0))
        apart = []
        for k in range(3):
            single = make_models(one, [n, 1], state={"0.weight": W[k:k + 1], "0.bias": np.zeros(1)})
            train(single, X, Y[:, k:k + 1], loss="bce_with_logits", lr=0.5, epochs=steps, step=gradient_descent)
            apart.append(to_numpy(single[backend][0].weight))
        out[backend] = gap(to_numpy(joint[backend][0].weight), np.vstack(apart))
    return out


def _scale_grads(factor: float):
    """An ``on_step`` hook multiplying every gradient by ``factor`` before the update."""
    def on_step(backend, model, step):
        for p in model.parameters():
            p.grad *= factor
    return on_step


@experiment("cs229_parameter_counts", "Parameter counts, shapes and multiple output neurons",
            section="6.1 Logistic Regression as a Neural Network; 6.3 Three-Layer Network Example")
def run(ctx: Context) -> Result:
    where1, where3 = "6.1 Parameter Count", "6.3 Three-Layer Network Example (parameter count)"
    bk = backends(ctx)
    logreg = _build(ctx, [IMAGE, 1])
    three = _build(ctx, [IMAGE, 3])
    c_log = {b: _count(m) for b, m in logreg.items()}
    c_three = {b: _count(m) for b, m in three.items()}
    claims = [claim("Cat Detection Problem", "numbers in a 64×64 RGB image", 12288, {b: IMAGE for b in bk}),
              claim(where1, "logistic regression parameters for a 64×64×3 image (12,288 weights + 1 bias)",
                    12289, c_log),
              claim("6.1 From One to Multiple Classes", "parameters of three sigmoid output neurons (3 × 12,289)",
                    36867, c_three)]
    rows = [["logistic regression, 64×64×3 input", "12288 → 1", 12289, *[c_log[b] for b in bk]],
            ["three output neurons", "12288 → 3", 36867, *[c_three[b] for b in bk]]]

    # The n → 3 → 2 → 1 network, for several n (the lecture's formula in n).
    layer_rows, totals = [], {}
    for n in ([2, 12288] if ctx.quick else [1, 2, 64, 12288]):
        net = _build(ctx, [n, 3, 2, 1])
        counts = {b: _layer_counts(m) for b, m in net.items()}
        totals[n] = {b: sum(c) for b, c in counts.items()}
        formula = [3 * n + 3, 2 * 3 + 2, 2 * 1 + 1]
        for i, label in enumerate(["layer 1: 3n + 3", "layer 2: 2·3 + 2 = 8", "layer 3: 2·1 + 1 = 3"]):
            layer_rows.append([n, label, formula[i], *[counts[b][i] for b in bk]])
        layer_rows.append([n, "total: 3n + 14", 3 * n + 14, *[totals[n][b] for b in bk]])
        claims.append(claim(where3, f"per-layer parameters [3n+3, 8, 3] at n = {n}", formula,
                            counts))
        claims.append(claim(where3, f"total parameters 3n + 14 at n = {n}", 3 * n + 14, totals[n]))
        # "Parameter count = edges + neurons (one bias per neuron)"
        edges = 3 * n + 2 * 3 + 1 * 2
        neurons = 3 + 2 + 1
        if n == 12288:
            claims.append(claim("6.1 Parameter Count (count trick)",
                                f"edges + neurons = {edges} + {neurons} for the n = {n} network",
                                edges + neurons, totals[n]))
            # Shapes of Z[1], Z[2], Z[3] for one example and for a batch of m = 5.
            for m_batch in (1, 5):
                X = np.random.default_rng(0).standard_normal((m_batch, n))
                shapes = {b: _shapes(model, X) for b, model in net.items()}
                claims.append(claim("6.3 Forward Propagation Equations / 6.4 Batched Forward Propagation",
                                    f"shapes of Z[1], Z[2], Z[3] (units × examples) for m = {m_batch}",
                                    [[3, m_batch], [2, m_batch], [1, m_batch]], shapes,
                                    note="the lecture's layout is (units, examples); the batch-first "
                                         "layout here gives the transposes (m, units)"))

    # "Most of the parameters are still in the input layer": the share of layer 1 on the lecture's networks.
    where_most = "6.3 Three-Layer Network Example (quote: 'Most of the parameters are still in the input layer')"
    image = _build(ctx, [IMAGE, 3, 2, 1])
    share = {b: _layer_counts(m)[0] / _count(m) for b, m in image.items()}
    claims.append(claim(where_most, f"n → 3 → 2 → 1 with the image's n = {IMAGE}: layer 1 holds most (> 1/2) of the "
                        "parameters (1 = yes)", 1, {b: int(v > 0.5) for b, v in share.items()},
                        note=f"layer 1 holds 3n + 3 = {3 * IMAGE + 3} of {3 * IMAGE + 14} ({share[bk[0]]:.2%}); "
                             "in general 3n + 3 > 11 needs n ≥ 3 — at n = 1 or 2 (6/17, 9/20) it is not most"))
    notebook = {"XOR 2-4-1": [2, 4, 1], "circles 2-8-1": [2, 8, 1], "digits 64-32-1": [64, 32, 1],
                "hidden-layer images 64-16-1": [64, 16, 1]}
    shares = {label: {b: _layer_counts(m)[0] / _count(m) for b, m in _build(ctx, sizes, "relu").items()}
              for label, sizes in notebook.items()}
    claims.append(claim(where_most, f"the notebook's NeuralNetwork models ({', '.join(notebook)}): layer 1 holds "
                        "most of the parameters in each (1 = yes)", [1] * len(notebook),
                        {b: [int(shares[l][b] > 0.5) for l in notebook] for b in bk},
                        note="layer-1 shares: " + ", ".join(f"{l} {shares[l][bk[0]]:.1%}" for l in notebook)))

    # Broadcasting: Z = W X + b with b (3×1) repeated m times.
    rng = np.random.default_rng(2)
    W, b, Xb = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((6, 4))
    lin = make_models(ctx, [4, 3], state={"0.weight": W, "0.bias": b})
    explicit = (W @ Xb.T + np.tile(b.reshape(3, 1), (1, 6))).T  # W X + [b, b, ..., b]
    bc = {k: predict(m, Xb) for k, m in lin.items()}
    claims.append(claim("6.4 Broadcasting in NumPy", "Z = W X + b equals W X + [b, b, …, b] (b repeated m "
                        "times), m = 6", explicit, bc, rtol=1e-12))

    # Multi-label (sigmoid) vs multi-class (softmax): sums of the three outputs.
    z = np.array([[3.0, 2.5, -1.0]])  # an image with a cat AND a lion
    identity = {"0.weight": np.eye(3), "0.bias": np.zeros(3)}
    sig = {k: float(predict(m, z).sum()) for k, m in make_models(ctx, [3, 3], output="sigmoid", state=identity).items()}
    soft = {k: float(predict(m, z).sum()) for k, m in make_models(ctx, [3, 3], output="softmax", state=identity).items()}
    claims.append(claim("6.1 Key insight: Multi-label vs Multi-class",
                        "softmax outputs sum to 1 (multi-class constraint), logits (3, 2.5, −1)", 1.0,
                        soft, decimals=12))
    claims.append(claim("Summary §3 From Logistic Regression to Deep Networks",
                        "'Multi-class (sigmoid)': sigmoid outputs would need to sum to 1, logits (3, 2.5, −1)",
                        1.0, sig, decimals=12,
                        note=f"the summary swaps the labels: sigmoid outputs are independent (here they sum "
                             f"to {next(iter(sig.values())):.4f}, cat AND lion both > 0.9) — that is multi-label; "
                             "softmax is the multi-class one, as §6.1 itself says"))

    steps = 5 if ctx.quick else 50
    indep = _independent_neurons(ctx, steps)
    claims.append(claim("6.1 From One to Multiple Classes (quote)",
                        f"three sigmoid neurons trained together vs apart ({steps} GD steps, 12,288 inputs): "
                        "max relative weight difference (0 at 10 decimals)", 0.0, indep, decimals=10,
                        note="with the three costs added (J = Σ_k J_k); torch's BCE mean over m·3 entries "
                             "is J/3, i.e. the same as a learning rate divided by 3"))
    gaps = {}
    return Result(
        summary=("Every parameter count the lecture states comes out of both libraries: 12,289 for logistic "
                 "regression on a 64×64×3 image, 36,867 for three output neurons, and 3n+3 / 8 / 3 = 3n+14 for "
                 "the n-3-2-1 network. Shapes, broadcasting and the independence of the three sigmoid neurons "
                 "check out too. One statement differs: the summary labels sigmoid outputs 'multi-class' and "
                 "softmax 'multi-label' — the reverse of §6.1 and of what the outputs do."),
        tables=[Table("Parameter counts", ["model", "layers", "lecture", *bk], rows),
                Table("The n → 3 → 2 → 1 network", ["n", "layer", "lecture's formula", *bk], layer_rows),
                Table("Sum of the three outputs for logits (3, 2.5, −1)", ["output", *bk],
                      [["sigmoid (multi-label)", *[f"{sig[b]:.4f}" for b in bk]],
                       ["softmax (multi-class)", *[f"{soft[b]:.4f}" for b in bk]]]),
                Table("Three neurons trained together vs apart", ["backend", "max relative weight gap"],
                      [[b, f"{indep[b]:.2e}"] for b in bk])],
        figures=[],
        numbers={"logistic_regression": c_log, "three_outputs": c_three,
                 "n_3_2_1_totals": {str(k): v for k, v in totals.items()}, "independent_neurons_gap": indep,
                 "sigmoid_sum": sig, "softmax_sum": soft},
        backend_gap=gaps, claims=claims)
