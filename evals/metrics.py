"""Evaluation metrics. Each function documents what its number means.

Conventions:
- A *span* is anything with `source`, `start`, `end` (Passage, Citation, Evidence); offsets index the
  cleaned article text. Two spans *overlap* when they are in the same article and share at least one
  character.
- Gold evidence comes in *groups* (see evals.qaset): items of a group are alternative places where
  the same fact is reported; a question needs every group.
- Per-question functions return None when the metric does not apply (e.g. recall of a question
  that has no evidence); aggregates (`mean`) skip None, so "not applicable" never counts as 0 or 1.
- The ragas metrics are computed by ragas 0.4 itself (imported lazily: importing ragas costs ~5 s).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from rag.stats import percentile  # noqa: F401  - re-exported: evals.metrics.percentile


class Span(Protocol):
    source: str
    start: int
    end: int


# --- spans and retrieval --------------------------------------------------------------------------


def overlaps(a: Span, b: Span) -> bool:
    """True when `a` and `b` are in the same article and share at least one character."""
    return a.source == b.source and a.start < b.end and b.start < a.end


def evidence_recall_at_k(passages: Sequence[Span], groups: Sequence[Sequence[Span]], k: int) -> float | None:
    """Evidence recall@k: the share of the question's evidence groups that the top-k retrieved
    passages reach (a group is reached when any of its items overlaps any of the k passages).
    1.0 = everything needed to answer was retrieved. None for a question without evidence."""
    if not groups:
        return None
    top = list(passages)[:k]
    return sum(any(overlaps(p, ev) for p in top for ev in group) for group in groups) / len(groups)


def reciprocal_rank(passages: Sequence[Span], groups: Sequence[Sequence[Span]]) -> float | None:
    """Reciprocal rank: 1/rank of the first retrieved passage that overlaps any gold evidence
    (1.0 = the top passage is evidence, 0.5 = the second, 0 = none retrieved). Its mean over
    questions is the MRR. None for a question without evidence."""
    if not groups:
        return None
    for rank, passage in enumerate(passages, 1):
        if any(overlaps(passage, ev) for group in groups for ev in group):
            return 1.0 / rank
    return 0.0


# --- citations ------------------------------------------------------------------------------------


def citation_exactness(citations: Sequence[Any], article: Callable[[str], str]) -> float | None:
    """Citation exactness: the share of citations whose quote is exactly the article span,
    `quote == article(source)[start:end]`. newsrag's core invariant: must be 1.0. A citation to an
    unknown article counts as inexact. None when the answer has no citations."""
    if not citations:
        return None
    exact = 0
    for c in citations:
        try:
            exact += article(c.source)[c.start : c.end] == c.quote
        except Exception:
            pass
    return exact / len(citations)


def citation_precision(
    citations: Sequence[Span], groups: Sequence[Sequence[Span]], judged: dict[int, bool] | None = None
) -> float | None:
    """Citation precision: the share of an answer's citations that point at support, i.e. whose
    span overlaps some gold evidence, or (when a judge is configured) that the judge found to support
    the cited sentence (`judged`: citation index -> verdict, for the citations that miss the gold
    evidence). None when there are no citations or no gold evidence (unanswerable questions are
    scored by the refusal metrics instead)."""
    if not citations or not groups:
        return None
    gold = [ev for group in groups for ev in group]
    judged = judged or {}
    good = sum(any(overlaps(c, ev) for ev in gold) or judged.get(i, False) for i, c in enumerate(citations))
    return good / len(citations)


def citation_recall(citations: Sequence[Span], groups: Sequence[Sequence[Span]]) -> float | None:
    """Citation recall: the share of evidence groups that the answer cites (any item of the group
    overlapped by a citation). A refused answer cites nothing: 0.0. None without gold evidence."""
    if not groups:
        return None
    return sum(any(overlaps(c, ev) for c in citations for ev in group) for group in groups) / len(groups)


# --- refusals -------------------------------------------------------------------------------------

CORRECT_REFUSAL, FALSE_REFUSAL, FALSE_ANSWER, ANSWERED = "correct_refusal", "false_refusal", "false_answer", "answered"


def refusal_outcome(should_refuse: bool, refused: bool) -> str:
    """One of: correct_refusal (unanswerable, refused), false_refusal (answerable, refused),
    false_answer (unanswerable, answered anyway), answered (answerable, answered)."""
    if should_refuse:
        return CORRECT_REFUSAL if refused else FALSE_ANSWER
    return FALSE_REFUSAL if refused else ANSWERED


def refusal_rates(outcomes: Iterable[str]) -> dict[str, float | None]:
    """correct_refusal_rate: share of unanswerable questions refused (1.0 = never makes up an answer);
    false_refusal_rate: share of answerable questions refused (0.0 = never gives up on a real answer);
    refusal_accuracy: share of all questions where the refuse/answer decision was right."""
    counts = Counter(outcomes)
    unanswerable = counts[CORRECT_REFUSAL] + counts[FALSE_ANSWER]
    answerable = counts[FALSE_REFUSAL] + counts[ANSWERED]
    total = unanswerable + answerable
    return {
        "correct_refusal_rate": counts[CORRECT_REFUSAL] / unanswerable if unanswerable else None,
        "false_refusal_rate": counts[FALSE_REFUSAL] / answerable if answerable else None,
        "refusal_accuracy": (counts[CORRECT_REFUSAL] + counts[ANSWERED]) / total if total else None,
    }


# --- calibration of the confidence and of the refusal decision ------------------------------------


def answer_supported(refused: bool, citations: Sequence[Span], groups: Sequence[Sequence[Span]]) -> bool:
    """Whether an answer counts as *correct* for calibration: the question is answerable (has gold
    evidence), the answer was not refused, and at least one of its citations overlaps gold evidence.
    A refusal is never correct here, even when the refused candidate would have been: a refusal shows
    no citations to check. (For RGB, correct means `contains_answer` of an answer that was not refused.)"""
    if refused or not groups:
        return False
    gold = [ev for group in groups for ev in group]
    return any(overlaps(c, ev) for c in citations for ev in gold)


def reliability(confidences: Sequence[float | None], correct: Sequence[bool], bins: int = 10) -> list[dict[str, float]]:
    """Reliability diagram data: the predicted confidences cut into `bins` equal-width bins over [0, 1]
    (bin i holds lo <= c < hi with lo = i/bins, hi = (i+1)/bins; 1.0 goes into the last bin), and for
    each non-empty bin, in order: `lo`, `hi`, `count`, `confidence` (mean predicted confidence in the
    bin) and `accuracy` (observed share of those answers that are correct). A calibrated system has
    accuracy == confidence in every bin. Answers whose confidence is None are skipped."""
    members: dict[int, list[tuple[float, bool]]] = {}
    for c, ok in zip(confidences, correct, strict=True):
        if c is None:
            continue
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"confidence {c} is not in [0, 1]")
        members.setdefault(min(int(c * bins), bins - 1), []).append((c, bool(ok)))
    out = []
    for i in sorted(members):
        pairs = members[i]
        out.append({"lo": i / bins, "hi": (i + 1) / bins, "count": len(pairs),
                    "confidence": sum(c for c, _ in pairs) / len(pairs),
                    "accuracy": sum(ok for _, ok in pairs) / len(pairs)})
    return out


def expected_calibration_error(bins: Sequence[dict[str, float]]) -> float | None:
    """Expected calibration error (ECE) of `reliability` bins: the mean over answers of
    |accuracy - confidence| of their bin, i.e. sum over bins of count/total * |accuracy - confidence|.
    0 = perfectly calibrated; 0.1 = the stated confidence is off by ten points on average. None
    without any answer."""
    total = sum(b["count"] for b in bins)
    if not total:
        return None
    return sum(b["count"] / total * abs(b["accuracy"] - b["confidence"]) for b in bins)


def precision_recall_curve(positive: Sequence[bool], scores: Sequence[float | None]) -> list[dict[str, float]]:
    """Precision/recall of a thresholded decision, one point per distinct score, highest threshold first.
    At threshold t every item with score >= t is predicted positive:
    precision = true positives / predicted positives, recall = true positives / all positives.
    For the refusal decision, positive = "should refuse" (an unanswerable question) and
    score = 1 - confidence, so the curve shows what each refusal threshold would buy.
    Items whose score is None are skipped; [] when no item is positive (recall undefined)."""
    pairs = [(s, bool(p)) for s, p in zip(scores, positive, strict=True) if s is not None]
    total = sum(p for _, p in pairs)
    if not total:
        return []
    curve, tp, fp = [], 0, 0
    by_score: dict[float, list[bool]] = {}
    for s, p in pairs:
        by_score.setdefault(s, []).append(p)
    for threshold in sorted(by_score, reverse=True):  # ties enter together: one point per threshold
        tp += sum(by_score[threshold])
        fp += len(by_score[threshold]) - sum(by_score[threshold])
        curve.append({"threshold": threshold, "precision": tp / (tp + fp), "recall": tp / total})
    return curve


def average_precision(curve: Sequence[dict[str, float]]) -> float | None:
    """Average precision of a `precision_recall_curve`: sum over its points of (recall gained at the
    point) * (precision at the point), the area under the step-wise curve. 1.0 = every positive
    scores above every negative; the share of positives = a score that ranks at random. None for
    an empty curve."""
    if not curve:
        return None
    area, before = 0.0, 0.0
    for point in curve:
        area += (point["recall"] - before) * point["precision"]
        before = point["recall"]
    return area


# --- answer text ----------------------------------------------------------------------------------

_MARKER = re.compile(r"\s*\[\d+\]")
_ARTICLES = {"a", "an", "the"}


def strip_markers(text: str) -> str:
    """The answer text without citation markers like [1]."""
    return _MARKER.sub("", text).strip()


def normalize(text: str) -> str:
    """Lower-case, accents and typographic quotes folded, punctuation as spaces, single spaces:
    'US$200 million' -> 'us 200 million', '100.000' and '100,000' -> '100 000', 'Putin’s' -> 'putin s'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Normalized word tokens without English articles (SQuAD-style)."""
    return [t for t in normalize(text).split() if t not in _ARTICLES]


def token_f1(prediction: str, reference: str) -> float | None:
    """Token F1 (SQuAD): harmonic mean of the share of the answer's words found in the reference
    and the share of the reference's words found in the answer (bags of normalized words, no
    articles, citation markers removed). Penalises long verbatim answers against short references,
    so read it beside fact_recall. None when there is no reference."""
    ref = tokens(reference)
    if not ref:
        return None
    pred = tokens(strip_markers(prediction))
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole normalized words ('Thiem' in 'Dominic Thiem', not
    'Norway' in 'Norwayan')."""
    needle = normalize(phrase)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "


def fact_recall(prediction: str, facts: Sequence[Sequence[str]]) -> float | None:
    """Key-fact containment: the share of the reference's key facts that the answer states, a fact
    being a list of acceptable spellings of which any one must appear (see `contains`). None when
    the question has no key facts."""
    if not facts:
        return None
    return sum(any(contains(prediction, alt) for alt in alternatives) for alternatives in facts) / len(facts)


def gold_parts(answer: str | Sequence[Any]) -> list[list[str]]:
    """RGB gold answers as parts, each a list of acceptable spellings: a string is one part with one
    spelling; a list holds parts, each a string or a list of spellings."""
    if isinstance(answer, str):
        return [[answer]]
    return [[part] if isinstance(part, str) else list(part) for part in answer]


def contains_answer(prediction: str, answer: str | Sequence[Any]) -> bool:
    """RGB answer accuracy for one question: every part of the gold answer appears in the prediction
    (in any of its spellings)."""
    parts = gold_parts(answer)
    return bool(parts) and all(any(contains(prediction, alt) for alt in part) for part in parts)


# --- aggregation ----------------------------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the applicable values (None and NaN skipped); None when nothing applies."""
    kept = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return sum(kept) / len(kept) if kept else None


# --- ragas, no model needed ------------------------------------------------------------------------

RAGAS_NONLLM = ("string_similarity", "rouge_l", "bleu", "context_precision", "context_recall")


async def ragas_nonllm(response: str, reference: str, cited: Sequence[str], gold: Sequence[str]) -> dict[str, float | None]:
    """ragas 0.4's non-LLM metrics for one answered, answerable question:

    - string_similarity: ragas NonLLMStringSimilarity (1 - normalized Levenshtein distance) of the
      answer text (markers removed) to the reference answer;
    - rouge_l: ragas RougeScore, ROUGE-L F-measure of answer vs reference;
    - bleu: ragas BleuScore (sacrebleu) of answer vs reference, 0..1;
    - context_precision / context_recall: ragas NonLLMContextPrecisionWithReference and
      NonLLMContextRecall with the *cited quotes* as retrieved contexts and the gold evidence quotes as
      reference contexts (a context matches when its Levenshtein similarity is >= / > 0.5).
      Cited quotes, not the retrieved chunks: both sides must be sentence-sized for string distance to
      mean anything; a 700-character chunk scores ~0.2 against the sentence it contains.

    Empty `cited` (refusal) gives context metrics of None; empty `reference` gives None for the
    answer-vs-reference ones."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ragas.dataset_schema import SingleTurnSample
        from ragas.metrics._context_precision import NonLLMContextPrecisionWithReference
        from ragas.metrics._context_recall import NonLLMContextRecall
        from ragas.metrics.collections import BleuScore, NonLLMStringSimilarity, RougeScore

    out: dict[str, float | None] = dict.fromkeys(RAGAS_NONLLM)
    if reference and response:
        out["string_similarity"] = (await NonLLMStringSimilarity().ascore(reference=reference, response=response)).value
        out["rouge_l"] = (await RougeScore(rouge_type="rougeL", mode="fmeasure").ascore(reference=reference, response=response)).value
        out["bleu"] = (await BleuScore().ascore(reference=reference, response=response)).value
    if cited and gold:
        sample = SingleTurnSample(retrieved_contexts=list(cited), reference_contexts=list(gold))
        out["context_precision"] = float(await NonLLMContextPrecisionWithReference().single_turn_ascore(sample))
        out["context_recall"] = float(await NonLLMContextRecall().single_turn_ascore(sample))
    return {k: (None if v is None or math.isnan(v) else float(v)) for k, v in out.items()}
