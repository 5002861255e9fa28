"""The evaluation report: Markdown with tables and plots, plus a JSON with every raw number.

`write(result, folder)` produces, for a run started on DATE in MODE:
    DATE-MODE.md               gate, every set per split (train / test), tables per metric group and
                               question kind, the HTML QA set, calibration, worst questions, RGB,
                               judge failures, comparison with the previous report
    DATE-MODE.json             the raw result: settings, per-question answers and metrics, summaries
    DATE-MODE-by-kind.png      main metrics by question kind
    DATE-MODE-citations.png    citation precision vs recall, one point per answered question
    DATE-MODE-reliability.png  predicted confidence vs observed share correct, test split beside train
    DATE-MODE-refusal-pr.png   precision/recall of the refusal decision (score 1 - confidence), test
                               beside train; these two only when the answers carry a confidence
A run of one split (--split test|train) gets a "-test" / "-train" suffix; partial runs (--subset, --ids,
--rgb-limit) a "-partial" suffix, so neither replaces a full report. The previous report is the latest
JSON in the folder of the same mode, split and completeness (read before this run's files are written,
so a second run on the same day compares with the first).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zlib
from pathlib import Path
from typing import Any

from evals import gate, qaset

GROUPS: dict[str, tuple[str, ...]] = {
    "Retrieval (answerable questions)": ("evidence_recall@1", "evidence_recall@3", "evidence_recall@5", "mrr"),
    "Citations": ("citation_exactness", "citation_precision", "citation_precision_gold", "citation_recall", "citations"),
    "Answer mode": ("fallback_rate", "second_opinion_rate", "quoted_rate", "unsupported_rate"),
    "Refusals": ("correct_refusal_rate", "false_refusal_rate", "refusal_accuracy"),
    "Answers vs reference (answerable questions)": ("fact_recall", "answer_correct", "token_f1"),
    "ragas non-LLM metrics (answerable questions)": (
        "ragas_string_similarity", "ragas_rouge_l", "ragas_bleu", "ragas_context_precision", "ragas_context_recall"),
    "ragas LLM-judged metrics": ("judge_faithfulness", "judge_answer_relevancy", "judge_answer_correctness"),
}

HEADLINE = (
    "qa.evidence_recall@5", "qa.mrr", "qa.citation_exactness", "qa.citation_precision", "qa.citation_recall",
    "qa.correct_refusal_rate", "qa.false_refusal_rate", "qa.fact_recall", "qa.token_f1", "qa.ragas_rouge_l",
    "qa.ragas_string_similarity", "judge.faithfulness", "judge.answer_relevancy", "judge.answer_correctness",
    "qa.test.evidence_recall@5", "qa.test.citation_precision_gold", "qa.test.citation_recall",
    "qa.test.correct_refusal_rate", "qa.test.false_refusal_rate", "qa.test.fact_recall",
    "html.test.evidence_recall@5", "html.test.citation_precision_gold", "html.test.citation_recall",
    "html.test.correct_refusal_rate", "html.test.false_refusal_rate", "html.test.fact_recall",
    "rgb.answer_accuracy", "rgb.positive_recall@5", "rgb.positive_hit@5",
    "rgb.test.answer_accuracy", "rgb.test.positive_hit@5",
)

# The columns of the per-split tables (QA and HTML sets).
SPLIT_METRICS = ("evidence_recall@5", "citation_exactness", "citation_precision_gold", "citation_recall",
                 "correct_refusal_rate", "false_refusal_rate", "fact_recall")
SET_TITLES = {"qa": "QA set (seeds)", "html": "HTML QA set", "rgb": "RGB en_fact"}

PLOT_METRICS = ("evidence_recall@5", "citation_precision", "citation_recall", "fact_recall", "refusal_accuracy")


def stem(result: dict[str, Any]) -> str:
    meta = result["meta"]
    date = dt.datetime.fromisoformat(meta["started"]).astimezone().date().isoformat()
    split = meta.get("split", "all")
    return f"{date}-{meta['mode']}" + (f"-{split}" if split != "all" else "") + ("-partial" if meta.get("partial") else "")


def previous(folder: Path, result: dict[str, Any]) -> dict[str, Any] | None:
    """The latest earlier report of the same mode and completeness, or None."""
    meta, best = result["meta"], None
    for path in sorted(Path(folder).glob("*.json")):
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            old_meta = old["meta"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if old_meta.get("mode") != meta["mode"] or bool(old_meta.get("partial")) != bool(meta.get("partial")):
            continue
        if old_meta.get("split", "all") != meta.get("split", "all"):
            continue
        if old_meta.get("run_id", old_meta.get("started")) == meta.get("run_id", meta["started"]):
            continue  # this very run, written before
        if best is None or old_meta.get("finished", "") > best["meta"].get("finished", ""):
            best = old | {"_path": path.name}
    return best


def write(result: dict[str, Any], folder: Path) -> dict[str, Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = stem(result)
    before = previous(folder, result)
    paths = {
        "md": folder / f"{name}.md",
        "json": folder / f"{name}.json",
        "by_kind": folder / f"{name}-by-kind.png",
        "citations": folder / f"{name}-citations.png",
    }
    plots_ok = plot_by_kind(result, paths["by_kind"]) and plot_citations(result, paths["citations"])
    if (result.get("calibration") or {}).get("available"):
        paths["reliability"] = folder / f"{name}-reliability.png"
        paths["refusal_pr"] = folder / f"{name}-refusal-pr.png"
        if not plot_reliability(result, paths["reliability"]):
            del paths["reliability"]
        if not plot_refusal_pr(result, paths["refusal_pr"]):
            del paths["refusal_pr"]
    paths["json"].write_text(json.dumps(result, ensure_ascii=False, indent=1, default=_jsonable) + "\n", encoding="utf-8")
    paths["md"].write_text(markdown(result, before, paths if plots_ok else None, paths), encoding="utf-8")
    return paths


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


# --- formatting -----------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(fmt(c) if not isinstance(c, str) else c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(out)


def _clip(text: str, n: int = 220) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def question_score(row: dict[str, Any]) -> float:
    """How well one question went, 0..1 (for picking the worst): unanswerable = refused or not;
    answerable = mean of recall@5, citation precision and recall, fact recall."""
    if "error" in row:
        return -1.0
    if row["should_refuse"]:
        return 1.0 if row["refused"] else 0.0
    if row["refused"]:
        return 0.0
    parts = [row.get(k) for k in ("evidence_recall@5", "citation_precision", "citation_recall", "fact_recall")]
    parts = [p for p in parts if p is not None]
    return sum(parts) / len(parts) if parts else 0.0


def markdown(result: dict[str, Any], before: dict[str, Any] | None, plots: dict[str, Path] | None,
             paths: dict[str, Path] | None = None) -> str:
    meta, qa = result["meta"], result["qa"]
    kinds = list(qa["by_kind"])
    lines = [f"# newsrag evaluation: {stem(result)}", ""]
    git = meta.get("git", {})
    lines.append(
        f"Run {meta['started']} → {meta['finished']} · commit {git.get('commit') or '?'}"
        f"{' (uncommitted changes)' if git.get('dirty') else ''} · answer mode **{meta['mode']}** "
        f"(answers seen: {meta.get('answer_modes_seen')}) · k={meta['k']} · split **{meta.get('split', 'all')}** · "
        f"{meta['questions']} QA questions"
        f"{' (partial run)' if meta.get('partial') else ''} · ask latency p50 {fmt(meta.get('ask_p50_ms'), 1)} ms, "
        f"p95 {fmt(meta.get('ask_p95_ms'), 1)} ms."
    )
    fallback = qa["overall"].get("fallback_rate")
    if fallback:
        notices = sorted({r["notice"] for r in result["questions"] if r.get("notice")})
        lines += ["", f"**Warning: {fallback:.0%} of the answers were not produced in {meta['mode']} mode** "
                  f"(notices: {'; '.join(notices[:3])}). These numbers do not measure {meta['mode']} answering."]
    lines.append("")
    lines.append(f"Settings: {meta.get('settings')}. Corpus `{meta['corpus']}`, QA set `{Path(meta['qa_file']).name}` "
                 f"(sha256 {meta['qa_sha256'][:12]}). Metric definitions: `evals/metrics.py`, `evals/judge.py`, "
                 f"`evals/rgb.py`. – = not applicable.")
    lines.append("")

    verdict = result.get("gate")
    if verdict:
        lines.append(f"## Release gate: {'PASSED' if verdict['passed'] else 'FAILED'}")
        lines.append("")
        values = gate.metric_values(result)
        rows = []
        for status, entries in (("**FAILED**", verdict["failed"]), ("**FAILED** (unknown metric)", verdict.get("unknown", [])),
                                ("ok", verdict["ok"]), ("skipped", verdict["skipped"])):
            for e in entries:
                bound = f">= {e['min']}" if e["min"] is not None else f"<= {e['max']}"
                shown = fmt(values.get(e["metric"])) if status != "skipped" else e.get("reason", "")
                rows.append([f"`{e['metric']}`", bound, shown, status, e["why"]])
        lines += [table(["metric", "threshold", "value", "status", "why"], rows), ""]

    lines += split_section(result)
    lines.append("## QA set by question kind")
    lines.append("")
    counts = [[k, qa["by_kind"][k]["questions"], qa["by_kind"][k]["answerable"], qa["by_kind"][k]["unanswerable"],
               qa["by_kind"][k]["errors"], _outcomes(qa["by_kind"][k])] for k in kinds]
    counts.append(["**all**", qa["overall"]["questions"], qa["overall"]["answerable"], qa["overall"]["unanswerable"],
                   qa["overall"]["errors"], _outcomes(qa["overall"])])
    lines += [table(["kind", "questions", "answerable", "unanswerable", "errors", "outcomes"], counts), ""]
    judge = meta.get("judge", {})
    for title, keys in GROUPS.items():
        if title.startswith("ragas LLM") and not judge.get("ran"):
            lines += [f"### {title}", "", f"Not run: {judge.get('reason', 'no judge')}", ""]
            continue
        if all(qa["overall"].get(k) is None for k in keys) and title.startswith("ragas non-LLM"):
            lines += [f"### {title}", "", "Not run (--no-ragas).", ""]
            continue
        rows = [[k] + [qa["by_kind"][k].get(key) for key in keys] for k in kinds]
        rows.append(["**all**"] + [qa["overall"].get(key) for key in keys])
        lines += [f"### {title}", "", table(["kind"] + list(keys), rows), ""]
    if judge.get("ran"):
        lines += ["### Judge calls", "",
                  f"Judge `{judge.get('model')}` at {judge.get('base_url')}; metrics {judge.get('metrics')}. "
                  f"Failure rate {fmt(judge.get('failure_rate'))}. {' '.join(judge.get('notes', []))}", ""]
        rows = [[m, n, judge.get("failures", {}).get(m, 0), "; ".join(judge.get("failure_examples", {}).get(m, []))]
                for m, n in judge.get("attempts", {}).items()]
        lines += [table(["metric", "calls", "failures", "examples"], rows), ""]
        lines.append("With a judge, `citation_precision` also counts citations outside the gold evidence that the "
                     "judge found supportive; `citation_precision_gold` is the overlap-only number.")
        lines.append("")

    if plots:
        lines += ["## Plots", "", f"![metrics by kind]({plots['by_kind'].name})", "",
                  f"![citation precision vs recall]({plots['citations'].name})", ""]

    lines += html_section(result)
    lines += calibration_section(result, paths or {})
    lines += worst_questions(result["questions"])
    if result.get("html_questions"):
        lines += worst_questions(result["html_questions"], n=5, title="Worst HTML questions")
    lines += rgb_section(result)
    lines += comparison(result, before)
    return "\n".join(lines).rstrip() + "\n"


def _outcomes(summary: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(summary.get("outcomes", {}).items()))


def split_section(result: dict[str, Any]) -> list[str]:
    """Every set over everything run and per split; the QA set's test split by kind."""
    meta = result["meta"]
    lines = ["## Train / test", "",
             f"Split run: **{meta.get('split', 'all')}**. The test split is frozen and held out: nothing (thresholds, "
             "prompts, chunking, cleaning) is tuned on it (`evals/SPLITS.md`); train is where tuning happens. "
             "RGB: odd id = test, even id = train.", ""]
    rows = []
    for name in ("qa", "html"):
        section = result.get(name) or {}
        if "skipped" in section or not section:
            rows.append([SET_TITLES[name], "–", "skipped: " + str(section.get("skipped", "not run"))] + [""] * len(SPLIT_METRICS))
            continue
        for split, summary in [("all", section["overall"])] + [
                (s, section.get("by_split", {}).get(s, {}).get("overall")) for s in qaset.SPLITS]:
            if summary is None:
                continue
            rows.append([SET_TITLES[name], f"**{split}**" if split == "test" else split, summary["questions"]]
                        + [summary.get(k) for k in SPLIT_METRICS])
    lines += [table(["set", "split", "questions", *SPLIT_METRICS], rows), ""]
    rgb = result.get("rgb") or {}
    if rgb and "skipped" not in rgb:
        keys = [k for k in ("answer_accuracy", f"positive_hit@{meta['k']}", f"positive_recall@{meta['k']}",
                            "refusal_rate", "errors")]
        halves = [("all", rgb)] + [(s, rgb.get("by_split", {}).get(s)) for s in qaset.SPLITS]
        rows = [[SET_TITLES["rgb"], f"**{s}**" if s == "test" else s, summary.get("questions")] + [summary.get(k) for k in keys]
                for s, summary in halves if summary]
        lines += [table(["set", "split", "questions", *keys], rows), ""]
    test = (result.get("qa") or {}).get("by_split", {}).get("test")
    if test:
        kinds = [k for k in qaset.KINDS if k in test["by_kind"]]
        rows = [[k, test["by_kind"][k]["questions"]] + [test["by_kind"][k].get(m) for m in SPLIT_METRICS] for k in kinds]
        lines += ["### QA set, test split, by question kind", "", table(["kind", "questions", *SPLIT_METRICS], rows), ""]
    return lines


def html_section(result: dict[str, Any]) -> list[str]:
    html = result.get("html") or {}
    lines = ["## HTML QA set: saved news pages", ""]
    if not html or "skipped" in html:
        return lines + [f"Skipped: {html.get('skipped', 'not run')}", ""]
    meta = result["meta"].get("html") or {}
    lines.append(f"`{Path(meta.get('qa_file', 'html_qa.jsonl')).name}` (sha256 {str(meta.get('qa_sha256'))[:12]}) over "
                 f"`{meta.get('corpus')}` on its own fresh index (ingest: {meta.get('ingest')}). Per split: see Train / test.")
    lines.append("")
    kinds = list(html["by_kind"])
    keys = ("evidence_recall@5", "mrr", "citation_exactness", "citation_precision_gold", "citation_recall",
            "correct_refusal_rate", "false_refusal_rate", "fact_recall", "token_f1")
    rows = [[k, html["by_kind"][k]["questions"]] + [html["by_kind"][k].get(m) for m in keys] for k in kinds]
    rows.append(["**all**", html["overall"]["questions"]] + [html["overall"].get(m) for m in keys])
    lines += [table(["kind", "questions", *keys], rows), ""]
    return lines


def calibration_section(result: dict[str, Any], paths: dict[str, Path]) -> list[str]:
    cal = result.get("calibration") or {}
    lines = ["## Refusal calibration (Answer.confidence)", ""]
    if not cal.get("available"):
        return lines + [f"Skipped: {cal.get('reason', 'no calibration computed')}.", ""]
    lines.append("Measured on the **test** split; train beside it for comparison. Correct = an answerable question "
                 "answered with at least one citation on gold evidence (RGB: the answer contains the gold answer); "
                 "a refusal is never correct. ECE = mean |observed share correct − predicted confidence| over "
                 f"{cal['bins']} equal-width bins. Refusal precision/recall: positive = should refuse, score = "
                 "1 − confidence; AP = average precision; the operating point is the refusals actually made.")
    lines.append("")
    rows = []
    for name, splits in cal["sets"].items():
        for split in ("test", "train"):
            e = splits.get(split)
            if not e:
                continue
            op = e.get("operating_point") or {}
            rows.append([SET_TITLES.get(name, name), f"**{split}**" if split == "test" else split, e["n"],
                         e["without_confidence"], e["ece"], e.get("average_precision"), e.get("positives"),
                         op.get("precision"), op.get("recall")])
    lines += [table(["set", "split", "answers", "no confidence", "ECE", "refusal AP", "should refuse",
                     "refusal precision", "refusal recall"], rows), ""]
    if "test" not in {s for splits in cal["sets"].values() for s in splits}:
        lines += ["No test question in this run: nothing measured, train shown for reference only.", ""]
    for key, alt in (("reliability", "reliability: predicted confidence vs observed share correct"),
                     ("refusal_pr", "refusal precision/recall")):
        if key in paths:
            lines += [f"![{alt}]({paths[key].name})", ""]
    return lines


def worst_questions(rows: list[dict[str, Any]], n: int = 10, title: str = "Worst questions") -> list[str]:
    bad = sorted((r for r in rows if question_score(r) < 1.0), key=lambda r: (question_score(r), r["id"]))[:n]
    lines = [f"## {title} ({len(bad)} of {sum(question_score(r) < 1.0 for r in rows)} imperfect)", ""]
    if not bad:
        return lines + ["None: every question was perfect.", ""]
    for r in bad:
        lines.append(f"**{r['id']}** ({r['kind']}, {r.get('split', 'train')}, score {question_score(r):.2f}): {r['question']}")
        lines.append("")
        if r["history"]:
            lines.append("- history: " + " / ".join(f"{role}: {_clip(text, 100)}" for role, text in r["history"]))
        lines.append(f"- expected: {'refusal' if r['should_refuse'] else _clip(r['reference'])}")
        if "error" in r:
            lines += [f"- error: `{r['error']}`", ""]
            continue
        lines.append(f"- got ({r['outcome']}): {_clip(r['answer'], 400)}")
        if r.get("standalone_question") and r["standalone_question"] != r["question"]:
            lines.append(f"- standalone question: {r['standalone_question']}")
        for c in r["citations"]:
            lines.append(f"  - [{c['marker']}] `{c['source']}[{c['start']}:{c['end']}]` {_clip(c['quote'], 140)}")
        scores = {k: r.get(k) for k in ("evidence_recall@5", "mrr", "citation_precision", "citation_recall", "fact_recall")}
        lines.append("- " + ", ".join(f"{k} {fmt(v)}" for k, v in scores.items()))
        lines.append("")
    return lines


def rgb_section(result: dict[str, Any]) -> list[str]:
    rgb = result.get("rgb", {})
    lines = ["## External benchmark: RGB en_fact", ""]
    if "skipped" in rgb:
        return lines + [f"Skipped: {rgb['skipped']}", ""]
    keys = [k for k in rgb if k not in ("data", "sha256", "index", "by_split")]
    lines += [table(["metric", "value"], [[k, rgb[k]] for k in keys]), ""]
    lines.append(f"Data `{rgb.get('data')}` (sha256 {str(rgb.get('sha256'))[:12]}): every positive and negative "
                 "passage of every question pooled into one corpus; each question asked against the whole pool. "
                 "answer_accuracy = the answer contains every part of the gold answer (any listed spelling).")
    lines.append("")
    wrong = [q for q in result.get("rgb_questions", []) if not q.get("correct")]
    if wrong:
        lines += [f"Wrong answers ({len(wrong)}), first 10:", ""]
        rows = [[f"{q['id']} ({q.get('split', '?')})", _clip(q["query"], 70), _clip(json.dumps(q.get("gold"), ensure_ascii=False), 50),
                 "refused" if q.get("refused") else _clip(q.get("answer", q.get("error", "")), 160),
                 fmt(q.get("positive_recall"))] for q in wrong[:10]]
        lines += [table(["id", "question", "gold", "answer", "positive recall@5"], rows), ""]
    return lines


def comparison(result: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    lines = ["## Compared with the previous report", ""]
    if before is None:
        return lines + ["No earlier report of this mode in this folder.", ""]
    old_meta = before["meta"]
    lines.append(f"Previous: `{before.get('_path')}` ({old_meta.get('finished')}, commit "
                 f"{old_meta.get('git', {}).get('commit')}).")
    if old_meta.get("qa_sha256") != result["meta"]["qa_sha256"]:
        lines.append("The QA set changed since then: QA numbers are not directly comparable.")
    lines.append("")
    now, then = gate.metric_values(result), gate.metric_values(before)
    rows = []
    for key in HEADLINE:
        a, b = then.get(key), now.get(key)
        if a is None and b is None:
            continue
        delta = b - a if a is not None and b is not None else None
        rows.append([key, a, b, "–" if delta is None else f"{delta:+.3f}"])
    rows.append(["ask p50 ms", old_meta.get("ask_p50_ms"), result["meta"].get("ask_p50_ms"), ""])
    return lines + [table(["metric", "previous", "now", "change"], rows), ""]


# --- plots ----------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_by_kind(result: dict[str, Any], path: Path) -> bool:
    """Grouped bars: the main metrics for each question kind (missing = not applicable)."""
    plt = _plt()
    by_kind = result["qa"]["by_kind"]
    kinds = [k for k in qaset.KINDS if k in by_kind] + ["all"]
    summaries = [by_kind.get(k) or result["qa"]["overall"] for k in kinds]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(PLOT_METRICS)
    for i, metric in enumerate(PLOT_METRICS):
        values = [s.get(metric) for s in summaries]
        xs = [j + i * width for j, v in enumerate(values) if v is not None]
        kept = [v for v in values if v is not None]
        ax.bar(xs, kept, width, label=metric)
        for x, v in zip(xs, kept):  # label every bar: a 0 bar is otherwise invisible next to "n/a"
            ax.text(x, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(kinds))])
    ax.set_xticklabels([f"{k}\n(n={s['questions']})" for k, s in zip(kinds, summaries)])
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("score (missing bar = not applicable)")
    ax.set_title(f"newsrag QA metrics by question kind ({result['meta']['mode']})")
    ax.legend(fontsize=8, ncol=len(PLOT_METRICS), loc="lower center", bbox_to_anchor=(0.5, -0.32))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_citations(result: dict[str, Any], path: Path) -> bool:
    """One point per answered, answerable question: citation recall (x) vs precision (y), by kind."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 5))
    rows = [r for r in result["questions"] if not r.get("should_refuse") and r.get("citation_precision") is not None]
    for n, kind in enumerate(qaset.KINDS):
        pts = [r for r in rows if r["kind"] == kind]
        if not pts:
            continue
        jitter = [((zlib.crc32(r["id"].encode()) % 11) - 5) * 0.006 for r in pts]  # stable, keeps ties visible
        ax.scatter([r["citation_recall"] + j for r, j in zip(pts, jitter)],
                   [r["citation_precision"] - j for r, j in zip(pts, jitter)], label=kind, alpha=0.7, s=36)
    if rows:
        ax.scatter([sum(r["citation_recall"] for r in rows) / len(rows)],
                   [sum(r["citation_precision"] for r in rows) / len(rows)], marker="*", s=220, c="black",
                   label=f"mean of these {len(rows)}")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("citation recall (gold evidence groups cited)")
    ax.set_ylabel("citation precision (citations on gold evidence)")
    ax.set_title("Citations per answered question")
    if rows:  # no answered question (e.g. every ask raised): nothing to label
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


SPLIT_STYLE = {"test": {"linestyle": "-", "marker": "o"}, "train": {"linestyle": "--", "marker": "s", "alpha": 0.6}}


def plot_reliability(result: dict[str, Any], path: Path) -> bool:
    """One panel per set: mean predicted confidence (x) vs observed share correct (y) in each bin, the
    test split solid, train dashed beside it; the diagonal is perfect calibration."""
    sets = {name: splits for name, splits in result["calibration"]["sets"].items()
            if any(e["reliability"] for e in splits.values())}
    if not sets:
        return False
    plt = _plt()
    fig, axes = plt.subplots(1, len(sets), figsize=(4.6 * len(sets), 4.6), squeeze=False)
    for ax, (name, splits) in zip(axes[0], sets.items()):
        ax.plot([0, 1], [0, 1], color="grey", linewidth=1, label="perfect calibration")
        for split in ("test", "train"):
            e = splits.get(split)
            if not e or not e["reliability"]:
                continue
            bins = e["reliability"]
            ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], **SPLIT_STYLE[split],
                    label=f"{split} (n={e['n']}, ECE {fmt(e['ece'])})")
            if split == "test":
                for b in bins:
                    ax.annotate(str(b["count"]), (b["confidence"], b["accuracy"]), fontsize=6,
                                textcoords="offset points", xytext=(3, 3))
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("predicted confidence (bin mean)")
        ax.set_ylabel("observed share correct")
        ax.set_title(SET_TITLES.get(name, name))
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Reliability of Answer.confidence ({result['meta']['mode']}; labels: answers per test bin)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_refusal_pr(result: dict[str, Any], path: Path) -> bool:
    """One panel per set with questions to refuse: precision vs recall of "should refuse" when refusing
    every answer whose 1 - confidence reaches a threshold, test solid, train dashed; a star marks the
    refusals actually made."""
    sets = {name: splits for name, splits in result["calibration"]["sets"].items()
            if any(e.get("pr") for e in splits.values())}
    if not sets:
        return False
    plt = _plt()
    fig, axes = plt.subplots(1, len(sets), figsize=(4.6 * len(sets), 4.6), squeeze=False)
    for ax, (name, splits) in zip(axes[0], sets.items()):
        for split in ("test", "train"):
            e = splits.get(split)
            if not e or not e.get("pr"):
                continue
            curve = e["pr"]
            line, = ax.plot([0.0] + [p["recall"] for p in curve], [curve[0]["precision"]] + [p["precision"] for p in curve],
                            drawstyle="steps-pre", **{k: v for k, v in SPLIT_STYLE[split].items() if k != "marker"},
                            label=f"{split} (AP {fmt(e['average_precision'])}, {e['positives']} to refuse of {e['n']})")
            op = e.get("operating_point") or {}
            if op.get("precision") is not None:
                ax.scatter([op["recall"]], [op["precision"]], marker="*", s=160, color=line.get_color(), zorder=3,
                           label=f"{split}: refusals made")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("recall (unanswerable questions refused)")
        ax.set_ylabel("precision (refusals that were right)")
        ax.set_title(SET_TITLES.get(name, name))
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Refusal decision, score = 1 - confidence ({result['meta']['mode']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- console ----------------------------------------------------------------------------------------


def console_summary(result: dict[str, Any]) -> str:
    qa = result["qa"]
    keys = ("evidence_recall@5", "mrr", "citation_exactness", "citation_precision", "citation_recall",
            "correct_refusal_rate", "false_refusal_rate", "fact_recall", "token_f1")
    short = ("rec@5", "mrr", "exact", "c.prec", "c.rec", "refuse✓", "refuse✗", "facts", "tokF1")
    lines = ["QA kind       n  " + " ".join(f"{s:>8}" for s in short)]
    for kind, summary in list(qa["by_kind"].items()) + [("all", qa["overall"])]:
        lines.append(f"{kind:<12} {summary['questions']:>3}  " + " ".join(f"{fmt(summary.get(k)):>8}" for k in keys))
    for name in ("qa", "html"):
        section = result.get(name) or {}
        if "skipped" in section or not section:
            lines.append(f"{name}: skipped ({section.get('skipped', 'not run')})")
            continue
        parts = [(split, sub["overall"]) for split, sub in section.get("by_split", {}).items()]
        for split, summary in ([("all", section["overall"])] if name == "html" else []) + parts:
            lines.append(f"{name + '.' + split:<12} {summary['questions']:>3}  "
                         + " ".join(f"{fmt(summary.get(k)):>8}" for k in keys))
    if qa["overall"].get("fallback_rate"):
        lines.append(f"WARNING: {qa['overall']['fallback_rate']:.0%} of the answers fell back from "
                     f"{result['meta']['mode']} mode (see the notices in the report)")
    rgb = result.get("rgb", {})
    if "skipped" in rgb:
        lines.append(f"RGB: skipped ({rgb['skipped']})")
    else:
        k = result["meta"].get("k", 5)
        names = ("questions", "answer_accuracy", f"positive_recall@{k}", f"positive_hit@{k}", "refusal_rate")
        lines.append("RGB: " + ", ".join(f"{n} {fmt(rgb.get(n))}" for n in names))
        for split, summary in rgb.get("by_split", {}).items():
            lines.append(f"RGB {split}: " + ", ".join(f"{n} {fmt(summary.get(n))}" for n in names))
    cal = result.get("calibration") or {}
    if cal and not cal.get("available"):
        lines.append(f"calibration: skipped ({cal.get('reason')})")
    return "\n".join(lines)
