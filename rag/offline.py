"""Keep every library we import from phoning home.

Must run before onnxruntime, chromadb, gradio, ragas or tiktoken are imported: several of them read
these variables at import time (onnxruntime 1.32 otherwise sends telemetry about 9 s after import;
tiktoken otherwise downloads its BPE files). `rag/__init__.py` calls it first thing. Values already set
by the user win, except the telemetry switches, which newsrag never turns on.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

_ALWAYS = {
    "ORT_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "RAGAS_DO_NOT_TRACK": "true",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def _bundled_tiktoken_cache() -> str | None:
    # llama-index ships the BPE files; find them without importing llama_index (slow).
    spec = importlib.util.find_spec("llama_index")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "core" / "_static" / "tiktoken_cache"
        if path.is_dir():
            return str(path)
    return None


def apply_offline_environment() -> None:
    """Set the no-telemetry, no-download environment for this process (idempotent)."""
    os.environ.update(_ALWAYS)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        cache = _bundled_tiktoken_cache()
        if cache:
            os.environ["TIKTOKEN_CACHE_DIR"] = cache
