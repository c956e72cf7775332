"""Every registered experiment, whatever its lecture: covered by a quick-mode test,
and deterministic (a second run writes the same files, timings aside)."""

from __future__ import annotations

import fnmatch
import json

import pytest

from experiments.cli import run
from experiments.registry import load
from experiments.report import TIMING_KEYS

#: How each lecture's test module picks the experiments it runs in quick mode
#: (keep in step with the ``results`` fixture of each module).
LECTURE_SELECTIONS = {
    "test_experiments_cs229.py": lambda name, exp: exp.source == "000_cf38cdbe29059033.txt",
    "test_experiments_icdss.py": lambda name, exp: fnmatch.fnmatchcase(name, "icdss_*"),
    "test_experiments_chapter15.py": lambda name, exp: fnmatch.fnmatchcase(name, "ch15_*"),
}

#: Registered experiments that no lecture selection picks (a scikit-learn or a
#: benchmark experiment, say), each with the test module that runs it in quick mode.
NON_LECTURE: dict[str, str] = {}


def test_every_registered_experiment_is_covered_by_a_quick_mode_test():
    registry = load()
    picked = {name for name, exp in registry.items()
              if any(select(name, exp) for select in LECTURE_SELECTIONS.values())}
    uncovered = sorted(set(registry) - picked - set(NON_LECTURE))
    assert not uncovered, (f"{uncovered} escape every lecture's quick-mode tests: name them by the lecture's "
                           "pattern, or add them to NON_LECTURE with the test that runs them")
    assert set(NON_LECTURE) <= set(registry), f"NON_LECTURE names unknown experiments: {set(NON_LECTURE) - set(registry)}"
    assert picked | set(NON_LECTURE) == set(registry)


def _without_timings(obj):
    return {k: v for k, v in obj.items() if k not in TIMING_KEYS}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, quick_experiments):
    """The session's quick run (tests/conftest.py, shared with the notebook tests) and a second one."""
    out = tmp_path_factory.mktemp("second")
    entries = run([], quick=True, out=out, progress=False, plots=False)
    assert all(e.result is not None for e in entries), [e.error for e in entries if e.result is None]
    return [quick_experiments, out]


def test_a_second_run_writes_the_same_files_timings_aside(two_runs):
    """Every experiment's result.json (numbers, tables, summary, claims), claims.json and
    summary.json: identical on a second run, except under the declared timing keys."""
    a, b = two_runs
    names = sorted(load())
    assert sorted(p.parent.name for p in a.glob("*/result.json")) == names
    for name in names:
        ra = json.loads((a / name / "result.json").read_text())
        rb = json.loads((b / name / "result.json").read_text())
        assert _without_timings(ra) == _without_timings(rb), f"{name}: result.json differs on a second run"
    assert (a / "claims.json").read_text() == (b / "claims.json").read_text()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert _without_timings(sa) == _without_timings(sb)
    assert set(sa["timings"]["seconds"]) == set(names)


def test_timings_are_kept_apart(two_runs):
    """The mini-batch exercise's wall-clock times live under `timings`, not in its numbers or tables."""
    result = json.loads((two_runs[0] / "cs229_ex04_minibatch" / "result.json").read_text())
    assert "seconds" not in result["numbers"] and "seconds" in result["timings"]["numbers"]
    assert all("ms" not in " ".join(t["headers"]) for t in result["tables"])
    assert any("ms per epoch" in " ".join(t["headers"]) for t in result["timings"]["tables"])


def test_every_claim_that_differs_says_why(two_runs):
    """A 'differs' verdict without a note leaves the learner with a wrong number and no reason."""
    claims = json.loads((two_runs[0] / "claims.json").read_text())
    silent = [(c["experiment"], c["quantity"]) for c in claims if c["verdict"] == "differs" and not c["note"].strip()]
    assert not silent, f"'differs' claims with an empty note: {silent}"
