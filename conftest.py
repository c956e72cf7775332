"""Settings for the whole suite (tests/ and parity_tests/).

Under pytest-xdist (``./test.sh`` starts one worker per core) every worker
computes with one thread: BLAS/OpenMP (threadpoolctl) and torch's intra-op
pool. Each worker's default pools would spread over every core, so N workers
would run N × cores threads: torch's default threads in several processes on a
busy 2-core machine slowed one fit from 3.5 s to 78 s. Tests that time or
compare thread counts set their own (the benchmark's ``--threads``, the parity
suite's ``one_thread``); results do not depend on it (every bound holds either
way). A run without xdist keeps the defaults.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread_per_xdist_worker():
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
