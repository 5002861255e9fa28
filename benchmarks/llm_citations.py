"""How many of a real model's citations the verifier keeps, repairs and drops, on the dev questions.

    .venv/bin/python benchmarks/llm_citations.py                 # starts llama.cpp's server with SmolLM2-135M
    .venv/bin/python benchmarks/llm_citations.py --base-url http://127.0.0.1:8080/v1 --model NAME
    .venv/bin/python benchmarks/llm_citations.py -v              # also every answer and every decision

Questions: the first 24 lines of evals/qa.jsonl (the dev set). For each, the engine retrieves k
passages over seeds/ (index kept in .cache/bench/llm-citations), the model answers through
rag.generative.GenerativeAnswerer with the extractive fallback (the same code as Engine.stream in llm mode), and the verifier's decisions
are counted per model marker:
  kept      the cited passage supports the sentence (coverage >= rag.citations.SUPPORT_THRESHOLD)
  repaired  it does not, another retrieved passage does: the marker points there instead
  dropped   no passage it may point to supports the sentence (or it points to no passage)
plus `added` (an uncited sentence that a passage supports) and `unsupported` sentences. Every kept
citation is checked to quote its article exactly. Needs scripts/install-llama-server.sh for the
default server. Takes about a minute with SmolLM2 on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402,F401  (offline environment first)
from rag.config import Settings  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.answering import WithFallback, final_reply  # noqa: E402
from rag.generative import GenerativeAnswerer  # noqa: E402
from rag.llm import LLMClient  # noqa: E402


def dev_questions(path: Path, n: int) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]
    return [json.loads(line)["question"] for line in lines]


def run(base_url: str, model: str, questions: list[str], k: int, max_tokens: int, verbose: bool) -> Counter:
    engine = Engine(Settings(corpus=ROOT / "seeds", index=ROOT / ".cache" / "bench" / "llm-citations"))
    engine.ingest()
    extractive = engine._extractive()
    client = LLMClient(base_url, api_key=None, model=model, timeout=120, max_retries=0, max_tokens=max_tokens)
    generative = GenerativeAnswerer(client, extractive.weights)
    answerer = WithFallback(generative, extractive)
    totals: Counter = Counter()
    print(f"{'question':<60} kept repaired dropped added unsupported  answer")
    for question in questions:
        passages = engine.answer_passages(question, k=k)  # what ask() answers from
        answer = final_reply(answerer.stream(question, passages))
        verifier = generative.last
        stats = Counter(verifier.stats)
        stats["unsupported"] = len(verifier.unsupported)
        stats["questions"] += 1
        stats["refused"] += answer.refused
        stats["fallback"] += answer.mode != "llm"
        stats["supported sentences"] += verifier.supported
        stats["model markers"] += stats["kept"] + stats["repaired"] + stats["dropped"]
        bad = [c for c in answer.citations if c.quote != engine.article(c.source)[c.start : c.end]]
        stats["inexact citations"] += len(bad)
        totals.update(stats)
        flag = "refused" if answer.refused else ("FALLBACK" if answer.mode != "llm" else "")
        print(f"{question[:58]:<60} {stats['kept']:>4} {stats['repaired']:>8} {stats['dropped']:>7} "
              f"{stats['added']:>5} {stats['unsupported']:>11}  {flag}")
        if verbose:
            print("    " + answer.text.replace("\n", "\n    "))
            for d in verifier.decisions:
                print(f"      - [{d.marker}] {d.outcome:<11} {d.coverage:.2f} {d.reason}  «{d.sentence[:70]}»")
            if answer.notice:
                print(f"    notice: {answer.notice}")
    client.close()
    engine.close()
    return totals


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", help="an OpenAI-compatible endpoint (default: start llama.cpp's server)")
    p.add_argument("--model", default="smollm2-135m-instruct")
    p.add_argument("--qa", type=Path, default=ROOT / "evals" / "qa.jsonl")
    p.add_argument("-n", type=int, default=24, help="first N questions (default 24: the dev set)")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    questions = dev_questions(args.qa, args.n)
    started = time.perf_counter()
    if args.base_url:
        totals = run(args.base_url, args.model, questions, args.k, args.max_tokens, args.verbose)
    else:
        from tests.support.llama_server import LlamaServer, unavailable_reason

        reason = unavailable_reason()
        if reason:
            print(reason, file=sys.stderr)
            return 2
        with LlamaServer() as server:
            totals = run(server.base_url, server.model_alias, questions, args.k, args.max_tokens, args.verbose)
    markers = totals["model markers"] or 1
    print()
    print(f"{totals['questions']} questions in {time.perf_counter() - started:.0f} s: "
          f"{totals['model markers']} model citations: kept {totals['kept']} ({totals['kept'] / markers:.0%}), "
          f"repaired {totals['repaired']} ({totals['repaired'] / markers:.0%}), "
          f"dropped {totals['dropped']} ({totals['dropped'] / markers:.0%}); "
          f"added {totals['added']} to uncited sentences; {totals['unsupported']} unsupported sentences; "
          f"{totals['refused']} refused; {totals['fallback']} fell back to extractive; "
          f"{totals['inexact citations']} inexact citations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
