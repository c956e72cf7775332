"""ICDSS Lecture 4, "Neural Networks" (Myungchan Kim): what its experiments share.

The slides give formulas and no code or data, so the data sets here are
generated in their stead, each from its own seeded ``np.random.default_rng``:
house prices against size for "Linear Regression as a NN", engine
measurements for "Logistic Regression" ("Will this engine work?"), and a
ring-shaped three-feature task for "General NNs".
"""

from __future__ import annotations

import functools

import numpy as np

from .. import audit, base

SOURCE = "001_606f2352aff19854.txt"

#: ``@experiment(name, title, section=...)``: registers an experiment of this lecture.
experiment = functools.partial(base.experiment, source=SOURCE)


def claim(where: str, quantity: str, claimed, values: dict, **kwargs) -> dict:
    """An audit record for this lecture: ``values`` is ``{backend: value}``
    (see :func:`experiments.audit.claim_values`)."""
    return audit.claim_values(SOURCE, where, quantity, claimed, values, **kwargs)


def house_prices(seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """House price (in $100k) against size (in 100 m²) for one feature; four
    standardised features (size, toilets, age, distance) for several."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(0.5, 2.5, size=(60, 1))                          # 50–250 m²
    price = 1.5 * size[:, 0] + 0.5 + rng.normal(0, 0.25, 60)            # $100k
    X4 = rng.normal(size=(200, 4))                                      # size, toilets, age, distance
    y4 = X4 @ np.array([1.2, 0.4, -0.7, -0.3]) + 2.0 + rng.normal(0, 0.3, 200)
    return {"one feature (size)": (size, price[:, None]), "four features": (X4, y4[:, None])}


def engines(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two standardised engine measurements (temperature, vibration) and whether the engine worked."""
    rng = np.random.default_rng(seed + 11)
    X = rng.normal(size=(200, 2))
    p = 1 / (1 + np.exp(-(2.0 * X[:, 0] - 1.5 * X[:, 1] + 0.5)))
    y = (rng.uniform(size=200) < p).astype(float)
    return X, y[:, None]


def ring(seed: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Three features, a ring-shaped class boundary in the first two (not linearly separable)."""
    rng = np.random.default_rng(seed + 29)
    X = rng.normal(size=(m, 3))
    y = ((X[:, 0] ** 2 + X[:, 1] ** 2 + 0.3 * X[:, 2]) > 1.4).astype(float)
    return X, y[:, None]
