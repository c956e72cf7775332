"""The parity table aggregates recorded measurements honestly."""

import json

from parity_tests.table import collect, render, render_summary, summarize


def test_collect_and_summarize(tmp_path):
    records = [
        {"component": "Adam(amsgrad)", "quantity": "params", "dtype": "float64", "device": "cpu",
         "max_abs": 1e-15, "max_rel": 2e-15, "bound": 1e-9},
        {"component": "Adam(amsgrad)", "quantity": "params", "dtype": "float64", "device": "cpu",
         "max_abs": 3e-15, "max_rel": 1e-15, "bound": 1e-9},
        {"component": "Adam", "quantity": "state", "dtype": "float64", "device": "cpu",
         "max_abs": 1e-14, "max_rel": 5e-12, "bound": 1e-9},
        {"component": "ReLU", "quantity": "forward", "dtype": "float32", "device": "cpu",
         "max_abs": 0.0, "max_rel": 2e-5, "bound": 1e-5},
    ]
    (tmp_path / "records-1.jsonl").write_text("\n".join(json.dumps(r) for r in records[:2]))
    (tmp_path / "records-2.jsonl").write_text("\n".join(json.dumps(r) for r in records[2:]))
    rows = collect(str(tmp_path))
    amsgrad = next(r for r in rows if r["component"] == "Adam(amsgrad)")
    assert amsgrad["cases"] == 2 and amsgrad["max_rel"] == 2e-15 and amsgrad["max_abs"] == 3e-15
    summary = summarize(rows)
    adam = next(r for r in summary if r["component"] == "Adam")
    assert adam["cases"] == 3 and adam["max_rel"] == 5e-12 and adam["worst"] == "Adam: state" and adam["ok"]
    relu = next(r for r in summary if r["component"] == "ReLU")
    assert not relu["ok"]
    assert "NO" in render_summary(rows) and "Adam(amsgrad)" in render(rows)


def test_a_failed_test_is_a_row_and_the_outcome_says_so(tmp_path):
    from parity_tests.table import collect_failures, failure_rows, status

    records = [{"kind": "measure", "component": "ReLU", "quantity": "forward", "dtype": "float64", "device": "cpu",
                "max_abs": 0.0, "max_rel": 0.0, "bound": 1e-10},
               {"kind": "failure", "test": "parity_tests/test_x.py::test_y[float64]", "message": "AssertionError: no"},
               {"kind": "failure", "test": "parity_tests/test_x.py::test_y[float64]", "message": "AssertionError: no"}]
    (tmp_path / "records-1.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    rows, failures = collect(str(tmp_path)), collect_failures(str(tmp_path))
    assert [r["ok"] for r in rows] == [True] and len(failures) == 1   # recorded twice under xdist: one row
    outcome = status(1, rows, failures)
    assert not outcome["passed"] and outcome["text"] == "the parity suite FAILED: 1 test failed"
    text = render_summary(rows, extra=failure_rows(1, failures))
    assert "FAILED parity_tests/test_x.py::test_y[float64]" in text and "AssertionError: no" in text
    assert text.count("| NO ") == 1


def test_a_bad_exit_without_a_failed_test_is_still_a_failure():
    from parity_tests.table import failure_rows, status

    rows = [{"component": "ReLU", "quantity": "forward", "dtype": "float64", "device": "cpu", "max_abs": 0.0,
             "max_rel": 0.0, "bound": 1e-10, "cases": 1, "ok": True}]
    outcome = status(2, rows, [])
    assert not outcome["passed"] and "exited with code 2" in outcome["text"]
    assert "NO" in render_summary(rows, extra=failure_rows(2, []))
    assert status(0, rows, [])["passed"]


def test_the_suite_records_its_failures_for_the_table(tmp_path):
    """The conftest hook writes a failing test's id and message where the table collects them."""
    import os
    import pathlib
    import subprocess
    import sys

    from parity_tests.table import collect_failures

    test = tmp_path / "test_planted.py"
    test.write_text("def test_passes():\n    assert True\n\ndef test_fails():\n    assert 1 == 2, 'planted'\n")
    records = tmp_path / "records"
    checkout = str(pathlib.Path(__file__).resolve().parents[1])  # parity_tests runs from the checkout, not the wheel
    code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "parity_tests.conftest", "-p", "no:cacheprovider",
                            str(test)], env=dict(os.environ, SCRATCHNET_PARITY_RECORD=str(records), PYTHONPATH=checkout),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    assert code == 1
    failures = collect_failures(str(records))
    assert [f["test"].split("::")[-1] for f in failures] == ["test_fails"]
    assert "planted" in failures[0]["message"]
