"""ICDSS lecture 4: the slides' gradient formulas, checked numerically.

Every derivative the slides state is evaluated on a small data set and
compared with the true gradient, computed three ways: scratchnet's explicit
backpropagation, PyTorch's autograd and central finite differences.

The slides' formulas for d(MSE)/dw and dJ/dw_i put the example-dependent
factors (x, and A(1 − A) for logistic regression) outside the sum over the
examples, e.g. d(MSE)/dw = −(2/m) x Σ (y_i − ŷ_i). With one example that is
right; with m > 1 no single x makes it the gradient (unless all x_i are
equal). They are evaluated here reading the x (and A) outside the sum as the
mean over the examples, and with m = 1; the right formulas are

    d(MSE)/dw_j = −(2/m) Σ_i x_ij (y_i − ŷ_i)      d(MSE)/db = −(2/m) Σ_i (y_i − ŷ_i)
    dJ/dw_j     =  (1/m) Σ_i x_ij (ŷ_i − y_i)      dJ/db     =  (1/m) Σ_i (ŷ_i − y_i)   (sigmoid + cross-entropy)
"""

from __future__ import annotations

import numpy as np
import torch

import scratchnet as sn

from ..base import Context, Result, Table
from ..common import DTYPE, activation_and_derivative, backends, gap, output_gradients, tensor, to_numpy
from .lecture import claim, experiment

WHERE_LIN = "Linear Regression (Single/Multiple Features): derivatives of MSE"
WHERE_LOG = "Logistic Regression: derivatives of J (cross-entropy)"
RTOL = 1e-8  # a formula is right if it matches the true gradient to ~1e-8 (float64 backprop agrees to ~1e-15)


def neuron_gradients(backend: str, X, y, w, b, logistic: bool, device: str = "cpu") -> dict:
    """J, dJ/dŷ, dA/dZ (logistic), dJ/dw, dJ/db of a one-neuron network on one backend."""
    X = np.asarray(X, DTYPE)
    Y = np.asarray(y, DTYPE).reshape(-1, 1)
    act, loss = ("sigmoid", "bce") if logistic else ("identity", "mse")
    if backend == "scratchnet":
        layer = sn.nn.Linear(X.shape[1], 1, dtype=DTYPE)
        layer.load_state_dict({"weight": np.reshape(w, (1, -1)), "bias": np.array([b])})
        z = layer(X)
        J, dy_hat, dz = output_gradients(backend, act, loss, z, Y)
        layer.backward(dz)
        grad_w, grad_b = layer.weight.grad.ravel().copy(), float(layer.bias.grad[0])
    else:
        layer = torch.nn.Linear(X.shape[1], 1).to(device=device, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(np.reshape(w, (1, -1))))
            layer.bias.copy_(torch.tensor([b], dtype=torch.float64))
        z = layer(tensor(X, device=device))
        J, dy_hat, _ = output_gradients(backend, act, loss, z, Y)   # autograd reaches the layer's .grad
        grad_w, grad_b = to_numpy(layer.weight.grad).ravel(), layer.bias.grad.item()
    dA_dZ = activation_and_derivative(backend, act, to_numpy(z), device=device)[1]  # g'(z): backward of ones
    return {"J": J, "dJ/dy_hat": dy_hat.ravel(), "dA/dZ": dA_dZ.ravel(), "dJ/dw": grad_w, "dJ/db": grad_b}


def linear_partials(backend: str, x: float, w: float, b: float, device: str = "cpu") -> list[float]:
    """[dŷ/dZ, dZ/dw, dZ/db] of the linear-regression neuron ŷ = Z = wx + b at one example, from
    the backend's modules (Identity's derivative, Linear's backward of ones)."""
    dyhat_dz = float(activation_and_derivative(backend, "identity", np.array([w * x + b]), device=device)[1][0])
    if backend == "scratchnet":
        layer = sn.nn.Linear(1, 1, dtype=DTYPE)
        layer.load_state_dict({"weight": np.array([[w]]), "bias": np.array([b])})
        layer.backward(np.ones_like(layer(np.array([[x]], dtype=DTYPE))))
        return [dyhat_dz, float(layer.weight.grad[0, 0]), float(layer.bias.grad[0])]
    layer = torch.nn.Linear(1, 1).to(device=device, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(w)
        layer.bias.fill_(b)
    layer(tensor([[x]], device=device)).sum().backward()
    return [dyhat_dz, layer.weight.grad.item(), layer.bias.grad.item()]


def loss_np(X, y, w, b, logistic: bool) -> float:
    """J in NumPy, as the slides write it (for finite differences)."""
    y_hat = X @ np.asarray(w) + b
    if logistic:
        y_hat = 1 / (1 + np.exp(-y_hat))
        return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
    return float(np.mean((y - y_hat) ** 2))


def finite_differences(X, y, w, b, logistic: bool, eps: float = 1e-6):
    """Central differences (J(θ + ε) − J(θ − ε)) / 2ε for every w_j and b."""
    w = np.asarray(w, dtype=float)
    dw = np.array([(loss_np(X, y, w + eps * e, b, logistic) - loss_np(X, y, w - eps * e, b, logistic)) / (2 * eps)
                   for e in np.eye(len(w))])
    db = (loss_np(X, y, w, b + eps, logistic) - loss_np(X, y, w, b - eps, logistic)) / (2 * eps)
    return dw, db


def slide_formulas(X, y, w, b, logistic: bool) -> dict:
    """The slides' formulas as written, with the factors outside the sum read as means."""
    m = len(y)
    z = X @ w + b
    if not logistic:
        s = np.sum(y - z)
        return {"dMSE/dy_hat (summed)": -(2 / m) * s,
                "dMSE/dw": -(2 / m) * X.mean(axis=0) * s,
                "dMSE/db": -(2 / m) * s}
    A = 1 / (1 + np.exp(-z))
    s = np.sum(y / A - (1 - y) / (1 - A))
    return {"dL/dy_hat_i": y / A - (1 - y) / (1 - A),
            "dJ/dy_hat (summed)": -(1 / m) * s,
            "dA/dZ": A * (1 - A),
            "dJ/dw": -(1 / m) * np.mean(A * (1 - A)) * X.mean(axis=0) * s,
            "dJ/db": -(1 / m) * np.mean(A * (1 - A)) * s}


def correct_formulas(X, y, w, b, logistic: bool) -> dict:
    m = len(y)
    z = X @ w + b
    if not logistic:
        return {"dw": -(2 / m) * X.T @ (y - z), "db": -(2 / m) * np.sum(y - z)}
    A = 1 / (1 + np.exp(-z))
    return {"dw": (1 / m) * X.T @ (A - y), "db": (1 / m) * np.sum(A - y)}


@experiment("icdss_gradient_formulas", "The slides' gradient formulas, checked against backprop, autograd and "
            "finite differences", section="Linear and Logistic Regression as a NN: backpropagation")
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    rng = np.random.default_rng(7)
    m = 6
    X1 = rng.uniform(0.5, 2.5, size=(m, 1))
    y_lin = 1.5 * X1[:, 0] + 0.5 + rng.normal(0, 0.3, m)
    X3 = rng.normal(size=(m, 3))
    y_lin3 = X3 @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(0, 0.3, m)
    y_log = (X3 @ np.array([1.0, -1.0, 0.5]) + rng.normal(0, 0.5, m) > 0).astype(float)
    w1, b1 = np.array([0.4]), 0.1
    w3, b3 = np.array([0.2, -0.3, 0.1]), -0.1

    cases = {  # name: (X, y, w, b, logistic)
        "linear, 1 feature, m = 6": (X1, y_lin, w1, b1, False),
        "linear, 1 feature, m = 1": (X1[:1], y_lin[:1], w1, b1, False),
        "linear, 3 features, m = 6": (X3, y_lin3, w3, b3, False),
        "logistic, 3 features, m = 6": (X3, y_log, w3, b3, True),
        "logistic, 3 features, m = 1": (X3[:1], y_log[:1], w3, b3, True),
    }
    true, slides, right, fd = {}, {}, {}, {}
    for name, (X, y, w, b, logistic) in cases.items():
        true[name] = {bk: neuron_gradients(bk, X, y, w, b, logistic, ctx.device) for bk in run_on}
        slides[name] = slide_formulas(X, y, w, b, logistic)
        right[name] = correct_formulas(X, y, w, b, logistic)
        fd[name] = finite_differences(X, y, w, b, logistic)

    def vals(name, key):
        return {bk: true[name][bk][key] for bk in run_on}

    claims, rows = [], []

    def add(where, quantity, case, slide_value, key, note_right):
        t = vals(case, key)
        fdv = fd[case][0] if key == "dJ/dw" else fd[case][1] if key == "dJ/db" else None
        note = note_right
        if fdv is not None:
            note += f" Finite differences give {np.round(fdv, 10).tolist()}."
        rec = claim(where, f"{quantity} [{case}]", slide_value, t, note=note.strip(), rtol=RTOL)
        claims.append(rec)
        first = next(iter(t.values()))
        rows.append([case, quantity, np.round(np.asarray(slide_value, float), 8).tolist(),
                     np.round(np.asarray(first, float), 8).tolist(),
                     None if fdv is None else np.round(np.asarray(fdv, float), 8).tolist(),
                     "✅" if rec["verdict"] == "reproduced" else "❌"])

    lin_w = "d(MSE)/dw = −(2/m) x Σ (y_i − ŷ_i)  (x outside the sum, read as x̄)"
    for case in ("linear, 1 feature, m = 6", "linear, 1 feature, m = 1"):
        c = right[case]
        add(WHERE_LIN, lin_w, case, slides[case]["dMSE/dw"], "dJ/dw",
            "Right formula: d(MSE)/dw = −(2/m) Σ x_i (y_i − ŷ_i) = "
            f"{np.round(c['dw'], 10).tolist()}." if case.endswith("6") else
            "With one example the x outside the sum is that example's x, and the formula is right.")
        add(WHERE_LIN, "d(MSE)/db = −(2/m) Σ (y_i − ŷ_i)", case, slides[case]["dMSE/db"], "dJ/db", "")
    case = "linear, 1 feature, m = 6"
    add(WHERE_LIN, "d(MSE)/dŷ = −(2/m) Σ (y_i − ŷ_i)  (one number for all examples)", case,
        slides[case]["dMSE/dy_hat (summed)"], "dJ/dy_hat",
        "The gradient with respect to the predictions has one entry per example, −(2/m)(y_i − ŷ_i); the "
        "slide's sum of them is d(MSE)/db (the derivative for a shift of every ŷ_i at once). Carried into the "
        "chain rule, it is what puts x outside the sum in d(MSE)/dw.")
    case = "linear, 3 features, m = 6"
    add(WHERE_LIN, "d(MSE)/dw_i = −(2/m) x_i Σ_k (y_k − ŷ_k)  (x_i outside the sum, read as feature i's mean)", case,
        slides[case]["dMSE/dw"], "dJ/dw",
        f"Right formula: d(MSE)/dw_i = −(2/m) Σ_k x_ki (y_k − ŷ_k) = {np.round(right[case]['dw'], 10).tolist()}.")
    add(WHERE_LIN, "d(MSE)/db = −(2/m) Σ_k (y_k − ŷ_k)", case, slides[case]["dMSE/db"], "dJ/db", "")

    case = "logistic, 3 features, m = 6"
    add(WHERE_LOG, "dJ/dŷ_i = −(1/m) [y_i/ŷ_i − (1 − y_i)/(1 − ŷ_i)]  (from d L(y_i, ŷ_i)/dŷ)", case,
        -(1 / 6) * slides[case]["dL/dy_hat_i"], "dJ/dy_hat", "")
    add(WHERE_LOG, "dJ/dŷ = −(1/m) Σ_i [y_i/ŷ_i − (1 − y_i)/(1 − ŷ_i)]  (one number for all examples)", case,
        slides[case]["dJ/dy_hat (summed)"], "dJ/dy_hat",
        "One entry per example, −(1/m)[y_i/ŷ_i − (1 − y_i)/(1 − ŷ_i)]; the slide sums them.")
    add(WHERE_LOG, "dA/dZ = A(1 − A)", case, slides[case]["dA/dZ"], "dA/dZ", "")
    for case in ("logistic, 3 features, m = 6", "logistic, 3 features, m = 1"):
        c = right[case]
        six = case.endswith("6")
        add(WHERE_LOG, "dJ/dw_i = −(1/m) A(1 − A) x_i Σ_k [y_k/ŷ_k − (1 − y_k)/(1 − ŷ_k)]  (A, x_i read as means)",
            case, slides[case]["dJ/dw"], "dJ/dw",
            ("Right formula: dJ/dw_i = (1/m) Σ_k x_ki (ŷ_k − y_k) — A_k(1 − A_k) cancels inside each term — = "
             f"{np.round(c['dw'], 10).tolist()}.") if six else
            "With one example the factors outside the sum are that example's, and A(1 − A)·[y/A − (1 − y)/(1 − A)] "
            "= y − A: the formula is right.")
        add(WHERE_LOG, "dJ/db = −(1/m) A(1 − A) Σ_k [y_k/ŷ_k − (1 − y_k)/(1 − ŷ_k)]  (A read as its mean)", case,
            slides[case]["dJ/db"], "dJ/db",
            f"Right formula: dJ/db = (1/m) Σ_k (ŷ_k − y_k) = {c['db']:.10f}." if six else "Right for one example.")

    # Slide slips that the records above do not reach.
    case = "linear, 1 feature, m = 1"
    x0 = float(X1[0, 0])
    claims.append(claim(
        WHERE_LIN, "'dZ/dŷ = 1; dŷ/dw = x; dŷ/db = 1' — the fractions upside down: the chain rule "
        "needs [dŷ/dZ, dZ/dw, dZ/db] (m = 1)", [1.0, x0, 1.0],
        {bk: linear_partials(bk, x0, float(w1[0]), b1, ctx.device) for bk in run_on}, rtol=RTOL,
        note="the slide writes dZ/dŷ, dŷ/dw and dŷ/db where its own chain rule d(MSE)/dw = d(MSE)/dŷ · dŷ/dZ · dZ/dw "
             "uses dŷ/dZ, dZ/dw and dZ/db. Because ŷ = Z in linear regression the values 1, x, 1 are right either "
             "way: a notation slip with no numeric consequence here (with an activation g, dŷ/dw would be g'(Z)·x, "
             "not x), so the verdict is the values'"))
    case = "logistic, 3 features, m = 6"
    A6 = 1 / (1 + np.exp(-(X3 @ w3 + b3)))
    claims.append(claim(
        WHERE_LOG, "dŷ/dA = 1 (ŷ = A: the prediction is the activation) [logistic, 3 features, m = 6]",
        np.ones(m), {bk: activation_and_derivative(bk, "identity", A6, device=ctx.device)[1] for bk in run_on},
        rtol=RTOL, note="the identity's derivative at A, from each backend's nn.Identity"))
    dmse_db = float(np.mean(2 * (A6 - y_log) * A6 * (1 - A6)))
    claims.append(claim(
        WHERE_LOG, "the logistic update 'b → b − α d(MSE)/db' (and the summary's 'd(MSE)/db = …'): "
        "d(MSE)/db of the sigmoid neuron vs the dJ/db the update needs [logistic, 3 features, m = 6]",
        dmse_db, vals(case, "dJ/db"), rtol=RTOL,
        note=f"logistic regression minimises the cross-entropy J, so the update needs dJ/db = (1/m) Σ (ŷ_k − y_k) = "
             f"{right[case]['db']:.10f}; d(MSE)/db of the same sigmoid outputs, (2/m) Σ (ŷ_k − y_k) ŷ_k(1 − ŷ_k), is "
             f"{dmse_db:.10f} — a copy-paste of the linear-regression slide (the weight update on the same slide "
             "uses dW of J)"))

    # The definitions the slides state: the two losses and the four activations, against the modules.
    z = np.linspace(-6, 6, 121)
    beta = 0.01  # Leaky ReLU's β (the slides leave it as a hyperparameter; 0.01 is torch's default)
    definitions = {
        "MSE = (1/m) Σ (y_i − ŷ_i)²": ("mse", np.mean((y_lin - (X1 @ w1 + b1)) ** 2)),
        "J = −(1/m) Σ [y_i log ŷ_i + (1 − y_i) log(1 − ŷ_i)]": (
            "bce", -np.mean(y_log * np.log(A6) + (1 - y_log) * np.log(1 - A6))),
        "g(Z) = 1 / (1 + e^(−Z))": ("sigmoid", 1 / (1 + np.exp(-z))),
        "g(Z) = tanh(Z) = (e^Z − e^(−Z)) / (e^Z + e^(−Z))": ("tanh", (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))),
        "ReLU: g(Z) = Z if Z ≥ 0, 0 if Z < 0": ("relu", np.where(z >= 0, z, 0.0)),
        "Leaky ReLU: g(Z) = Z if Z ≥ 0, βZ if Z < 0 (β = 0.01)": ("leaky_relu", np.where(z >= 0, z, beta * z)),
    }

    for formula, (kind, value) in definitions.items():
        if kind == "mse":
            got = {bk: true["linear, 1 feature, m = 6"][bk]["J"] for bk in run_on}
        elif kind == "bce":
            got = {bk: true["logistic, 3 features, m = 6"][bk]["J"] for bk in run_on}
        else:
            got = {bk: activation_and_derivative(bk, kind, z, device=ctx.device)[0] for bk in run_on}
        where = "Activation Functions" if kind not in ("mse", "bce") else (
            WHERE_LIN if kind == "mse" else WHERE_LOG)
        rec = claim(where, f"definition: {formula}", value, got, rtol=RTOL,
                    note=("evaluated on z ∈ [−6, 6] against the module's forward"
                          if kind not in ("mse", "bce") else "against the loss module's value"))
        claims.append(rec)
        first = np.asarray(next(iter(got.values())), float)
        rows.append(["definition", formula, "—" if first.size > 1 else round(float(value), 8),
                     "—" if first.size > 1 else round(float(first), 8), None,
                     "✅" if rec["verdict"] == "reproduced" else "❌"])

    backend_gap = {}
    if len(run_on) == 2:
        for name in cases:
            for key in ("dJ/dw", "dJ/db", "dJ/dy_hat"):
                backend_gap[f"{key} [{name}]"] = gap(true[name]["scratchnet"][key], true[name]["torch"][key])
    fd_gap = max(gap(np.append(true[n][run_on[0]]["dJ/dw"], true[n][run_on[0]]["dJ/db"]),
                     np.append(fd[n][0], fd[n][1])) for n in cases)
    counts = {v: sum(c["verdict"] == v for c in claims) for v in ("reproduced", "differs")}
    return Result(
        summary=("The slides' loss and activation definitions match the library modules (nn.MSELoss, nn.BCELoss, "
                 "Sigmoid, Tanh, ReLU, LeakyReLU) on both backends. "
                 "Each derivative on the slides, evaluated on small data sets and compared with the true gradient "
                 f"(scratchnet's backprop and PyTorch's autograd agree to float64 rounding; finite differences agree "
                 f"with them to {fd_gap:.0e}). {counts['reproduced']} formulas (definitions included) hold and {counts['differs']} do not. "
                 "The chain-rule factors are right (dA/dZ = A(1 − A), dL/dŷ_i, d(MSE)/db), but the slides sum "
                 "dJ/dŷ over the examples before multiplying by the per-example factors, which puts x (and "
                 "A(1 − A)) outside the sum in d(MSE)/dw and dJ/dw_i. Those formulas are right for one example "
                 "and wrong for a batch; the right ones are d(MSE)/dw_j = −(2/m) Σ_i x_ij (y_i − ŷ_i) and, for "
                 "sigmoid with cross-entropy, dJ/dw_j = (1/m) Σ_i x_ij (ŷ_i − y_i) — what `Linear.backward` "
                 "computes as dW = dZᵀ X. Two slips of notation: 'dZ/dŷ = 1; dŷ/dw = x' swaps the fractions (the "
                 "values 1 and x hold either way, since ŷ = Z), and the logistic update reads 'd(MSE)/db' — a "
                 "different number from the dJ/db it needs (both in the audit). The general network's A[2] is "
                 "checked in `icdss_general_network`."),
        tables=[Table("Slide formula vs the true gradient (backprop; autograd agrees) and finite differences",
                      ["case", "formula", "slide's value", "true gradient", "finite differences", ""], rows)],
        numbers={"cases": {n: {bk: {k: np.asarray(v).tolist() for k, v in true[n][bk].items()} for bk in run_on}
                           for n in cases},
                 "finite_differences": {n: {"dJ/dw": fd[n][0].tolist(), "dJ/db": fd[n][1]} for n in cases}},
        backend_gap=backend_gap, claims=claims)
