"""rag.schema: Chunk, Passage and Citation are Spans; the span records are frozen; Answer and
IngestReport serialise to plain dicts that survive JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest

from rag.schema import Answer, Article, ArticleInfo, Chunk, Citation, IngestReport, Passage, Span

CHUNK = Chunk("a.txt", 0, 19, "Blinken met Lavrov.", "c1", {"outlet": "AP"})
PASSAGE = Passage("a.txt", 0, 19, "Blinken met Lavrov.", 0.5, "c1", {"outlet": "AP"})
CITATION = Citation("a.txt", 0, 19, quote="Blinken met Lavrov.", marker=1)


@pytest.mark.parametrize("record", [CHUNK, PASSAGE, CITATION], ids=lambda r: type(r).__name__)
def test_chunk_passage_and_citation_are_spans(record):
    assert isinstance(record, Span)
    assert (record.source, record.start, record.end) == ("a.txt", 0, 19)


@pytest.mark.parametrize(
    "record, field",
    [(Span("a.txt", 0, 1), "start"), (CHUNK, "text"), (PASSAGE, "score"), (CITATION, "marker"),
     (Article("a.txt", "x"), "text"), (ArticleInfo("a.txt", "T", 1), "chunks")],
    ids=lambda r: type(r).__name__ if not isinstance(r, str) else r,
)
def test_records_are_frozen(record, field):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(record, field, None)


def test_defaults_are_not_shared_between_records():
    one, two = Chunk("a.txt", 0, 1, "x"), Chunk("b.txt", 0, 1, "y")
    one.meta["title"] = "T"
    assert two.meta == {} and one.id == ""


def test_equal_spans_compare_equal_and_hash_alike():
    assert Citation("a.txt", 0, 19, "Blinken met Lavrov.", 1) == CITATION
    assert len({CITATION, Citation("a.txt", 0, 19, "Blinken met Lavrov.", 1)}) == 1


def test_answer_to_dict_round_trips_through_json():
    answer = Answer("Who met?", "Blinken met Lavrov. [1]", [CITATION], False, "extractive", [PASSAGE],
                    notice="n", unsupported=["u"], standalone_question="Who met Lavrov?", confidence=0.75)
    data = json.loads(json.dumps(answer.to_dict()))
    assert data == {
        "question": "Who met?",
        "text": "Blinken met Lavrov. [1]",
        "citations": [{"source": "a.txt", "start": 0, "end": 19, "quote": "Blinken met Lavrov.", "marker": 1}],
        "refused": False,
        "mode": "extractive",
        "passages": [{"source": "a.txt", "start": 0, "end": 19, "text": "Blinken met Lavrov.", "score": 0.5,
                      "id": "c1", "meta": {"outlet": "AP"}}],
        "notice": "n",
        "unsupported": ["u"],
        "standalone_question": "Who met Lavrov?",
        "confidence": 0.75,
    }
    rebuilt = Answer(**{**data, "citations": [Citation(**c) for c in data["citations"]],
                        "passages": [Passage(**p) for p in data["passages"]]})
    assert rebuilt == answer


def test_answer_defaults_serialise_as_empty_values():
    data = json.loads(json.dumps(Answer("Q?", "No.", [], True, "llm").to_dict()))
    assert (data["citations"], data["passages"], data["unsupported"]) == ([], [], [])
    assert (data["notice"], data["standalone_question"], data["refused"]) == ("", "", True)
    assert data["confidence"] is None  # JSON null: no calibrated number


def test_ingest_report_to_dict_round_trips_through_json():
    report = IngestReport(added=2, updated=1, removed=3, unchanged=4, chunks=9, reused=5,
                          errors=[("bad.txt", "empty file")], duplicates=[("b.txt", "a.txt")], seconds=1.5)
    data = json.loads(json.dumps(report.to_dict()))
    assert data == {"added": 2, "updated": 1, "removed": 3, "unchanged": 4, "chunks": 9, "reused": 5,
                    "errors": [["bad.txt", "empty file"]], "duplicates": [["b.txt", "a.txt"]], "seconds": 1.5}
    assert IngestReport(**{**data, "errors": [tuple(e) for e in data["errors"]],
                           "duplicates": [tuple(d) for d in data["duplicates"]]}) == report


def test_a_new_ingest_report_counts_nothing():
    assert IngestReport().to_dict() == {"added": 0, "updated": 0, "removed": 0, "unchanged": 0, "chunks": 0,
                                        "reused": 0, "errors": [], "duplicates": [], "seconds": 0.0}
