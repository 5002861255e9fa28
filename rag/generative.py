"""LLM answers (answer mode `llm`): a model writes the answer from the numbered passages, and every
citation it makes is verified against the article text while the answer streams (rag.citations).

`LLMAnswerer.stream` yields text deltas, then the final `Answer`; the concatenation of the deltas is
always `Answer.text` exactly, and no text once yielded is changed afterwards.

Failures (any `LLMError` from the client, before or during the stream, including an empty reply):
- nothing shown yet: the answer is the extractive one, `mode="extractive"`, with
  `notice = "model endpoint failed (<reason>); answered extractively"`;
- part of the model's answer already shown: that part stays (its last, broken sentence is verified
  like any other), and the extractive answer follows as a continuation, after a blank line and the
  notice in parentheses; its markers continue the numbering of the citations already shown.
A reply that is only white space or markers counts as empty. A reply in which no sentence is
supported is refused (`refused=True`, no citations), its text unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence

from rag.citations import SUPPORT_THRESHOLD, CitationStream
from rag.extractive import ExtractiveAnswerer
from rag.llm import LLMClient, LLMError
from rag.prompts import NO_SUPPORT_NOTICE, REFUSAL_TEXT, answer_messages, fallback_notice
from rag.schema import Answer, Citation, Passage
from rag.terms import TermWeights

log = logging.getLogger(__name__)


class LLMAnswerer:
    def __init__(
        self,
        client: LLMClient,
        weights: TermWeights,
        extractive: ExtractiveAnswerer | None = None,
        threshold: float = SUPPORT_THRESHOLD,
    ) -> None:
        self.client = client
        self.weights = weights
        self.extractive = extractive  # the fallback; without one a failure is answered with a refusal
        self.threshold = threshold
        self.last: CitationStream | None = None  # the verifier of the last answer (stats, decisions)

    @staticmethod
    def messages(question: str, passages: Sequence[Passage], standalone: str | None = None) -> list[dict[str, str]]:
        return answer_messages(
            question, [(p.source, p.text, p.meta.get("title", "") if p.meta else "") for p in passages], standalone
        )

    def answer(self, question: str, passages: Sequence[Passage], article_text: Callable[[str], str],
               *, standalone: str | None = None) -> Answer:
        """The final Answer of `stream`."""
        final = None
        for event in self.stream(question, passages, article_text, standalone=standalone):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        article_text: Callable[[str], str],
        *,
        standalone: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas, then the final Answer (mode "llm", or "extractive" after a failure).
        `question` is shown to the model as asked; `standalone` (its condensed form, for follow-ups)
        is shown too and is what the extractive fallback answers."""
        passages = list(passages)
        verifier = self.last = CitationStream(passages, article_text, self.weights, self.threshold)
        if not passages:  # nothing retrieved (e.g. filters): nothing to answer from, no call needed
            yield REFUSAL_TEXT
            yield Answer(question, REFUSAL_TEXT, [], True, "llm", passages)
            return
        failure = ""
        try:
            deltas = iter(self.client.stream(self.messages(question, passages, standalone)))
            while True:
                try:
                    delta = next(deltas)
                except StopIteration:
                    break
                if not isinstance(delta, str):
                    continue
                out = verifier.feed(delta)
                if out:
                    yield out
        except LLMError as error:
            failure = str(error)
        except Exception as error:  # noqa: BLE001 - the client promises LLMError only; never crash an answer
            log.exception("model client failed unexpectedly")
            failure = f"model call failed: {type(error).__name__}"
        if not failure and not verifier.text and not verifier.citations:
            tail = verifier.finish()
            if not tail:  # only white space or markers: as good as empty
                failure = "model returned an empty reply"
            else:
                yield tail
                yield self._final(question, passages, verifier)
                return
        if failure:
            log.warning("llm answer failed: %s; answering extractively", failure)
            yield from self._fallback(question, passages, article_text, standalone, verifier, failure)
            return
        tail = verifier.finish()
        if tail:
            yield tail
        yield self._final(question, passages, verifier)

    def _final(self, question: str, passages: list[Passage], verifier: CitationStream) -> Answer:
        refused = not verifier.citations
        notice = NO_SUPPORT_NOTICE if refused and not verifier.refusals else ""
        log.info("llm citations: %s", verifier.stats)
        return Answer(
            question,
            verifier.text,
            [] if refused else list(verifier.citations),
            refused,
            "llm",
            passages,
            notice=notice,
            unsupported=list(verifier.unsupported),
        )

    def _fallback(
        self,
        question: str,
        passages: list[Passage],
        article_text: Callable[[str], str],
        standalone: str | None,
        verifier: CitationStream,
        reason: str,
    ) -> Iterator[str | Answer]:
        notice = fallback_notice(reason)
        asked = standalone or question
        if not verifier.text:  # nothing shown yet: the plain extractive answer
            if self.extractive is None:
                answer = Answer(question, REFUSAL_TEXT, [], True, "extractive", passages)
            else:
                answer = self.extractive.answer(asked, passages, article_text)
            answer.question, answer.notice = question, notice
            yield answer.text
            yield answer
            return
        shown = verifier.text
        tail = verifier.finish()  # the broken last sentence is verified like the others
        citations: list[Citation] = list(verifier.citations)
        numbers = {(c.source, c.start, c.end): c.marker for c in citations}
        parts = []
        for s in self.extractive.select(asked, passages, article_text) if self.extractive else []:
            key = (s.source, s.start, s.end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                citations.append(Citation(numbers[key], s.source, s.start, s.end, s.quote))
            parts.append(f"{s.quote} [{numbers[key]}]")
        continuation = f"{tail}\n\n({notice})\n\n{' '.join(parts) if parts else REFUSAL_TEXT}"
        yield continuation
        refused = not citations
        yield Answer(
            question,
            shown + continuation,
            [] if refused else citations,
            refused,
            "extractive",
            passages,
            notice=notice,
            unsupported=list(verifier.unsupported),
        )
