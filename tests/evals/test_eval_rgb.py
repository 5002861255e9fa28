"""The RGB runner on a tiny hand-made stand-in for en_fact.json (the real file is read by `rag eval`),
and its skip when ../shared is absent."""

from __future__ import annotations

import json

import pytest

from evals import common, rgb

ROWS = [
    {"id": 0, "query": "Which city hosted the 2031 Lake Summit?", "answer": "Lucerne",
     "positive": ["The 2031 Lake Summit was hosted by the city of Lucerne in Switzerland.",
                  "Lucerne hosted the 2031 Lake Summit on its lakeshore."],
     "negative": ["The 2029 Lake Summit was hosted by Annecy.", "Tickets for lake cruises are sold online."],
     "positive_wrong": ["ignored"]},
    {"id": 1, "query": "When was the Orbital Tea Kettle released?", "answer": [["March 3 2030", "3 March 2030"]],
     "positive": ["The Orbital Tea Kettle was released on 3 March 2030 by Kettleworks."],
     "negative": ["The Orbital Tea Kettle was announced at a trade fair.",
                  "The 2029 Lake Summit was hosted by Annecy."]},  # a passage shared by two questions
]


@pytest.fixture
def fake_shared(tmp_path, monkeypatch):
    data = tmp_path / "shared" / "benchmarks" / "rgb"
    data.mkdir(parents=True)
    (data / "en_fact.json").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    monkeypatch.setenv("RAG_SHARED_DIR", str(tmp_path / "shared"))
    monkeypatch.setattr(common, "CACHE_DIR", tmp_path / "cache")
    return tmp_path


def test_pool_deduplicates_positives_and_negatives_only():
    passages = rgb.pool(ROWS)
    assert len(passages) == 6  # 3 + 2 + 2 - 1 shared; positive_wrong is not pooled
    assert "ignored" not in passages


def test_corpus_is_one_article_per_line_and_not_rewritten(tmp_path):
    texts = rgb.build_corpus(ROWS, tmp_path)
    path = tmp_path / rgb.CORPUS_FILE
    assert [json.loads(line)["text"] for line in path.read_text().splitlines()] == list(texts.values())
    assert list(texts)[0] == f"{rgb.CORPUS_FILE}#1"
    stamp = path.stat().st_mtime_ns
    rgb.build_corpus(ROWS, tmp_path)
    assert path.stat().st_mtime_ns == stamp  # unchanged content: the index stays valid


def test_run_scores_answers_and_positive_recall(fake_shared):
    result = rgb.run("extractive", k=5, quiet=True)
    s = result.summary
    assert s["questions"] == 2 and s["passages"] == 6 and s["errors"] == 0, result.questions
    assert s["ingest_chunks_embedded"] == 6
    for q in result.questions:
        assert 0.0 <= q["positive_recall"] <= 1.0
        # correct means: answered, and every gold part in the answer text
        if q["correct"]:
            assert not q["refused"]
    # 6 passages, k=5: at least one positive of each question must be among the top 5
    assert s["positive_hit@5"] == 1.0
    assert s["answer_accuracy"] == sum(q["correct"] for q in result.questions) / 2
    # id 0 is even: train; id 1 is odd: test (evals/SPLITS.md); each half summarized on its own
    assert [q["split"] for q in result.questions] == ["train", "test"]
    assert set(s["by_split"]) == {"train", "test"}
    for q in result.questions:
        half = s["by_split"][q["split"]]
        assert half["questions"] == 1 and half["answer_accuracy"] == float(q["correct"])
        assert half["positive_hit@5"] == float(q["positive_hit"])
    cached = rgb.run("extractive", k=5, quiet=True, limit=1)  # second run reuses the cached index
    assert cached.summary["ingest_chunks_embedded"] == 0 and cached.summary["questions"] == 1
    assert cached.summary["index"] == s["index"]


def test_split_of_odd_ids_is_test_and_a_split_run_asks_only_its_half(fake_shared):
    assert [rgb.split_of({"id": n}) for n in (0, 1, 2, 3, 98, 99)] == ["train", "test"] * 3
    test = rgb.run("extractive", k=5, quiet=True, split="test")
    assert [q["id"] for q in test.questions] == [1] and test.summary["split"] == "test"
    assert test.summary["passages"] == 6  # the pool is still every passage of every question
    assert set(test.summary["by_split"]) == {"test"}
    assert [q["id"] for q in rgb.run("extractive", k=5, quiet=True, split="train").questions] == [0]


def test_cache_is_keyed_by_index_settings_and_old_folders_are_removed(fake_shared):
    first = rgb.run("extractive", k=5, quiet=True, limit=1).summary["index"]
    other = rgb.run("extractive", k=5, quiet=True, limit=1, overrides={"chunk_chars": 300}).summary
    assert other["index"] != first and other["ingest_chunks_embedded"] == 6  # rebuilt, not stale
    folders = list((fake_shared / "cache").iterdir())
    assert len(folders) == 1 and str(folders[0]) in other["index"]


def test_missing_shared_folder_skips_with_a_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAG_SHARED_DIR", str(tmp_path / "nowhere"))
    result = rgb.run("extractive", quiet=True)
    assert "skipped" in result.summary and "RAG_SHARED_DIR" in result.summary["skipped"]
    assert "RGB skipped" in capsys.readouterr().err


def test_rag_eval_runs_rgb_and_reports_it(fake_shared, run_eval):
    out = fake_shared / "reports"
    assert run_eval(out, "--ids", "q01", "--no-ragas", "--rgb-limit", "2") == 0
    raw = json.loads(next(out.glob("*.json")).read_text())
    assert raw["rgb"]["questions"] == 2 and raw["rgb"]["passages"] == 6
    assert len(raw["rgb_questions"]) == 2
    assert raw["rgb"]["by_split"]["test"]["questions"] == 1
    md = next(out.glob("*.md")).read_text()
    assert "## External benchmark: RGB en_fact" in md and "| RGB en_fact | **test** | 1 |" in md
