"""Every experiment module, imported so that its ``@experiment`` registers it.

One import line per module; the CS229 experiments are added below theirs
(additive edits only, so merges stay clean). ``load()`` returns the registry.
"""

from __future__ import annotations

import importlib

from .base import REGISTRY, Experiment

#: Experiment modules, in report order (CS229, ICDSS lecture 4, Chapter 15).
MODULES: list[str] = [
    # --- CS229 Lecture 11, Autumn 2018 — experiments/cs229/
    "experiments.cs229.parameter_counts",
    "experiments.cs229.activations",
    "experiments.cs229.xor",
    "experiments.cs229.circles",
    "experiments.cs229.digits_binary",
    "experiments.cs229.initialization",
    "experiments.cs229.gradient_check",
    "experiments.cs229.hidden_weights",
    "experiments.cs229.ex01_activation_comparison",
    "experiments.cs229.ex02_deeper_network",
    "experiments.cs229.ex03_momentum",
    "experiments.cs229.ex04_minibatch",
    "experiments.cs229.ex05_batchnorm",
    "experiments.cs229.ex06_vanishing_gradients",
    "experiments.cs229.ex07_dropout",
    "experiments.cs229.ex08_lr_decay",
    "experiments.cs229.ex09_multiclass",
    "experiments.cs229.ex10_tsne",
    "experiments.cs229.architecture_search",
    "experiments.cs229.grid_search",
    "experiments.check_code.lecture_code_check",  # CS229's NeuralNetwork and Chapter 15's code vs torch_ref.check
    # --- ICDSS Lecture 4 — experiments/icdss/
    "experiments.icdss.linear_regression",
    "experiments.icdss.logistic_regression",
    "experiments.icdss.gradient_formulas",
    "experiments.icdss.general_network",
    # --- Chapter 15, Introduction to Neural Networks — experiments/chapter15/
    "experiments.chapter15.single_neuron",
    "experiments.chapter15.perceptron",
    "experiments.chapter15.activations",
    "experiments.chapter15.softmax",
    "experiments.chapter15.forward_pass",
    "experiments.chapter15.backward_pass",
    "experiments.chapter15.xor",
    "experiments.chapter15.optimizers",
    "experiments.chapter15.deep_sigmoid",
    "experiments.chapter15.unscaled_inputs",
    "experiments.chapter15.softmax_reading",
    "experiments.chapter15.mse_vs_ce",
]


def load() -> dict[str, Experiment]:
    """Import every experiment module; return ``REGISTRY`` (name -> Experiment)
    ordered by lecture, then by the order of ``MODULES``."""
    for module in MODULES:
        importlib.import_module(module)
    order = {m: i for i, m in enumerate(MODULES)}
    items = sorted(REGISTRY.items(), key=lambda kv: (kv[1].source, order.get(kv[1].module, len(order))))
    REGISTRY.clear()
    REGISTRY.update(items)
    return REGISTRY
