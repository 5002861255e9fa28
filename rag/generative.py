"""Generative answers (answer modes `llm` and `local`): a model writes the answer from the numbered
passages, and every citation it makes is verified against the passage text while the answer streams
(rag.citations). Implements rag.answering.Answerer.

`GenerativeAnswerer.stream` yields text deltas (one verified sentence at a time, rag.citations), then
the `Reply`; the concatenation of the deltas is always `Reply.text` exactly, and no text once yielded
is changed afterwards. Sentences no passage supports are never part of the text: they are listed in
`Reply.unsupported`. A reply in which no sentence is supported is a refusal in every way: refused,
no citations, and the refusal text (unless the model said in its own words that the articles do
not answer).

Failures (any `LLMError` from the client, before or during the stream, an empty reply, a reply of
only white space or markers) raise `rag.answering.AnswerFailed` carrying what was already shown;
`rag.answering.WithFallback` turns that into the extractive answer or its continuation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from rag.answering import AnswerFailed, Event, Reply
from rag.citations import SUPPORT_THRESHOLD, CitationStream
from rag.llm import LLMClient, LLMError
from rag.prompts import NO_SUPPORT_NOTICE, REFUSAL_TEXT, answer_messages, support_messages
from rag.schema import Passage
from rag.terms import TermWeights

log = logging.getLogger(__name__)


class GenerativeAnswerer:
    def __init__(self, client: LLMClient, weights: TermWeights, threshold: float = SUPPORT_THRESHOLD,
                 mode: str = "llm", rescue: bool = True, allow_names_only: bool = True) -> None:
        self.client = client
        self.allow_names_only = allow_names_only  # rag.citations.CitationStream
        self.weights = weights
        self.threshold = threshold
        self.mode = mode
        # Ask the model about reworded sentences (rag.citations.RESCUE_PROBABILITY), once its answer has
        # streamed (CitationStream holds such a sentence, and those after it, until then).
        self.rescue = rescue
        self._checks_off = False  # set by a failed check: the rest of the answer stands on the rules
        self.last: CitationStream | None = None  # the verifier of the last answer (stats, decisions)

    def _says_the_same(self, span: str, sentence: str) -> float:
        """The model's P(yes) that `span` says what `sentence` says; 0 when it cannot tell (an endpoint
        without token log probabilities, a failed call): the sentence then stands on the rules alone."""
        if self._checks_off:
            return 0.0
        try:
            return self.client.yes_probability(support_messages(span, sentence))
        except Exception as error:  # noqa: BLE001 - a failed check never fails the answer
            log.info("support check without the model from here on: %s", error)
            self._checks_off = True
            return 0.0

    @staticmethod
    def messages(question: str, passages: Sequence[Passage], standalone: str | None = None) -> list[dict[str, str]]:
        return answer_messages(
            question, [(p.source, p.text, p.meta.get("title", "") if p.meta else "") for p in passages], standalone
        )

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        """Text deltas, then the Reply. `question` is shown to the model as asked; `standalone` (its
        condensed form, for follow-ups) is shown too."""
        passages = list(passages)
        self._checks_off = False
        verifier = self.last = CitationStream(passages, self.weights, self.threshold,
                                              rescue=self._says_the_same if self.rescue else None,
                                              allow_names_only=self.allow_names_only)
        if not passages:  # nothing retrieved (e.g. filters): nothing to answer from, no call needed
            yield REFUSAL_TEXT
            yield Reply(REFUSAL_TEXT, [], True, self.mode)
            return
        failure = ""
        try:
            for delta in self.client.stream(self.messages(question, passages, standalone)):
                if isinstance(delta, str) and (out := verifier.feed(delta)):
                    yield out
        except LLMError as error:
            failure = str(error)
        except Exception as error:  # noqa: BLE001 - the client promises LLMError only; never crash an answer
            log.exception("model client failed unexpectedly")
            failure = f"model call failed: {type(error).__name__}"
        shown = verifier.text
        if failure:  # the model is not asked about what waits: the answer falls back anyway
            verifier.rescue = None
        tail = verifier.finish()
        said_nothing = not shown and not tail and not verifier.unsupported and not verifier.refusals
        if not failure and said_nothing:  # only white space or markers: as good as empty
            failure = "model returned an empty reply"
        if failure:
            log.warning("%s answer failed: %s; answering extractively", self.mode, failure)
            raise AnswerFailed(failure, shown, tail if shown else "", verifier.citations, verifier.unsupported)
        if tail:
            yield tail
        refused = not verifier.citations
        text = verifier.text
        if not text.strip():  # nothing the articles support was said: say that, not the model's claims
            text = REFUSAL_TEXT
            yield text
        log.info("%s citations: %s", self.mode, verifier.stats)
        yield Reply(
            text,
            [] if refused else list(verifier.citations),
            refused,
            self.mode,
            notice=NO_SUPPORT_NOTICE if refused and not verifier.refusals else "",
            unsupported=list(verifier.unsupported),
        )
