#!/usr/bin/env bash
# Quick start, command 2: set everything up, then run the whole test suite
# (arguments are passed on to pytest, e.g. `./test.sh parity_tests -x`).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
