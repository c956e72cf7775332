"""The three lecture notebooks: stored clean, run top to bottom in a fresh kernel in
quick mode, and every number they share with the experiments equal to the
experiments' ``result.json`` of the same quick run (``notebooks/checks.py`` says
which numbers and argues the tolerance, 1e-9 relative for floats; verdicts,
counts and rounded predictions exactly). Every claim record of the audit is
shown by a notebook, and every experiment appears in one.

Cost: the slowest module of the suite by design, kept to what the checks need.
The quick experiments run once per session (``quick_experiments`` in
``tests/conftest.py``, shared with ``tests/test_experiments_all.py``); each
notebook is executed once per session, the three side by side (one kernel each,
one BLAS thread per kernel), and every test reads those executions.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `notebooks/` is run from the checkout, not installed (bare `pytest` does not add it)
    sys.path.insert(0, str(ROOT))

from notebooks import runner  # noqa: E402
from notebooks.checks import CHECKS, RTOL, checks_for, compare, same  # noqa: E402

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

#: Registered experiments no notebook shows (with the reason); none today.
NOT_IN_A_NOTEBOOK: dict[str, str] = {}


@pytest.fixture(scope="module")
def results(quick_experiments):
    """The quick experiments every notebook is checked against (the session's one quick run)."""
    return quick_experiments


@pytest.fixture(scope="module")
def executed(results):
    """Each notebook executed once in quick mode, side by side, with its checked values read out of the kernel."""
    probes = {name: {c.key: c.expr for c in CHECKS[name]} for name in runner.NOTEBOOKS}
    done = runner.execute_all(runner.NOTEBOOKS, quick=True, probes=probes, jobs=min(3, os.cpu_count() or 1))
    failed = {name: result for name, (result, _) in done.items() if isinstance(result, Exception)}
    assert not failed, "\n".join(f"{name}: {type(exc).__name__}: {str(exc)[-2000:]}" for name, exc in failed.items())
    return {name: result for name, (result, _) in done.items()}


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


@pytest.fixture(scope="module")
def written(executed, tmp_path_factory):
    """The ICDSS notebook's executed copy and HTML page, written once: (folder, paths)."""
    out = tmp_path_factory.mktemp("written")
    return out, runner.write(executed["icdss_lecture4"][0], "icdss_lecture4", out)


def test_the_executed_copy_and_its_html(written):
    _, paths = written
    assert [p.name for p in paths] == ["icdss_lecture4.ipynb", "icdss_lecture4.html"]
    again = nbformat.read(paths[0], as_version=4)
    assert any(c.get("outputs") for c in again.cells if c.cell_type == "code")
    html = paths[1].read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 3 and "<table>" in html and "Traceback" not in html
    assert "<title>ICDSS Lecture 4 — Neural Networks, on scratchnet and PyTorch</title>" in html


def test_the_html_typesets_its_formulas_offline(written, executed):
    """MathJax comes from the folder the pages are in (a copy of jupyter-server-mathjax's), told to use the
    fonts that copy has; nothing of it from a CDN."""
    tmp_path, paths = written
    nb, _ = executed["icdss_lecture4"]
    html = paths[1].read_text(encoding="utf-8")
    scripts = re.findall(r'<script src="([^"]*MathJax[^"]*)"', html, flags=re.I)
    assert scripts == [f"mathjax/MathJax.js?config={runner.MATHJAX_CONFIG}"]
    assert html.index('webFont: "STIX-Web"') < html.index(scripts[0])         # the fonts, read before MathJax runs
    config = runner.MATHJAX_CONFIG.split(",")[0]
    for needed in ("MathJax.js", f"config/{config}.js", "config/Safe.js", "jax/output/HTML-CSS/fonts/STIX-Web/fontdata.js",
                   "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff"):
        assert (tmp_path / "mathjax" / needed).is_file(), needed
    assert not (tmp_path / "mathjax" / "localization").exists()                 # left out of the copy
    assert "$" in "".join(c.source for c in nb.cells if c.cell_type == "markdown")   # there is maths to typeset


def test_every_claim_of_the_audit_is_shown_by_a_notebook(results):
    """Where the experiments' audit has a record for a claim, a notebook shows its verdict (and a check holds it
    equal to the report's): no number of a lecture is left without its verdict next to it."""
    claims = json.loads((results / "claims.json").read_text())
    shown = {(c.experiment, c.claim) for name in runner.NOTEBOOKS for c in checks_for(name, quick=True)
             if c.claim is not None and c.field == "verdict"}
    missing = [f"{r['experiment']}: {r['quantity']}" for r in claims if (r["experiment"], r["quantity"]) not in shown]
    assert not missing, "claims no notebook shows a verdict for:\n" + "\n".join(missing)


def test_every_experiment_appears_in_a_notebook(results):
    """An instructor follows each lecture in its notebook without opening experiments/: every registered
    experiment's numbers are in a notebook (checked against its result.json), or it is named in
    NOT_IN_A_NOTEBOOK with the reason."""
    from experiments.registry import load

    checked = {c.experiment for name in runner.NOTEBOOKS for c in checks_for(name, quick=True)}
    missing = sorted(set(load()) - checked - set(NOT_IN_A_NOTEBOOK))
    assert not missing, f"{missing}: no notebook shows them; add them to the lecture's notebook (and notebooks/checks.py)"
    assert checked <= set(load()), f"checks name unknown experiments: {sorted(checked - set(load()))}"


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
    with pytest.raises(SystemExit) as e:
        runner.main(["icdss_lecture4", "--no-check", "--jobs", "0"])
    assert e.value.code == 2 and "--jobs must be at least 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize("failing", [(), ("notebooks",), ("parity_tests.table", "notebooks"), ("experiments",)])
def test_run_sh_runs_every_step_and_fails_at_the_end_if_one_failed(tmp_path, failing):
    """./run.sh's main job: parity table, experiments, notebooks, each run whatever the one before did; the script
    exits non-zero at the end when any failed, and says which (run with a stand-in for .venv/bin/python)."""
    import shutil
    import subprocess

    shutil.copy(ROOT / "run.sh", tmp_path / "run.sh")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "bootstrap.sh").write_text("exit 0\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text('#!/usr/bin/env bash\n'
                      'echo "$2" >> steps.log\n'
                      'if [ "$2" = parity_tests.table ]; then mkdir -p out; echo "{}" > out/parity_table.json; fi\n'
                      f'for f in {" ".join(failing) or "none"}; do [ "$2" = "$f" ] && exit 3; done\n'
                      'exit 0\n')
    python.chmod(0o755)
    done = subprocess.run(["bash", str(tmp_path / "run.sh")], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (tmp_path / "steps.log").read_text().split() == ["parity_tests.table", "experiments", "notebooks"]
    assert (done.returncode != 0) == bool(failing), done.stderr
    assert ("some notebooks failed (exit 3)" in done.stderr) == ("notebooks" in failing)
    assert ("the parity suite failed (exit 3)" in done.stderr) == ("parity_tests.table" in failing)
