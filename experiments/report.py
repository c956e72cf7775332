"""Turning results into what people and machines read.

For each experiment: its tables on the console (tabulate) and
``OUT/<name>/result.json`` (numbers, backend gaps, tables, claims). For the
run: ``OUT/claims.json`` (the audit), ``OUT/summary.json`` and
``OUT/REPORT.md`` — per experiment a heading, the summary paragraph, the
tables and the linked plots; then the audit table; then the parity summary of
every backend gap; then, when ``OUT/benchmark.md`` is there (``python -m
experiments benchmark``), the performance section.
"""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

from tabulate import tabulate

from . import audit
from .base import LECTURES, Context, Experiment, Result, Table, lecture_title

#: The float64 parity bound (parity_tests.compare.FLOAT64_BOUND), shown next to every gap.
from parity_tests.compare import FLOAT64_BOUND, FLOAT32_BOUND  # noqa: E402


@dataclass
class Entry:
    """One experiment's run: what it is, what it returned, how long it took."""

    experiment: Experiment
    ctx: Context
    result: Result | None
    seconds: float
    error: str | None = None
    #: CPU time of the experiment's process while it ran (wall time on a busy machine misleads);
    #: processes it starts itself (check_lecture_code's planted suites) are not in it
    cpu_seconds: float | None = None


# ----------------------------------------------------------------------------- formatting
def fmt(value, digits: int = 6) -> str:
    """A compact rendering of a table cell or a claimed/computed value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value == 0:
            return "0"
        if 1e-4 <= abs(value) < 1e6:
            text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
            return text if text not in ("", "-0") else f"{value:.{digits}g}"
        return f"{value:.3e}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v, digits) for v in value) + "]"
    return str(value)


def fmt_at(value, decimals: int | None, extra: int = 0) -> str:
    """A claimed or computed value at the printed precision (``decimals``,
    plus ``extra`` digits for computed values so the difference shows)."""
    if decimals is None:
        return fmt(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt_at(v, decimals, extra) for v in value) + "]"
    if isinstance(value, float) or isinstance(value, int) and not isinstance(value, bool) and extra:
        return f"{float(value):.{decimals + extra}f}"
    return fmt(value)


def table_text(table: Table, fmt_name: str = "simple") -> str:
    """The table for the console (tabulate's ``fmt_name``) or, with ``"markdown"``, an unpadded pipe table."""
    rows = [[fmt(c) if isinstance(c, (float, list, tuple)) or c is None else c for c in row]
            for row in table.rows]
    if fmt_name == "markdown":
        return md_table(table.headers, rows)
    return tabulate(rows, headers=table.headers, tablefmt=fmt_name, disable_numparse=True)


def md_table(headers: list, rows: list[list]) -> str:
    """A GitHub pipe table without padding: tabulate pads every cell to its
    column's widest, which made one long cell widen thousands of lines."""
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


#: A claimed or computed list longer than this is abbreviated in the report (claims.json keeps it whole).
SHOWN_VALUES = 6


def short_at(value, decimals: int | None, extra: int = 0) -> str:
    """:func:`fmt_at`, with a long list cut to its first few entries and its count."""
    flat = list(_flatten(value)) if isinstance(value, (list, tuple)) else None
    if flat is None or len(flat) <= SHOWN_VALUES:
        return fmt_at(value, decimals, extra)
    head = ", ".join(fmt_at(v, decimals, extra) for v in flat[:SHOWN_VALUES - 2])
    return f"[{head}, … {len(flat)} values]"


def _flatten(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def console(entry: Entry) -> str:
    """What the CLI prints for one experiment."""
    exp, res = entry.experiment, entry.result
    lines = [f"\n=== {exp.name}: {exp.title}  [{exp.lecture} — {exp.section}]  ({entry.seconds:.1f} s)"]
    if res is None:
        lines.append(f"FAILED: {entry.error}")
        return "\n".join(lines)
    for table in res.tables:
        lines += ["", table.title, table_text(table)]
    if res.backend_gap:
        worst = max(res.backend_gap.items(), key=lambda kv: kv[1])
        lines.append(f"\nbackend gap (max rel): {worst[1]:.2e} ({worst[0]})")
    if res.claims:
        c = audit.counts(res.claims)
        lines.append(f"audit: {c['reproduced']} reproduced, {c['differs']} differ")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------- files
def _dump(path: pathlib.Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(audit.jsonable(obj), indent=1, sort_keys=False) + "\n")


def tagged_claims(entry: Entry) -> list[dict]:
    """The experiment's claims, each validated and tagged with the experiment's name."""
    out = []
    for record in entry.result.claims if entry.result else []:
        audit.validate(record)
        out.append(dict(record, experiment=entry.experiment.name))
    return out


#: The keys of result.json and summary.json that hold wall-clock measurements (left out of determinism checks).
TIMING_KEYS = ("timings",)


def _table_json(t: Table) -> dict:
    return {"title": t.title, "headers": t.headers, "rows": t.rows}


def write_result(entry: Entry) -> pathlib.Path:
    """``OUT/<name>/result.json``: a rerun gives the same file except under ``timings``
    (the experiment's wall-clock measurements and its timing tables)."""
    exp, res = entry.experiment, entry.result
    obj = {
        "name": exp.name, "title": exp.title, "source": exp.source, "section": exp.section,
        "backends": list(entry.ctx.backends), "device": entry.ctx.device, "quick": entry.ctx.quick,
        "summary": res.summary,
        "numbers": res.numbers,
        "backend_gap": res.backend_gap,
        "tables": [_table_json(t) for t in res.tables if not t.timing],
        "figures": [p.name for p in res.figures],
        "claims": tagged_claims(entry),
        "timings": {"numbers": res.timings, "tables": [_table_json(t) for t in res.tables if t.timing]},
    }
    path = entry.ctx.out / "result.json"
    _dump(path, obj)
    return path


def _rel(path: pathlib.Path, root: pathlib.Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def audit_rows(claims: list[dict]) -> list[list[str]]:
    rows = []
    for c in claims:
        d = c.get("decimals")
        rows.append([c.get("experiment", ""), _md_cell(c["where"]), _md_cell(c["quantity"]),
                     short_at(c["claimed"], d), short_at(c["scratchnet"], d, 2), short_at(c["torch"], d, 2),
                     "✅ reproduced" if c["verdict"] == "reproduced" else "❌ differs",
                     # a differing claim's note is given once, in the list of claims that differ below the tables
                     _md_cell(c["note"]) if c["verdict"] == "reproduced" else "[why ↓](#claims-that-differ)"])
    return rows


#: The headings in ``parity_tests.table``'s Markdown after its summary (open edges, then the detail).
PARITY_DETAIL_HEADINGS = ("## Edges torch leaves open", "## Every component and quantity")


#: How many failed parity tests the report's first lines name (the table lists them all).
PARITY_FAILURES_NAMED = 10


def parity_status(out: pathlib.Path) -> dict | None:
    """The parity suite's outcome from ``OUT/parity_table.json`` (written by
    ``python -m parity_tests.table --out``), or None when no table is there."""
    path = out / "parity_table.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    status = data.get("status") if isinstance(data, dict) else None
    if not status:
        return {"passed": False, "text": "the parity table is unreadable", "failures": []}
    return {"passed": bool(status["passed"]), "text": status["text"],
            "failures": [f["test"] for f in data.get("failures", [])]}


def write_report(out: pathlib.Path, entries: list[Entry], total_seconds: float) -> dict[str, pathlib.Path]:
    """Write ``claims.json``, ``summary.json`` and ``REPORT.md`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    claims = [c for e in entries for c in tagged_claims(e)]
    _dump(out / "claims.json", claims)
    counts = audit.counts(claims)
    summary = {
        "experiments": {
            e.experiment.name: {
                "title": e.experiment.title, "source": e.experiment.source, "section": e.experiment.section,
                "ok": e.result is not None, "error": e.error,
                "max_backend_gap": max(e.result.backend_gap.values(), default=None) if e.result else None,
                "claims": audit.counts(e.result.claims) if e.result else None,
            } for e in entries},
        "audit": counts,
        "differs": [{k: c[k] for k in ("experiment", "where", "quantity", "claimed", "scratchnet", "torch", "note")}
                    for c in claims if c["verdict"] == "differs"],
        "timings": {"total_seconds": round(total_seconds, 2),
                    "seconds": {e.experiment.name: round(e.seconds, 3) for e in entries},
                    "cpu_seconds": {e.experiment.name: None if e.cpu_seconds is None else round(e.cpu_seconds, 3)
                                    for e in entries}},
    }
    parity = parity_status(out)
    if parity is not None:
        summary["parity"] = parity
    _dump(out / "summary.json", summary)

    md: list[str] = ["# Lecture experiments on scratchnet and PyTorch", ""]
    if parity is not None and not parity["passed"]:
        failed = parity["failures"]
        named = ", ".join(f"`{f}`" for f in failed[:PARITY_FAILURES_NAMED])
        if len(failed) > PARITY_FAILURES_NAMED:
            named += f" and {len(failed) - PARITY_FAILURES_NAMED} more"
        md += [f"> **⚠️ {parity['text'][0].upper()}{parity['text'][1:]}.** The numbers below come from code that "
               f"did not pass its parity tests. Failed: {named or 'see the table'}. Details: "
               "[the parity suite's table](#the-parity-suites-table), [`parity_table.md`](parity_table.md).", ""]
    md.append(f"Every result of the three lectures — {'; '.join(LECTURES.values())} — computed by scratchnet "
              "(NumPy, explicit backpropagation) and by PyTorch (autograd) from the same initial weights on the same batches. "
              "Plots overlay the two backends (scratchnet solid, PyTorch dashed). "
              f"Generated by `python -m experiments` in {total_seconds:.1f} s.")
    md += ["", f"**Audit of the lectures' printed numbers and formulas:** {counts['reproduced']} reproduced, "
           f"{counts['differs']} differ (details in [the audit](#audit-of-the-lectures-numbers)).", ""]
    md += ["## Contents", ""]
    for e in entries:
        md.append(f"- [{e.experiment.lecture}: {e.experiment.title}](#{e.experiment.name}) (`{e.experiment.name}`)")
    md.append("")
    for e in entries:
        exp = e.experiment
        md += [f'<a id="{exp.name}"></a>', f"## {exp.lecture}: {exp.title}", "",
               f"`{exp.name}` · {exp.lecture}, {exp.section} · {e.seconds:.1f} s", ""]
        if e.result is None:
            md += [f"**Failed:** `{e.error}`", ""]
            continue
        md += [e.result.summary, ""]
        for t in e.result.tables:
            md += [f"**{t.title}**", "", table_text(t, "markdown"), ""]
        for p in e.result.figures:
            md += [f"![{exp.name}: {p.stem}]({_rel(p, out)})", ""]
        if e.result.backend_gap:
            worst = max(e.result.backend_gap.items(), key=lambda kv: kv[1])
            md += [f"Backends ended {worst[1]:.1e} apart (max relative error, {worst[0]}).", ""]

    md += ['<a id="audit-of-the-lectures-numbers"></a>', "## Audit of the lectures' numbers", ""]
    md += ["Each number a lecture prints (and each formula it states) against what the lecture's own setup "
           "gives on each backend, compared at the printed precision (formulas: numerically, against "
           "explicit backpropagation, autograd and finite differences). "
           f"**{counts['reproduced']} reproduced, {counts['differs']} differ.**", ""]
    if claims:
        md += ["Long lists are shortened here to their first entries and their count; `claims.json` has every "
               "value.", ""]
    for source in dict.fromkeys(c["source"] for c in claims):  # one table per lecture, in report order
        md += [f"### {lecture_title(source)}", ""]
        md.append(md_table(["experiment", "where", "quantity", "claimed", "scratchnet", "torch", "verdict", "note"],
                           audit_rows([c for c in claims if c["source"] == source])))
        md.append("")
    differs = [c for c in claims if c["verdict"] == "differs"]
    if differs:
        md += ['<a id="claims-that-differ"></a>', "### Claims that differ", ""]
        for c in differs:
            d = c.get("decimals")
            value = c["scratchnet"] if c["scratchnet"] is not None else c["torch"]
            if "rtol" in c:  # a stated formula, evaluated
                said = f"the stated formula gives {short_at(c['claimed'], None)}, the true value is {short_at(value, None)}"
            else:
                said = f"printed {short_at(c['claimed'], d)}, the lecture's setup gives {short_at(value, d, 2)}"
            md.append(f"- **{c['experiment']}**, {c['where']} — {c['quantity']}: {said}. {c['note']}".rstrip())
        md.append("")

    md += ["## Parity summary", ""]
    md += [f"How far the two backends ended apart in each experiment (norm-wise max relative error, "
           f"`parity_tests.compare.errors`); float64 runs are held to {FLOAT64_BOUND:.0e} in the parity suite "
           f"(float32: {FLOAT32_BOUND:.0e}). Long training runs may drift further than one step does: "
           "rounding differences compound over thousands of updates. One row per experiment: its largest gap; "
           "every quantity's gap is in `OUT/<experiment>/result.json` (`backend_gap`).", ""]
    rows = []
    for e in entries:
        if e.result is None:
            rows.append([e.experiment.name, "—", "failed", "", ""])
            continue
        gaps = e.result.backend_gap
        if not gaps:
            rows.append([e.experiment.name, "—", "one backend run" if len(e.ctx.backends) < 2 else "no numeric output",
                         "", ""])
            continue
        q, v = max(gaps.items(), key=lambda kv: kv[1])
        above = [k for k, g in gaps.items() if g > FLOAT64_BOUND]
        rows.append([e.experiment.name, len(gaps), f"{v:.2e}", q,
                     "✅" if not above else f"⚠️ {len(above)} above 1e-10: {', '.join(above)}"])
    md.append(md_table(["experiment", "quantities", "max rel gap", "at", "all ≤ 1e-10"], rows))
    md.append("")
    parity_table = out / "parity_table.md"
    if parity_table.exists():
        # Its summary (one row per component, dtype and device); the per-quantity detail
        # (hundreds of rows) stays in the linked file.
        summary = parity_table.read_text()
        for heading in PARITY_DETAIL_HEADINGS:
            summary = summary.split(heading)[0]
        summary = summary.strip()
        summary = summary.removeprefix("## Parity summary").strip()
        md += ['<a id="the-parity-suites-table"></a>', "### The parity suite's table", "",
               "The parity suite's measured errors per component (`python -m parity_tests.table`; every "
               "component and quantity in [`parity_table.md`](parity_table.md)):", "", summary, ""]
    benchmark = out / "benchmark.md"
    if benchmark.exists():
        md += ['<a id="performance"></a>', "## Performance", "",
               "From [`benchmark.md`](benchmark.md) and [`benchmark.json`](benchmark.json), written by "
               "`python -m experiments benchmark` (not part of the main job):", "", benchmark.read_text().strip(), ""]
    (out / "REPORT.md").write_text("\n".join(md) + "\n")
    return {"report": out / "REPORT.md", "claims": out / "claims.json", "summary": out / "summary.json"}
