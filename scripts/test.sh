#!/usr/bin/env bash
# Set up and run every test: pytest and lit on Python 3.11 with torch, then on Python 3.13 without torch.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYENV_VERSION="${PYENV_VERSION:-3.11.7:3.12.1:3.13.0}"

echo "== Python 3.11 (with torch) =="
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -n 2
.venv/bin/lit -sv tests/filecheck

echo "== Python 3.13 (without torch) =="
PY=python3.13 VENV=.venv-3.13 EXTRAS=dev scripts/setup.sh
.venv-3.13/bin/python -m pytest -n 2
.venv-3.13/bin/lit -sv tests/filecheck
