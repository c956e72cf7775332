"""Initializers are checked by their distribution, never by their draws
(NumPy's and PyTorch's random streams never match).

For each initializer, a large weight (fan_in = 300, fan_out = 200: 60,000
draws) is filled by scratchnet and by torch, and *both* are tested against
the theoretical law (uniform or normal with the scale worked out by hand from
the formula) with a Kolmogorov–Smirnov test. The draws are seeded, so the
tests are deterministic; with 60,000 draws the KS test detects a scale error
of ~1% (a wrong gain or fan is 10-40%), and a correct law passes at p > 1e-3.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
import torch
from scipy import stats

import scratchnet as sn

FAN_OUT, FAN_IN = 200, 300
# (name, scratchnet call, torch call, scipy law) — scales worked out by hand:
INITS = [
    ("uniform_(-0.3, 0.7)", lambda w, g: sn.nn.init.uniform_(w, -0.3, 0.7, generator=g),
     lambda t: torch.nn.init.uniform_(t, -0.3, 0.7), stats.uniform(-0.3, 1.0)),
    ("normal_(0.5, 2)", lambda w, g: sn.nn.init.normal_(w, 0.5, 2.0, generator=g),
     lambda t: torch.nn.init.normal_(t, 0.5, 2.0), stats.norm(0.5, 2.0)),
    # xavier_uniform_: a = √(6 / (300 + 200)) = √0.012
    ("xavier_uniform_", lambda w, g: sn.nn.init.xavier_uniform_(w, generator=g),
     lambda t: torch.nn.init.xavier_uniform_(t), stats.uniform(-math.sqrt(0.012), 2 * math.sqrt(0.012))),
    # xavier_normal_(gain=5/3): std = 5/3 · √(2 / 500)
    ("xavier_normal_(tanh gain)", lambda w, g: sn.nn.init.xavier_normal_(w, gain=5 / 3, generator=g),
     lambda t: torch.nn.init.xavier_normal_(t, gain=5 / 3), stats.norm(0, 5 / 3 * math.sqrt(2 / 500))),
    # kaiming_uniform_(relu): bound = √2 · √(3 / 300) = √(6 / 300)
    ("kaiming_uniform_(relu)", lambda w, g: sn.nn.init.kaiming_uniform_(w, nonlinearity="relu", generator=g),
     lambda t: torch.nn.init.kaiming_uniform_(t, nonlinearity="relu"),
     stats.uniform(-math.sqrt(6 / 300), 2 * math.sqrt(6 / 300))),
    # kaiming_normal_(relu, fan_out): std = √2 / √200 — and the CS229 "he" with fan_in
    ("kaiming_normal_(fan_out)", lambda w, g: sn.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=g),
     lambda t: torch.nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), stats.norm(0, math.sqrt(2 / 200))),
    ("CS229 he = kaiming_normal_(relu)", lambda w, g: sn.nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
     lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu"), stats.norm(0, math.sqrt(2 / 300))),
    ("CS229 xavier = kaiming_normal_(linear)", lambda w, g: sn.nn.init.kaiming_normal_(w, nonlinearity="linear", generator=g),
     lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="linear"), stats.norm(0, math.sqrt(1 / 300))),
    ("CS229 small", lambda w, g: sn.nn.init.small_(w, generator=g),
     lambda t: torch.nn.init.normal_(t, 0, 0.01), stats.norm(0, 0.01)),
    ("CS229 large", lambda w, g: sn.nn.init.large_(w, generator=g),
     lambda t: torch.nn.init.normal_(t, 0, 1.0), stats.norm(0, 1.0)),
    # Linear's default: kaiming_uniform_(a=√5) → gain √(2/6), bound = √(1/3)·√(3/300) = 1/√300
    ("Linear default (kaiming_uniform_(a=√5))",
     lambda w, g: sn.nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g),
     lambda t: torch.nn.init.kaiming_uniform_(t, a=math.sqrt(5)),
     stats.uniform(-1 / math.sqrt(300), 2 / math.sqrt(300))),
]


@pytest.mark.parametrize("name,mine,theirs,law", INITS, ids=[i[0] for i in INITS])
def test_initializer_distribution_matches_torch_and_theory(name, mine, theirs, law):
    w = np.empty((FAN_OUT, FAN_IN), dtype=np.float64)
    mine(w, np.random.default_rng(zlib.crc32(name.encode())))
    torch.manual_seed(zlib.crc32(name.encode()) % 2**31)
    t = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)
    theirs(t)
    p_mine = stats.kstest(w.ravel(), law.cdf).pvalue
    p_torch = stats.kstest(t.numpy().ravel(), law.cdf).pvalue
    assert p_torch > 1e-3, f"the hand-worked law is wrong for torch's {name} (p = {p_torch:.2e})"
    assert p_mine > 1e-3, f"scratchnet's {name} does not follow torch's law (KS p = {p_mine:.2e})"
    # And the two samples are indistinguishable from each other.
    assert stats.ks_2samp(w.ravel(), t.numpy().ravel()).pvalue > 1e-3


def test_linear_layer_default_initialization_law():
    """nn.Linear: weight and bias ~ U(−1/√fan_in, 1/√fan_in), in both libraries."""
    sn.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = sn.nn.Linear(400, 300), torch.nn.Linear(400, 300)
    law = stats.uniform(-1 / 20, 2 / 20)
    for a in (ours.weight.data, theirs.weight.detach().numpy()):
        assert stats.kstest(a.ravel(), law.cdf).pvalue > 1e-3
    for a in (ours.bias.data, theirs.bias.detach().numpy()):
        assert np.all(np.abs(a) <= 1 / 20) and stats.kstest(a, law.cdf).pvalue > 1e-3


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("sigmoid", None), ("tanh", None),
                                                ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                                ("selu", None), ("conv2d", None)])
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert sn.nn.init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_constant_fills_and_errors():
    w = np.empty((3, 4))
    assert np.all(sn.nn.init.zeros_(w) == 0) and np.all(sn.nn.init.ones_(w) == 1)
    assert np.all(sn.nn.init.constant_(w, 0.25) == 0.25)
    p = sn.nn.Parameter(np.empty((2, 2)))
    assert sn.nn.init.constant_(p, 3.0) is p and np.all(p.data == 3)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        sn.nn.init.xavier_uniform_(np.empty(5))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        sn.nn.init.calculate_gain("swish")
    with pytest.raises(TypeError, match="floating-point"):
        sn.nn.init.normal_(np.empty(3, dtype=int))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        sn.nn.init.normal_(np.empty(3), generator=42)
