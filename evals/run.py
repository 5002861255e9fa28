"""`rag eval`: run the evaluation suite, write a report, and (with --gate) enforce the release gate.

    rag eval                      # QA set + HTML QA set + ragas + RGB; report in evals/reports/<date>-<mode>.md
    rag eval --gate               # ... and exit 1 listing every threshold of evals/gate.toml not met
    rag eval --split test         # only the frozen held-out questions (QA, HTML and RGB)
    rag eval --subset 5 --no-rgb --no-html  # quick look
    rag --corpus DIR --index DIR eval ...   # another corpus / a kept index for the QA set (default: seeds/,
                                            # a fresh temporary index); the HTML set always gets its own

Three question sets, each reported over everything run *and per split* (train / test, evals/SPLITS.md;
nothing is tuned on test):
- qa:   evals/qa.jsonl over the seeds (or --qa over `rag --corpus`);
- html: evals/html_qa.jsonl over the saved news pages of ../shared/benchmarks/html (or RAG_SHARED_DIR),
        on a fresh index of its own (--no-html skips it);
- rgb:  the external RGB en_fact benchmark (evals/rgb.py; odd id = test, even id = train).
What is measured is documented in evals/metrics.py (QA metrics, ragas non-LLM, calibration),
evals/judge.py (LLM judge, only with RAG_JUDGE_MODEL + RAG_JUDGE_BASE_URL; QA set only) and
evals/rgb.py (external benchmark).
Exit status: 0 done (gate passed or not asked), 1 gate failed, 2 bad input (e.g. QA set does not
match the corpus).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evals import metrics, qaset
from evals.common import GATE_FILE, REPO_ROOT, REPORTS_DIR, SEEDS, open_engine, shared_dir
from rag.prompts import JUDGED_NOTICE, SECOND_OPINION_NOTICE

SPLIT_CHOICES = (*qaset.SPLITS, "all")

QA_METRICS = (
    "evidence_recall@1", "evidence_recall@3", "evidence_recall@5", "mrr",
    "citation_exactness", "citation_precision", "citation_precision_gold", "citation_recall",
    "correct_refusal_rate", "false_refusal_rate", "refusal_accuracy",
    "fact_recall", "answer_correct", "token_f1",
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rag eval",
        description="Evaluate newsrag on the hand-written QA set over the seeds (retrieval, citations, refusals, "
        "answers, ragas metrics; LLM-judged metrics when RAG_JUDGE_MODEL and RAG_JUDGE_BASE_URL are set), on the "
        "HTML QA set over the saved news pages of ../shared/benchmarks/html (its own index) and on the external RGB "
        "benchmark; write a report with every number per split (train / test: evals/SPLITS.md; the test split is "
        "frozen, nothing is tuned on it) and the calibration of Answer.confidence; with --gate, exit 1 when a "
        "threshold of evals/gate.toml is not met. Corpus and index of the QA set: `rag --corpus DIR --index DIR "
        "eval` (default: seeds/ and a fresh temporary index). ../shared is found beside the repository or at "
        "RAG_SHARED_DIR.",
    )
    p.add_argument("--gate", action="store_true", help="exit 1 listing every failed threshold")
    p.add_argument("--gate-file", type=Path, default=GATE_FILE, help="thresholds (default evals/gate.toml)")
    p.add_argument("--mode", choices=["auto", "extractive", "local", "llm"], help="answer mode (default: RAG_ANSWER_MODE or auto)")
    p.add_argument("--qa", type=Path, default=qaset.DEFAULT_PATH, help="QA set (default evals/qa.jsonl)")
    p.add_argument("--split", choices=SPLIT_CHOICES, default="all",
                   help="which questions to run: test (the frozen held-out split), train, or all (default); applies to "
                   "the QA, HTML and RGB sets (RGB: odd id = test). Every set is always reported per split as well "
                   "(gate names qa.test.<metric>, qa.train.<metric>, qa.test.<kind>.<metric>, html.test.<metric>, "
                   "rgb.test.<metric>, ...)")
    p.add_argument("--subset", type=int, metavar="N",
                   help="only the first N questions of each QA set (of the chosen split; with --split all the first "
                   "24 of qa.jsonl are the dev set)")
    p.add_argument("--ids", help="only these question ids, comma-separated, of either QA set (e.g. q01,q45,h03); "
                   "a set none of whose ids is named is skipped")
    p.add_argument("--no-html", action="store_true",
                   help="skip the HTML QA set (evals/html_qa.jsonl over ../shared/benchmarks/html)")
    p.add_argument("--html-qa", type=Path, default=qaset.HTML_QA_PATH,
                   help="HTML QA set (default evals/html_qa.jsonl), asked over ../shared/benchmarks/html")
    p.add_argument("-k", type=int, default=5, help="passages retrieved per question (default 5)")
    p.add_argument("--out", type=Path, default=REPORTS_DIR, help="report folder (default evals/reports)")
    p.add_argument("--no-rgb", action="store_true", help="skip the external RGB benchmark")
    p.add_argument("--rgb-limit", type=int, metavar="N", help="only the first N RGB questions (of the chosen split)")
    p.add_argument("--no-ragas", action="store_true", help="skip the ragas non-LLM metrics")
    p.add_argument("--no-judge", action="store_true", help="skip LLM-judged metrics even if a judge is configured")
    p.add_argument("--judge", choices=["configured", "local"], default="configured",
                   help="configured (default): the judge of RAG_JUDGE_MODEL/RAG_JUDGE_BASE_URL, if set; local: the "
                        "installed local model (`rag model install`) through newsrag's own llama.cpp server, offline. "
                        "A local judge scores faithfulness and answer correctness only, is reported with its parse "
                        "failures, and is never gated nor used for citation precision (a 1.5B judge is weak)")
    p.add_argument("--judge-metrics", default=",".join(("faithfulness", "answer_relevancy", "answer_correctness", "citation_support")),
                   help="comma-separated subset of faithfulness,answer_relevancy,answer_correctness,citation_support")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return p


def command(args: argparse.Namespace) -> int:
    """Entry point of `rag eval` (registered in pyproject.toml). `args.rest` holds our own options."""
    opts = build_parser().parse_args(list(getattr(args, "rest", []) or []))
    corpus = Path(args.corpus) if getattr(args, "corpus", None) else SEEDS
    try:
        if getattr(args, "index", None):
            result = evaluate(opts, corpus, Path(args.index))
        else:  # a fresh index every run (5 seeds: a few seconds): never a stale one
            with tempfile.TemporaryDirectory(prefix="newsrag-eval-") as tmp:
                result = evaluate(opts, corpus, Path(tmp) / "index")
    except qaset.QASetError as error:
        print(f"rag: error: {error}", file=sys.stderr)
        return 2
    from evals import gate, report

    verdict = gate.check(gate.load(opts.gate_file), result)
    result["gate"] = verdict.to_dict()
    paths = report.write(result, opts.out)
    print(report.console_summary(result), file=sys.stderr)
    print(f"report: {paths['md']}", file=sys.stderr)
    if opts.gate:
        print(verdict.describe(), file=sys.stderr)
        return 0 if verdict.passed else 1
    return 0


# --- the QA sets ----------------------------------------------------------------------------------


def html_corpus() -> Path:
    """The saved news pages the HTML QA set is written over: ../shared/benchmarks/html (RAG_SHARED_DIR).
    Its README.md is ingested as a ninth article; no question cites it."""
    return shared_dir() / "benchmarks" / "html"


def wanted_ids(opts: argparse.Namespace) -> list[str]:
    return [i.strip() for i in opts.ids.split(",") if i.strip()] if opts.ids else []


def check_ids(opts: argparse.Namespace, *sets: list[qaset.QAItem]) -> None:
    """Every id of --ids must name a question of one of the QA sets."""
    known = {item.id for items in sets for item in items}
    unknown = [i for i in wanted_ids(opts) if i not in known]
    if unknown:
        raise qaset.QASetError(f"unknown question ids: {', '.join(unknown)}")


def select(items: list[qaset.QAItem], opts: argparse.Namespace) -> list[qaset.QAItem]:
    """The questions of one set that this run asks: --ids, then --split, then the first --subset."""
    if opts.ids:
        wanted = set(wanted_ids(opts))
        items = [item for item in items if item.id in wanted]
    if getattr(opts, "split", "all") != "all":
        items = [item for item in items if item.split == opts.split]
    if opts.subset:
        items = items[: opts.subset]
    return items


def evaluate(opts: argparse.Namespace, corpus: Path, index: Path) -> dict[str, Any]:
    """Run everything asked for; return the raw result (what report.write stores as JSON)."""
    started = dt.datetime.now(dt.timezone.utc)
    all_items = qaset.load(opts.qa)
    html_items = qaset.load(opts.html_qa) if Path(opts.html_qa).is_file() else []
    check_ids(opts, all_items, html_items)
    items = select(all_items, opts)
    overrides: dict[str, Any] = {"top_k": opts.k}
    if opts.mode:
        overrides["answer_mode"] = opts.mode
    qa_run = run_set(items, corpus, index, opts, overrides, label="QA", judge=True)
    mode = qa_run["mode"]
    rows = qa_run["rows"]

    html_run = evaluate_html(html_items, opts, overrides)
    html_rows = html_run["rows"] if html_run else []

    rgb_result = None
    if opts.no_rgb:
        rgb_summary: dict[str, Any] = {"skipped": "--no-rgb"}
    else:
        from evals import rgb

        rgb_result = rgb.run(mode, k=opts.k, limit=opts.rgb_limit, quiet=opts.quiet, split=opts.split)
        rgb_summary = rgb_result.summary
    rgb_questions = rgb_result.questions if rgb_result else []

    partial = bool(opts.subset or opts.ids or opts.rgb_limit)
    return {
        "meta": {
            "started": started.isoformat(timespec="seconds"),
            # which run this is (report.previous): two quick runs can start within the same second
            "run_id": started.isoformat(timespec="microseconds"),
            "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "mode": mode,
            "answer_modes_seen": dict(Counter(r["mode"] for r in rows + html_rows if r.get("mode"))),
            "k": opts.k,
            "split": opts.split,
            "partial": partial,
            "questions": len(rows),
            "qa_file": str(opts.qa),
            "qa_sha256": hashlib.sha256(Path(opts.qa).read_bytes()).hexdigest(),
            "corpus": str(corpus),
            "index": str(index),
            "ingest": qa_run["ingest"],
            "git": git_revision(),
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in qa_run["settings"].items()},
            "judge": qa_run["judge"],
            "ask_p50_ms": _ms(metrics.percentile([r["latency_s"] for r in rows if "latency_s" in r], 50)),
            "ask_p95_ms": _ms(metrics.percentile([r["latency_s"] for r in rows if "latency_s" in r], 95)),
            "html": html_run["meta"] if html_run else None,
        },
        "qa": aggregate(rows),
        "html": aggregate(html_rows) if html_run else {"skipped": html_skip_reason(html_items, opts)},
        "rgb": rgb_summary,
        "calibration": calibration({"qa": rows, "html": html_rows, "rgb": rgb_questions}, mode),
        "rgb_questions": rgb_questions,
        "questions": rows,
        "html_questions": html_rows,
    }


def run_set(items: list[qaset.QAItem], corpus: Path, index: Path, opts: argparse.Namespace,
            overrides: dict[str, Any], label: str, judge: bool) -> dict[str, Any]:
    """Ingest `corpus` into `index`, check the questions against it, ask and score them (ragas unless
    --no-ragas; the LLM judge when `judge` and one is configured)."""
    engine, ingest = open_engine(corpus, index, quiet=opts.quiet, label=f"{label} ingest", **overrides)
    try:
        wrong = qaset.problems(items, engine.article)
        if wrong:
            raise qaset.QASetError(
                f"the {label} set does not match the corpus {corpus} ({len(wrong)} problems; first: {wrong[0]})"
            )
        mode = engine.settings.resolved_answer_mode()
        rows = ask_all(engine, items, opts.k, opts.quiet, label)
        for row in rows:  # e.g. llm mode whose endpoint failed: the answer came from the extractive path
            if "error" not in row:
                row["fallback"] = float(row["mode"] != mode)
        by_id = {item.id: item for item in items}
        if not opts.no_ragas:
            add_ragas(rows, by_id, opts.quiet)
        if judge:
            judge_info = add_judge(engine, rows, by_id, opts)
        else:
            judge_info = {"ran": False, "reason": "the LLM judge scores the QA set only"}
        settings = {key: getattr(engine.settings, key, None) for key in
                    ("top_k", "chunk_chars", "embedder", "min_support", "max_answer_sentences", "answer_mode", "llm_model")}
    finally:
        engine.close()
    return {
        "mode": mode, "rows": rows, "judge": judge_info, "settings": settings,
        "ingest": {"added": ingest.added, "updated": ingest.updated, "unchanged": ingest.unchanged,
                   "chunks": ingest.chunks, "errors": ingest.errors},
    }


def html_skip_reason(html_items: list[qaset.QAItem], opts: argparse.Namespace) -> str:
    if opts.no_html:
        return "--no-html"
    if not Path(opts.html_qa).is_file():
        return f"{opts.html_qa} not found"
    if not html_corpus().is_dir():
        return f"{html_corpus()} not found (put ../shared beside the repository or set RAG_SHARED_DIR)"
    if not select(html_items, opts):
        return "no HTML question selected (--ids, --split)"
    return "not run"


def evaluate_html(html_items: list[qaset.QAItem], opts: argparse.Namespace, overrides: dict[str, Any]) -> dict[str, Any] | None:
    """The HTML QA set on a fresh index of ../shared/benchmarks/html (nine files, a few seconds), or
    None when it is skipped (html_skip_reason says why)."""
    items = select(html_items, opts) if html_items and not opts.no_html else []
    corpus = html_corpus()
    if not items or not corpus.is_dir():
        if items and not corpus.is_dir():
            print(f"HTML QA set skipped: {html_skip_reason(html_items, opts)}", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory(prefix="newsrag-eval-html-") as tmp:
        run = run_set(items, corpus, Path(tmp) / "index", opts, overrides, label="HTML", judge=False)
    return {
        "rows": run["rows"],
        "meta": {"qa_file": str(opts.html_qa), "qa_sha256": hashlib.sha256(Path(opts.html_qa).read_bytes()).hexdigest(),
                 "corpus": str(corpus), "questions": len(run["rows"]), "ingest": run["ingest"]},
    }


def ask_all(engine, items: list[qaset.QAItem], k: int, quiet: bool, label: str = "QA") -> list[dict[str, Any]]:
    from tqdm import tqdm

    rows = []
    for item in tqdm(items, desc=label, unit="q", file=sys.stderr, disable=quiet, leave=False):
        row: dict[str, Any] = {
            "id": item.id, "kind": item.kind, "split": item.split, "question": item.question,
            "history": [list(t) for t in item.history], "reference": item.answer,
            "should_refuse": not item.answerable,
        }
        t0 = time.perf_counter()
        try:
            answer = engine.ask(item.question, history=list(item.history) or None, k=k)
        except Exception as error:  # counted as an error; the run goes on
            row.update(error=f"{type(error).__name__}: {error}", outcome="error")
            rows.append(row)
            continue
        row["latency_s"] = time.perf_counter() - t0
        row.update(score_answer(item, answer, engine.article, k))
        rows.append(row)
    return rows


def score_answer(item: qaset.QAItem, answer, article, k: int) -> dict[str, Any]:
    """The per-question QA metrics (see evals.metrics) and what the system said."""
    groups = item.groups
    passages = list(answer.passages)  # what the answer drew on: Engine.answer_passages (fused per part)
    citations = list(answer.citations)
    text = "" if answer.refused else metrics.strip_markers(answer.text)
    exact = [_exact(c, article) for c in citations]
    row: dict[str, Any] = {
        "answer": answer.text,
        "refused": answer.refused,
        "mode": answer.mode,
        "notice": answer.notice,
        "standalone_question": answer.standalone_question,
        "unsupported": list(answer.unsupported),
        "citations": [asdict(c) for c in citations],
        "citations_exact": sum(exact),
        "citations_total": len(citations),
        "passages": [{"source": p.source, "start": p.start, "end": p.end, "score": p.score} for p in passages],
        "outcome": metrics.refusal_outcome(not item.answerable, answer.refused),
        "citation_exactness": metrics.citation_exactness(citations, article),
        "evidence_recall@1": metrics.evidence_recall_at_k(passages, groups, 1),
        "evidence_recall@3": metrics.evidence_recall_at_k(passages, groups, 3),
        "evidence_recall@5": metrics.evidence_recall_at_k(passages, groups, 5),
        "mrr": metrics.reciprocal_rank(passages[:k], groups),
        "citation_precision_gold": metrics.citation_precision(citations, groups),
        "citation_recall": metrics.citation_recall(citations, groups),
        "fact_recall": metrics.fact_recall(text, item.facts),
        "token_f1": metrics.token_f1(text, item.answer) if item.answerable else None,
        "confidence": answer.confidence,
        "supported": metrics.answer_supported(answer.refused, citations, groups),  # "correct" for calibration
    }
    row["citation_precision"] = row["citation_precision_gold"]
    row["answer_correct"] = None if not item.answerable else float(row["fact_recall"] == 1.0)
    return row


def _exact(citation, article) -> bool:
    try:
        return article(citation.source)[citation.start : citation.end] == citation.quote
    except Exception:
        return False


# --- ragas and the judge ---------------------------------------------------------------------------


def add_ragas(rows: list[dict[str, Any]], items: dict[str, qaset.QAItem], quiet: bool) -> None:
    """ragas non-LLM metrics for every answerable question (a refusal scores 0 on the answer-vs-
    reference metrics and on context recall: it states and cites nothing)."""
    from tqdm import tqdm

    async def run() -> None:
        for row in tqdm([r for r in rows if not r["should_refuse"] and "error" not in r], desc="ragas",
                        unit="q", file=sys.stderr, disable=quiet, leave=False):
            response = "" if row["refused"] else metrics.strip_markers(row["answer"])
            cited = [c["quote"] for c in row["citations"]]
            gold = [ev.quote for ev in items[row["id"]].evidence]
            scores = await metrics.ragas_nonllm(response, row["reference"], cited, gold)
            if row["refused"]:
                scores.update(string_similarity=0.0, rouge_l=0.0, bleu=0.0, context_recall=0.0)
            row.update({f"ragas_{name}": value for name, value in scores.items()})

    asyncio.run(run())


def add_judge(engine, rows: list[dict[str, Any]], items: dict[str, qaset.QAItem], opts: argparse.Namespace) -> dict[str, Any]:
    """LLM-judged metrics when a judge is configured; returns what the report says about the judge.
    With a judge, citation precision also counts citations outside the gold evidence that the judge
    finds supportive (citation_precision_gold stays the strict, overlap-only number)."""
    from evals.judge import Judge, JudgeItem, judge_config, sentence_with_marker

    local = getattr(opts, "judge", "configured") == "local"
    config = local_judge_config(engine.settings) if local and not opts.no_judge else judge_config(engine.settings)
    if opts.no_judge:
        return {"configured": config is not None, "ran": False, "reason": "--no-judge"}
    if config is None:
        return {"configured": False, "ran": False,
                "reason": "no judge configured: set RAG_JUDGE_MODEL and RAG_JUDGE_BASE_URL (and RAG_JUDGE_API_KEY) "
                          "to run faithfulness, answer relevancy/correctness and judged citation precision"}
    from tqdm import tqdm

    embedder = getattr(engine, "embedder", None)  # newsrag's local embedder, for answer relevancy
    wanted = [m.strip() for m in opts.judge_metrics.split(",") if m.strip()]
    if local:  # never citation_support: gold-based citation precision stays the only one
        wanted = [m for m in wanted if m in LOCAL_JUDGE_METRICS]
    judge = Judge(config, embed=embedder.embed if embedder is not None else None, metrics=wanted)
    batch = []
    for row in rows:
        if "error" in row or row["refused"]:
            continue
        item = items[row["id"]]
        gold = list(item.evidence)
        user_input = "\n".join(f"{role}: {text}" for role, text in row["history"])
        user_input = f"{user_input}\nuser: {row['question']}" if user_input else row["question"]
        statements = {
            i: (sentence_with_marker(row["answer"], c["marker"]), c["quote"])
            for i, c in enumerate(row["citations"])
            if gold and not any(metrics.overlaps(_span(c), ev) for ev in gold)
        }
        contexts = [engine.article(p["source"])[p["start"] : p["end"]] for p in row["passages"]]
        batch.append(JudgeItem(row["id"], user_input, metrics.strip_markers(row["answer"]), contexts,
                               row["reference"], statements))
    bar = tqdm(total=len(batch), desc="judge", unit="q", file=sys.stderr, disable=opts.quiet, leave=False)
    scores = judge.score(batch, progress=bar.update)
    bar.close()
    for row in rows:
        got = scores.get(row["id"])
        if not got:
            continue
        for name in ("faithfulness", "answer_relevancy", "answer_correctness"):
            if name in got:
                row[f"judge_{name}"] = got[name]
        if "citation_support" in got:
            row["citation_support"] = {str(i): v for i, v in got["citation_support"].items()}
            row["citation_precision"] = metrics.citation_precision(
                [_span(c) for c in row["citations"]], items[row["id"]].groups, got["citation_support"])
    notes = list(judge.notes)
    if local:
        notes.append(f"local judge ({config.model}): a 1.5B model is a weak judge; its scores are reported, "
                     "not gated, and its parse failures are counted below")
    return {"configured": True, "ran": True, "local": local, "model": config.model, "base_url": config.base_url,
            "metrics": judge.metrics, "notes": notes, **judge.tally.summary()}


LOCAL_JUDGE_METRICS = ("faithfulness", "answer_correctness")


def local_judge_config(settings):
    """The judge served by newsrag's own llama.cpp server with the installed local model (started,
    after its sha256 check, if it is not running)."""
    from evals.judge import JudgeConfig
    from rag.local_server import shared_server

    server = shared_server(settings)
    server.ensure()
    return JudgeConfig(model=server.model, base_url=server.base_url, timeout=settings.local_timeout)


def _span(c: dict[str, Any]):
    from types import SimpleNamespace

    return SimpleNamespace(source=c["source"], start=c["start"], end=c["end"])


# --- aggregation ------------------------------------------------------------------------------------

RAGAS_KEYS = tuple(f"ragas_{name}" for name in metrics.RAGAS_NONLLM)
JUDGE_KEYS = ("judge_faithfulness", "judge_answer_relevancy", "judge_answer_correctness")


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The QA metrics over `rows`: means of the per-question values (None = not applicable);
    citation exactness is pooled over all citations; refusal rates over the outcomes."""
    ok = [r for r in rows if "error" not in r]
    out: dict[str, Any] = {"questions": len(rows), "errors": len(rows) - len(ok),
                           "answerable": sum(not r["should_refuse"] for r in rows),
                           "unanswerable": sum(r["should_refuse"] for r in rows)}
    for key in QA_METRICS + RAGAS_KEYS + JUDGE_KEYS:
        if key in ("citation_exactness", "correct_refusal_rate", "false_refusal_rate", "refusal_accuracy"):
            continue
        out[key] = metrics.mean(r.get(key) for r in ok)
    total = sum(r["citations_total"] for r in ok)
    out["citations"] = total
    out["fallback_rate"] = metrics.mean(r.get("fallback") for r in ok)  # answers not in the requested mode
    # model refusals overruled by a confident extractive answer (rag.answering.SecondOpinion)
    out["second_opinion_rate"] = metrics.mean(float(SECOND_OPINION_NOTICE in (r.get("notice") or "")) for r in ok)
    # local mode: judged sentences quoted because the model wrote nothing they support (rag.judged)
    out["quoted_rate"] = metrics.mean(float(JUDGED_NOTICE in (r.get("notice") or "")) for r in ok)
    # answers carrying sentences whose citations did not hold (llm mode flags them in Answer.unsupported)
    out["unsupported_rate"] = metrics.mean(float(bool(r["unsupported"])) for r in ok if not r["refused"])
    out["citation_exactness"] = sum(r["citations_exact"] for r in ok) / total if total else None
    out.update(metrics.refusal_rates(r["outcome"] for r in ok))
    out["outcomes"] = dict(Counter(r["outcome"] for r in rows))
    return out


def aggregate(rows: list[dict[str, Any]], splits: bool = True) -> dict[str, Any]:
    """`overall` and `by_kind` summaries of `rows`, and the same for each split present (`by_split`:
    split -> {overall, by_kind}): gate names qa.<metric>, qa.<kind>.<metric>, qa.test.<metric>,
    qa.test.<kind>.<metric> (evals.gate.metric_values)."""
    by_kind = {kind: summarize([r for r in rows if r["kind"] == kind]) for kind in qaset.KINDS
               if any(r["kind"] == kind for r in rows)}
    out: dict[str, Any] = {"overall": summarize(rows), "by_kind": by_kind}
    if splits:
        out["by_split"] = {split: aggregate([r for r in rows if r.get("split", "train") == split], splits=False)
                           for split in qaset.SPLITS if any(r.get("split", "train") == split for r in rows)}
    return out


# --- calibration ------------------------------------------------------------------------------------

CALIBRATION_BINS = 10


def calibration(sets: dict[str, list[dict[str, Any]]], mode: str, bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """How well Answer.confidence predicts a correct answer and separates questions to refuse, per set
    and split (see evals.metrics: answer_supported, reliability, expected_calibration_error,
    precision_recall_curve, average_precision). The test split is the measurement; train is shown
    beside it for comparison. Per set and split:
    - n, without_confidence: answers scored / skipped for lack of a confidence;
    - reliability (bins), ece: predicted confidence vs observed share of correct answers (qa, html:
      answerable, not refused, a citation on gold evidence; rgb: the answer contains the gold answer);
    - pr, average_precision, positives: the refusal decision as a ranking, positive = should refuse,
      score = 1 - confidence (rgb has no question to refuse: no curve);
    - operating_point: precision and recall of the refusals actually made."""
    rows = {name: [r for r in found if "error" not in r] for name, found in sets.items()}
    scored = sum(r.get("confidence") is not None for found in rows.values() for r in found)
    if not scored:
        return {"available": False,
                "reason": f"no answer carries a confidence (Answer.confidence is None in {mode} mode): "
                          "reliability and refusal precision/recall not computed"}
    out: dict[str, Any] = {"available": True, "bins": bins, "sets": {}}
    for name, found in rows.items():
        per_split = {}
        for split in qaset.SPLITS:
            chosen = [r for r in found if r.get("split", "train") == split]
            if not chosen:
                continue
            confident = [r for r in chosen if r.get("confidence") is not None]
            correct = [bool(r.get("supported", r.get("correct"))) for r in confident]
            confidences = [float(r["confidence"]) for r in confident]
            table = metrics.reliability(confidences, correct, bins)
            entry: dict[str, Any] = {"n": len(confident), "without_confidence": len(chosen) - len(confident),
                                     "reliability": table, "ece": metrics.expected_calibration_error(table)}
            should = [bool(r.get("should_refuse", False)) for r in confident]
            if any(should):
                curve = metrics.precision_recall_curve(should, [1.0 - c for c in confidences])
                refused = [bool(r.get("refused")) for r in confident]
                hits = sum(s and f for s, f in zip(should, refused))
                entry.update(pr=curve, average_precision=metrics.average_precision(curve), positives=sum(should),
                             operating_point={"precision": hits / sum(refused) if any(refused) else None,
                                              "recall": hits / sum(should)})
            per_split[split] = entry
        if per_split:
            out["sets"][name] = per_split
    return out


def git_revision() -> dict[str, Any]:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return {"commit": head or None, "dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
