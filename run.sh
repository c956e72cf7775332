#!/usr/bin/env bash
# Quick start, command 1: set everything up, then run the main job — the parity
# suite's table of measured errors (out/parity_table.md), then the lecture
# experiments on both backends, whose report (out/REPORT.md) includes that table, then the
# lecture notebooks executed into out/notebooks/ (checked against the experiments' numbers).
# Arguments go to the experiments instead (e.g. `./run.sh list`, `./run.sh --quick`),
# and then the parity table is not rebuilt.
#
# The report is always written: a failing parity test does not stop the
# experiments, and neither stops the notebooks. A failure shows as a failing row
# of the table and at the top of the report (parity), in the report (experiments)
# or in this script's output (notebooks), and the script exits non-zero at the end.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
if [ "$#" -ne 0 ]; then
  exec .venv/bin/python -m experiments "$@"
fi
parity=0
rm -f out/parity_table.md out/parity_table.json   # never report a table left by an earlier run
.venv/bin/python -m parity_tests.table --out out/parity_table.md || parity=$?
if [ ! -f out/parity_table.json ]; then   # the parity run died before writing its table: say so
  mkdir -p out
  printf '{"status": {"passed": false, "exit_code": %d, "text": "the parity suite FAILED: its run ended (exit %d) before writing a table"}, "failures": [], "rows": [], "open_edges": []}\n' \
    "$parity" "$parity" > out/parity_table.json
  printf '## Parity summary\n\n**Outcome:** the parity suite FAILED: its run ended (exit %d) before writing a table.\n' \
    "$parity" > out/parity_table.md
fi
experiments=0
.venv/bin/python -m experiments || experiments=$?
# The lecture notebooks, executed: out/notebooks/*.ipynb and *.html, each number checked against out/
notebooks=0
rm -rf out/notebooks   # never leave an executed copy from an earlier run next to this run's
.venv/bin/python -m notebooks --results out --out out/notebooks || notebooks=$?
if [ "$parity" -ne 0 ]; then
  echo "run.sh: the parity suite failed (exit $parity): see out/parity_table.md and the top of out/REPORT.md" >&2
fi
if [ "$experiments" -ne 0 ]; then
  echo "run.sh: some experiments failed (exit $experiments): see out/REPORT.md" >&2
fi
if [ "$notebooks" -ne 0 ]; then
  echo "run.sh: some notebooks failed (exit $notebooks): see the problems listed above (python -m notebooks)" >&2
fi
[ "$parity" -eq 0 ] && [ "$experiments" -eq 0 ] && [ "$notebooks" -eq 0 ]
