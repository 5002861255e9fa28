"""The release gate: thresholds from evals/gate.toml checked against a run's results.

`metric_values(result)` flattens a run into "qa.<metric>", "qa.<kind>.<metric>", "rgb.<metric>" and
"judge.<metric>" names (the names gate.toml uses); `check` compares. A metric that was not measured
(None or absent) is *skipped* with the reason, never silently passed: the report and the console list
skipped thresholds next to failed ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.common import GATE_FILE
from evals.qaset import KINDS


@dataclass(frozen=True)
class Threshold:
    metric: str
    min: float | None = None
    max: float | None = None
    why: str = ""

    def describe(self) -> str:
        return f"{self.metric} {'>=' if self.min is not None else '<='} {self.min if self.min is not None else self.max}"


class GateFileError(ValueError):
    pass


def load(path: Path = GATE_FILE) -> list[Threshold]:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    found = []
    for n, entry in enumerate(raw.get("threshold", []), 1):
        if "metric" not in entry or (("min" in entry) == ("max" in entry)):
            raise GateFileError(f"{path}: threshold {n} needs a metric and exactly one of min/max")
        found.append(Threshold(entry["metric"], entry.get("min"), entry.get("max"), entry.get("why", "")))
    return found


def metric_values(result: dict[str, Any]) -> dict[str, float | None]:
    """Every gateable number of a run, by its gate.toml name."""
    values: dict[str, float | None] = {}
    qa = result.get("qa", {})
    for name, value in qa.get("overall", {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
            values[f"qa.{name}"] = value
            if name.startswith("judge_"):
                values[f"judge.{name[len('judge_'):]}"] = value
    for kind, summary in qa.get("by_kind", {}).items():
        for name, value in summary.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) or value is None:
                values[f"qa.{kind}.{name}"] = value
    for name, value in result.get("rgb", {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            values[f"rgb.{name}"] = value
    judge = result.get("meta", {}).get("judge", {})
    if judge.get("ran"):
        values["judge.failure_rate"] = judge.get("failure_rate")
    return values


def _why_missing(metric: str, result: dict[str, Any]) -> str:
    if metric.startswith("rgb."):
        return f"RGB not run ({result.get('rgb', {}).get('skipped', 'no result')})"
    if metric.startswith("judge."):
        judge = result.get("meta", {}).get("judge", {})
        return "no judge run" + (f" ({judge['reason']})" if judge.get("reason") else "")
    return "not measured in this run (no applicable question)"


@dataclass
class Verdict:
    failed: list[tuple[Threshold, float]] = field(default_factory=list)
    passed_: list[tuple[Threshold, float]] = field(default_factory=list)
    skipped: list[tuple[Threshold, str]] = field(default_factory=list)
    unknown: list[Threshold] = field(default_factory=list)  # a name no run produces: a typo in gate.toml

    @property
    def passed(self) -> bool:
        return not self.failed and not self.unknown

    def describe(self) -> str:
        lines = [f"release gate: {'PASSED' if self.passed else 'FAILED'} "
                 f"({len(self.passed_)} passed, {len(self.failed)} failed, {len(self.skipped)} skipped)"]
        for t, value in self.failed:
            lines.append(f"  FAILED  {t.describe()}: got {value:.3f} ({t.why})")
        for t in self.unknown:
            lines.append(f"  FAILED  {t.describe()}: no such metric (check evals/gate.toml)")
        for t, reason in self.skipped:
            lines.append(f"  skipped {t.describe()}: {reason}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        row = lambda t, **extra: {"metric": t.metric, "min": t.min, "max": t.max, "why": t.why, **extra}  # noqa: E731
        return {
            "passed": self.passed,
            "failed": [row(t, value=v) for t, v in self.failed],
            "ok": [row(t, value=v) for t, v in self.passed_],
            "skipped": [row(t, reason=r) for t, r in self.skipped],
            "unknown": [row(t) for t in self.unknown],
        }


def check(thresholds: list[Threshold], result: dict[str, Any]) -> Verdict:
    values = metric_values(result)
    verdict = Verdict()
    kinds = set(result.get("qa", {}).get("by_kind", {}))
    for t in thresholds:
        value = values.get(t.metric)
        parts = t.metric.split(".")
        if t.metric not in values and parts[0] == "qa" and (
            len(parts) == 2 or parts[1] in kinds or parts[1] not in KINDS
        ):
            verdict.unknown.append(t)  # every QA summary carries every QA metric name, measured or not
        elif t.metric not in values and parts[0] not in ("qa", "rgb", "judge"):
            verdict.unknown.append(t)
        elif value is None:
            verdict.skipped.append((t, _why_missing(t.metric, result)))
        elif (t.min is not None and value < t.min) or (t.max is not None and value > t.max):
            verdict.failed.append((t, value))
        else:
            verdict.passed_.append((t, value))
    return verdict
