"""Answer mode `local`: the model judges which sentences answer, then writes the answer from them.

A small model writing a whole answer from five passages refuses too much and too little at once
(the 1.5B refused about half of the answerable questions). Asked about one sentence at a time,
"does this sentence state what the question asks?", its token probability of "yes" is a good judge
(train questions: see the AUCs in rag/judged.json, printed by evals/fit_judged.py). So:

1. Judge: the extractive answerer's best candidates (rag.extractive, `JUDGED` of them) each go to the
   model as a yes/no question (rag.prompts.judge_messages); the model's P(yes) decides the refusal
   and the sentences, against a threshold picked on the train split (evals/fit_judged.py,
   rag/judged.json). The answerability model chose which candidates are judged, and its rules
   (no thing of the asked type, someone the articles never mention) still rule candidates out.
2. Write: the model writes the answer from the chosen sentences alone (rag.generative: numbered,
   streamed, every citation verified), so every citation is (a byte-exact part of) a judged sentence.
3. Quote: when it writes nothing those sentences support, they are quoted instead, with a notice;
   when it fails while writing, they are quoted (or follow what it had shown) with the fallback notice.

The writer keeps the llm prompt's way to refuse, and takes it often: on the 104 answerable train questions
it wrote 35 answers and 56 were quoted. Measured on those questions (November 30) and not shipped: the
judged sentences presented as chosen because they answer, with no way to refuse. It wrote 61 and
quoted 31; gold precision rose 0.719 -> 0.765 (fewer citations per answer), recall 0.672 -> 0.662; but
about one written answer in nine stated something false that every citation check passed: a bare
"Friday [1]" for the weekday a span gives as Tuesday (the span holds "Friday" too), "Yes, Blinken will
not provide a written response", "Moscow responded ... by accusing Moscow". A quote cannot be false.
Nor is the writer's refusal a second verdict (December 1, train): it refuses 74 of the 114 answerable
questions the judge accepts and 15 of the 18 unanswerable ones, so refusing when the writer does and the
judge is below 0.4 refuses 0.90 of the unanswerable questions at 0.23 false refusals (0.84 at 0.07 now).
Nor does quoting what the writer left out pay (December 2, train, 103 answerable QA questions, one
run scored both ways): following a written answer with the judged sentences it left uncited ("The
articles also say: ...") raised citation recall 0.725 -> 0.744 and cut gold precision 0.737 -> 0.660
(multi-article: recall 0.640 -> 0.667, precision 0.789 -> 0.636; HTML pages: recall 0.659 either way,
precision 0.700 -> 0.675); adding only the sentences of articles the answer did not cite: the same
recall at precision 0.669. The sentences the writer leaves out are mostly not the gold evidence.

A failure while judging raises AnswerFailed (rag.answering.WithFallback answers extractively). The
threshold was picked for the 1.5B; the 0.5B uses it too, uncalibrated.

    >>> s = ScoredSentence("a.txt", 30, 37, "Geneva.", lexical=1.0, score=0.4)
    >>> sentence_passage(s)                 # what the writer sees and cites: the sentence alone
    Passage(source='a.txt', start=30, end=37, text='Geneva.', score=0.4, id='', meta={})
    >>> 0 < judged_threshold() < 1          # rag/judged.json
    True
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from rag.answering import AnswerFailed, Event, Reply, SecondOpinion, WithFallback
from rag.extractive import ExtractiveAnswerer, ScoredSentence, cited_text
from rag.llm import LLMClient, LLMError
from rag.prompts import JUDGED_NOTICE, REFUSAL_TEXT, judge_messages
from rag.schema import Citation, Passage

log = logging.getLogger(__name__)

JUDGED_FILE = Path(__file__).with_name("judged.json")


@lru_cache(maxsize=1)
def judged_threshold() -> float:
    """The least P(yes) of the model's verdict on a candidate for an answer (rag/judged.json)."""
    return float(json.loads(JUDGED_FILE.read_text(encoding="utf-8"))["threshold"])


class ModelJudge:
    """`judge(question, sentence)`: the model's P(yes) that the sentence answers the question."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client

    def __call__(self, question: str, sentence: str) -> float:
        return self.client.yes_probability(judge_messages(question, sentence))


class _Quoted:
    """An answerer that quotes given sentences (the judged ones) whatever it is asked; also the
    continuation of an answer the writer broke off (rag.answering.Continuation)."""

    mode = "extractive"

    def __init__(self, sentences: Sequence[ScoredSentence], confidence: float) -> None:
        self.sentences, self.confidence = list(sentences), confidence

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        text, citations = cited_text(self.sentences)
        yield text
        yield Reply(text, citations, False, self.mode, confidence=self.confidence)

    def continue_after(self, cited: Sequence[Citation], question: str, passages: Sequence[Passage]) -> tuple[str, list[Citation]]:
        return cited_text(self.sentences, cited)


def sentence_passage(sentence: ScoredSentence) -> Passage:
    """A sentence as a passage of its own: what the writer sees and cites."""
    return Passage(sentence.source, sentence.start, sentence.end, sentence.quote, sentence.score)


class JudgedAnswerer:
    """See the module docstring. `selector` is an ExtractiveAnswerer with the model's judge and the
    judged threshold; `writer` a rag.generative.GenerativeAnswerer on the same model."""

    def __init__(self, selector: ExtractiveAnswerer, writer, mode: str = "local") -> None:
        self.selector, self.writer, self.mode = selector, writer, mode

    @classmethod
    def for_client(cls, client: LLMClient, extractive: ExtractiveAnswerer, writer, mode: str = "local") -> "JudgedAnswerer":
        selector = ExtractiveAnswerer(extractive.weights, extractive.embed, extractive.max_sentences,
                                      model=extractive.model, threshold=judged_threshold(), judge=ModelJudge(client))
        return cls(selector, writer, mode)

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        try:
            chosen, confidence = self.selector.decide(standalone or question, passages)
        except LLMError as error:
            raise AnswerFailed(str(error)) from None
        except Exception as error:  # noqa: BLE001 - never crash an answer; the fallback answers
            log.exception("judging the candidate sentences failed unexpectedly")
            raise AnswerFailed(f"model call failed: {type(error).__name__}") from None
        if not chosen:
            yield REFUSAL_TEXT
            yield Reply(REFUSAL_TEXT, [], True, self.mode, confidence=confidence)
            return
        quoted = _Quoted(chosen, confidence)
        # the writer's refusal gives way to the judged sentences; so does its failure (not the plain
        # extractive answer: the judge has decided, on another threshold)
        writer = WithFallback(SecondOpinion(self.writer, quoted, confident=0.0, notice=JUDGED_NOTICE), quoted)
        evidence = [sentence_passage(s) for s in chosen]
        for event in writer.stream(question, evidence, standalone):  # the Reply: the judged confidence
            yield replace(event, confidence=confidence) if isinstance(event, Reply) else event
