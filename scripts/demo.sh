#!/usr/bin/env bash
# Set up and run the main demo: JIT-compile Python functions with @graphlet.jit and show the speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${EXTRAS:-dev}" scripts/setup.sh
exec .venv/bin/python -m examples.demo_jit_speedup
