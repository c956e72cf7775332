"""The three lecture notebooks: stored clean, run top to bottom in a fresh kernel in
quick mode, and every number they share with the experiments equal to the
experiments' ``result.json`` of the same quick run (``notebooks/checks.py`` says
which numbers and argues the tolerance, 1e-9 relative for floats; verdicts,
counts and rounded predictions exactly).

Cost: one kernel per notebook (a few seconds to start) plus the quick
experiments the checks read — the slowest part of the suite by design, kept to
the experiments' --quick settings.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `notebooks/` is run from the checkout, not installed (bare `pytest` does not add it)
    sys.path.insert(0, str(ROOT))

from notebooks import runner  # noqa: E402
from notebooks.checks import CHECKS, RTOL, checks_for, compare, experiments_of, same  # noqa: E402

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The quick experiments every notebook is checked against (run once for the module)."""
    from experiments.cli import run

    out = tmp_path_factory.mktemp("experiments")
    names = sorted({e for nb in runner.NOTEBOOKS for e in experiments_of(nb, quick=True)})
    entries = run(names, quick=True, out=out, progress=False, plots=False)
    assert {e.experiment.name for e in entries} == set(names)
    assert all(e.result is not None for e in entries), [e.error for e in entries if e.result is None]
    return out


@pytest.fixture(scope="module")
def executed(results):
    """Each notebook executed in quick mode, with its checked values read out of the kernel."""
    return {name: runner.execute(name, quick=True, probe={c.key: c.expr for c in CHECKS[name]})
            for name in runner.NOTEBOOKS}


@pytest.mark.parametrize("name", runner.NOTEBOOKS)
def test_the_stored_notebook_has_no_outputs_and_matches_its_percent_twin(name):
    import jupytext

    nb = runner.load(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    twin = jupytext.read(runner.HERE / "percent" / f"{name}.py")
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in twin.cells], \
        f"{name}.ipynb and percent/{name}.py differ: run `jupytext --sync notebooks/percent/{name}.py`"
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1


@pytest.mark.parametrize("name", runner.NOTEBOOKS)
def test_the_notebook_uses_the_public_api_only(name):
    """scratchnet, torch_ref, torch and scikit-learn: never the experiment harness."""
    source = "\n".join(c.source for c in runner.load(name).cells if c.cell_type == "code")
    assert not re.search(r"^\s*(from|import)\s+(experiments|parity_tests|notebooks)\b", source, flags=re.M)
    assert "import scratchnet as sn" in source and "import torch_ref" in source


@pytest.mark.parametrize("name", runner.NOTEBOOKS)
def test_the_notebook_runs_and_shows_what_the_experiments_computed(name, executed, results):
    nb, values = executed[name]
    assert runner.stray_outputs(nb) == []          # no warnings, nothing on stderr, no errors
    problems = compare(name, values, results, quick=True)
    assert problems == [], "\n".join(problems)
    checked = checks_for(name, quick=True)
    assert len(checked) >= 40 and all("value" in values[c.key] for c in checked)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3      # the plots, drawn
    assert sum("<table>" in o.get("data", {}).get("text/html", "") for o in outputs) >= 5   # the tables
    verdicts = [v["value"] for c, v in ((c, values[c.key]) for c in checked) if c.key.startswith("verdict: ")]
    assert {"✅ reproduced", "❌ differs"} & set(verdicts), "the audit's verdicts are shown"


def test_the_quick_cell_is_injected_after_the_parameters(executed):
    nb, _ = executed["icdss_lecture4"]
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    assert nb.cells[i + 1].source == runner.QUICK_SOURCE
    assert not any("probe" in c.metadata.get("tags", []) for c in nb.cells)   # the probe cell is dropped


def test_the_executed_copy_and_its_html(executed, tmp_path):
    nb, _ = executed["icdss_lecture4"]
    paths = runner.write(nb, "icdss_lecture4", tmp_path)
    assert [p.name for p in paths] == ["icdss_lecture4.ipynb", "icdss_lecture4.html"]
    again = nbformat.read(paths[0], as_version=4)
    assert any(c.get("outputs") for c in again.cells if c.cell_type == "code")
    html = paths[1].read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 3 and "<table>" in html and "Traceback" not in html


def test_a_check_that_disagrees_is_reported(results):
    """The comparison can fail: a value off by more than RTOL, a wrong verdict, a missing value."""
    check = next(c for c in CHECKS["chapter15_neural_networks"] if c.experiment == "ch15_xor" and not c.claim)
    expected = json.loads((results / "ch15_xor" / "result.json").read_text())
    for key in check.path:
        expected = expected[key]
    off = [v * (1 + 10 * RTOL) for v in expected]
    verdict = next(c for c in checks_for("chapter15_neural_networks", True) if c.key == "verdict: forward z2")
    values = {c.key: {"value": None} for c in CHECKS["chapter15_neural_networks"]}
    values[check.key] = {"value": off}
    values[verdict.key] = {"value": "✅ reproduced"}      # the report says it differs
    problems = compare("chapter15_neural_networks", values, results, quick=True)
    assert any(p.startswith(check.key) for p in problems)
    assert any(p.startswith(verdict.key) for p in problems)


def test_same():
    assert same(0.1, 0.1 * (1 + RTOL / 2)) and not same(0.1, 0.1 * (1 + 2 * RTOL))
    assert same([1.0, 2.0], [1.0, 2.0]) and not same([1.0, 2.0], [1.0, 2.0, 3.0])
    assert same("reproduced", "✅ reproduced") and not same("reproduced", "❌ differs")
    assert same(None, None) and not same(None, 0.0) and not same(1, 2)
    assert same(float("nan"), float("nan")) and not same(float("nan"), 1.0)


def test_the_command_line_refuses_unknown_names_and_missing_results(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        runner.main(["no_such_notebook", "--no-check"])
    assert e.value.code == 2 and "unknown notebook 'no_such_notebook'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        runner.main(["icdss_lecture4", "--quick", "--results", str(tmp_path)])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "no result.json" in err and "python -m experiments --quick" in err
    with pytest.raises(ValueError, match="unknown notebook"):
        runner.path_of("nope")
