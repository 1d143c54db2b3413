#!/usr/bin/env bash
# Create (or reuse) a virtual environment and install graphlet into it from this checkout.
#   scripts/setup.sh              -> .venv with Python 3.11, extras dev + torch (CPU wheel torch==2.13.0)
#                                    + models (torchvision, transformers: the model corpus)
#                                    + distributed (dask: the multi-process cache tests)
#                                    + interop (iree-opt: upstream MLIR as an oracle)
#   PY=python3.13 VENV=.venv-3.13 EXTRAS=dev scripts/setup.sh   -> a newer Python, without torch
set -euo pipefail
cd "$(dirname "$0")/.."
export PYENV_VERSION="${PYENV_VERSION:-3.11.7:3.12.1:3.13.0}"
PY="${PY:-python3.11}"
VENV="${VENV:-.venv}"
EXTRAS="${EXTRAS:-dev,torch,models,distributed,interop}"
if [[ ",$EXTRAS," == *",models,"* && ",$EXTRAS," != *",torch,"* ]]; then
  # torchvision requires torch==2.13.0: without the CPU wheel installed first, pip would fetch CUDA torch.
  echo "setup.sh: the models extra needs the torch extra" >&2
  exit 2
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
if [[ ",$EXTRAS," == *",torch,"* ]]; then
  # Only this exact spelling takes the local CPU wheel; anything else pulls CUDA builds.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "torch==2.13.0"
fi
if [[ ",$EXTRAS," == *",torch,"* ]]; then
  # Naming torch again pins it: the installed CPU build satisfies torchvision's torch==2.13.0,
  # and pip must not replace it while resolving the other extras.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "torch==2.13.0" -e ".[$EXTRAS]"
else
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$EXTRAS]"
fi
