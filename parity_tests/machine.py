"""What machine the parity suite ran on: the facts a mismatch has to be read against.

torch's and NumPy's kernels are chosen at run time from the CPU: torch's ATen
kernels by ``torch.backends.cpu.get_cpu_capability()`` (``AVX512``, ``AVX2``,
``DEFAULT``; the environment variable ``ATEN_CPU_CAPABILITY`` lowers it), its
float32 activations partly by oneDNN (``ONEDNN_MAX_CPU_ISA``), its matrix
products by MKL; NumPy's loops by its dispatch targets (``X86_V3`` = AVX2,
``X86_V4`` = AVX-512; ``NPY_DISABLE_CPU_FEATURES`` removes them) and its
matrix products by OpenBLAS, whose kernel set (``Haswell``, ``SkylakeX``, …)
is again picked from the CPU (``OPENBLAS_CORETYPE`` forces one). Two machines
can therefore give different last bits, and at NaN, ±inf, ±0 and kinks even
different answers (see ``parity_tests/edges.py``). Every failure message and
the parity table's header carry :func:`describe`, so a result is never read
without the machine it came from.
"""

from __future__ import annotations

import functools
import os
import platform
import re

#: Environment variables that change which kernels run; shown when set.
KERNEL_VARIABLES = ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "NPY_DISABLE_CPU_FEATURES",
                    "NPY_ENABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "MKL_ENABLE_INSTRUCTIONS",
                    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _numpy_facts() -> dict:
    import numpy as np

    facts = {"numpy": np.__version__}
    try:
        from numpy._core import _multiarray_umath as umath  # NumPy ≥ 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    features = getattr(umath, "__cpu_features__", {})
    dispatch = getattr(umath, "__cpu_dispatch__", [])
    facts["numpy_simd"] = ",".join(t for t in dispatch if features.get(t)) or "baseline only"
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        blas = []
    if blas:
        b = blas[0]
        facts["numpy_blas"] = f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture')} kernels)"
    else:
        facts["numpy_blas"] = "unknown"
    return facts


def _torch_facts() -> dict:
    import torch

    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    blas = blas.group(1) if blas else "unknown"
    mkl = re.search(r"Math Kernel Library Version ([\w.]+)", config)
    if blas == "mkl" and mkl:
        blas = f"MKL {mkl.group(1)}"
    onednn = next((line.strip(" -").replace("Intel(R) MKL-DNN ", "oneDNN ").split(" (")[0]
                   for line in config.splitlines() if "MKL-DNN" in line or "oneDNN" in line), "no oneDNN")
    return {"torch": torch.__version__, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch_blas": blas, "torch_onednn": onednn,
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"}


@functools.lru_cache(maxsize=1)
def facts() -> dict:
    """The machine, its kernels and the environment variables that steer them."""
    out = {"cpu": _cpu_model(), "machine": platform.machine(), "python": platform.python_version()}
    out.update(_numpy_facts())
    out.update(_torch_facts())
    out["environment"] = {k: os.environ[k] for k in KERNEL_VARIABLES if k in os.environ}
    return out


def describe() -> str:
    """One line: CPU, torch's capability, BLAS and build, NumPy's dispatch and BLAS."""
    f = facts()
    env = " ".join(f"{k}={v}" for k, v in f["environment"].items())
    return (f"{f['cpu']} ({f['machine']}); torch {f['torch']}, CPU capability {f['torch_cpu_capability']}, "
            f"BLAS {f['torch_blas']}, {f['torch_onednn']}, CUDA {f['cuda']}; "
            f"NumPy {f['numpy']}, SIMD {f['numpy_simd']}, BLAS {f['numpy_blas']}"
            + (f"; set: {env}" if env else ""))
