"""Compute the evidence offsets of evals/qa.jsonl (or evals/html_qa.jsonl) from its hand-written quotes.

    python -m evals.build_offsets [--qa evals/qa.jsonl] [--corpus seeds] [--check]
    python -m evals.build_offsets --qa evals/html_qa.jsonl      # corpus: ../shared/benchmarks/html

Each evidence quote was copied by hand from an article; this finds it in the *cleaned* article text
(`Engine.article(source)`, which is what every offset refers to) and stores start/end, so that
`article[start:end] == quote`. A quote that occurs more than once keeps the occurrence nearest to its
previous offset. A quote that no longer occurs (e.g. cleaning changed) is reported with the closest
passage of the article, and nothing is written. `--check` only reports.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from evals import qaset
from evals.common import SEEDS, shared_dir


def closest(quote: str, text: str) -> str:
    """The stretch of `text` most like `quote` (to show what a mistyped quote should be)."""
    from rapidfuzz import fuzz

    hit = fuzz.partial_ratio_alignment(quote, text)
    return text[hit.dest_start : hit.dest_end] if hit else ""


def rebuild(items: list[qaset.QAItem], article) -> tuple[list[qaset.QAItem], list[str]]:
    """The items with offsets recomputed, and the quotes that could not be found."""
    missing, out = [], []
    for item in items:
        evidence = []
        for ev in item.evidence:
            where = qaset.locate(ev.quote, article(ev.source), ev.start)
            if where is None:
                missing.append(f"{item.id}: not in {ev.source}: {ev.quote!r}\n    closest: {closest(ev.quote, article(ev.source))!r}")
                evidence.append(ev)
            else:
                evidence.append(replace(ev, start=where.start, end=where.end))
        out.append(replace(item, evidence=tuple(evidence)))
    return out, missing


def default_corpus(qa: Path) -> Path:
    """The corpus a QA file's sources name: the saved HTML pages for html_qa.jsonl, else the seeds."""
    return shared_dir() / "benchmarks" / "html" if qa.name == qaset.HTML_QA_PATH.name else SEEDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.build_offsets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--qa", type=Path, default=qaset.DEFAULT_PATH)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="articles folder (default: seeds/, or ../shared/benchmarks/html for html_qa.jsonl)")
    parser.add_argument("--check", action="store_true", help="report only; do not rewrite the file")
    args = parser.parse_args(argv)

    from evals.common import open_engine

    items = qaset.load(args.qa)
    corpus = args.corpus or default_corpus(args.qa)
    with tempfile.TemporaryDirectory(prefix="newsrag-offsets-") as tmp:
        engine, _ = open_engine(corpus, Path(tmp) / "index", quiet=True)
        try:
            rebuilt, missing = rebuild(items, engine.article)
            still_wrong = qaset.problems(rebuilt, engine.article) if not missing else []
        finally:
            engine.close()
    for line in missing + still_wrong:
        print(line, file=sys.stderr)
    if missing or still_wrong:
        return 1
    changed = sum(a != b for a, b in zip(items, rebuilt))
    if not args.check:
        args.qa.write_text("".join(qaset.to_json(item) + "\n" for item in rebuilt), encoding="utf-8")
    print(f"{len(rebuilt)} questions, {sum(len(i.evidence) for i in rebuilt)} evidence spans; "
          f"{changed} questions {'would change' if args.check else 'updated'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
