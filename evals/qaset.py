"""The hand-written QA set over the seed articles (evals/qa.jsonl): loading and checking.

One JSON object per line:

    {"id": "q01", "kind": "single", "split": "train",
     "question": "...", "answer": "reference answer, written from the articles",
     "facts": [["Geneva"], ["Friday", "21"]],           # key facts; each a list of acceptable spellings
     "evidence": [{"group": 0, "source": "000_....txt", "start": 10, "end": 90, "quote": "..."}],
     "history": [["user", "..."], ["assistant", "..."]]}  # earlier turns, for follow-up questions

- `kind`: single | multi | numeric | comparison | unanswerable | followup (see KINDS).
- `evidence` offsets index the *cleaned* article text, `Engine.article(source)`, so that
  `article[start:end] == quote`. The quotes were written by hand; `python -m evals.build_offsets`
  computes start/end from them (run it again if article cleaning changes).
- Evidence items with the same `group` are alternatives: the same fact as reported by several
  outlets (or in two sentences). A question needs every group; any one item of a group will do.
  A multi-article question therefore has groups that live in different articles.
- A question with no evidence (all `unanswerable` ones, and follow-ups whose answer is not in the
  articles) must be refused.
- The first 24 lines are the dev set the core engine is calibrated on (DEV_SIZE).
- `split`: "train" or "test" (SPLITS; "train" when absent). The test split is frozen: nothing is fit,
  tuned or eyeballed on it (how the split was made: evals/SPLITS.md).
- The same format serves evals/html_qa.jsonl (HTML_QA_PATH), over the saved news pages of
  ../shared/benchmarks/html, whose sources are the page file names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("single", "multi", "numeric", "comparison", "unanswerable", "followup")
SPLITS = ("train", "test")
DEV_SIZE = 24
DEFAULT_PATH = Path(__file__).resolve().parent / "qa.jsonl"
HTML_QA_PATH = Path(__file__).resolve().parent / "html_qa.jsonl"


@dataclass(frozen=True)
class Evidence:
    source: str
    start: int
    end: int
    quote: str
    group: int = 0


@dataclass(frozen=True)
class QAItem:
    id: str
    kind: str
    question: str
    answer: str
    evidence: tuple[Evidence, ...] = ()
    facts: tuple[tuple[str, ...], ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    split: str = "train"

    @property
    def answerable(self) -> bool:
        """False when the articles do not answer the question: the system must refuse."""
        return bool(self.evidence)

    @property
    def groups(self) -> list[list[Evidence]]:
        """Evidence grouped by `group` (alternatives together), in group order."""
        by_group: dict[int, list[Evidence]] = {}
        for ev in self.evidence:
            by_group.setdefault(ev.group, []).append(ev)
        return [by_group[g] for g in sorted(by_group)]

    @property
    def sources(self) -> set[str]:
        return {ev.source for ev in self.evidence}


class QASetError(ValueError):
    """The QA file is malformed or does not match the corpus."""


def _offset(value: object) -> int:
    return -1 if value is None else int(value)  # -1: not computed yet


def parse_line(line: str, number: int = 0) -> QAItem:
    try:
        raw = json.loads(line)
    except ValueError as error:
        raise QASetError(f"line {number}: not JSON ({error})") from None
    try:
        evidence = tuple(
            Evidence(e["source"], _offset(e.get("start")), _offset(e.get("end")), e["quote"], int(e.get("group", i)))
            for i, e in enumerate(raw.get("evidence", []))
        )
        return QAItem(
            id=str(raw["id"]),
            kind=raw["kind"],
            question=raw["question"],
            answer=raw.get("answer", ""),
            evidence=evidence,
            facts=tuple(tuple(alternatives) for alternatives in raw.get("facts", [])),
            history=tuple((role, text) for role, text in raw.get("history", [])),
            split=raw.get("split", "train"),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise QASetError(f"line {number}: missing or bad field ({error!r})") from None


def load(path: str | Path = DEFAULT_PATH) -> list[QAItem]:
    """All questions of a QA file, in file order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [parse_line(line, n) for n, line in enumerate(lines, 1) if line.strip()]


def problems(items: Iterable[QAItem], article: Callable[[str], str] | None = None) -> list[str]:
    """Everything wrong with a QA set (empty list = valid). With `article` (e.g. `Engine.article`),
    also checks that every evidence quote is exactly `article(source)[start:end]`."""
    found = []
    seen: set[str] = set()
    for item in items:
        where = f"{item.id}:"
        if item.id in seen:
            found.append(f"{where} duplicate id")
        seen.add(item.id)
        if item.kind not in KINDS:
            found.append(f"{where} kind {item.kind!r} is not one of {', '.join(KINDS)}")
        if item.split not in SPLITS:
            found.append(f"{where} split {item.split!r} is not one of {', '.join(SPLITS)}")
        if not item.question.strip():
            found.append(f"{where} empty question")
        if item.kind == "unanswerable" and (item.evidence or item.answer or item.facts):
            found.append(f"{where} unanswerable questions have no answer, facts or evidence")
        if item.kind != "unanswerable" and item.answerable and not item.answer.strip():
            found.append(f"{where} answerable question without a reference answer")
        if item.answerable and not item.facts:
            found.append(f"{where} answerable question without key facts")
        if item.kind == "followup" and not item.history:
            found.append(f"{where} follow-up without history")
        for role, _ in item.history:
            if role not in ("user", "assistant"):
                found.append(f"{where} history role {role!r}")
        if item.kind == "multi" and len({frozenset(e.source for e in g) for g in item.groups}) < 2:
            found.append(f"{where} multi-article question whose evidence groups do not differ in source")
        for ev in item.evidence:
            if ev.start < 0 or ev.end <= ev.start:
                found.append(f"{where} evidence in {ev.source} has no offsets (run python -m evals.build_offsets)")
                continue
            if article is not None:
                try:
                    text = article(ev.source)
                except Exception as error:  # UnknownSource and friends
                    found.append(f"{where} {error}")
                    continue
                if text[ev.start : ev.end] != ev.quote:
                    found.append(
                        f"{where} {ev.source}[{ev.start}:{ev.end}] is {text[ev.start:ev.end][:60]!r}, "
                        f"not the quote {ev.quote[:60]!r} (run python -m evals.build_offsets)"
                    )
    return found


def to_json(item: QAItem) -> str:
    """One line of qa.jsonl (stable key order)."""
    return json.dumps(
        {
            "id": item.id,
            "kind": item.kind,
            "split": item.split,
            "question": item.question,
            "answer": item.answer,
            "facts": [list(f) for f in item.facts],
            "evidence": [
                {"group": e.group, "source": e.source, "start": e.start, "end": e.end, "quote": e.quote}
                for e in item.evidence
            ],
            "history": [list(turn) for turn in item.history],
        },
        ensure_ascii=False,
    )


@dataclass
class Located:
    start: int
    end: int
    candidates: list[int] = field(default_factory=list)


def locate(quote: str, text: str, hint: int = -1) -> Located | None:
    """Where `quote` occurs in `text`. With several occurrences, the one nearest to `hint` (the
    previous start), else the first; None when it does not occur."""
    starts, at = [], text.find(quote)
    while at != -1:
        starts.append(at)
        at = text.find(quote, at + 1)
    if not starts:
        return None
    best = min(starts, key=lambda s: abs(s - hint)) if hint >= 0 else starts[0]
    return Located(best, best + len(quote), starts)
