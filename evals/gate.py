"""The release gate: thresholds from evals/gate.toml checked against a run's results.

`metric_values(result)` flattens a run into the names gate.toml uses; `check` compares:

    qa.<metric>, qa.<kind>.<metric>                 the QA set over the seeds, every question run
    qa.<split>.<metric>, qa.<split>.<kind>.<metric> the same for one split (train / test)
    html.<metric>, html.<split>.<metric>, ...       the HTML QA set, same forms as qa
    rgb.<metric>, rgb.<split>.<metric>              RGB en_fact, every question run / one half
    judge.<metric>                                  LLM-judged metrics of the QA set

A metric that was not measured (None or absent: a set or split not run, no question of a kind) is
*skipped* with the reason, never silently passed: the report and the console list skipped thresholds
next to failed ones. A name that no run can produce (a typo) fails as unknown.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.common import GATE_FILE
from evals.qaset import KINDS, SPLITS

QA_SETS = ("qa", "html")  # result sections summarized by evals.run.aggregate


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


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _summaries(prefix: str, section: dict[str, Any], values: dict[str, float | None]) -> None:
    """<prefix>.<metric> from section["overall"], <prefix>.<kind>.<metric> from section["by_kind"]."""
    for name, value in section.get("overall", {}).items():
        if _number(value) or value is None:
            values[f"{prefix}.{name}"] = value
    for kind, summary in section.get("by_kind", {}).items():
        for name, value in summary.items():
            if _number(value) or value is None:
                values[f"{prefix}.{kind}.{name}"] = value


def metric_values(result: dict[str, Any]) -> dict[str, float | None]:
    """Every gateable number of a run, by its gate.toml name (see the module docstring)."""
    values: dict[str, float | None] = {}
    for prefix in QA_SETS:
        section = result.get(prefix) or {}
        _summaries(prefix, section, values)
        for split, sub in (section.get("by_split") or {}).items():
            _summaries(f"{prefix}.{split}", sub, values)
    local_judge = result.get("meta", {}).get("judge", {}).get("local", False)
    for name, value in result.get("qa", {}).get("overall", {}).items():
        # A local judge (`--judge local`, a 1.5B model) is reported, never gated: its scores are too
        # weak to pass or fail a release on, so judge.* thresholds stay off ("no judge run").
        if name.startswith("judge_") and (_number(value) or value is None) and not local_judge:
            values[f"judge.{name[len('judge_'):]}"] = value
    rgb = result.get("rgb") or {}
    for name, value in rgb.items():
        if _number(value):
            values[f"rgb.{name}"] = value
    for split, summary in (rgb.get("by_split") or {}).items():
        for name, value in summary.items():
            if _number(value):
                values[f"rgb.{split}.{name}"] = value
    judge = result.get("meta", {}).get("judge", {})
    if judge.get("ran") and not local_judge:
        values["judge.failure_rate"] = judge.get("failure_rate")
    return values


def _qa_metric_names() -> set[str]:
    """The metric names every QA summary carries (measured or not)."""
    from evals.run import summarize

    return {name for name, value in summarize([]).items() if _number(value) or value is None}


def _parse(metric: str) -> tuple[str, str | None, str | None, str]:
    """'qa.test.multi.citation_recall' -> ('qa', 'test', 'multi', 'citation_recall'); split and kind
    are None when the name has none."""
    prefix, _, rest = metric.partition(".")
    parts = rest.split(".") if rest else []
    split = parts.pop(0) if prefix in (*QA_SETS, "rgb") and len(parts) > 1 and parts[0] in SPLITS else None
    kind = parts.pop(0) if prefix in QA_SETS and len(parts) > 1 and parts[0] in KINDS else None
    return prefix, split, kind, ".".join(parts)


def _known(metric: str) -> bool:
    """Whether some run can produce `metric` (else it is a typo in gate.toml)."""
    prefix, _, _, name = _parse(metric)
    if prefix in QA_SETS:
        return name in _qa_metric_names()
    return prefix in ("rgb", "judge") and bool(name) and "." not in name  # rgb names depend on k


def _why_missing(metric: str, result: dict[str, Any]) -> str:
    prefix, split, kind, _ = _parse(metric)
    run_split = result.get("meta", {}).get("split", "all")
    if prefix == "judge":
        judge = result.get("meta", {}).get("judge", {})
        if judge.get("local"):
            return "no judge run (the local judge is reported, not gated)"
        return "no judge run" + (f" ({judge['reason']})" if judge.get("reason") else "")
    section = result.get(prefix) or {}
    label = {"qa": "QA set", "html": "HTML QA set", "rgb": "RGB"}[prefix]
    if not section or "skipped" in section:
        return f"{label} not run ({section.get('skipped', 'no result')})"
    if split and split not in (section.get("by_split") or {}):
        return f"no {split} question of the {label} in this run (--split {run_split})"
    if kind:
        summaries = (section.get("by_split") or {}).get(split, {}) if split else section
        if kind not in summaries.get("by_kind", {}):
            return f"no {kind} question of the {label}{f' {split} split' if split else ''} in this run"
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
    for t in thresholds:
        value = values.get(t.metric)
        if t.metric not in values and not _known(t.metric):
            verdict.unknown.append(t)  # a typo: fails, never skipped
        elif value is None:
            verdict.skipped.append((t, _why_missing(t.metric, result)))
        elif (t.min is not None and value < t.min) or (t.max is not None and value > t.max):
            verdict.failed.append((t, value))
        else:
            verdict.passed_.append((t, value))
    return verdict
