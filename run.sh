#!/usr/bin/env bash
# Quick start, command 1: set everything up, then run the main job (the lecture
# experiments; arguments are passed on, e.g. `./run.sh list`).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
exec .venv/bin/python -m experiments "$@"
