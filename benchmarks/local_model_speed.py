"""Speed of the local models through newsrag's own llama.cpp server (rag.local_server): time to
first token, prompt tokens/s and generated tokens/s for a ~650-token answer prompt. Prints numbers,
asserts nothing.

    .venv/bin/python benchmarks/local_model_speed.py                      # installed sizes, 2 threads, 3 runs
    .venv/bin/python benchmarks/local_model_speed.py --size 0.5b --runs 5 --threads 1

The prompt is the one newsrag sends in llm mode (rag.prompts.answer_messages) over seed paragraphs,
trimmed to about --prompt-tokens tokens. llama.cpp reuses the KV cache of the longest prefix shared
with the previous request, so every run starts its system message with a different run tag: the
numbers are for a cold prompt. In real use the system prompt is the same for every question and is
reused, which saves its ~150 tokens. Token counts come from the server's own tokenizer
(/extras/tokenize); prompt tokens/s = prompt tokens / time to first token. Numbers are only meaningful
on an otherwise idle machine: the load average is printed first.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.local_server import LocalServer  # noqa: E402
from rag.model import MODELS, ModelError, ModelStore  # noqa: E402
from rag.prompts import answer_messages  # noqa: E402

# Answerable from any passage set, so that every run generates its full --max-tokens (a refusal is
# ~10 tokens, too few to time generation).
QUESTION = "List the facts that passage [1] reports, one short sentence each."


def _post(server: LocalServer, path: str, body: dict) -> dict:
    base = server.base_url.removesuffix("/v1")
    request = urllib.request.Request(f"{base}{path}", json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=120) as response:
        return json.load(response)


def tokens(server: LocalServer, text: str) -> int:
    return len(_post(server, "/extras/tokenize", {"input": text, "model": server.model})["tokens"])


def paragraphs() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        found += [(path.name, p.strip()) for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    return found


def build_messages(server: LocalServer, run: int, target: int) -> tuple[list[dict[str, str]], int]:
    """answer_messages over seed paragraphs (rotated per run), grown until ~target tokens."""
    pool = paragraphs()
    pool = pool[run % len(pool):] + pool[: run % len(pool)]
    chosen: list[tuple[str, str]] = []
    count = 0
    for source, text in pool:
        trial = chosen + [(source, text)]
        messages = answer_messages(QUESTION, trial)
        messages[0]["content"] = f"Run {run * 7919 % 10007}. " + messages[0]["content"]
        # the chat template adds a few tokens per message around the contents
        count = sum(tokens(server, m["content"]) + 5 for m in messages)
        chosen = trial
        if count >= target:
            break
    return messages, count


def measure(server: LocalServer, runs: int, target: int, max_tokens: int) -> list[dict[str, float]]:
    client = server.client(Settings(_env_file=None), max_tokens=max_tokens, timeout=600, max_retries=0)
    results = []
    try:
        for run in range(runs):
            messages, prompt_tokens = build_messages(server, run, target)
            started = time.perf_counter()
            first = last = None
            text = []
            for delta in client.stream(messages):
                now = time.perf_counter()
                first = first or now
                last = now
                text.append(delta)
            generated = tokens(server, "".join(text))
            ttft = first - started
            results.append({
                "prompt_tokens": prompt_tokens, "ttft_s": ttft, "prompt_tok_s": prompt_tokens / ttft,
                "generated": generated,
                "gen_tok_s": (generated - 1) / (last - first) if generated > 1 and last > first else float("nan"),
            })
            r = results[-1]
            print(f"    run {run + 1} (load {os.getloadavg()[0]:.1f}): {r['prompt_tokens']} prompt tokens, first token after {r['ttft_s']:.2f} s "
                  f"({r['prompt_tok_s']:.0f} tok/s); {r['generated']} tokens at {r['gen_tok_s']:.1f} tok/s", flush=True)
    finally:
        client.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(MODELS), action="append", help="model(s) to measure (default: all installed)")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (default 2)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--prompt-tokens", type=int, default=650)
    parser.add_argument("--max-tokens", type=int, default=128)
    args = parser.parse_args()

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores, "
          f"{args.threads} threads, {args.runs} runs, ~{args.prompt_tokens}-token prompts, up to {args.max_tokens} tokens")
    store = ModelStore.from_settings(Settings())
    summary = []
    for size in args.size or list(MODELS):
        spec = MODELS[size]
        try:
            store.verify(spec)
        except ModelError as error:
            print(f"{size}: skipped: {error}")
            continue
        server = LocalServer(spec, store.path(spec), n_ctx=2048, n_threads=args.threads)
        started = time.perf_counter()
        try:
            server.ensure()
            print(f"{size} ({spec.title}): loaded in {time.perf_counter() - started:.1f} s")
            results = measure(server, args.runs, args.prompt_tokens, args.max_tokens)
        finally:
            server.stop()
        med = {key: statistics.median(r[key] for r in results) for key in results[0]}
        summary.append((size, med))
    print("\nmedians")
    print(f"{'model':6} {'prompt tok':>10} {'TTFT s':>7} {'prompt tok/s':>12} {'gen tok':>8} {'gen tok/s':>9}")
    for size, med in summary:
        print(f"{size:6} {med['prompt_tokens']:10.0f} {med['ttft_s']:7.2f} {med['prompt_tok_s']:12.0f} "
              f"{med['generated']:8.0f} {med['gen_tok_s']:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
