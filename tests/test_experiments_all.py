"""Every registered experiment, whatever its lecture: covered by a quick-mode test,
and deterministic — a second run, in worker processes (``--jobs 2``), writes the
same files as the first one in this process (``--jobs 1``), timings aside, and its
report lists the experiments in registry order whatever order they finished in."""

from __future__ import annotations

import fnmatch
import json
import re

import pytest

from experiments.base import LECTURES
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
def two_runs(quick_run, tmp_path_factory):
    """The session's quick run (``--jobs 1``) and a second one in two worker processes."""
    first, _ = quick_run
    second = tmp_path_factory.mktemp("second")
    entries = run([], quick=True, out=second, progress=False, plots=False, jobs=2)
    assert all(e.result is not None for e in entries), [e.error for e in entries if e.result is None]
    assert [e.experiment.name for e in entries] == list(load())    # registry order, not finishing order
    return first, second


def _report_without_timings(text: str) -> str:
    """REPORT.md with its wall-clock parts masked: the seconds in the intro and in each
    experiment's line, and the timing tables (whose titles say "a timing")."""
    text = re.sub(r"\d+\.\d s\b", "<seconds>", text)
    return re.sub(r"\*\*[^\n]*a timing[^\n]*\*\*\n\n(\|[^\n]*\n)+", "<timing table>\n", text)


def test_a_second_run_in_workers_writes_the_same_files_timings_aside(two_runs):
    """Every experiment's result.json (numbers, tables, summary, claims), claims.json,
    summary.json and REPORT.md: identical in a second run with --jobs 2, except under the
    declared timing keys (and the report's seconds and timing tables)."""
    a, b = two_runs
    names = sorted(load())
    assert sorted(p.parent.name for p in a.glob("*/result.json")) == names
    for name in names:
        ra = json.loads((a / name / "result.json").read_text())
        rb = json.loads((b / name / "result.json").read_text())
        assert _without_timings(ra) == _without_timings(rb), f"{name}: result.json differs in a --jobs 2 run"
    assert (a / "claims.json").read_text() == (b / "claims.json").read_text()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert _without_timings(sa) == _without_timings(sb)
    assert set(sa["timings"]["seconds"]) == set(sa["timings"]["cpu_seconds"]) == set(names)
    ra, rb = ((d / "REPORT.md").read_text() for d in (a, b))
    assert "<timing table>" in _report_without_timings(ra)      # the masking found the timing tables
    assert _report_without_timings(ra) == _report_without_timings(rb)


def test_the_report_names_each_lecture_by_its_title_not_a_file(two_runs):
    report = (two_runs[0] / "REPORT.md").read_text()
    for title in LECTURES.values():
        assert f"### {title}\n" in report              # one audit table per lecture
        assert f"## {title}: " in report                # its experiments' headings
    for key in LECTURES:
        assert key not in report and key.split("_")[1] not in report
    assert "shared/seeds" not in report and "seeds/" not in report


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
