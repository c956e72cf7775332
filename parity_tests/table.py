"""The parity table: ``python -m parity_tests.table [--out FILE] [--detail] [pytest args]``.

Runs the parity suite with measurement recording switched on, then prints,
with tabulate, each component's largest measured error per dtype and device,
next to the bound the suite holds it to: one row per component family
("CrossEntropyLoss", "MLP depth 3", "Adam", ...) naming its worst case;
``--detail`` prints one row per component variant and quantity instead.
``--out FILE`` writes both tables as Markdown, and the raw maxima as JSON
beside it (FILE with the suffix .json).
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


def collect(records_dir: str) -> list[dict]:
    rows: dict[tuple, dict] = {}
    counts: dict[tuple, int] = defaultdict(int)
    for path in Path(records_dir).glob("records-*.jsonl"):
        for line in path.read_text().splitlines():
            r = json.loads(line)
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
        r = rows[key]
        out.append(dict(r, cases=counts[key], ok=r["max_rel"] <= r["bound"]))
    return out


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


def render_summary(rows: list[dict], fmt: str = "github") -> str:
    table = [[r["component"], r["dtype"], r["device"], r["cases"], f"{r['max_abs']:.2e}",
              f"{r['max_rel']:.2e}", f"{r['bound']:.0e}", "yes" if r["ok"] else "NO", r["worst"]]
             for r in summarize(rows)]
    return tabulate(table, headers=["component", "dtype", "device", "cases", "max abs err", "max rel err",
                                    "bound", "within", "worst case"], tablefmt=fmt)


def render(rows: list[dict], fmt: str = "github") -> str:
    table = [[r["component"], r["quantity"], r["dtype"], r["device"], r["cases"],
              f"{r['max_abs']:.2e}", f"{r['max_rel']:.2e}", f"{r['bound']:.0e}", "yes" if r["ok"] else "NO"]
             for r in rows]
    return tabulate(table, headers=["component", "quantity", "dtype", "device", "cases",
                                    "max abs err", "max rel err", "bound", "within"], tablefmt=fmt)


def run(pytest_args: list[str], out: str | None = None) -> tuple[int, list[dict]]:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SCRATCHNET_PARITY_RECORD=tmp)
        code = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                "parity_tests", *pytest_args], env=env)
        rows = collect(tmp)
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("## Parity summary\n\n" + render_summary(rows) + "\n\n## Every component and quantity\n\n"
                        + render(rows) + "\n")
        path.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    return code, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the tables (Markdown) here, and JSON beside it")
    parser.add_argument("--detail", action="store_true", help="one row per component variant and quantity")
    args, pytest_args = parser.parse_known_args(argv)
    code, rows = run(pytest_args, args.out)
    print(render(rows, "simple") if args.detail else render_summary(rows, "simple"))
    return code


if __name__ == "__main__":
    sys.exit(main())
