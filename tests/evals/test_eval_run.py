"""`rag eval` end to end on a few questions, against a real Engine over a temp copy of the seeds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from evals import gate, metrics, qaset
from evals.run import build_parser
from tests.paths import SHARED
from rag.prompts import JUDGED_NOTICE, SECOND_OPINION_NOTICE

IDS = "q01,q05,q06,q45"  # single, multi (two articles), unanswerable, follow-up


def test_subset_run_writes_report_json_and_plots(tmp_path, run_eval, capsys):
    status = run_eval(tmp_path, "--ids", IDS, "--no-rgb")
    assert status == 0  # without --gate the run succeeds whatever the numbers
    err = capsys.readouterr().err
    reports = sorted(p.name for p in tmp_path.iterdir())
    md = next(tmp_path.glob("*-extractive-partial.md")).read_text()
    raw = json.loads(next(tmp_path.glob("*-extractive-partial.json")).read_text())
    # md, json, two plots; two calibration plots more when the answers carry a confidence
    assert len(reports) == 4 + 2 * bool(raw["calibration"]["available"]), reports
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
    for option in ("--gate", "--subset", "--no-rgb", "--mode", "--out", "--ids", "--rgb-limit",
                   "--split", "--no-html", "--html-qa", "--gate-file", "--no-ragas", "--no-judge"):
        assert option in text
    assert "{train,test,all}" in text and "frozen" in text  # what the splits are, in the help itself


def test_rag_eval_help_through_the_console_script():
    out = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "usage: rag eval" in out.stdout and "--gate" in out.stdout
    assert "--split" in out.stdout and "--no-html" in out.stdout


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
        row(notice=SECOND_OPINION_NOTICE),
        row(notice=JUDGED_NOTICE),
        row(should_refuse=True, refused=True, outcome="correct_refusal", citations_exact=0, citations_total=0,
            fact_recall=None),
        {"kind": "single", "should_refuse": False, "error": "boom", "outcome": "error"},
    ]
    s = summarize(rows)
    assert s["errors"] == 1 and s["questions"] == 6
    assert s["citation_exactness"] == 5 / 6  # pooled: 5 exact of 6 citations, not the mean of 1.0, 0.5, 1.0, 1.0
    assert s["fallback_rate"] == pytest.approx(1 / 5)  # one of five answered rows
    assert s["second_opinion_rate"] == pytest.approx(1 / 5)  # a model refusal overruled (its notice)
    assert s["quoted_rate"] == pytest.approx(1 / 5)  # local mode quoted its judged sentences (its notice)
    assert s["unsupported_rate"] == pytest.approx(1 / 4)  # one of the four non-refused answers
    assert s["fact_recall"] == pytest.approx(3 / 4)  # None (unanswerable) skipped
    assert s["correct_refusal_rate"] == 1.0 and s["false_refusal_rate"] == 0.0


# --- splits, the HTML set, calibration ----------------------------------------------------------------

HTML_BENCH = SHARED / "benchmarks" / "html"


def test_rows_carry_their_split_and_every_split_is_summarized(tmp_path, run_eval):
    ids = "q01,q25,q27,q06"  # q01 train (dev set), q25 and q27 test, q06 train
    assert run_eval(tmp_path, "--ids", ids, "--no-rgb", "--no-ragas", "--no-html") == 0
    raw = json.loads(next(tmp_path.glob("*.json")).read_text())
    split_of = {item.id: item.split for item in qaset.load()}
    assert {r["id"]: r["split"] for r in raw["questions"]} == {i: split_of[i] for i in ids.split(",")}
    by_split = raw["qa"]["by_split"]
    assert by_split["test"]["overall"]["questions"] == 2 and by_split["train"]["overall"]["questions"] == 2
    for split, summary in by_split.items():  # each split's numbers are its own rows' numbers
        rows = [r for r in raw["questions"] if r["split"] == split]
        assert summary["overall"]["citation_recall"] == metrics.mean(r["citation_recall"] for r in rows)
        assert set(summary["by_kind"]) == {r["kind"] for r in rows}
    values = gate.metric_values(raw)
    assert values["qa.test.questions"] == 2 and "qa.train.unanswerable.correct_refusal_rate" in values
    assert raw["html"] == {"skipped": "--no-html"}
    md = next(tmp_path.glob("*.md")).read_text()
    assert "## Train / test" in md and "| QA set (seeds) | **test** | 2 |" in md
    assert "## Refusal calibration" in md


def test_split_test_runs_only_held_out_questions(tmp_path, run_eval):
    assert run_eval(tmp_path, "--split", "test", "--subset", "3", "--no-rgb", "--no-ragas", "--no-html") == 0
    raw = json.loads(next(tmp_path.glob("*.json")).read_text())
    tests = [item.id for item in qaset.load() if item.split == "test"][:3]
    assert [r["id"] for r in raw["questions"]] == tests
    assert set(raw["qa"]["by_split"]) == {"test"} and raw["meta"]["split"] == "test"
    assert next(tmp_path.glob("*.md")).name.endswith("-extractive-test-partial.md")
    verdict = raw["gate"]
    skipped = {e["metric"]: e["reason"] for e in verdict["skipped"]}
    assert not verdict["unknown"]
    assert "--no-rgb" in skipped["rgb.test.answer_accuracy"] and "--no-html" in skipped["html.test.citation_exactness"]
    assert all("qa.train" not in e["metric"] for e in verdict["ok"] + verdict["failed"])


def test_unknown_ids_are_a_usage_error(tmp_path, run_eval, capsys):
    assert run_eval(tmp_path, "--ids", "q01,h999", "--no-rgb", "--no-ragas") == 2
    assert "unknown question ids: h999" in capsys.readouterr().err


@pytest.mark.skipif(not HTML_BENCH.is_dir(), reason=f"shared HTML pages not found at {HTML_BENCH} (set RAG_SHARED_DIR)")
def test_html_set_runs_on_its_own_index_and_is_reported(tmp_path, run_eval):
    html_ids = [item.id for item in qaset.load(qaset.HTML_QA_PATH)]
    chosen = ["h01", "h02", "h30", "h32"]  # answerable and unanswerable, train and test
    assert set(chosen) <= set(html_ids)
    assert run_eval(tmp_path, "--ids", ",".join(["q01", *chosen]), "--no-rgb", "--no-ragas") == 0
    raw = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert [r["id"] for r in raw["questions"]] == ["q01"]  # the seeds' set is not mixed with the pages
    assert [r["id"] for r in raw["html_questions"]] == chosen
    html = raw["html"]
    assert html["overall"]["questions"] == 4 and html["overall"]["errors"] == 0
    assert html["overall"]["citation_exactness"] in (1.0, None)
    split_of = {item.id: item.split for item in qaset.load(qaset.HTML_QA_PATH)}
    assert {s: sub["overall"]["questions"] for s, sub in html["by_split"].items()} == {
        s: sum(split_of[i] == s for i in chosen) for s in set(split_of[i] for i in chosen)}
    meta = raw["meta"]["html"]
    assert meta["ingest"]["added"] == 9  # eight pages and the folder's README.md
    assert meta["corpus"] == str(HTML_BENCH)
    values = gate.metric_values(raw)
    assert values["html.questions"] == 4 and "html.test.correct_refusal_rate" in values
    md = next(tmp_path.glob("*.md")).read_text()
    assert "## HTML QA set: saved news pages" in md and "| HTML QA set | **test** |" in md


def _row(id, split, should_refuse, refused, confidence, supported, kind="single"):
    return {"id": id, "kind": kind, "split": split, "should_refuse": should_refuse, "refused": refused,
            "confidence": confidence, "supported": supported}


def test_calibration_on_hand_made_answers():
    from evals.run import calibration

    qa = [
        _row("a", "test", False, False, 0.9, True),     # answered, cited gold
        _row("b", "test", False, False, 0.8, False),    # answered off the evidence
        _row("c", "test", True, True, 0.1, False),      # refused rightly
        _row("d", "test", True, False, 0.7, False),     # answered what it should have refused
        _row("e", "train", False, False, 0.95, True),
        _row("f", "train", True, True, 0.2, False),
    ]
    rgb_rows = [{"id": 1, "split": "test", "correct": True, "refused": False, "confidence": 0.65},
                {"id": 3, "split": "test", "correct": False, "refused": False, "confidence": None}]
    cal = calibration({"qa": qa, "rgb": rgb_rows}, "extractive", bins=2)
    assert cal["available"]
    test = cal["sets"]["qa"]["test"]
    # bins of width 0.5: [0.1] -> 0/1 correct; [0.9, 0.8, 0.7] -> mean 0.8, 1/3 correct
    assert [(b["count"], b["accuracy"]) for b in test["reliability"]] == [(1, 0.0), (3, pytest.approx(1 / 3))]
    # ECE = 1/4*|0 - 0.1| + 3/4*|1/3 - 0.8| = 0.025 + 0.35
    assert test["ece"] == pytest.approx(0.375)
    # refusal scores 1 - confidence: c 0.9 (refuse), d 0.3 (refuse), b 0.2, a 0.1 -> AP = 0.5*1 + 0.5*1 = 1
    assert test["positives"] == 2 and test["average_precision"] == pytest.approx(1.0)
    # the refusals actually made: only c, which was right -> precision 1, recall 1/2
    assert test["operating_point"] == {"precision": 1.0, "recall": 0.5}
    assert cal["sets"]["qa"]["train"]["n"] == 2
    rgb_test = cal["sets"]["rgb"]["test"]
    assert rgb_test["n"] == 1 and rgb_test["without_confidence"] == 1 and "pr" not in rgb_test  # none to refuse

    none = calibration({"qa": [_row("a", "test", False, False, None, True)]}, "llm")
    assert none["available"] is False and "llm" in none["reason"]


def test_calibration_report_plots_or_says_why_not(tmp_path):
    from evals import report
    from evals.run import calibration

    qa = [_row(f"t{i}", split, i % 3 == 0, i % 3 == 0, (i % 10) / 10 + 0.05, i % 3 == 1)
          for i in range(30) for split in ("test", "train")]
    result = {"meta": {"mode": "extractive"}, "calibration": calibration({"qa": qa, "html": qa}, "extractive")}
    for plot in (report.plot_reliability, report.plot_refusal_pr):
        path = tmp_path / f"{plot.__name__}.png"
        assert plot(result, path) and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = "\n".join(report.calibration_section(result, {"reliability": tmp_path / "r.png"}))
    assert "| QA set (seeds) | **test** | 30 |" in text and "![reliability" in text
    result["calibration"] = calibration({"qa": [_row("a", "test", False, False, None, True)]}, "extractive")
    text = "\n".join(report.calibration_section(result, {}))
    assert "Skipped: no answer carries a confidence" in text


def test_a_local_judge_runs_offline_and_is_reported_but_never_gated(tmp_path, run_eval, monkeypatch, local_model_0_5b):
    monkeypatch.setenv("RAG_MODEL_DIR", str(local_model_0_5b.parent))
    monkeypatch.setenv("RAG_LOCAL_MODEL_SIZE", "0.5b")
    status = run_eval(tmp_path, "--ids", "q01", "--no-rgb", "--no-html", "--no-ragas", "--judge", "local",
                      "--judge-metrics", "faithfulness,citation_support")
    assert status == 0
    raw = json.loads(next(tmp_path.glob("*.json")).read_text())
    judge = raw["meta"]["judge"]
    assert judge["ran"] and judge["local"] and judge["metrics"] == ["faithfulness"]  # no citation_support
    assert judge["attempts"]["faithfulness"] == 1  # scored or counted as a failure, never dropped
    assert any("weak judge" in note for note in judge["notes"])
    row = raw["questions"][0]
    assert row["citation_precision"] == row["citation_precision_gold"]  # gold precision untouched
    # the gate sees no judge numbers from a local judge: judge thresholds are skipped, not passed
    values = gate.metric_values(raw)
    assert not any(name.startswith("judge.") for name in values)
