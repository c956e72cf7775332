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
