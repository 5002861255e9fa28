"""evals.report.previous: which earlier report a run is compared with."""

from __future__ import annotations

import json

from evals.report import previous


def meta(started: str, run_id: str | None, finished: str) -> dict:
    m = {"started": started, "finished": finished, "mode": "extractive", "split": "all", "partial": True}
    return {"meta": m | ({"run_id": run_id} if run_id else {})}


def test_two_runs_started_in_the_same_second_are_two_runs(tmp_path):
    first = meta("2026-12-01T00:57:34+00:00", "2026-12-01T00:57:34.120000+00:00", "2026-12-01T00:57:34+00:00")
    (tmp_path / "first.json").write_text(json.dumps(first))
    second = meta("2026-12-01T00:57:34+00:00", "2026-12-01T00:57:34.910000+00:00", "2026-12-01T00:57:35+00:00")
    assert previous(tmp_path, second)["_path"] == "first.json"
    assert previous(tmp_path, first) is None  # the run itself, already written, is no earlier report


def test_reports_without_a_run_id_are_told_apart_by_their_start(tmp_path):
    (tmp_path / "old.json").write_text(json.dumps(meta("2026-11-01T10:00:00+00:00", None, "2026-11-01T10:05:00+00:00")))
    now = meta("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00.5+00:00", "2026-12-01T10:03:00+00:00")
    assert previous(tmp_path, now)["_path"] == "old.json"
    assert previous(tmp_path, meta("2026-11-01T10:00:00+00:00", None, "x")) is None
