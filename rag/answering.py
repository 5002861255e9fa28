"""The answerer interface: what every answer mode implements, and the one fallback wrapper.

An answerer turns a question and its retrieved passages into text deltas followed by one `Reply`
(always last). The deltas concatenate to `Reply.text` exactly; text once yielded is never changed.
The `Engine` wraps the Reply into the public `Answer` (question, standalone question, passages),
once. Passages carry their own text, so an answerer needs nothing else to cite exact spans.

    extractive  rag.extractive.ExtractiveAnswerer   deterministic, no model
    llm         rag.generative.GenerativeAnswerer   a model writes, rag.citations verifies
    local       rag.judged.JudgedAnswerer           the model judges candidate sentences, then writes
    any of them wrapped in `WithFallback`           a failing model is replaced by extractive
    a model wrapped in `SecondOpinion`              a model's refusal is overruled by sentences that answer

>>> from rag.schema import Passage
>>> class Echo:
...     mode = "echo"
...     def stream(self, question, passages, standalone=None):
...         yield "Hi."
...         yield Reply("Hi.", [], refused=False, mode=self.mode)
>>> [e if isinstance(e, str) else e.mode for e in Echo().stream("q", [])]
['Hi.', 'echo']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from rag.prompts import REFUSAL_TEXT, SECOND_OPINION_NOTICE, fallback_notice
from rag.schema import Citation, Passage


@dataclass(frozen=True)
class Reply:
    """The answerer's part of an `Answer`: what it said and what it cites."""

    text: str
    citations: list[Citation]
    refused: bool
    mode: str
    notice: str = ""
    unsupported: list[str] = field(default_factory=list)
    confidence: float | None = None  # see Answer.confidence


Event = str | Reply


class Answerer(Protocol):
    mode: str

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        """Text deltas, then the Reply. `question` is as the user asked it; `standalone` is its
        condensed form for follow-ups (what to answer when the history cannot be shown)."""
        ...


def final_reply(events: Iterator[Event]) -> Reply:
    """Drain an answerer's stream and return its Reply."""
    reply = None
    for event in events:
        if isinstance(event, Reply):
            reply = event
    if reply is None:
        raise RuntimeError("the answerer's stream ended without a Reply")
    return reply


class AnswerFailed(Exception):
    """A model answerer broke off. What it had already shown stays shown: `shown` (text yielded),
    `tail` (its last, broken sentence, verified like any other and not yet yielded), and the
    citations and unsupported sentences of that text."""

    def __init__(self, reason: str, shown: str = "", tail: str = "",
                 citations: Sequence[Citation] = (), unsupported: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.reason, self.shown, self.tail = reason, shown, tail
        self.citations, self.unsupported = list(citations), list(unsupported)


class Continuation(Protocol):
    """What a fallback must offer: a whole answer, and sentences that continue an answer begun by
    another answerer (its markers continue the numbering of `cited`)."""

    mode: str

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]: ...

    def continue_after(self, cited: Sequence[Citation], question: str, passages: Sequence[Passage]) -> tuple[str, list[Citation]]: ...


class WithFallback:
    """`primary`, replaced by `fallback` (the extractive answerer) when it fails:

    - nothing shown yet: the fallback's own answer, with `notice = "model endpoint failed (...)"`;
    - part of the primary's answer already shown: that part stays, and the fallback's sentences follow
      after a blank line and the notice in parentheses, numbered on from the citations shown.
    Either way the Reply's mode is the fallback's: the mode that actually answered."""

    def __init__(self, primary: Answerer, fallback: Continuation) -> None:
        self.primary, self.fallback = primary, fallback
        self.mode = primary.mode

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        try:
            yield from self.primary.stream(question, passages, standalone)
            return
        except AnswerFailed as failure:
            notice = fallback_notice(failure.reason)
            asked = standalone or question
            if not failure.shown:
                for event in self.fallback.stream(asked, passages):
                    yield replace(event, notice=event.notice or notice) if isinstance(event, Reply) else event
                return
            text, citations = self.fallback.continue_after(failure.citations, asked, passages)
            continuation = f"{failure.tail}\n\n({notice})\n\n{text or REFUSAL_TEXT}"
            yield continuation
            yield Reply(failure.shown + continuation, citations, not citations, self.fallback.mode,
                        notice=notice, unsupported=failure.unsupported)


class SecondOpinion:
    """`primary` (a model), whose refusal is overruled when `extractive` is `confident` that its
    sentences answer. In llm mode that is the extractive answerer at the confidence that at most 5 %
    of the unanswerable train questions reach (evals/fit_answerability.py): a model refuses
    answerable questions far more often than that. In local mode it quotes the sentences the model
    itself judged to answer (rag.judged, `confident` 0), under its own `notice`.

    A model's refusal shows nothing before its end but the refusal text, which is held back, or the
    model's own refusal sentences, which stay and are followed by the notice and the sentences. The
    Reply keeps the primary's mode: this is how that mode answers, said in its notice."""

    def __init__(self, primary: Answerer, extractive: Answerer, confident: float,
                 notice: str = SECOND_OPINION_NOTICE) -> None:
        self.primary, self.extractive, self.confident = primary, extractive, confident
        self.notice = notice
        self.mode = primary.mode

    def stream(self, question: str, passages: Sequence[Passage], standalone: str | None = None) -> Iterator[Event]:
        held = ""
        for event in self.primary.stream(question, passages, standalone):
            if isinstance(event, Reply):
                opinion = self._opinion(event, standalone or question, passages)
                if opinion is None:
                    if held:
                        yield held
                    yield event
                    return
                shown = event.text if not held else ""
                text = f"{shown}\n\n({self.notice})\n\n{opinion.text}" if shown else opinion.text
                yield text[len(shown):]
                yield Reply(text, opinion.citations, False, self.mode, notice=self.notice,
                            unsupported=event.unsupported, confidence=opinion.confidence)
                return
            if event == REFUSAL_TEXT and not held:  # a refusal's last delta, as a rule: wait for the Reply
                held = event
                continue
            if held:  # it was not the last: shown in its place after all
                yield held
                held = ""
            if event:
                yield event

    def _opinion(self, reply: Reply, question: str, passages: Sequence[Passage]) -> Reply | None:
        """The extractive reply that overrules `reply`, or None."""
        if not reply.refused:
            return None
        opinion = final_reply(self.extractive.stream(question, passages))
        confident = not opinion.refused and (opinion.confidence or 0.0) >= self.confident
        return opinion if confident else None
