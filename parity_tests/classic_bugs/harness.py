"""Running ``torch_ref.check`` on the hand-written code, as it is or with one bug.

``load(edits)`` compiles ``handwritten.py`` with the edits applied into a fresh
module (the file itself is never changed); each scenario builds the
hand-written network, layer or optimizer from it and checks it against its
torch reference, returning the report.
"""

from __future__ import annotations

import pathlib
import types

import numpy as np
import torch
from torch import nn

from torch_ref.check import check_layer, check_network, check_optimizer

from .edits import HANDWRITTEN, Edit, apply_to_text

SOURCE = pathlib.Path(__file__).with_name("handwritten.py")


def load(edits: list[Edit] = ()) -> types.ModuleType:
    """handwritten.py with ``edits`` applied, as a new module."""
    text = SOURCE.read_text(encoding="utf-8")
    for edit in edits:
        if edit.path != HANDWRITTEN:
            raise ValueError(f"a hand-written variant edits {HANDWRITTEN}, not {edit.path}")
        text = apply_to_text(text, edit)
    module = types.ModuleType("handwritten_variant")
    module.__file__ = str(SOURCE)
    exec(compile(text, f"{HANDWRITTEN} (edited)", "exec"), module.__dict__)
    return module


def _mlp_params(n_layers: int) -> dict[str, str]:
    return {k: v for l in range(1, n_layers + 1)
            for k, v in ((f"W{l}", f"{2 * (l - 1)}.weight"), (f"b{l}", f"{2 * (l - 1)}.bias"))}


def classifier(hw, dtype="float64"):
    """The 4-6-5-3 ReLU classifier against nn.Sequential + CrossEntropyLoss (x@w layout)."""
    net = hw.classifier(np.random.default_rng(0))
    ref = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    return check_network(net, ref, params=_mlp_params(3), loss=nn.CrossEntropyLoss(), layout="x@w",
                         cost=net.cost, dtype=dtype)


def regressor(hw, activation="tanh", dtype="float64"):
    """The 4-6-3 regressor against nn.Sequential + MSELoss (x@w layout)."""
    net = hw.regressor(np.random.default_rng(0), activation)
    act = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "relu": nn.ReLU}[activation]
    ref = nn.Sequential(nn.Linear(4, 6), act(), nn.Linear(6, 3))
    return check_network(net, ref, params=_mlp_params(2), loss=nn.MSELoss(), layout="x@w", cost=net.cost,
                         dtype=dtype)


def softmax_layer(hw, dtype="float64"):
    return check_layer(hw.Softmax(), nn.Softmax(dim=1), dtype=dtype)


def dropout_layer(hw, dtype="float64"):
    torch.manual_seed(0)
    return check_layer(hw.Dropout(0.3, np.random.default_rng(0)), nn.Dropout(0.3), dtype=dtype)


def batchnorm_layer(hw, dtype="float64"):
    rng = np.random.default_rng(0)
    bn = hw.BatchNorm(5, gamma=rng.uniform(0.5, 1.5, 5), beta=rng.standard_normal(5))
    return check_layer(bn, nn.BatchNorm1d(5), params={"gamma": "weight", "beta": "bias"}, dtype=dtype)


def sgd(hw, dtype="float64", **hyper):
    hyper = {"lr": 0.1, "momentum": 0.9, **hyper}
    schedule = hyper.pop("lr_schedule", None)
    return check_optimizer(hw.sgd_momentum, torch.optim.SGD, hyper=hyper, state_map={"buf": "momentum_buffer"},
                           steps=5, lr_schedule=schedule, dtype=dtype)


def adam(hw, dtype="float64", **hyper):
    # ε = 1e-3, not 1e-8, so that where ε goes shows above the bounds.
    hyper = {"lr": 0.1, "eps": 1e-3, **hyper}
    return check_optimizer(hw.adam, torch.optim.Adam, hyper=hyper,
                           state_map={"m": "exp_avg", "v": "exp_avg_sq", "t": "step"}, steps=5, dtype=dtype)


def adamw(hw, dtype="float64", **hyper):
    hyper = {"lr": 0.1, "eps": 1e-3, "weight_decay": 0.1, **hyper}
    return check_optimizer(hw.adamw, torch.optim.AdamW, hyper=hyper,
                           state_map={"m": "exp_avg", "v": "exp_avg_sq", "t": "step"}, steps=5, dtype=dtype)


def rmsprop(hw, dtype="float64", **hyper):
    # ε = 1e-3, not 1e-8. RMSprop has no bias correction: step 1 is γ g/(√(1 − α)|g| + ε), which is
    # γ sign(g)/√(1 − α) up to a relative ε/(√(1 − α)|g|), so a wrong g (maximize applied after the
    # decay: −g − λθ for −g + λθ) changes step 1, wherever its sign is right, only through that term:
    # θ moves 1.4e-8 relative at ε = 1e-8 (a rounding slip, to the eye), 1e-3 at ε = 1e-3.
    hyper = {"lr": 0.01, "eps": 1e-3, **hyper}
    return check_optimizer(hw.rmsprop, torch.optim.RMSprop, hyper=hyper, state_map={"v": "square_avg"}, steps=5,
                           dtype=dtype)


def adagrad(hw, dtype="float64", **hyper):
    # ε = 0.1, not 1e-10: of the size of √s (|g| ≈ 1 here), so that where ε goes matters on every
    # step. g/(√s + ε) and g/√(s + ε) differ by ≈ |ε/√s − ε/(2s)| relative: 5% at s = 1 and
    # ε = 0.1; at ε = 1e-10 it shows only where s is small (8e-10 on θ here, a few times the bound).
    hyper = {"lr": 0.1, "eps": 0.1, **hyper}
    return check_optimizer(hw.adagrad, torch.optim.Adagrad, hyper=hyper, state_map={"s": "sum", "t": "step"},
                           steps=5, dtype=dtype)


SCENARIOS = {"classifier": classifier, "regressor": regressor, "softmax_layer": softmax_layer,
             "dropout_layer": dropout_layer, "batchnorm_layer": batchnorm_layer, "sgd": sgd, "adam": adam,
             "adamw": adamw, "rmsprop": rmsprop, "adagrad": adagrad}

#: The scenarios the correct code is checked in (and the float32 ones).
CORRECT_RUNS = [("classifier", {}), ("regressor", {"activation": "tanh"}), ("regressor", {"activation": "sigmoid"}),
                ("softmax_layer", {}), ("dropout_layer", {}), ("batchnorm_layer", {}),
                ("sgd", {}), ("sgd", {"dampening": 0.5}), ("sgd", {"weight_decay": 0.1}),
                ("sgd", {"lr_schedule": [0.1, 0.1, 0.05, 0.05, 0.05]}),
                ("adam", {}), ("adamw", {}),
                ("rmsprop", {}), ("rmsprop", {"maximize": True, "weight_decay": 0.1}),
                ("adagrad", {}), ("adagrad", {"lr_decay": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.1})]


def run(scenario: str, edits: list[Edit] = (), **kwargs):
    """The report of ``scenario`` on handwritten.py with ``edits`` applied."""
    return SCENARIOS[scenario](load(edits), **kwargs)
