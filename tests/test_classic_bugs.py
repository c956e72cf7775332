"""The classic-bug catalogue (parity_tests/classic_bugs): every bug is flagged by
torch_ref.check on its hand-written variant — on the expected tensor, with its
cause named — and caught by scratchnet's parity suite when planted into a copy
of the repository; the correct hand-written code passes; every edit applies to
the current tree, and one that does not is refused loudly."""

from __future__ import annotations

import pathlib

import pytest

from parity_tests.classic_bugs import harness
from parity_tests.classic_bugs.catalogue import BY_ID, CATALOGUE, Bug
from parity_tests.classic_bugs.cli import main, markdown_table, rows_for
from parity_tests.classic_bugs.edits import Edit, PlantError, apply_edits, apply_to_text, check_applies
from parity_tests.classic_bugs.runner import ROOT, run_harness, run_suite

IDS = [b.id for b in CATALOGUE]


def test_the_catalogue_has_at_least_20_bugs_of_every_kind():
    assert len(CATALOGUE) >= 20 and len(BY_ID) == len(CATALOGUE)
    scenarios = {b.scenario for b in CATALOGUE}
    assert {"classifier", "regressor", "batchnorm_layer", "dropout_layer", "sgd", "adam", "adamw", "rmsprop",
            "adagrad"} <= scenarios
    for bug in CATALOGUE:
        assert bug.hand and bug.plant and bug.tests and bug.says and bug.lesson
        assert all(e.path.startswith("scratchnet/") for e in bug.plant)
        assert all(t.startswith("parity_tests/test_") for t in bug.tests)


@pytest.mark.parametrize("bug", CATALOGUE, ids=IDS)
def test_every_plant_applies_to_the_current_tree(bug):
    check_applies(ROOT, list(bug.plant))


@pytest.fixture(scope="module")
def flagged():
    """torch_ref.check on every hand-written variant (once for the module)."""
    return {bug.id: run_harness(bug) for bug in CATALOGUE}


@pytest.mark.parametrize("bug", CATALOGUE, ids=IDS)
def test_every_bug_is_flagged_by_torch_ref_check_with_its_cause(flagged, bug):
    result = flagged[bug.id]
    assert result.tensor == bug.tensor, result.report
    for word in bug.says:
        assert word in result.diagnosis, result.report
    assert result.ok


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scenario,kwargs", harness.CORRECT_RUNS,
                         ids=[f"{s}{'-' + '-'.join(map(str, k.values())) if k else ''}" for s, k in harness.CORRECT_RUNS])
def test_the_correct_hand_written_code_passes(scenario, kwargs, dtype):
    report = harness.run(scenario, **kwargs, dtype=dtype)
    assert report.ok, report


def test_a_hand_edit_that_no_longer_applies_is_refused():
    with pytest.raises(PlantError, match="not found"):
        harness.load([Edit(harness.HANDWRITTEN, "this text is not there", "x")])
    with pytest.raises(ValueError, match="edits parity_tests/classic_bugs/handwritten.py"):
        harness.load([Edit("scratchnet/nn/modules/linear.py", "z", "z")])


def test_edits_are_exact_and_unique(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\ny = 1\nx = 1\n")
    with pytest.raises(PlantError, match="found 2 times"):
        apply_edits(tmp_path, [Edit("a.py", "x = 1", "x = 2")])
    with pytest.raises(PlantError, match="no such file"):
        apply_edits(tmp_path, [Edit("b.py", "x", "y")])
    with pytest.raises(PlantError, match="not found"):
        apply_edits(tmp_path, [Edit("a.py", "y = 1\n", "y = 2\n"), Edit("a.py", "z", "w")])
    assert (tmp_path / "a.py").read_text() == "x = 1\ny = 1\nx = 1\n"   # nothing written when one edit fails
    apply_edits(tmp_path, [Edit("a.py", "y = 1", "y = 2")])
    assert (tmp_path / "a.py").read_text() == "x = 1\ny = 2\nx = 1\n"
    assert apply_to_text("abc", Edit("f", "b", "")) == "ac"


MISSING = Bug("(a stale plant)", "t", "l", (), "classifier", "dW1", ("x",),
              (Edit("scratchnet/nn/modules/linear.py", "text that is not in linear.py", "x"),),
              ("parity_tests/test_mlp.py::test_state_dict_keys_and_shapes_match_torch",))


@pytest.fixture(scope="module")
def suite():
    """Every bug planted into its own copy, its parity tests run there (one worker process per
    plant, one thread each, two at a time), after a baseline run of the same tests unplanted."""
    baseline, results = run_suite(CATALOGUE + [MISSING], jobs=2)
    return baseline, {r.bug: r for r in results}


def test_the_named_parity_tests_pass_on_the_unplanted_tree(suite):
    baseline, _ = suite
    assert baseline.error is None and not baseline.failed, baseline
    assert baseline.passed == len({t for b in CATALOGUE for t in b.tests} | set(MISSING.tests))


@pytest.mark.parametrize("bug", CATALOGUE, ids=IDS)
def test_every_bug_planted_into_scratchnet_is_caught_by_the_parity_suite(suite, bug):
    result = suite[1][bug.id]
    assert result.error is None, result.error
    assert result.caught and result.test in bug.tests, result


def test_a_plant_whose_old_text_is_missing_is_refused_loudly(suite):
    result = suite[1][MISSING.id]
    assert not result.caught and result.error.startswith("PlantError") and "not found" in result.error


def test_the_table_and_the_cli(capsys, tmp_path):
    bug = BY_ID["relu_kink"]
    h = {bug.id: run_harness(bug)}
    rows = rows_for([bug], h, None)
    assert rows[0][0] == bug.title and rows[0][1].startswith("db2: ") and rows[0][2] == "—"
    assert markdown_table(rows).count("\n") == 2
    out = tmp_path / "t.md"
    assert main(["--only", "relu_kink", "sign_flipped", "--harness-only", "--out", str(out)]) == 0
    assert "| ReLU'(0) = 1 |" in out.read_text()
    assert main(["--list"]) == 0 and "adam_no_bias_correction" in capsys.readouterr().out
    assert main(["--show", "relu_kink"]) == 0 and "self.Z >= 0" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--only", "no_such_bug"])


def test_the_readme_table_is_what_the_catalogue_gives(flagged, suite):
    """Every row of the README's table — the bug, what torch_ref.check says, the catching
    test — is what this run produced (regenerate it with
    ``python -m parity_tests.classic_bugs --out FILE`` after changing the catalogue)."""
    readme = (pathlib.Path(ROOT) / "README.md").read_text(encoding="utf-8")
    table = markdown_table(rows_for(CATALOGUE, flagged, suite[1])).splitlines()
    for line, bug in zip(table[2:], CATALOGUE):
        assert line in readme, f"README's catalogue table differs for {bug.id}:\n{line}"
