"""CS229 §7 "Architecture Decisions" with scikit-learn's own tools: the lecture's
"try ten architectures and pick by validation accuracy" is a ``GridSearchCV``.

The ten architectures are those of :mod:`experiments.cs229.architecture_search`,
trained the lecture's way (mini-batch SGD, batch 64, learning rate 0.1, no
momentum, no L2, the same number of epochs for every one), but through the
scikit-learn estimators ``scratchnet.sklearn.MLPClassifier`` and its torch twin
``torch_ref.sklearn.MLPClassifier``, inside ``Pipeline(StandardScaler, MLP)``.
The two experiments complement each other rather than repeat:

* ``cs229_architecture_search`` is the lecture's protocol by hand: one
  60/20/20 split, one validation accuracy per architecture, the lecture's
  He/Glorot initialization;
* here the validation is k-fold cross-validation on the 80 % training split
  (5 folds; 3 in quick mode), so each architecture gets a mean *and a spread*
  over folds, the scaler is refitted inside every fold (no validation pixel
  leaks into the scaling), the initialization is PyTorch's default (the
  estimators'), and the held-out 20 % test split scores the refitted pick once.

The torch twin repeats the whole search in the full run (same scores, same
pick: the backends agree to rounding); quick mode (3 folds, 5 epochs) searches
on the first backend only and compares the libraries on the pick.

Then the pick is trained by three libraries with the same settings on the same
folds — scratchnet, torch_ref and ``sklearn.neural_network.MLPClassifier`` —
and compared on accuracy (cross-validation and the test split) and fit time.
scikit-learn's MLP differs only in its initialization (Glorot's uniform) and,
being the same mini-batch SGD on the same cross-entropy, lands within noise of
the other two; scratchnet and torch_ref agree to rounding (same weights, same
batches). Fit times are wall-clock on one thread (the runner gives every
experiment one BLAS and one torch thread), per fold, Pipeline included.
"""

from __future__ import annotations

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import scratchnet.sklearn
import torch_ref.sklearn

from ..base import Context, Result, Table
from ..common import backends, fmt_pct, gap, save_fig, sizes_str
from .architecture_search import ARCHITECTURES
from .lecture import experiment

#: The lecture's activation names → scikit-learn's.
SKLEARN_ACTIVATION = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}
#: The estimator of each library, by the name the tables show.
LIBRARIES = {"scratchnet": scratchnet.sklearn.MLPClassifier, "torch": torch_ref.sklearn.MLPClassifier,
             "scikit-learn": SklearnMLPClassifier}


def settings(epochs: int, seed: int) -> dict:
    """The lecture's training, in MLPClassifier's parameters; ``n_iter_no_change=inf``
    so every fit runs all its epochs (comparable fit times)."""
    return dict(solver="sgd", learning_rate_init=0.1, momentum=0.0, batch_size=64, alpha=0.0, max_iter=epochs,
                n_iter_no_change=np.inf, random_state=seed)


def param_grid() -> list[dict]:
    """The ten architectures as a GridSearchCV grid: one dict each (not a product)."""
    return [{"mlp__hidden_layer_sizes": [tuple(sizes[1:-1])], "mlp__activation": [SKLEARN_ACTIVATION[act]]}
            for sizes, act in ARCHITECTURES]


def pipeline(library: str, **params) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("mlp", LIBRARIES[library](**params))])


def n_parameters(sizes) -> int:
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def _pm(mean: float, std: float, pct: bool = True) -> str:
    return f"{mean:.2%} ± {std:.2%}" if pct else f"{mean:.3f} ± {std:.3f}"


@experiment("cs229_grid_search", "Ten architectures by GridSearchCV; scratchnet, torch_ref and scikit-learn's MLP",
            section="Summary §7 Architecture Decisions", slow=True)
def run(ctx: Context) -> Result:
    epochs, folds = (5, 3) if ctx.quick else (15, 5)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=ctx.seed, stratify=y)
    cv = StratifiedKFold(folds, shuffle=True, random_state=ctx.seed)
    base = settings(epochs, ctx.seed)
    bk = backends(ctx)
    searched = bk[:1] if ctx.quick else bk  # the torch search repeats the same numbers: full run only
    labels = [f"{sizes_str(sizes)} {act}" for sizes, act in ARCHITECTURES]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # every fit stops at max_iter, by design
        # -- the search, on each backend ------------------------------------------------------
        searches, search_seconds = {}, {}
        for b in searched:
            t0 = time.perf_counter()
            searches[b] = GridSearchCV(pipeline(b, **base), param_grid(), cv=cv).fit(X_train, y_train)
            search_seconds[b] = time.perf_counter() - t0
        first = searches[searched[0]]
        pick = {k.split("__")[1]: v for k, v in first.best_params_.items()}
        pick_label = labels[first.best_index_]

        # -- the pick on three libraries, the same folds ------------------------------------------
        libraries = [*bk, "scikit-learn"]
        compared, fitted, times = {}, {}, {}  # times: wall-clock, kept apart (they vary run to run)
        for lib in libraries:
            # one untimed epoch on 64 rows first: torch's lazy set-up on first use is not fit time
            pipeline(lib, **dict(base, max_iter=1), **pick).fit(X_train[:64], y_train[:64])
            cvres = cross_validate(pipeline(lib, **base, **pick), X_train, y_train, cv=cv)
            t0 = time.perf_counter()
            fitted[lib] = pipeline(lib, **base, **pick).fit(X_train, y_train)
            seconds = time.perf_counter() - t0
            compared[lib] = dict(cv_mean=float(cvres["test_score"].mean()), cv_std=float(cvres["test_score"].std()),
                                 test=float(fitted[lib].score(X_test, y_test)), n_iter=int(fitted[lib][-1].n_iter_))
            times[lib] = dict(fit_time_mean=float(cvres["fit_time"].mean()),
                              fit_time_std=float(cvres["fit_time"].std()), refit_seconds=seconds)

    grid = {b: dict(mean=s.cv_results_["mean_test_score"].tolist(), std=s.cv_results_["std_test_score"].tolist(),
                    rank=s.cv_results_["rank_test_score"].tolist(), best=labels[s.best_index_],
                    best_score=float(s.best_score_), test=float(s.score(X_test, y_test)))
            for b, s in searches.items()}
    gaps = {}
    if len(bk) == 2:
        s, t = fitted["scratchnet"], fitted["torch"]
        gaps = {"pick: CV accuracy": gap(compared["scratchnet"]["cv_mean"], compared["torch"]["cv_mean"]),
                "pick on the training split: loss curve": gap(s[-1].loss_curve_, t[-1].loss_curve_),
                "pick on the training split: test probabilities": gap(s.predict_proba(X_test),
                                                                      t.predict_proba(X_test))}
        if len(searches) == 2:
            gaps["grid: mean CV accuracy per architecture"] = gap(
                searches["scratchnet"].cv_results_["mean_test_score"], searches["torch"].cv_results_["mean_test_score"])

    # -- tables ---------------------------------------------------------------------------------
    grid_rows = []
    for i, (sizes, act) in enumerate(ARCHITECTURES):
        row = [labels[i], n_parameters(sizes)]
        row += [_pm(grid[b]["mean"][i], grid[b]["std"][i]) for b in searched]
        row += [grid[searched[0]]["rank"][i], "← best" if i == first.best_index_ else ""]
        grid_rows.append(row)
    compare_rows = [[lib, _pm(c["cv_mean"], c["cv_std"]), fmt_pct(c["test"])] for lib, c in compared.items()]
    time_rows = [[lib, f"{t['fit_time_mean']:.3f} ± {t['fit_time_std']:.3f}", f"{t['refit_seconds']:.3f}"]
                 for lib, t in times.items()]

    # -- figure ---------------------------------------------------------------------------------
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    x = np.arange(len(labels))
    for j, b in enumerate(searched):
        ax.errorbar(x + 0.12 * j, grid[b]["mean"], yerr=grid[b]["std"], fmt="o" if j == 0 else "x", capsize=3,
                    label=f"{b} (mean ± std over {folds} folds)")
    ax.set_xticks(x, labels, rotation=35, ha="right", fontsize=8)
    ax.set(ylabel="cross-validation accuracy", title=f"GridSearchCV over the ten architectures ({epochs} epochs)")
    ax.legend(fontsize=8)
    ax2.bar(range(len(times)), [t["fit_time_mean"] for t in times.values()],
            yerr=[t["fit_time_std"] for t in times.values()], color=["C0", "C1", "C2"][:len(times)], capsize=3)
    ax2.set_xticks(range(len(compared)), list(compared), rotation=20)
    ax2.set(ylabel="fit time per fold (s)", title=f"The pick, {pick_label}")
    figures = [save_fig(fig, ctx, "grid_search")]

    sk, ours, g = compared["scikit-learn"], compared[bk[0]], grid[searched[0]]
    pick_std = g["std"][first.best_index_]
    top = sorted(g["mean"], reverse=True)[:4]
    tied = top[0] - top[-1] <= pick_std
    summary = (
        f"The lecture's ten architectures went through `GridSearchCV` with {folds}-fold cross-validation on the "
        f"80 % training split ({epochs} epochs of the lecture's SGD each, "
        f"`Pipeline(StandardScaler, MLPClassifier)`): the pick is {pick_label} at {g['best_score']:.1%} ± "
        f"{pick_std:.1%} cross-validation accuracy, {g['test']:.1%} on the held-out test split. "
        f"The best four architectures lie within {top[0] - top[-1]:.1%} of each other, "
        + ("less than the fold-to-fold spread of the pick: the data cannot tell them apart, which the single split "
           "of `cs229_architecture_search` cannot show. " if tied else
           f"more than the fold-to-fold spread of the pick ({pick_std:.1%}). ")
        + ("The torch twin searched the same grid with identical scores and the same pick. " if len(grid) == 2 and
           grid["torch"]["mean"] == grid["scratchnet"]["mean"] else "")
        + f"Trained with the same settings on the same folds, scikit-learn's own `MLPClassifier` reaches "
          f"{sk['cv_mean']:.1%} ({bk[0]} {ours['cv_mean']:.1%}; the algorithm is the same, only its Glorot "
          f"initialization and its shuffling stream differ); their fit times, which vary from run to run, are in "
          f"the timing table.")
    return Result(
        summary=summary,
        tables=[Table(f"GridSearchCV: {folds}-fold cross-validation accuracy of the ten architectures "
                      f"({epochs} epochs, SGD lr 0.1, batch 64)",
                      ["architecture", "parameters", *[f"CV accuracy ({b})" for b in searched], "rank", "pick"],
                      grid_rows),
                Table(f"The pick ({pick_label}) on three libraries: the same settings and folds",
                      ["library", f"CV accuracy ({folds} folds)", "test accuracy"], compare_rows),
                Table(f"Fit times of the pick, one thread (a timing: it varies from run to run and machine to "
                      f"machine)", ["library", "fit time per fold (s)", "refit on the training split (s)"],
                      time_rows, timing=True)],
        figures=figures,
        numbers={"epochs": epochs, "folds": folds, "pick": pick_label, "pick_params": pick,
                 "grid": grid, "comparison": compared, "n_train": len(X_train), "n_test": len(X_test)},
        timings={"search_seconds": search_seconds, "fit_times": times},
        backend_gap=gaps, claims=[])
