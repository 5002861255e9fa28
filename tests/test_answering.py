"""rag.answering: `WithFallback` around small real answerers written here (a model-like primary that
breaks off with `AnswerFailed`, and an extractive-like fallback built on `cited_text`): what is shown
stays shown, the fallback's sentences follow with the notice and numbered-on markers, and the deltas
always concatenate to the Reply's text; `final_reply` drains a stream."""

from __future__ import annotations

import pytest

from rag.answering import AnswerFailed, Reply, SecondOpinion, WithFallback, final_reply
from rag.prompts import REFUSAL_TEXT, SECOND_OPINION_NOTICE
from rag.extractive import ScoredSentence, cited_text
from rag.schema import Citation, Passage

ARTICLE = "Blinken met Lavrov in Geneva. The meeting lasted ninety minutes. Both sides agreed to keep talking."
MET = ScoredSentence("a.txt", 0, 29, ARTICLE[0:29], 1.0, 1.0)
LASTED = ScoredSentence("a.txt", 30, 64, ARTICLE[30:64], 0.9, 0.9)
AGREED = ScoredSentence("a.txt", 65, 100, ARTICLE[65:100], 0.8, 0.8)
PASSAGES = [Passage("a.txt", 0, len(ARTICLE), ARTICLE, 1.0, "p1")]
NOTICE = "model endpoint failed (timed out); answered extractively"


def test_the_sentences_are_exact_spans():
    assert [s.quote for s in (MET, LASTED, AGREED)] == [
        "Blinken met Lavrov in Geneva.", "The meeting lasted ninety minutes.", "Both sides agreed to keep talking."]


class Model:
    """Yields `pieces`, then either a Reply (no `failure`) or raises `failure`."""

    mode = "llm"

    def __init__(self, pieces: list[str], failure: AnswerFailed | None = None, citations=()):
        self.pieces, self.failure, self.citations = pieces, failure, list(citations)

    def stream(self, question, passages, standalone=None):
        yield from self.pieces
        if self.failure is not None:
            raise self.failure
        yield Reply("".join(self.pieces), self.citations, False, self.mode)


class Extractive:
    """Answers with fixed sentences, and records the questions it was asked."""

    mode = "extractive"

    def __init__(self, sentences: list[ScoredSentence], notice: str = "", confidence: float | None = None):
        self.sentences, self.notice, self.confidence, self.asked = sentences, notice, confidence, []

    def stream(self, question, passages, standalone=None):
        self.asked.append(("stream", question))
        text, citations = cited_text(self.sentences)
        yield text or "The indexed articles do not answer this question."
        yield Reply(text or "The indexed articles do not answer this question.", citations, not citations,
                    self.mode, notice=self.notice, confidence=self.confidence)

    def continue_after(self, cited, question, passages):
        self.asked.append(("continue", question))
        return cited_text(self.sentences, cited)


def run(answerer, question="Where did they meet?", standalone=None):
    events = list(answerer.stream(question, PASSAGES, standalone))
    deltas = events[:-1]
    assert all(isinstance(d, str) for d in deltas), "every event but the last is a text delta"
    assert isinstance(events[-1], Reply), "the Reply comes last"
    return deltas, events[-1]


def test_a_primary_that_succeeds_is_passed_through_untouched():
    cited = [Citation("a.txt", 0, 29, MET.quote, 1)]
    fallback = Extractive([LASTED])
    wrapped = WithFallback(Model(["Blinken met Lavrov ", "in Geneva [1]."], citations=cited), fallback)
    deltas, reply = run(wrapped)
    assert deltas == ["Blinken met Lavrov ", "in Geneva [1]."]
    assert reply == Reply("Blinken met Lavrov in Geneva [1].", cited, False, "llm")
    assert fallback.asked == []
    assert wrapped.mode == "llm"


def test_nothing_shown_gives_the_fallbacks_own_answer_with_the_notice():
    fallback = Extractive([MET, LASTED])
    wrapped = WithFallback(Model([], AnswerFailed("timed out")), fallback)
    deltas, reply = run(wrapped, "Where did they meet?", standalone="Where did Blinken and Lavrov meet?")
    assert "".join(deltas) == reply.text == "Blinken met Lavrov in Geneva. [1] The meeting lasted ninety minutes. [2]"
    assert [(c.start, c.end, c.marker) for c in reply.citations] == [(0, 29, 1), (30, 64, 2)]
    assert reply.notice == NOTICE
    assert (reply.mode, reply.refused) == ("extractive", False)
    assert fallback.asked == [("stream", "Where did Blinken and Lavrov meet?")]  # the standalone question


def test_nothing_shown_keeps_what_the_fallback_said_of_itself():
    wrapped = WithFallback(Model([], AnswerFailed("timed out")), Extractive([MET], notice="its own", confidence=0.8))
    _, reply = run(wrapped)
    assert (reply.notice, reply.confidence) == ("its own", 0.8)


def test_nothing_shown_and_nothing_found_is_a_refusal_with_the_notice():
    _, reply = run(WithFallback(Model([], AnswerFailed("HTTP 500")), Extractive([])))
    assert reply.refused and reply.citations == []
    assert reply.text == "The indexed articles do not answer this question."
    assert reply.notice == "model endpoint failed (HTTP 500); answered extractively"


def _broken_model(shown_pieces: list[str], tail: str) -> Model:
    shown = "".join(shown_pieces)
    failure = AnswerFailed(
        "timed out", shown=shown, tail=tail,
        citations=[Citation("a.txt", 0, 29, MET.quote, 1)], unsupported=["Putin was there."],
    )
    return Model(shown_pieces, failure)


def test_partial_answer_stays_and_the_fallback_continues_after_the_notice():
    fallback = Extractive([MET, AGREED])  # MET is already cited as [1]: it keeps its number
    wrapped = WithFallback(_broken_model(["Blinken met Lavrov in Geneva [1]. ", "Putin was there. "], "They talk"),
                           fallback)
    deltas, reply = run(wrapped, "Where did they meet?", standalone="Where did Blinken meet Lavrov?")
    assert deltas[:2] == ["Blinken met Lavrov in Geneva [1]. ", "Putin was there. "]
    assert deltas[2:] == [
        "They talk\n\n(model endpoint failed (timed out); answered extractively)\n\n"
        "Blinken met Lavrov in Geneva. [1] Both sides agreed to keep talking. [2]"
    ]
    assert "".join(deltas) == reply.text
    assert [(c.source, c.start, c.end, c.quote, c.marker) for c in reply.citations] == [
        ("a.txt", 0, 29, "Blinken met Lavrov in Geneva.", 1),
        ("a.txt", 65, 100, "Both sides agreed to keep talking.", 2),
    ]
    assert (reply.mode, reply.refused, reply.notice) == ("extractive", False, NOTICE)
    assert reply.unsupported == ["Putin was there."]
    assert fallback.asked == [("continue", "Where did Blinken meet Lavrov?")]


def test_partial_answer_with_nothing_to_add_ends_with_the_refusal_text():
    wrapped = WithFallback(_broken_model(["Blinken met Lavrov in Geneva [1]. "], ""), Extractive([]))
    deltas, reply = run(wrapped)
    assert deltas[-1] == ("\n\n(model endpoint failed (timed out); answered extractively)\n\n"
                          "The indexed articles do not answer this question.")
    assert "".join(deltas) == reply.text
    assert [c.marker for c in reply.citations] == [1]  # what was shown stays cited
    assert not reply.refused


def test_partial_answer_without_citations_and_nothing_to_add_is_refused():
    failure = AnswerFailed("timed out", shown="Well, ", tail="it")
    _, reply = run(WithFallback(Model(["Well, "], failure), Extractive([])))
    assert reply.text == ("Well, it\n\n(model endpoint failed (timed out); answered extractively)\n\n"
                          "The indexed articles do not answer this question.")
    assert reply.refused and reply.citations == []


def test_a_primary_streaming_one_character_at_a_time():
    shown = "Blinken met Lavrov in Geneva [1]. "
    wrapped = WithFallback(_broken_model(list(shown), "The talks"), Extractive([LASTED]))
    deltas, reply = run(wrapped)
    assert deltas[: len(shown)] == list(shown)
    assert len(deltas) == len(shown) + 1
    assert "".join(deltas) == reply.text == (
        "Blinken met Lavrov in Geneva [1]. The talks\n\n"
        "(model endpoint failed (timed out); answered extractively)\n\n"
        "The meeting lasted ninety minutes. [2]"
    )
    assert [c.marker for c in reply.citations] == [1, 2]


def test_errors_other_than_answer_failed_are_not_swallowed():
    class Crashing:
        mode = "llm"

        def stream(self, question, passages, standalone=None):
            yield "Blin"
            raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        list(WithFallback(Crashing(), Extractive([MET])).stream("q", PASSAGES))


def test_answer_failed_keeps_its_parts():
    citation = Citation("a.txt", 0, 29, MET.quote, 1)
    failure = AnswerFailed("boom", shown="s", tail="t", citations=(citation,), unsupported=("u",))
    assert (str(failure), failure.reason, failure.shown, failure.tail) == ("boom", "boom", "s", "t")
    assert failure.citations == [citation] and failure.unsupported == ["u"]
    bare = AnswerFailed("boom")
    assert (bare.shown, bare.tail, bare.citations, bare.unsupported) == ("", "", [], [])


def test_final_reply_returns_the_last_reply():
    first, last = Reply("a", [], False, "x"), Reply("b", [], True, "y")
    assert final_reply(iter(["a", first, "b", last])) is last


def test_final_reply_raises_when_the_stream_has_no_reply():
    with pytest.raises(RuntimeError, match="without a Reply"):
        final_reply(iter(["some", "text"]))
    with pytest.raises(RuntimeError):
        final_reply(iter([]))


# --- SecondOpinion: a model's refusal overruled by a confident extractive answer ------------------
class Refusing:
    """A model that refuses: its own words (shown as they stream) or the refusal text (held back)."""

    mode = "local"

    def __init__(self, words: str = ""):
        self.words = words

    def stream(self, question, passages, standalone=None):
        if self.words:
            yield from self.words  # one character at a time
            yield Reply(self.words, [], True, self.mode)
        else:
            yield REFUSAL_TEXT
            yield Reply(REFUSAL_TEXT, [], True, self.mode)


def test_a_refusal_is_overruled_only_by_a_confident_extractive_answer():
    deltas, reply = run(SecondOpinion(Refusing(), Extractive([MET], confidence=0.9), confident=0.5))
    assert "".join(deltas) == reply.text == "Blinken met Lavrov in Geneva. [1]"
    assert not reply.refused and reply.mode == "local" and reply.notice == SECOND_OPINION_NOTICE
    deltas, reply = run(SecondOpinion(Refusing(), Extractive([MET], confidence=0.4), confident=0.5))
    assert "".join(deltas) == reply.text == REFUSAL_TEXT and reply.refused and reply.notice == ""


def test_a_refusal_in_the_models_words_stays_shown_and_the_sentences_follow():
    said = "The passages do not say where they met."
    deltas, reply = run(SecondOpinion(Refusing(said), Extractive([MET], confidence=0.9), confident=0.5))
    assert "".join(deltas) == reply.text
    assert reply.text == f"{said}\n\n({SECOND_OPINION_NOTICE})\n\nBlinken met Lavrov in Geneva. [1]"


def test_an_answer_of_the_model_is_never_second_guessed():
    extractive = Extractive([MET], confidence=0.9)
    deltas, reply = run(SecondOpinion(Model(["They met ", "in Geneva. [1]"]), extractive, confident=0.5))
    assert reply.text == "They met in Geneva. [1]" and extractive.asked == []


def test_the_refusal_sentence_followed_by_more_answer_keeps_its_place():
    # held back in case it ends a refusal; when the answer goes on, it is shown where it was said
    model = Model([REFUSAL_TEXT, " They met in Geneva. [1]"])
    deltas, reply = run(SecondOpinion(model, Extractive([MET], confidence=0.9), confident=0.5))
    assert deltas == [REFUSAL_TEXT, " They met in Geneva. [1]"] and "".join(deltas) == reply.text
