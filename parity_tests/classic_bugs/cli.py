"""``python -m parity_tests.classic_bugs``: prove every catalogued bug is caught.

    python -m parity_tests.classic_bugs                 # both sides, every bug; the table
    python -m parity_tests.classic_bugs --only relu_kink adam_no_bias_correction
    python -m parity_tests.classic_bugs --harness-only  # torch_ref.check on the hand-written variants
    python -m parity_tests.classic_bugs --suite-only    # plant into scratchnet, run the parity tests
    python -m parity_tests.classic_bugs --show relu_kink   # the edits and the full report of one bug
    python -m parity_tests.classic_bugs --out out/classic_bugs.md   # the table as Markdown too
    python -m parity_tests.classic_bugs --list

The exit status is 1 when a bug is not caught by its parity tests, not
flagged by torch_ref.check on the expected tensor with its cause named, a
plant does not apply, or the baseline (every named test, unplanted) fails.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

from tabulate import tabulate

from .catalogue import BY_ID, CATALOGUE


def _short_test(node: str | None) -> str:
    return "—" if node is None else node.replace("parity_tests/", "")


def rows_for(bugs, harness, suite) -> list[list[str]]:
    """One row per bug: the bug, what torch_ref.check says, which parity test catches it."""
    out = []
    for bug in bugs:
        h = harness.get(bug.id) if harness else None
        s = suite.get(bug.id) if suite else None
        said = "—" if h is None else (f"{h.tensor}: {h.diagnosis}" if h.ok else f"NOT FLAGGED as expected "
                                                                                 f"(first failure {h.tensor}: {h.diagnosis})")
        if s is None:
            caught = "—"
        elif s.error:
            caught = f"ERROR: {s.error}"
        elif s.caught:
            caught = _short_test(s.test)
        else:
            caught = f"NOT CAUGHT by {', '.join(_short_test(t) for t in bug.tests)}"
        out.append([bug.title, said, caught])
    return out


def markdown_table(rows) -> str:
    def cell(text):
        return str(text).replace("|", "\\|").replace("\n", " ")

    head = "| bug | what `torch_ref.check` says (first failing tensor: diagnosis) | caught in scratchnet by |"
    lines = [head, "|---|---|---|"] + ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def run(bugs, *, harness: bool = True, suite: bool = True, jobs: int | None = None, progress=print):
    """Run the catalogue; returns (harness results, baseline, suite results, timings) by bug id."""
    from .runner import default_jobs, run_harness, run_suite

    timings = {"load_average_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}
    h_results, s_results, baseline = {}, {}, None
    if harness:
        start, cpu = time.perf_counter(), time.process_time()
        for bug in bugs:
            h_results[bug.id] = run_harness(bug)
        timings["harness_wall_s"] = time.perf_counter() - start
        timings["harness_cpu_s"] = time.process_time() - cpu
        progress(f"torch_ref.check on {len(bugs)} hand-written variants: {timings['harness_wall_s']:.1f} s wall, "
                 f"{timings['harness_cpu_s']:.1f} s CPU")
    if suite:
        start = time.perf_counter()
        baseline, results = run_suite(bugs, jobs=jobs)
        s_results = {r.bug: r for r in results}
        timings["suite_wall_s"] = time.perf_counter() - start
        timings["suite_worker_cpu_s"] = sum(r.cpu for r in results) + baseline.cpu
        timings["jobs"] = jobs or default_jobs()
        progress(f"{len(bugs)} plants + baseline, {timings['jobs']} at a time: {timings['suite_wall_s']:.1f} s wall, "
                 f"{timings['suite_worker_cpu_s']:.1f} s CPU in the workers (plus the forkserver's imports)")
    return h_results, baseline, s_results, timings


def problems(bugs, h_results, baseline, s_results) -> list[str]:
    found = []
    if baseline is not None:
        if baseline.error:
            found.append(f"baseline: {baseline.error}")
        elif baseline.failed:
            found.append(f"baseline: the unplanted tree fails {baseline.failed[0][0]}: {baseline.failed[0][1]}")
    for bug in bugs:
        h, s = h_results.get(bug.id), s_results.get(bug.id)
        if h is not None and not h.ok:
            found.append(f"{bug.id}: torch_ref.check's first failure is {h.tensor!r} ({h.diagnosis!r}); expected "
                         f"{bug.tensor!r} naming {bug.says}")
        if s is not None and (s.error or not s.caught):
            found.append(f"{bug.id}: " + (s.error or f"not caught by {', '.join(bug.tests)}"))
    return found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m parity_tests.classic_bugs", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", nargs="+", metavar="ID", help="only these bugs (ids from --list)")
    side = p.add_mutually_exclusive_group()
    side.add_argument("--harness-only", action="store_true", help="only torch_ref.check on the hand-written variants")
    side.add_argument("--suite-only", action="store_true", help="only the plants into scratchnet")
    p.add_argument("--jobs", type=int, default=None, help="plants run at a time (default: min(2, cores))")
    p.add_argument("--out", type=pathlib.Path, help="also write the table as Markdown to this file")
    p.add_argument("--list", action="store_true", help="list the bugs")
    p.add_argument("--show", metavar="ID", help="print one bug's edits and torch_ref.check's full report")
    args = p.parse_args(argv)
    if args.list:
        for bug in CATALOGUE:
            print(f"{bug.id:30s} {bug.title}")
        return 0
    if args.show:
        return _show(args.show)
    unknown = [b for b in (args.only or []) if b not in BY_ID]
    if unknown:
        p.error(f"unknown bug id(s) {', '.join(unknown)}; --list shows them")
    if args.jobs is not None and args.jobs < 1:
        p.error("--jobs must be at least 1")
    bugs = [BY_ID[b] for b in args.only] if args.only else list(CATALOGUE)
    h, baseline, s, timings = run(bugs, harness=not args.suite_only, suite=not args.harness_only, jobs=args.jobs)
    rows = rows_for(bugs, h, s)
    print(tabulate(rows, headers=["bug", "torch_ref.check says", "caught by"], tablefmt="simple",
                   maxcolwidths=[28, 70, 50]))
    if baseline is not None:
        print(f"\nbaseline (no plant): {baseline.passed} test cases passed" +
              (f", {len(baseline.failed)} FAILED" if baseline.failed else ""))
    found = problems(bugs, h, baseline, s)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown_table(rows) + "\n", encoding="utf-8")
        print(f"table written to {args.out}")
    for line in found:
        print("PROBLEM:", line, file=sys.stderr)
    print(f"\n{len(bugs)} bugs: " + ("all caught by the parity suite and flagged by torch_ref.check"
                                     if not found else f"{len(found)} problem(s)"))
    return 1 if found else 0


def _show(bug_id: str) -> int:
    from .runner import run_harness

    if bug_id not in BY_ID:
        print(f"unknown bug {bug_id!r}; --list shows them", file=sys.stderr)
        return 2
    bug = BY_ID[bug_id]
    print(f"{bug.title}\n{bug.lesson}\n")
    for label, edits in (("hand-written variant", bug.hand), ("planted into scratchnet", bug.plant)):
        print(f"--- {label}")
        for e in edits:
            print(f"{e.path}:\n  - {e.old.strip()}\n  + {e.new.strip() or '(removed)'}")
    print(f"\nparity tests: {', '.join(bug.tests)}\n")
    print(run_harness(bug).report)
    return 0
