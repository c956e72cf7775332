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

from ..base import Context, Result, Table
from ..common import (STYLE, backends, epoch_losses, gap, make_models, pair_gap, plot_curves, predict, save_fig,
                      to_numpy, train)
from .lecture import experiment, house_prices


def fit(ctx: Context, X, Y, lr: float, epochs: int, seed: int):
    models = make_models(ctx, [X.shape[1], 1], "identity", None, seed=seed)
    curves = epoch_losses(train(models, X, Y, loss="mse", lr=lr, epochs=epochs))
    params = {b: np.append(np.ravel(to_numpy(m[0].weight)), to_numpy(m[0].bias)) for b, m in models.items()}
    return models, curves, params


@experiment("icdss_linear_regression", "Linear regression as a one-neuron network (gradient descent vs least squares)",
            section="Linear Regression (Single Feature / Multiple Features)")
def run(ctx: Context) -> Result:
    run_on = backends(ctx)
    sets = house_prices(ctx.seed)
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
        backend_gap[f"{name}: loss curve"] = pair_gap(curves)
        backend_gap[f"{name}: parameters"] = pair_gap(params)

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
