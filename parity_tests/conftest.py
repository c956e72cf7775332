"""Fixtures shared by the parity suite: dtypes, devices, torch settings."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

from torch_ref.device import exact_float32_matmul

# Hypothesis: a fixed, derandomized, fast profile for CI (the default here);
# HYPOTHESIS_PROFILE=dev explores more, with fresh examples each run.
settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

exact_float32_matmul()
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

DTYPES = [np.float64, np.float32]
TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}

_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
DEVICES = ["cpu", pytest.param("cuda", marks=[_cuda, pytest.mark.cuda])]


@pytest.fixture(params=DTYPES, ids=["float64", "float32"])
def dtype(request):
    return np.dtype(request.param)


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def tdtype(dtype) -> torch.dtype:
    return TORCH_DTYPES[np.dtype(dtype)]


def tensor(array, dtype, device, requires_grad=False) -> torch.Tensor:
    """The same values as a torch tensor (an exact copy)."""
    t = torch.tensor(np.asarray(array), dtype=tdtype(dtype), device=device)
    return t.requires_grad_(requires_grad)
