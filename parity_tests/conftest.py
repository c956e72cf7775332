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

#: CUDA twins of the device-parametrized tests exist only where a GPU does: on a
#: machine without one they are not generated (rather than hundreds of skips that
#: would drown a real one), and the run's header and summary say so once.
HAVE_CUDA = torch.cuda.is_available()
DEVICES = ["cpu"] + ([pytest.param("cuda", marks=pytest.mark.cuda)] if HAVE_CUDA else [])


@pytest.fixture(params=DTYPES, ids=["float64", "float32"])
def dtype(request):
    return np.dtype(request.param)


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


@pytest.fixture
def one_torch_thread():
    """torch on one thread for the test, restored after it. For tests of small
    tensors (matrices of a few thousand entries at most, optimizer steps, small
    estimators): a second thread's pool wake-ups cost more than they save — an
    optimizer step ~20× slower on a loaded 2-core machine (measured,
    ``test_optim_paths_torch.py``), the results within the same bounds. Name it,
    or opt a module in with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tdtype(dtype) -> torch.dtype:
    return TORCH_DTYPES[np.dtype(dtype)]


def tensor(array, dtype, device, requires_grad=False) -> torch.Tensor:
    """The same values as a torch tensor (an exact copy)."""
    t = torch.tensor(np.asarray(array), dtype=tdtype(dtype), device=device)
    return t.requires_grad_(requires_grad)


# ------------------------------------------------------------- reporting hooks


def pytest_report_header(config):
    from parity_tests.machine import describe

    cuda = "CUDA: yes, device-parametrized tests run on cpu and cuda" if HAVE_CUDA else \
        "CUDA: no GPU here, so device-parametrized tests run on the CPU only (their CUDA twins are not generated)"
    return [f"machine: {describe()}", cuda]


def pytest_collection_modifyitems(config, items):
    """Count the CPU cases that have a CUDA twin where a GPU exists."""
    n = sum(1 for item in items
            if getattr(item, "callspec", None) is not None and item.callspec.params.get("device") == "cpu")
    config.stash[_CPU_CASES] = n
    if hasattr(config, "workeroutput"):  # an xdist worker: hand the count to the controller
        config.workeroutput["cpu_cases_with_cuda_twin"] = n


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # xdist's controller, as each worker ends
    n = getattr(node, "workeroutput", {}).get("cpu_cases_with_cuda_twin")
    if n is not None:
        node.config.stash[_CPU_CASES] = n


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = config.stash.get(_CPU_CASES, 0)
    if n and not HAVE_CUDA:
        terminalreporter.write_line(f"CUDA not run: no GPU on this machine; {n} device-parametrized cases ran on "
                                    f"the CPU and their {n} CUDA twins were not generated.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Every failed test's report names the machine (its kernels decide the last bits),
    including failures raised by plain asserts rather than ``parity_tests.compare``."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        from parity_tests.machine import describe

        report.sections.append(("machine", describe()))


def pytest_runtest_logreport(report):
    """A failed test becomes a row of the parity table (``python -m parity_tests.table``)."""
    if report.failed and os.environ.get("SCRATCHNET_PARITY_RECORD"):
        _record_failure(report.nodeid if report.when == "call" else f"{report.nodeid} ({report.when})", report)


def pytest_collectreport(report):
    if report.failed and os.environ.get("SCRATCHNET_PARITY_RECORD"):
        _record_failure(f"{report.nodeid or 'parity_tests'} (collection)", report)


def _record_failure(test_id, report):
    from parity_tests.compare import record_failure

    crash = getattr(report.longrepr, "reprcrash", None)
    record_failure(test_id, crash.message if crash is not None else str(report.longrepr)[-2000:])


_CPU_CASES = pytest.StashKey[int]()
