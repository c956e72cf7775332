"""``import scratchnet`` loads NumPy only: no torch, scikit-learn or matplotlib."""

import subprocess
import sys


def test_import_scratchnet_pulls_in_no_heavy_dependency():
    code = (
        "import sys; import scratchnet, scratchnet.nn, scratchnet.models, scratchnet.gradcheck; "
        "import pkgutil, importlib; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(scratchnet.__path__, 'scratchnet.') "
        " if not m.name.endswith('sklearn') and 'sklearn' not in m.name]; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sklearn', 'matplotlib', 'scipy', 'tqdm', 'tabulate')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"modules loaded by scratchnet: {result.stdout} {result.stderr}"


def test_scratchnet_sklearn_needs_scikit_learn_but_not_torch():
    """The scikit-learn adapter imports scikit-learn (in that module only) and never torch."""
    code = ("import sys, scratchnet.sklearn; "
            "sys.exit(0 if 'sklearn' in sys.modules and 'torch' not in sys.modules else 1)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_sklearn_backend_loads_with_the_estimators_only_and_needs_no_scikit_learn():
    """``scratchnet._sklearn_backend`` (the estimators' network operations) is not
    loaded by ``import scratchnet``; it needs SciPy (sparse X) but neither
    scikit-learn nor torch; ``scratchnet.sklearn`` still exports it."""
    code = ("import sys, scratchnet, scratchnet.nn, scratchnet.optim; "
            "assert 'scratchnet._sklearn_backend' not in sys.modules; "
            "import scratchnet._sklearn_backend as b; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'torch')]; "
            "import scratchnet.sklearn as s; assert s.ScratchnetBackend is b.ScratchnetBackend")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
