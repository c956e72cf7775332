"""The builders' activation and output tables are written once: names, each a class
name and its arguments, that each library looks up in its own ``nn``."""

from __future__ import annotations

import numpy as np
import pytest

import scratchnet as sn
from scratchnet.models import ACTIVATIONS, OUTPUTS, build, name_of


@pytest.mark.parametrize("table", [ACTIVATIONS, OUTPUTS], ids=["activations", "outputs"])
def test_every_name_builds_in_both_libraries_and_is_read_back(table):
    torch = pytest.importorskip("torch")
    for name, (class_name, arguments) in table.items():
        for library in (sn.nn, torch.nn):
            module = build(library, table, name)
            assert type(module) is getattr(library, class_name)
            assert all(getattr(module, k) == v for k, v in arguments.items())
            assert name_of(module, table) == name     # "gelu" and "gelu_tanh" told apart by `approximate`


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output", [None, *sorted(OUTPUTS)])
def test_twin_rebuilds_every_activation_and_output(activation, output):
    """torch_ref.models.twin reads the names back off a scratchnet model: the same layers
    (class by class, GELU's approximation included) and the same function."""
    torch = pytest.importorskip("torch")
    import torch_ref

    model = sn.models.mlp([3, 4, 2], activation, output, dtype=np.float64, generator=np.random.default_rng(0))
    twin = torch_ref.models.twin(model)
    assert [type(m).__name__ for m in model] == [type(m).__name__ for m in twin]
    assert getattr(twin[1], "approximate", "none") == getattr(model[1], "approximate", "none")
    x = np.random.default_rng(1).standard_normal((5, 3))
    with torch.no_grad():
        np.testing.assert_allclose(model(x), twin(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-15)


def test_twin_refuses_a_last_layer_the_builder_cannot_make():
    pytest.importorskip("torch")
    import torch_ref

    model = sn.nn.Sequential(sn.nn.Linear(3, 4, dtype=np.float64), sn.nn.ReLU(), sn.nn.Linear(4, 2, dtype=np.float64),
                             sn.nn.Tanh())
    with pytest.raises(ValueError, match="ends with Tanh"):
        torch_ref.models.twin(model)
