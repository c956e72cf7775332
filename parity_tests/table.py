"""The parity table: ``python -m parity_tests.table [--out FILE] [--detail] [pytest args]``.

Runs the parity suite with measurement recording switched on, then prints,
with tabulate, each component's largest measured error per dtype and device,
next to the bound the suite holds it to: one row per component family
("CrossEntropyLoss", "MLP depth 3", "Adam", ...) naming its worst case;
``--detail`` prints one row per component variant and quantity instead.
``--out FILE`` writes both tables as Markdown, and the raw maxima as JSON
beside it (FILE with the suffix .json).

The table cannot read "within: yes" everywhere while the suite failed: it
opens with the suite's outcome and the machine it ran on
(``parity_tests/machine.py``), every failed test is a row of its own (its id
and message, recorded by ``parity_tests/conftest.py``), and a run that ended
badly without a failed test (a collection error, an interruption) is a row
too. The exit status is pytest's. The edges where torch's own kernel paths
disagreed (``parity_tests/edges.py``) are listed after the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from tabulate import tabulate


def read_records(records_dir: str) -> list[dict]:
    """Every record the suite wrote (``parity_tests.compare``), in file order."""
    records = []
    for path in sorted(Path(records_dir).glob("records-*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return records


def collect(records_dir: str) -> list[dict]:
    """The measurements, one row per (component, quantity, dtype, device): the worst."""
    rows: dict[tuple, dict] = {}
    counts: dict[tuple, int] = defaultdict(int)
    for r in read_records(records_dir):
        if r.get("kind", "measure") != "measure":
            continue
        key = (r["component"], r["quantity"], r["dtype"], r["device"])
        counts[key] += 1
        best = rows.get(key)
        if best is None or r["max_rel"] > best["max_rel"]:
            rows[key] = r
        elif r["max_abs"] > best["max_abs"]:
            best = dict(best, max_abs=r["max_abs"])
            rows[key] = best
    out = []
    for key in sorted(rows):
        r = {k: v for k, v in rows[key].items() if k != "kind"}
        out.append(dict(r, cases=counts[key], ok=r["max_rel"] <= r["bound"]))
    return out


def collect_failures(records_dir: str) -> list[dict]:
    """Failed tests, once each (under xdist a worker and the controller both see one)."""
    seen: dict[str, dict] = {}
    for r in read_records(records_dir):
        if r.get("kind") == "failure":
            seen.setdefault(r["test"], {"test": r["test"], "message": r["message"]})
    return [seen[k] for k in sorted(seen)]


def collect_open_edges(records_dir: str) -> list[dict]:
    """Entries where torch's kernel paths disagreed, once each."""
    seen: dict[tuple, dict] = {}
    for r in read_records(records_dir):
        if r.get("kind") == "open_edge":
            key = (r["component"], r["quantity"], r["dtype"], r["device"], r["z"])
            seen.setdefault(key, {k: v for k, v in r.items() if k != "kind"})
    return [seen[k] for k in sorted(seen)]


def status(exit_code: int, rows: list[dict], failures: list[dict]) -> dict:
    """The suite's outcome in words, and whether it passed."""
    over = sum(not r["ok"] for r in rows)
    passed = exit_code == 0 and not failures and not over
    if passed:
        text = "the parity suite passed"
    elif failures:
        text = f"the parity suite FAILED: {len(failures)} test{'s' if len(failures) != 1 else ''} failed"
    elif exit_code:
        text = f"the parity suite FAILED: pytest exited with code {exit_code} and no test failed on its own"
    else:
        text = f"the parity suite FAILED: {over} measurement{'s' if over != 1 else ''} above the bound"
    return {"passed": passed, "exit_code": exit_code, "text": text}


def failure_rows(exit_code: int, failures: list[dict]) -> list[dict]:
    """Summary rows for what the measurements cannot show: failed tests, a bad exit."""
    rows = [{"component": f"FAILED {f['test']}", "dtype": "", "device": "", "cases": 1, "max_abs": float("nan"),
             "max_rel": float("nan"), "bound": float("nan"), "ok": False, "worst": _one_line(f["message"])}
            for f in failures]
    if exit_code and not failures:
        rows.append({"component": "pytest run", "dtype": "", "device": "", "cases": 0, "max_abs": float("nan"),
                     "max_rel": float("nan"), "bound": float("nan"), "ok": False,
                     "worst": f"exited with code {exit_code} (collection error or interruption?)"})
    return rows


def _one_line(message: str, limit: int = 300) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def family(component: str) -> str:
    """"CrossEntropyLoss(indices, ...)(reduction='sum')" → "CrossEntropyLoss"."""
    return component.split("(")[0].strip()


def summarize(rows: list[dict]) -> list[dict]:
    """One row per (component family, dtype, device): the worst relative error."""
    groups: dict[tuple, dict] = {}
    for r in rows:
        key = (family(r["component"]), r["dtype"], r["device"])
        g = groups.setdefault(key, {"component": key[0], "dtype": key[1], "device": key[2], "cases": 0,
                                    "max_abs": 0.0, "max_rel": -1.0, "bound": r["bound"], "ok": True, "worst": ""})
        g["cases"] += r["cases"]
        g["max_abs"] = max(g["max_abs"], r["max_abs"])
        g["ok"] = g["ok"] and r["ok"]
        if r["max_rel"] / r["bound"] > g["max_rel"] / g["bound"] or g["max_rel"] < 0:
            g.update(max_rel=r["max_rel"], bound=r["bound"], worst=f"{r['component']}: {r['quantity']}")
    return [groups[k] for k in sorted(groups)]


def _number(x: float, fmt: str) -> str:
    return "—" if x != x else format(x, fmt)  # NaN: a failure row has no measurement


def render_summary(rows: list[dict], fmt: str = "github", extra: list[dict] = ()) -> str:
    """One row per component family (worst case named), failed tests first."""
    table = [[r["component"], r["dtype"], r["device"], r["cases"], _number(r["max_abs"], ".2e"),
              _number(r["max_rel"], ".2e"), _number(r["bound"], ".0e"), "yes" if r["ok"] else "NO", r["worst"]]
             for r in [*extra, *summarize(rows)]]
    return tabulate(table, headers=["component", "dtype", "device", "cases", "max abs err", "max rel err",
                                    "bound", "within", "worst case"], tablefmt=fmt)


def render(rows: list[dict], fmt: str = "github") -> str:
    table = [[r["component"], r["quantity"], r["dtype"], r["device"], r["cases"],
              f"{r['max_abs']:.2e}", f"{r['max_rel']:.2e}", f"{r['bound']:.0e}", "yes" if r["ok"] else "NO"]
             for r in rows]
    return tabulate(table, headers=["component", "quantity", "dtype", "device", "cases",
                                    "max abs err", "max rel err", "bound", "within"], tablefmt=fmt)


def render_open_edges(edges: list[dict], fmt: str = "github") -> str:
    table = [[e["component"], e["quantity"], e["dtype"], e["device"], e["z"], e["scratchnet"],
              "; ".join(f"{path}: {value}" for path, value in e["torch"].items())] for e in edges]
    return tabulate(table, headers=["component", "quantity", "dtype", "device", "Z", "scratchnet",
                                    "torch, per kernel path"], tablefmt=fmt)


def header(result: dict) -> str:
    """The outcome and the machine, in two lines."""
    return f"**Outcome:** {result['status']['text']}.  \n**Machine:** {result['machine']}"


def run(pytest_args: list[str], out: str | None = None) -> dict:
    """Run the parity suite with recording on; return its outcome, rows, failures
    and open edges (and write them to ``out`` as Markdown, and JSON beside it)."""
    from parity_tests.machine import describe, facts

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SCRATCHNET_PARITY_RECORD=tmp)
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "parity_tests", *pytest_args], env=env)
        rows, failures, edges = collect(tmp), collect_failures(tmp), collect_open_edges(tmp)
    result = {"status": status(code, rows, failures), "machine": describe(), "machine_facts": facts(),
              "failures": failures, "rows": rows, "open_edges": edges}
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = ["## Parity summary", "", header(result), "",
                render_summary(rows, extra=failure_rows(code, failures)), "",
                "## Edges torch leaves open", "",
                "Entries where torch's own kernel paths gave different answers on this machine; scratchnet is "
                "accepted there when it equals one of them (`parity_tests/edges.py`).", "",
                render_open_edges(edges) if edges else "None met on this machine.", "",
                "## Every component and quantity", "", render(rows), ""]
        path.write_text("\n".join(text))
        path.with_suffix(".json").write_text(json.dumps(result, indent=1))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the tables (Markdown) here, and JSON beside it")
    parser.add_argument("--detail", action="store_true", help="one row per component variant and quantity")
    args, pytest_args = parser.parse_known_args(argv)
    result = run(pytest_args, args.out)
    rows, extra = result["rows"], failure_rows(result["status"]["exit_code"], result["failures"])
    print(f"Outcome: {result['status']['text']}.\nMachine: {result['machine']}\n")
    print(render(rows, "simple") if args.detail else render_summary(rows, "simple", extra=extra))
    if extra and args.detail:
        print("\n" + render_summary([], "simple", extra=extra))
    return result["status"]["exit_code"] or (0 if result["status"]["passed"] else 1)


if __name__ == "__main__":
    sys.exit(main())
