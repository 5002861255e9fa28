"""The external benchmark: RGB en_fact (Chen et al., AAAI 2024), read from ../shared, never copied.

../shared/benchmarks/rgb/en_fact.json holds 100 English news questions, one JSON object a line, each
with a gold `answer` (a string, or a list of parts, each a list of acceptable spellings), `positive`
passages (contain the answer) and `negative` passages (same topic, no answer). We pool every
positive and negative passage of every question (deduplicated: 969 of 989) into one corpus, one
article per passage, ask every question against the whole pool, and score:

- answer_accuracy: share of questions whose answer contains every part of the gold answer, in any of
  its spellings (evals.metrics.contains_answer); a refusal is wrong;
- positive_recall@5: positive passages among the top 5 retrieved, divided by how many could fit
  (min(5, number of positives): some questions have 7 positives), averaged; 1.0 = as many
  positives as the top 5 can hold;
- positive_hit@5: share of questions with at least one positive passage in the top 5;
- refusal_rate: share of questions refused (all are answerable from their positives).

Splits (evals/SPLITS.md): odd `id` = test, even `id` = train (`split_of`). The summary holds the
numbers over every question run and, under `by_split`, the same numbers for each half (gate names
rgb.<metric>, rgb.test.<metric>, rgb.train.<metric>). Anything tuned on RGB uses the train half only.

The corpus (a .jsonl written for the engine) and its index are cached under
.cache/eval/rgb-<sha of en_fact.json>-<index fingerprint>/ (evals.common.index_fingerprint: chunk size,
embedder, and the newsrag code that cleans, chunks and embeds), so only the first run after such a
change pays for embedding ~1000 passages (about 40 s on 2 cores).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals import metrics
from evals.common import cached_folder, open_engine, shared_dir

CORPUS_FILE = "rgb_en_fact.jsonl"
FORMAT_VERSION = 1  # bump when the corpus layout below changes


def data_file() -> Path:
    return shared_dir() / "benchmarks" / "rgb" / "en_fact.json"


def split_of(row: dict[str, Any]) -> str:
    """'test' for an odd RGB id, 'train' for an even one (evals/SPLITS.md)."""
    return "test" if int(row["id"]) % 2 else "train"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pool(rows: list[dict[str, Any]]) -> list[str]:
    """Every positive and negative passage, deduplicated, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for passage in row.get("positive", []) + row.get("negative", []):
            if passage.strip():
                seen.setdefault(passage, None)
    return list(seen)


def build_corpus(rows: list[dict[str, Any]], folder: Path) -> dict[str, str]:
    """Write the pooled passages as one .jsonl corpus (line n = one article, source
    'rgb_en_fact.jsonl#n'); return source -> passage text. Rewrites only when the content differs,
    so the engine's incremental ingest sees an unchanged file on later runs."""
    passages = pool(rows)
    folder.mkdir(parents=True, exist_ok=True)
    body = "".join(json.dumps({"text": p}, ensure_ascii=False) + "\n" for p in passages)
    target = folder / CORPUS_FILE
    if not target.exists() or target.read_text(encoding="utf-8") != body:
        target.write_text(body, encoding="utf-8")
    return {f"{CORPUS_FILE}#{n}": p for n, p in enumerate(passages, 1)}


@dataclass
class RGBResult:
    summary: dict[str, Any]
    questions: list[dict[str, Any]]


def skipped(reason: str) -> RGBResult:
    return RGBResult({"skipped": reason}, [])


def run(mode: str, k: int = 5, limit: int | None = None, quiet: bool = False, overrides: dict | None = None,
        split: str = "all") -> RGBResult:
    """Ask every RGB question of `split` ("test", "train" or "all"; then the first `limit` of them)
    against the pooled corpus (always every passage of every question) and score it."""
    path = data_file()
    if not path.is_file():
        message = (f"RGB skipped: {path} not found (put ../shared beside the repository or set "
                   f"RAG_SHARED_DIR)")
        print(message, file=sys.stderr)
        return skipped(message)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    rows = load(path)
    base = cached_folder("rgb", f"{digest[:12]}v{FORMAT_VERSION}", **(overrides or {}))
    texts = build_corpus(rows, base / "corpus")
    started = time.perf_counter()
    settings = {**(overrides or {}), "answer_mode": mode, "top_k": k}
    engine, report = open_engine(base / "corpus", base / "index", quiet=quiet, label="RGB ingest", **settings)
    ingest_seconds = time.perf_counter() - started
    if report.errors:
        engine.close()
        message = "RGB corpus failed to ingest: " + "; ".join(f"{p}: {r}" for p, r in report.errors)
        print(message, file=sys.stderr)
        return skipped(message)

    from tqdm import tqdm

    questions, latencies = [], []
    selected = [row for row in rows if split == "all" or split_of(row) == split]
    selected = selected[:limit] if limit else selected
    try:
        for row in tqdm(selected, desc="RGB", unit="q", file=sys.stderr, disable=quiet, leave=False):
            positives = {p for p in row.get("positive", []) if p.strip()}
            t0 = time.perf_counter()
            try:
                answer = engine.ask(row["query"], k=k)
            except Exception as error:  # one broken question must not hide the others
                questions.append({"id": row["id"], "split": split_of(row), "query": row["query"],
                                  "error": f"{type(error).__name__}: {error}", "correct": False, "refused": False,
                                  "positive_recall": 0.0, "positive_hit": False, "confidence": None})
                continue
            latencies.append(time.perf_counter() - t0)
            retrieved = [texts.get(p.source, "") for p in answer.passages[:k]]
            found = positives & set(retrieved)
            text = metrics.strip_markers(answer.text)
            questions.append({
                "id": row["id"],
                "split": split_of(row),
                "query": row["query"],
                "gold": row["answer"],
                "answer": answer.text,
                "refused": answer.refused,
                "correct": (not answer.refused) and metrics.contains_answer(text, row["answer"]),
                "positive_recall": len(found) / min(k, len(positives)) if positives else None,
                "positive_hit": bool(found),
                "retrieved_positive": [t in positives for t in retrieved],
                "confidence": answer.confidence,
                "latency_s": latencies[-1],
            })
    finally:
        engine.close()
    summary = {
        **summarize(questions, k),
        "passages": len(texts),
        "data": str(path),
        "sha256": digest,
        "index": str(base / "index"),
        "ingest_seconds": round(ingest_seconds, 2),
        "ingest_chunks_embedded": report.chunks,
        "split": split,
        "error_examples": [f"{q['id']}: {q['error']}" for q in questions if "error" in q][:5],
        "by_split": {half: summarize([q for q in questions if q["split"] == half], k)
                     for half in ("train", "test") if any(q["split"] == half for q in questions)},
    }
    return RGBResult(summary, questions)


def summarize(questions: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """The RGB metrics (see the module docstring) over `questions`."""
    n = len(questions)
    return {
        "questions": n,
        "answer_accuracy": sum(q["correct"] for q in questions) / n if n else None,
        f"positive_recall@{k}": metrics.mean(q["positive_recall"] for q in questions),
        f"positive_hit@{k}": sum(q["positive_hit"] for q in questions) / n if n else None,
        "refusal_rate": sum(q["refused"] for q in questions) / n if n else None,
        "errors": sum("error" in q for q in questions),
        "ask_p50_ms": _ms(metrics.percentile([q["latency_s"] for q in questions if "latency_s" in q], 50)),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
