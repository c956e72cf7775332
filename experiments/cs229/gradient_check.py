"""CS229 §6.7 "Gradient Checking": dJ/dθ ≈ (J(θ + ε) − J(θ − ε)) / 2ε.

The lecture's ``gradient_check`` (ε = 1e-7) compares backprop with central
differences on ``NeuralNetwork(2, 3)`` (the notebook's seed-42 draw for
``nn_check``) and the first two XOR points, looking at the first 10 entries
of each parameter and only where the numerical gradient is non-zero. It is
run here as written on the lecture's code and, with each backend computing J
and the analytical gradient (scratchnet: explicit backprop, torch: autograd),
on both backends.

What comes out: the first XOR point is x = (0, 0), so Z1 = b1 = 0 exactly —
every hidden unit sits on ReLU's kink, where J is not differentiable in b1:
the one-sided slopes differ, central differences average them, and
backprop (ReLU'(0) = 0, in the lecture's code and in torch) takes one side.
The check prints "b1: FAIL" although backprop is right. Just off the kink
(b1 = 0.01) every entry passes.

Then ``scratchnet.gradcheck`` checks *every* entry of every parameter and of
the input (the lecture's check sees 10 of W1's 2048 entries in the digits
network) and ``torch.autograd.gradcheck`` gives torch's own verdict.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import DTYPE, backends, gradients, loss_and_backward, loss_value, make_models, pair_gap, state_dict
from .lecture import (claim, digits_binary, experiment, gradient_descent_costs, lecture_draws, lecture_models,
                      notebook_network, xor_data)

NAMES = {"W1": "0.weight", "b1": "0.bias", "W2": "2.weight", "b2": "2.bias"}


def _cost_and_grads(backend, model, X, Y):
    """J (BCE of the logit model) and {name: dJ/dθ} from backprop or autograd."""
    J = loss_and_backward(backend, model, "bce_with_logits", X, Y)
    grads = gradients(model)
    return J, {k: grads[v] for k, v in NAMES.items()}


def lecture_gradient_check(cost, params: dict, grads: dict, epsilon=1e-7, limit=10) -> dict:
    """The lecture's ``gradient_check``, generic in where J comes from.

    ``params``: name -> NumPy array *viewing* the model's parameter (perturbed
    in place); ``cost()``: J at the current parameters. Returns name ->
    (relative difference over the masked entries, entries compared)."""
    out = {}
    for name, param in params.items():
        num = np.zeros_like(param)
        flat = param.reshape(-1)
        for i in range(min(limit, flat.size)):  # "Check only first 10 for speed"
            old = flat[i]
            flat[i] = old + epsilon
            plus = cost()
            flat[i] = old - epsilon
            minus = cost()
            flat[i] = old
            num.reshape(-1)[i] = (plus - minus) / (2 * epsilon)
        mask = num != 0
        a, n = grads[name][mask], num[mask]
        diff = float(np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))) if mask.any() else None
        out[name] = (diff, int(mask.sum()))
    return out


def _views(backend, model) -> dict:
    """NumPy arrays that *share memory* with the parameters (the finite differences perturb
    them in place): a deliberate view, not the copy :func:`to_numpy` makes."""
    params = dict(model.named_parameters())
    if backend == "torch":
        return {k: params[v].data.numpy() for k, v in NAMES.items()}  # shares memory with the tensor
    return {k: params[v].data for k, v in NAMES.items()}


def _run_lecture_check(backend, model, X, Y) -> tuple[dict, dict]:
    """The lecture's check on one backend's model, and the backprop/autograd gradients it checked."""
    _, grads = _cost_and_grads(backend, model, X, Y)
    return lecture_gradient_check(lambda: loss_value(backend, model, "bce_with_logits", X, Y),
                                  _views(backend, model), grads), grads


def _torch_gradcheck(model, X, Y) -> bool:
    """torch.autograd.gradcheck of J(W1, b1, W2, b2) at the model's parameters."""
    xt, yt = torch.as_tensor(X), torch.as_tensor(Y)
    params = [p.detach().clone().requires_grad_(True) for p in model.parameters()]

    def J(W1, b1, W2, b2):
        h = torch.relu(xt @ W1.T + b1)
        return torch.nn.functional.binary_cross_entropy_with_logits(h @ W2.T + b2, yt)

    return bool(torch.autograd.gradcheck(J, params, raise_exception=False))


def _fmt(diff):
    d, n = diff
    return "— (all numerical entries 0)" if d is None else f"{d:.2e} {'PASS' if d < 1e-5 else 'FAIL'} ({n} entries)"


@experiment("cs229_gradient_check", "Gradient checking: the lecture's check, every entry, and autograd",
            section="6.7 Gradient Checking")
def run(ctx: Context) -> Result:
    # Finite differences perturb parameters in place through NumPy views: torch runs on the CPU here.
    ctx = dataclasses.replace(ctx, device="cpu")
    bk = backends(ctx)
    W1, W2 = lecture_draws()["gradient_check"]
    X, Y = xor_data()
    Xs, Ys = X[:2], Y[:2]  # X_xor[:, :2]: the points (0, 0) and (0, 1)
    claims, tables, gaps, numbers = [], [], {}, {}

    for label in ("lecture's point (b1 = 0: on ReLU's kink)", "b1 = 0.01 (just off the kink)"):
        models = lecture_models(ctx, W1, W2)
        ref = notebook_network(W1, W2, 0.01)
        if label.startswith("b1"):
            ref.b1[:] = 0.01
            for b, m in models.items():
                _views(b, m)["b1"][:] = 0.01
        runs = {b: _run_lecture_check(b, m, Xs, Ys) for b, m in models.items()}
        checks = {b: check for b, (check, _) in runs.items()}
        checks["lecture code"] = _lecture_code_check_net(ref, Xs, Ys)
        # scratchnet.gradcheck of the scratchnet model, or of a copy of torch's (torch only), as the digits part.
        full = sn.gradcheck(models["scratchnet"] if "scratchnet" in models else _scratch_copy(models["torch"]), Xs,
                            loss_fn=sn.nn.BCEWithLogitsLoss(), target=Ys, raise_exception=False)
        tgc = {b: _torch_gradcheck(m, Xs, Ys) for b, m in models.items() if b == "torch"}
        rows = []
        for name in NAMES:
            entry = next((e for e in full.entries if e.name == NAMES[name]), None)
            rows.append([name, *[_fmt(checks[k][name]) for k in checks],
                         "—" if entry is None else f"{entry.max_abs_diff:.2e} {'ok' if entry.passed else 'FAIL'}"])
        rows.append(["torch.autograd.gradcheck (all entries)", *[""] * len(checks),
                     "—" if not tgc else ("passes" if tgc["torch"] else "fails")])
        tables.append(Table(f"Gradient check, {label}",
                            ["parameter", *[f"lecture's check ({k})" for k in checks],
                             "scratchnet.gradcheck, every entry: max |a − n|"], rows))
        key = "kink" if label.startswith("lecture") else "off_kink"
        numbers[key] = {k: {n: v[0] for n, v in c.items()} for k, c in checks.items()}
        numbers[key]["scratchnet.gradcheck passed"] = bool(full.passed)
        numbers[key]["torch.autograd.gradcheck passed"] = tgc.get("torch")
        for name in NAMES:  # the gradients the lecture's check was given
            gaps[f"{key}: d{name} backprop vs autograd"] = pair_gap({b: grads[name] for b, (_, grads) in runs.items()})
        if key == "kink":
            for name in NAMES:
                vals = {b: int(checks[b][name][0] is not None and checks[b][name][0] < 1e-5) for b in bk}
                claims.append(claim("6.7 Test gradient checking (NeuralNetwork(2, 3), X_xor[:, :2])",
                                    f"gradient_check verdict for {name} (1 = '✓ PASS': difference < 1e-5)", 1,
                                    vals,
                                    note=(f"difference {checks['lecture code'][name][0]:.2e} in the lecture's own "
                                          "code" + (": the point x = (0, 0) puts Z1 = b1 = 0 on ReLU's kink, "
                                                    "where J has no derivative in b1; backprop (ReLU'(0) = 0, as "
                                                    "torch) is right, the finite difference averages two slopes; "
                                                    "off the kink it passes" if name == "b1" else ""))))

    claims += _formula_claims(ctx, bk)

    # Every entry of a bigger network: the lecture's check sees 10 of W1's 2048 weights.
    D = digits_binary()
    W1d, W2d = lecture_draws()["digits"]
    dig = lecture_models(ctx, W1d, W2d)
    gradient_descent_costs(dig, D["X_train"], D["y_train"], epochs=5, lr=0.1)  # off the initial point
    n_pts = 8 if ctx.quick else 24
    Xd, Yd = D["X_train"][:n_pts], D["y_train"][:n_pts]
    model = dig["scratchnet"] if "scratchnet" in dig else _scratch_copy(dig["torch"])
    report = sn.gradcheck(model, Xd, loss_fn=sn.nn.BCEWithLogitsLoss(), target=Yd, raise_exception=False)
    big_rows = [[e.name, str(e.shape), int(np.prod(e.shape)), min(10, int(np.prod(e.shape))),
                 f"{e.max_abs_diff:.2e}", "ok" if e.passed else "FAIL"] for e in report.entries]
    # torch's own gradcheck of the 2,113 parameters takes ~1 s: full mode only.
    tgc_big = _torch_gradcheck(dig["torch"], Xd, Yd) if "torch" in dig and not ctx.quick else None
    tables.append(Table(f"scratchnet.gradcheck on the digits net (64-32-1, {n_pts} examples): every entry",
                        ["tensor", "shape", "entries checked", "entries the lecture's check sees",
                         "max |analytical − numerical|", "verdict"], big_rows))
    numbers["digits_gradcheck_passed"] = bool(report.passed)
    numbers["digits_torch_gradcheck_passed"] = tgc_big
    dig_grads = {b: _cost_and_grads(b, m, Xd, Yd)[1] for b, m in dig.items()}
    for name in NAMES:
        gaps[f"digits net: d{name} backprop vs autograd"] = pair_gap({b: g[name] for b, g in dig_grads.items()})
    sn_ok = int(report.passed) if "scratchnet" in dig else None
    t_ok = None if tgc_big is None else int(tgc_big)
    if sn_ok is not None or t_ok is not None:
        claims.append(claim("6.7 Gradient Checking (formula)",
                            "central differences agree with backprop on every entry of the digits net "
                            "(1 = scratchnet.gradcheck / torch.autograd.gradcheck pass)", 1,
                            {b: v for b, v in (("scratchnet", sn_ok), ("torch", t_ok)) if v is not None}))
    return Result(
        summary=("The lecture's own gradient check, run as written, prints FAIL for b1 (difference "
                 f"{numbers['kink']['lecture code']['b1']:.2f}) — not because backprop is wrong but because its "
                 "test point x = (0, 0) puts every hidden unit exactly on ReLU's kink (Z1 = b1 = 0). scratchnet's "
                 "backprop and torch's autograd agree there (both take ReLU'(0) = 0) and the finite difference "
                 "disagrees with both; with b1 = 0.01, just off the kink, everything passes. scratchnet.gradcheck then "
                 "checks every entry of the digits network (2,113 parameters and the input), where the lecture "
                 "would look at 10 of W1's 2,048 weights."),
        tables=tables, figures=[], numbers=numbers, backend_gap=gaps, claims=claims)


def _lecture_code_check_net(net, X, Y):
    net.forward(X.T)
    grads = net.backward(Y.T)

    def cost():
        net.forward(X.T)
        return net.compute_cost(Y.T)

    return lecture_gradient_check(cost, {k: getattr(net, k) for k in NAMES}, {k: grads["d" + k] for k in NAMES})


def _scratch_copy(torch_model):
    """A scratchnet copy of a torch lecture model (for scratchnet.gradcheck when only torch runs)."""
    state = state_dict(torch_model)
    model = sn.models.mlp([state["0.weight"].shape[1], state["0.weight"].shape[0], 1], "relu", dtype=DTYPE)
    model.load_state_dict(state)
    return model


def _formula_claims(ctx, bk) -> list[dict]:
    """The lecture's formulas, checked against scratchnet's backprop and torch's autograd.

    * §6.3 ``compute_cost`` and ``backward`` (dZ2 = A2 − Y, dW2 = (1/m) dZ2 A1ᵀ,
      db2 = (1/m) Σ dZ2, dA1 = W2ᵀ dZ2, dZ1 = dA1 * ReLU'(Z1), dW1 = (1/m) dZ1 Xᵀ,
      db1 = (1/m) Σ dZ1) on the XOR network at its seed-42 start, all four points;
    * §6.6's chain rule on the n → 3 → 2 → 1 sigmoid network (n = 4):
      dJ/dW[3] = dJ/dA[3] · dA[3]/dZ[3] · dZ[3]/dW[3], then reusing dJ/dZ[3] for
      W[2] and dJ/dZ[2] for W[1], written out by hand in the lecture's layout.
    """
    claims = []
    X, Y = xor_data()
    W1, W2 = lecture_draws()["xor"]
    net = notebook_network(W1, W2, 0.5)
    net.forward(X.T)
    cost = net.compute_cost(Y.T)
    grads = net.backward(Y.T)
    models = lecture_models(ctx, W1, W2)
    got = {b: _cost_and_grads(b, m, X, Y) for b, m in models.items()}
    where = "6.3 NeuralNetwork.compute_cost / backward (XOR, seed-42 start)"
    claims.append(claim(where, "cost J = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)]", float(cost),
                        {b: g[0] for b, g in got.items()}, rtol=1e-12,
                        note="both backends: BCEWithLogitsLoss on the logit Z2"))
    for name in NAMES:
        claims.append(claim(where, f"d{name} from the lecture's backward formulas", grads["d" + name],
                            {b: g[1][name].reshape(grads["d" + name].shape) for b, g in got.items()},
                            rtol=1e-12))

    # The chain rule through the n-3-2-1 sigmoid network, by hand (columns = examples).
    rng = np.random.default_rng(3)
    n, m = 4, 5
    Xc = rng.standard_normal((n, m))
    Yc = (rng.random((1, m)) < 0.5).astype(float)
    Ws = [rng.standard_normal((3, n)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
    bs = [rng.standard_normal((3, 1)), rng.standard_normal((2, 1)), rng.standard_normal((1, 1))]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    A = [Xc]
    for W, b in zip(Ws, bs):
        A.append(sig(W @ A[-1] + b))
    A3 = A[3]
    dJ_dA3 = -(Yc / A3 - (1 - Yc) / (1 - A3)) / m          # ∂J/∂A[3]
    dZ = dJ_dA3 * A3 * (1 - A3)                              # · ∂A[3]/∂Z[3]
    hand = {}
    for layer in (3, 2, 1):
        hand[layer] = dZ @ A[layer - 1].T                     # · ∂Z[l]/∂W[l] = A[l−1]ᵀ
        if layer > 1:
            dZ = (Ws[layer - 1].T @ dZ) * A[layer - 1] * (1 - A[layer - 1])  # reuse dJ/dZ[l]
    state = {"0.weight": Ws[0], "0.bias": bs[0].ravel(), "2.weight": Ws[1], "2.bias": bs[1].ravel(),
             "4.weight": Ws[2], "4.bias": bs[2].ravel()}
    chain = make_models(ctx, [n, 3, 2, 1], "sigmoid", "sigmoid", state=state)
    auto = {}
    for b, model in chain.items():
        loss_and_backward(b, model, "bce", Xc.T, Yc.T)
        auto[b] = gradients(model)
    for layer in (3, 2, 1):
        key = f"{2 * (layer - 1)}.weight"
        claims.append(claim("6.6 Backward Propagation: The Chain Rule (n-3-2-1 sigmoid network, n = 4)",
                            f"∂J/∂W[{layer}] by the lecture's chain-rule decomposition, reusing ∂J/∂Z[{layer + 1}]"
                            if layer < 3 else "∂J/∂W[3] = ∂J/∂A[3] · ∂A[3]/∂Z[3] · ∂Z[3]/∂W[3]",
                            hand[layer], {b: g[key] for b, g in auto.items()}, rtol=1e-10,
                            note="scratchnet: explicit backprop; torch: autograd (BCELoss on a sigmoid output)"))
    return claims
