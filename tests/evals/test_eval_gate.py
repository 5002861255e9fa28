"""The release gate: thresholds from a TOML file, failures listed, exit status 1 when one fails."""

from __future__ import annotations

import json

import pytest

from evals import gate

RESULT = {
    "meta": {"judge": {"ran": False, "reason": "no judge configured"}},
    "qa": {
        "overall": {"citation_exactness": 1.0, "evidence_recall@5": 0.8, "errors": 0, "judge_faithfulness": None},
        "by_kind": {"multi": {"citation_recall": 0.5, "questions": 3}},
    },
    "rgb": {"skipped": "--no-rgb"},
}


def thresholds(tmp_path, text):
    path = tmp_path / "gate.toml"
    path.write_text(text)
    return gate.load(path)


def test_the_shipped_gate_file_loads_and_requires_exact_citations():
    ts = gate.load()
    assert any(t.metric == "qa.citation_exactness" and t.min == 1.0 for t in ts)
    assert all(t.why for t in ts)


def test_failed_passed_skipped_and_unknown(tmp_path):
    ts = thresholds(tmp_path, """
[[threshold]]
metric = "qa.citation_exactness"
min = 1.0
[[threshold]]
metric = "qa.evidence_recall@5"
min = 0.9
why = "recall"
[[threshold]]
metric = "qa.multi.citation_recall"
min = 0.7
[[threshold]]
metric = "qa.errors"
max = 0
[[threshold]]
metric = "rgb.answer_accuracy"
min = 0.7
[[threshold]]
metric = "judge.faithfulness"
min = 0.8
[[threshold]]
metric = "qa.followup.fact_recall"
min = 0.5
[[threshold]]
metric = "qa.evidence_recal@5"
min = 0.5
""")
    verdict = gate.check(ts, RESULT)
    assert not verdict.passed
    assert [t.metric for t, _ in verdict.failed] == ["qa.evidence_recall@5", "qa.multi.citation_recall"]
    assert [t.metric for t, _ in verdict.passed_] == ["qa.citation_exactness", "qa.errors"]
    skipped = {t.metric: reason for t, reason in verdict.skipped}
    assert set(skipped) == {"rgb.answer_accuracy", "judge.faithfulness", "qa.followup.fact_recall"}
    assert "--no-rgb" in skipped["rgb.answer_accuracy"] and "no judge" in skipped["judge.faithfulness"]
    assert [t.metric for t in verdict.unknown] == ["qa.evidence_recal@5"]  # typo: fails, never skipped
    text = verdict.describe()
    assert "FAILED  qa.evidence_recall@5 >= 0.9: got 0.800 (recall)" in text
    assert "FAILED  qa.multi.citation_recall >= 0.7: got 0.500" in text
    json.dumps(verdict.to_dict())


def test_all_met_passes(tmp_path):
    ts = thresholds(tmp_path, '[[threshold]]\nmetric = "qa.citation_exactness"\nmin = 1.0\n')
    assert gate.check(ts, RESULT).passed


def test_a_threshold_needs_exactly_one_bound(tmp_path):
    with pytest.raises(gate.GateFileError):
        thresholds(tmp_path, '[[threshold]]\nmetric = "qa.mrr"\nmin = 0.5\nmax = 0.9\n')
    with pytest.raises(gate.GateFileError):
        thresholds(tmp_path, '[[threshold]]\nmetric = "qa.mrr"\n')
