"""Settings shared by the torch-free tests: the same hypothesis profiles as
``parity_tests/conftest.py`` (a fixed, fast "ci" profile by default;
HYPOTHESIS_PROFILE=dev explores more), so ``pytest tests`` alone is fast too.

And one session fixture, :func:`quick_run` (its folder: :func:`quick_experiments`):
every experiment's quick run, made once for the tests that read its output; and
:func:`one_blas_thread` for modules of small matrices."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def quick_run(tmp_path_factory):
    """Every registered experiment once, in quick mode, both backends, in this process
    (``--jobs 1``), without figures: ``(out folder, {name: Entry})``. The lecture test
    modules read their experiments' results from it, the determinism test compares it
    with a run in worker processes, and the notebook tests check the notebooks against
    its result.json files (:func:`quick_experiments`). Imports the experiments (and so
    torch) only when a test asks for it."""
    from experiments.cli import run

    out = tmp_path_factory.mktemp("quick_run")
    entries = run([], quick=True, out=out, progress=False, plots=False, jobs=1)
    assert all(e.result is not None for e in entries), [e.error for e in entries if e.result is None]
    return out, {e.experiment.name: e for e in entries}


@pytest.fixture(scope="session")
def quick_experiments(quick_run):
    """The folder of the session's quick run (:func:`quick_run`)."""
    return quick_run[0]


@pytest.fixture(scope="module")
def one_blas_thread():
    """NumPy's BLAS on one thread for a whole module of small matrices (the
    scikit-learn estimator tests: at most 200 × 64): a second BLAS thread only
    waits — on a loaded 2-core machine, milliseconds per product. Opt a module
    in with ``pytestmark = pytest.mark.usefixtures("one_blas_thread")``."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
