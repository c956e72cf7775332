#!/usr/bin/env bash
# Quick start, command 1: set everything up, then run the main job — the parity
# suite's table of measured errors (out/parity_table.md), then the lecture
# experiments on both backends, whose report (out/REPORT.md) includes that table, then the
# lecture notebooks executed into out/notebooks/ (checked against the experiments' numbers).
# Arguments go to the experiments instead (e.g. `./run.sh list`, `./run.sh --quick`),
# and then the parity table is not rebuilt.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
if [ "$#" -eq 0 ]; then
  .venv/bin/python -m parity_tests.table --out out/parity_table.md
  .venv/bin/python -m experiments
  # The lecture notebooks, executed: out/notebooks/*.ipynb and *.html, each number checked against out/
  exec .venv/bin/python -m notebooks --results out --out out/notebooks
fi
exec .venv/bin/python -m experiments "$@"
