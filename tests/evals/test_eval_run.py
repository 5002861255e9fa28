"""`rag eval` end to end on a few questions, against a real Engine over a temp copy of the seeds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from evals import qaset
from evals.run import build_parser

IDS = "q01,q05,q06,q45"  # single, multi (two articles), unanswerable, follow-up


def test_subset_run_writes_report_json_and_plots(tmp_path, run_eval, capsys):
    status = run_eval(tmp_path, "--ids", IDS, "--no-rgb")
    assert status == 0  # without --gate the run succeeds whatever the numbers
    err = capsys.readouterr().err
    reports = sorted(p.name for p in tmp_path.iterdir())
    assert len(reports) == 4, reports
    md = next(tmp_path.glob("*-extractive-partial.md")).read_text()
    raw = json.loads(next(tmp_path.glob("*-extractive-partial.json")).read_text())
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "report:" in err

    assert [q["id"] for q in raw["questions"]] == IDS.split(",")
    assert raw["meta"]["partial"] is True and raw["meta"]["mode"] == "extractive"
    overall = raw["qa"]["overall"]
    assert overall["errors"] == 0
    assert overall["citation_exactness"] in (1.0, None)  # the invariant holds on whatever was cited
    assert set(raw["qa"]["by_kind"]) == {"single", "multi", "unanswerable", "followup"}
    unanswerable = raw["questions"][2]
    assert unanswerable["should_refuse"] and unanswerable["evidence_recall@5"] is None
    for row in raw["questions"]:
        if not row["should_refuse"]:
            assert 0.0 <= row["evidence_recall@5"] <= 1.0
            assert row["ragas_rouge_l"] is not None  # the ragas non-LLM metrics ran
    assert raw["rgb"] == {"skipped": "--no-rgb"}
    assert raw["meta"]["judge"]["ran"] is False
    for heading in ("## Release gate", "### Retrieval", "### Citations", "### Refusals", "## Worst questions",
                    "## External benchmark: RGB en_fact", "## Compared with the previous report", "![metrics by kind]"):
        assert heading in md

    # a second run compares itself with the first
    assert run_eval(tmp_path, "--ids", IDS, "--no-rgb", "--no-ragas") == 0
    md = next(tmp_path.glob("*-extractive-partial.md")).read_text()
    assert "Previous: `" in md


def test_gate_exits_1_listing_the_failed_threshold(tmp_path, run_eval, capsys):
    impossible = tmp_path / "gate.toml"
    impossible.write_text('[[threshold]]\nmetric = "qa.citation_exactness"\nmin = 1.0\n'
                          '[[threshold]]\nmetric = "qa.refusal_accuracy"\nmin = 1.01\nwhy = "cannot be met"\n')
    status = run_eval(tmp_path / "out", "--ids", "q01,q06", "--no-rgb", "--no-ragas", "--gate", "--gate-file", str(impossible))
    err = capsys.readouterr().err
    assert status == 1
    assert "release gate: FAILED" in err and "qa.refusal_accuracy >= 1.01" in err and "cannot be met" in err

    reachable = tmp_path / "ok.toml"
    reachable.write_text('[[threshold]]\nmetric = "qa.errors"\nmax = 0\n')
    assert run_eval(tmp_path / "out", "--ids", "q01", "--no-rgb", "--no-ragas", "--gate", "--gate-file", str(reachable)) == 0


def test_a_qa_set_that_does_not_match_the_corpus_is_a_usage_error(tmp_path, run_eval, capsys):
    item = qaset.load()[0]
    ev = item.evidence[0]
    broken = qaset.QAItem(**{**item.__dict__, "evidence": (qaset.Evidence(ev.source, ev.start + 3, ev.end + 3, ev.quote),)})
    path = tmp_path / "qa.jsonl"
    path.write_text(qaset.to_json(broken) + "\n")
    assert run_eval(tmp_path / "out", "--qa", str(path), "--no-rgb", "--no-ragas") == 2
    assert "does not match the corpus" in capsys.readouterr().err


def test_help_lists_the_options():
    text = build_parser().format_help()
    for option in ("--gate", "--subset", "--no-rgb", "--mode", "--out", "--ids", "--rgb-limit"):
        assert option in text


def test_rag_eval_help_through_the_console_script():
    out = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage: rag eval" in out.stdout and "--gate" in out.stdout


def test_judge_through_rag_eval_counts_failures_and_judges_citations(tmp_path, run_eval, monkeypatch):
    server_module = pytest.importorskip("tests.support.openai_server")
    verdict = '{"reason": "the quote states it", "supported": true}'
    with server_module.ScriptedOpenAIServer([server_module.reply.text(verdict).forever()]) as server:
        monkeypatch.setenv("RAG_JUDGE_MODEL", "scripted-model")
        monkeypatch.setenv("RAG_JUDGE_BASE_URL", server.base_url)
        # the server answers every call with a citation verdict: citation_support parses it, the ragas
        # metrics cannot (their schemas differ) and must show up as counted failures
        status = run_eval(tmp_path, "--ids", "q01,q04,q06", "--no-rgb", "--no-ragas",
                          "--judge-metrics", "faithfulness,citation_support")
    assert status == 0
    raw = json.loads(next(tmp_path.glob("*.json")).read_text())
    judge = raw["meta"]["judge"]
    assert judge["ran"] and judge["model"] == "scripted-model"
    answered = [r for r in raw["questions"] if not r["refused"]]
    assert judge["attempts"]["faithfulness"] == len(answered)
    assert judge["failures"]["faithfulness"] == len(answered)  # every unparseable reply counted
    for row in raw["questions"]:
        if row["should_refuse"] or row["refused"]:
            continue
        assert row["citation_precision"] >= row["citation_precision_gold"]
        if "citation_support" in row:  # citations off the gold evidence were judged supportive
            assert row["citation_precision"] == 1.0
    md = next(tmp_path.glob("*.md")).read_text()
    assert "### Judge calls" in md and "faithfulness" in md


def test_summaries_pool_exactness_and_count_fallbacks_by_hand():
    from evals.run import summarize

    def row(**kw):
        base = {"kind": "single", "should_refuse": False, "refused": False, "outcome": "answered", "citations_exact": 1,
                "citations_total": 1, "unsupported": [], "fallback": 0.0, "fact_recall": 1.0}
        return base | kw

    rows = [
        row(citations_exact=2, citations_total=2),
        row(citations_exact=1, citations_total=2, fallback=1.0, unsupported=["x"], fact_recall=0.0),
        row(should_refuse=True, refused=True, outcome="correct_refusal", citations_exact=0, citations_total=0,
            fact_recall=None),
        {"kind": "single", "should_refuse": False, "error": "boom", "outcome": "error"},
    ]
    s = summarize(rows)
    assert s["errors"] == 1 and s["questions"] == 4
    assert s["citation_exactness"] == 0.75  # pooled: 3 exact of 4 citations, not the mean of 1.0 and 0.5
    assert s["fallback_rate"] == pytest.approx(1 / 3)  # one of three answered rows
    assert s["unsupported_rate"] == 0.5  # one of the two non-refused answers
    assert s["fact_recall"] == 0.5  # None (unanswerable) skipped
    assert s["correct_refusal_rate"] == 1.0 and s["false_refusal_rate"] == 0.0
