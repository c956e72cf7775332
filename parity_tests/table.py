"""The parity table: ``python -m parity_tests.table [--out FILE] [pytest args]``.

Runs the parity suite with measurement recording switched on, then prints,
with tabulate, each component's largest measured error per quantity, dtype
and device, next to the bound the suite holds it to. ``--out`` also writes
the table as Markdown and the raw maxima as JSON beside it.
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
        path.write_text(render(rows) + "\n")
        path.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    return code, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="also write the table (Markdown) here, and JSON beside it")
    args, pytest_args = parser.parse_known_args(argv)
    code, rows = run(pytest_args, args.out)
    print(render(rows, "simple"))
    return code


if __name__ == "__main__":
    sys.exit(main())
