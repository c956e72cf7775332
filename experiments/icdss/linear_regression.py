"""ICDSS lecture 4, "Linear Regression as a NN" (single feature and multiple features).

Linear regression is a one-neuron network with no activation: ŷ = Z = W x + b,
trained by gradient descent on the MSE — random initialisation, forward
propagation, backpropagation, update, repeated for a number of epochs (the
slides' summary). Built as ``mlp([n, 1])`` on both backends from the same
random weights, trained full-batch with ``optim.SGD``, and compared with the
least-squares solution (``numpy.linalg.lstsq`` and scikit-learn's
``LinearRegression``), which gradient descent must reach.

Data (generated; the slides have none): house price (in $100k) against size
(in 100 m²) for one feature; four standardised features for several.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LinearRegression

from ..base import Context, Result, Table, experiment
from ..common import STYLE, backends, build_pair, gap, plot_curves, predict, save_fig, train_pair

SOURCE = "001_606f2352aff19854.txt"


def data(seed: int):
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.5, 2.5, size=(60, 1))                          # 50–250 m²
    price = 1.5 * size[:, 0] + 0.5 + rng.normal(0, 0.25, 60)            # $100k
    X4 = rng.normal(size=(200, 4))                                      # size, toilets, age, distance
    y4 = X4 @ np.array([1.2, 0.4, -0.7, -0.3]) + 2.0 + rng.normal(0, 0.3, 200)
    return {"one feature (size)": (size, price[:, None]), "four features": (X4, y4[:, None])}


def fit(ctx: Context, X, Y, lr: float, epochs: int, seed: int):
    model, twin = build_pair([X.shape[1], 1], "identity", None, seed=seed, device=ctx.device)
    curves = train_pair(model, twin, X, Y, loss="mse", lr=lr, epochs=epochs, backends=backends(ctx))
    params = {}
    for b, m in (("scratchnet", model), ("torch", twin)):
        if b in curves:
            w = m[0].weight.data if b == "scratchnet" else m[0].weight.detach().cpu().numpy()
            bias = m[0].bias.data if b == "scratchnet" else m[0].bias.detach().cpu().numpy()
            params[b] = np.append(np.ravel(w), bias)
    return {"scratchnet": model, "torch": twin}, curves, params


@experiment("icdss_linear_regression", "Linear regression as a one-neuron network (gradient descent vs least squares)",
            source=SOURCE, section="Linear Regression (Single Feature / Multiple Features)")
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    sets = data(ctx.seed)
    epochs = 200 if ctx.quick else 600
    tables, numbers, backend_gap, curves_all, gd_gap = [], {}, {}, {}, {}
    fitted = {}
    for name, (X, Y) in sets.items():
        models, curves, params = fit(ctx, X, Y, lr=0.2, epochs=epochs, seed=ctx.seed)
        fitted[name] = models
        A = np.c_[X, np.ones(len(X))]
        lstsq = np.linalg.lstsq(A, Y[:, 0], rcond=None)[0]
        sk = LinearRegression().fit(X, Y[:, 0])
        sk_params = np.append(sk.coef_, sk.intercept_)
        labels = [f"w{i + 1}" for i in range(X.shape[1])] + ["b"]
        rows = [[lab, *[float(params[b][i]) for b in run_on], float(lstsq[i]), float(sk_params[i])]
                for i, lab in enumerate(labels)]
        mse = {b: float(np.mean((predict(models[b], X) - Y) ** 2)) for b in run_on}
        rows.append(["MSE", *[mse[b] for b in run_on], float(np.mean((A @ lstsq - Y[:, 0]) ** 2)),
                     float(np.mean((sk.predict(X) - Y[:, 0]) ** 2))])
        tables.append(Table(f"{name}: parameters after {epochs} epochs of gradient descent (lr 0.2) vs least squares",
                            ["", *[f"GD ({b})" for b in run_on], "numpy lstsq", "sklearn"], rows))
        gd_gap[name] = {b: gap(params[b], lstsq) for b in run_on}
        numbers[name] = {"gd": {b: params[b].tolist() for b in run_on}, "lstsq": lstsq.tolist(),
                         "sklearn": sk_params.tolist(), "gap_to_lstsq": gd_gap[name], "mse": mse}
        curves_all[name] = curves
        if len(run_on) == 2:
            backend_gap[f"{name}: loss curve"] = gap(curves["scratchnet"], curves["torch"])
            backend_gap[f"{name}: parameters"] = gap(params["scratchnet"], params["torch"])

    figures = [plot_curves(ctx, "loss_curves", curves_all, title="Linear regression: MSE during gradient descent",
                           logy=True)]
    X, Y = sets["one feature (size)"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(X[:, 0], Y[:, 0], s=15, color="grey", label="houses")
    grid = np.linspace(0.4, 2.6, 50)[:, None]
    for b in run_on:
        ax.plot(grid[:, 0], predict(fitted["one feature (size)"][b], grid)[:, 0], label=f"GD fit ({b})", **STYLE[b])
    w, c = numbers["one feature (size)"]["lstsq"]
    ax.plot(grid[:, 0], w * grid[:, 0] + c, ":", color="k", label="least squares")
    ax.set(title="Price vs size: ŷ = w x + b", xlabel="size (100 m²)", ylabel="price ($100k)")
    ax.legend(fontsize=8)
    figures.append(save_fig(fig, ctx, "fit_single_feature"))
    worst = max(v for d in gd_gap.values() for v in d.values())
    return Result(
        summary=("Linear regression as a one-neuron network (`Linear(n, 1)`, no activation), trained by full-batch "
                 f"gradient descent on the MSE from the same random weights on both backends. After {epochs} "
                 f"epochs the weights match the least-squares solution (numpy `lstsq` and scikit-learn agree) "
                 f"to {worst:.1e} relative, for one feature and for four; the two backends follow the same "
                 "trajectory to float64 rounding."),
        tables=tables, figures=figures, numbers=numbers, backend_gap=backend_gap)
