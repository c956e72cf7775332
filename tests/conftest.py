"""Settings shared by the torch-free tests: the same hypothesis profiles as
``parity_tests/conftest.py`` (a fixed, fast "ci" profile by default;
HYPOTHESIS_PROFILE=dev explores more), so ``pytest tests`` alone is fast too.

And one session fixture, :func:`quick_experiments`: every experiment's quick run,
made once for the tests that read its output."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def quick_experiments(tmp_path_factory):
    """Every registered experiment run once in quick mode (no figures), into one folder: the quick run
    ``tests/test_experiments_all.py`` compares a second run with, and the results ``tests/test_notebooks.py``
    checks the notebooks against. Imports the experiments (and so torch) only when a test asks for it."""
    from experiments.cli import run

    out = tmp_path_factory.mktemp("quick_experiments")
    entries = run([], quick=True, out=out, progress=False, plots=False)
    assert all(e.result is not None for e in entries), [e.error for e in entries if e.result is None]
    return out
