"""Speed of the local models (answer mode `local`) on this machine. Prints numbers; asserts nothing.

    rag bench --mode local                         # every installed size, 3 runs each
    rag bench --mode local --size 0.5b --runs 1    # one size, one run
    rag --corpus my-articles bench --mode local    # prompt passages and answers from another corpus

For each installed and verified size (the others are skipped with a one-line reason):
- tokens: time to first token (TTFT), prompt tokens/s (= prompt tokens / TTFT) and generated
  tokens/s, for a ~650-token answer prompt (rag.prompts.answer_messages over chunks of the corpus)
  and up to 128 generated tokens. llama.cpp reuses the KV cache of the longest prefix shared with
  the previous request, so every run starts its system message with a different tag and rotates the
  passages: the numbers are for a cold prompt. Token counts come from the server's own tokenizer
  (/extras/tokenize).
- seconds per answer: the wall time of `Engine.ask(question, mode="local")` (retrieval, prompt,
  generation, citation checks) for a few built-in questions over a temporary index of the corpus.
  In real use the system prompt is the same for every question, and llama.cpp reuses it.

The server is this process's shared one (rag.local_server.shared_server) with the settings' threads
and context (RAG_LOCAL_THREADS, RAG_LOCAL_CTX), the one `Engine.ask` uses, so the model is loaded
once per size; it is stopped after its size. Numbers mean little on busy cores: the load average is
printed first.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from rag.bench import QUESTIONS, corpus_chunks
from rag.config import Settings
from rag.errors import NewsragError
from rag.local_server import LocalServer, server_missing, shared_server
from rag.model import MODELS, ModelError, ModelNotInstalled, ModelStore
from rag.prompts import answer_messages

if TYPE_CHECKING:
    from rag.engine import Engine

ANSWERS = 3  # questions answered per size for seconds per answer
PROMPT_TOKENS = 650
MAX_TOKENS = 128
# Answerable from any passages, so that every run generates its full MAX_TOKENS (a refusal is ~10
# tokens, too few to time generation).
TOKEN_QUESTION = "List the facts that passage [1] reports, one short sentence each."
COLUMNS = ("prompt tok", "TTFT s", "prompt tok/s", "gen tok", "gen tok/s", "s/answer")


def unavailable(settings: Settings, size: str) -> str | None:
    """Why `size` cannot be measured (one line, says what to do), or None."""
    try:
        ModelStore.from_settings(settings).verify(MODELS[size])
    except ModelNotInstalled:
        return f"not installed: `rag model install --size {size}`"
    except ModelError as error:
        return str(error)
    return server_missing()


def run(settings: Settings, sizes: list[str] | None = None, runs: int = 3,
        questions: list[str] | None = None) -> int:
    """Measure `sizes` (default: all) with `runs` token runs each and `questions` (default: the first
    ANSWERS built-in ones) answered in local mode over a temporary index of `settings.corpus`."""
    if runs < 1:
        raise NewsragError("--runs must be at least 1")
    questions = questions or QUESTIONS[:ANSWERS]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          f"(numbers mean little when the cores are busy)", flush=True)
    ready = []
    for size in sizes or list(MODELS):
        reason = unavailable(settings, size)
        if reason:
            print(f"{size}: {reason}", flush=True)
        else:
            ready.append(size)
    summary = []
    if ready:
        from rag.embeddings import make_embedder
        from rag.engine import Engine

        with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as tmp:
            base = settings.model_copy(update={"index": Path(tmp) / "index", "embed_cache": "off"})
            embedder = make_embedder(base)
            with Engine(base, embedder) as engine:
                report = engine.ingest()
            print(f"corpus {base.corpus}: {report.added} files, {report.chunks} chunks, indexed in "
                  f"{report.seconds:.1f} s (a temporary index)", flush=True)
            for size in ready:
                local = Engine(base.model_copy(update={"answer_mode": "local", "local_model_size": size}), embedder)
                try:
                    summary.append((size, _measure(local, runs, questions)))
                except NewsragError as error:  # e.g. its server did not start: the next size may still run
                    print(f"{size}: failed: {error}", flush=True)
    if summary:
        print("\nmedians")
        print(f"{'model':6} " + " ".join(f"{c:>{len(c)}}" for c in COLUMNS))
        for size, row in summary:
            print(f"{size:6} " + " ".join(_cell(row[c], c) for c in COLUMNS))
    else:
        print("no local model to measure")
    return 0


def _measure(engine: "Engine", runs: int, questions: list[str]) -> dict[str, float]:
    """Token runs, then answers, on one loaded model; its medians by column. Closes `engine`."""
    settings = engine.settings
    spec = MODELS[settings.local_model_size]
    # The server Engine.ask(mode="local") uses (same model file, so shared_server returns it): the
    # model is loaded once, here, and the answers below do not pay for loading it.
    server = shared_server(settings)
    try:
        started = time.perf_counter()
        server.ensure()
        print(f"{spec.size} ({spec.title}): loaded in {time.perf_counter() - started:.1f} s; "
              f"{server.n_threads} threads, {server.n_ctx}-token context", flush=True)
        passages = [(c.source, c.text) for c in corpus_chunks(settings)]
        rows = [_token_run(server, settings, passages, n) for n in range(runs)]
        seconds = []
        for n, question in enumerate(questions, 1):
            started = time.perf_counter()
            answer = engine.ask(question, mode="local")
            took = time.perf_counter() - started
            if answer.mode == "local":  # a fallback to extractive would time the wrong thing
                seconds.append(took)
            print(f"    answer {n} (load {os.getloadavg()[0]:.1f}): {took:.1f} s, {answer.mode}"
                  f"{', refused' if answer.refused else ''}, {len(answer.citations)} citation{'' if len(answer.citations) == 1 else 's'}: {question}"
                  + (f" ({answer.notice})" if answer.notice else ""), flush=True)
    finally:
        engine.close()
        server.stop()
    medians = {c: statistics.median(r[c] for r in rows) for c in COLUMNS[:-1]}
    medians["s/answer"] = statistics.median(seconds) if seconds else float("nan")
    return medians


def _token_run(server: LocalServer, settings: Settings, passages: list[tuple[str, str]], n: int) -> dict[str, float]:
    messages, prompt_tokens = _prompt(server, passages, n)
    client = server.client(settings, max_tokens=MAX_TOKENS, max_retries=0)
    try:
        started = time.perf_counter()
        first = last = None
        text = []
        for delta in client.stream(messages):
            last = time.perf_counter()
            first = first or last
            text.append(delta)
    finally:
        client.close()
    if first is None:
        raise NewsragError(f"the local model {server.spec.size} returned nothing; see {server.log_path}")
    generated = _tokens(server, "".join(text))
    ttft = first - started
    row = {"prompt tok": prompt_tokens, "TTFT s": ttft, "prompt tok/s": prompt_tokens / ttft, "gen tok": generated,
           "gen tok/s": (generated - 1) / (last - first) if generated > 1 and last > first else float("nan")}
    print(f"    run {n + 1} (load {os.getloadavg()[0]:.1f}): {prompt_tokens} prompt tokens, first token after "
          f"{ttft:.2f} s ({row['prompt tok/s']:.0f} tok/s); {generated} tokens at {row['gen tok/s']:.1f} tok/s", flush=True)
    return row


def _prompt(server: LocalServer, passages: list[tuple[str, str]], n: int) -> tuple[list[dict[str, str]], int]:
    """answer_messages over the passages (rotated per run), grown until ~PROMPT_TOKENS tokens, and
    its token count (the chat template adds a few tokens per message around the contents)."""
    if not passages:
        raise NewsragError("the corpus has no readable articles to build a prompt from")
    pool = passages[n % len(passages):] + passages[: n % len(passages)]
    for end in range(1, len(pool) + 1):
        messages = answer_messages(TOKEN_QUESTION, pool[:end])
        messages[0]["content"] = f"Run {n * 7919 % 10007}. " + messages[0]["content"]
        count = sum(_tokens(server, m["content"]) + 5 for m in messages)
        if count >= PROMPT_TOKENS:
            break
    return messages, count


def _tokens(server: LocalServer, text: str) -> int:
    """How many tokens `text` is for the server's own tokenizer."""
    request = urllib.request.Request(
        server.base_url.removesuffix("/v1") + "/extras/tokenize",
        json.dumps({"input": text, "model": server.model}).encode(), {"Content-Type": "application/json"},
    )
    # No proxy: the environment's HTTP(S)_PROXY must not see loopback traffic.
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=120) as response:
        return len(json.load(response)["tokens"])


def _cell(value: float, column: str) -> str:
    digits = 2 if column == "TTFT s" else 1 if column in ("gen tok/s", "s/answer") else 0
    return f"{value:{len(column)}.{digits}f}"
