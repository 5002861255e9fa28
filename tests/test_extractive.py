"""Extractive answering (rag/extractive.py) with the real embedder and the shipped answerability model.

The refusal *rates* are the eval suite's business, measured on the frozen test split (`rag eval`);
these tests check behaviour on questions and texts written here, which nothing was fitted on:
- every citation quotes its article exactly, on every question of the QA set;
- each answer type is honoured: a sentence without a thing of the asked type is not the answer;
- a question naming something the index never mentions is refused;
- multi-article answers cite several articles; markup is never an answer.
"""

import pytest

from rag.answerability import shipped_model
from rag.extractive import ExtractiveAnswerer, ScoredSentence, cited_text, diverse_first
from rag.schema import Passage
from rag.spans import overlap
from rag.terms import TermWeights, tokens

from evals import qaset


@pytest.fixture(scope="module")
def qa_answers(seeds_engine):
    items = [i for i in qaset.load(qaset.DEFAULT_PATH)]
    return [(i, seeds_engine.ask(i.question, history=list(i.history) or None)) for i in items]


def test_every_citation_of_every_qa_answer_is_exact(qa_answers, seeds_engine):
    cited = 0
    for _, answer in qa_answers:
        assert answer.refused == (answer.citations == [])
        for c in answer.citations:
            assert c.quote == seeds_engine.article(c.source)[c.start : c.end]
            cited += 1
    assert cited >= 40


def test_dev_evidence_is_retrieved_in_the_top_5(qa_answers):
    missed = []
    for item, answer in qa_answers[: qaset.DEV_SIZE]:
        if not item.answerable:
            continue
        if not any(p.source == e.source and overlap((p.start, p.end), (e.start, e.end)) > 0
                   for p in answer.passages for e in item.evidence):
            missed.append(item.question)
    assert missed == []


def test_multi_article_answers_cite_several_articles(seeds_engine):
    answer = seeds_engine.ask("How much additional aid did Washington announce for Ukraine?")
    assert len({c.source for c in answer.citations}) >= 2


def test_a_question_about_someone_the_index_never_mentions_is_refused(seeds_engine):
    answer = seeds_engine.ask("What did Emmanuel Macron tell Antony Blinken about Ukraine?")
    assert answer.refused and answer.citations == [] and "do not answer" in answer.text


# --- units ---------------------------------------------------------------------------------------
def test_question_verb_skips_the_subject_and_reporting_verbs():
    from rag.answerability import question_verb

    assert question_verb("What did Blinken and Lavrov agree on?") == "agre"
    assert question_verb("What has the US accused Russia of preparing?") == "accus"
    assert question_verb("What did the State Department say about it?") is None
    assert question_verb("Where did Blinken meet Lavrov?") is None


def test_new_names_are_capitalised_words_the_question_lacks():
    from rag.answer_types import new_names

    assert new_names("Who directed The Avengers?", "The Avengers were directed by Joss Whedon.") == ["Joss", "Whedon"]
    assert new_names("Who is the CEO of Google?", "The CEO of Google.") == []


def test_diverse_first_puts_each_article_best_sentence_first():
    a1, a2, b1 = (ScoredSentence(src, i, i + 1, q, 1, sc) for src, i, q, sc in
                  [("a", 0, "A1", 0.9), ("a", 5, "A2", 0.8), ("b", 0, "B1", 0.7)])
    assert diverse_first([a1, a2, b1]) == [a1, b1, a2]


@pytest.fixture(scope="module")
def ask_text(embedder):
    """ask_text(question, text) -> the quotes the extractive answer cites from one passage `text`,
    with the real MiniLM embedder and the shipped model; the text's words count as indexed."""

    def ask(question: str, text: str) -> list[str]:
        seen = {t: 1 for t in tokens(text)}
        answerer = ExtractiveAnswerer(TermWeights(seen, 50), embedder.embed)
        return [c.quote for c in answerer.reply(question, [Passage("a.txt", 0, len(text), text, 1.0)]).citations]

    return ask


def test_how_many_questions_need_a_number(ask_text):
    text = "Russia sent troops to the border in the winter. Russia sent 100,000 troops to the border in the winter."
    assert ask_text("How many troops did Russia send to the border?", text)[0] == (
        "Russia sent 100,000 troops to the border in the winter.")


def test_when_questions_need_a_date_and_who_questions_a_new_name(ask_text):
    text = "Diablo was released to great fanfare by the studio. Diablo was released on May 15, 2012."
    assert ask_text("When was Diablo released?", text)[0] == "Diablo was released on May 15, 2012."
    text = "The Avengers film was directed with a big budget. The Avengers film was directed by Joss Whedon."
    assert ask_text("Who directed The Avengers film?", text)[0] == "The Avengers film was directed by Joss Whedon."


def test_what_time_is_not_answered_by_a_duration(ask_text):
    text = "The meeting in Geneva was expected to last about two hours, diplomats said."
    assert ask_text("What time did the meeting in Geneva start?", text) == []
    text = "The meeting in Geneva started at 10:30 a.m. local time, diplomats said."
    assert ask_text("What time did the meeting in Geneva start?", text) == [text]


def test_what_is_questions_need_a_definition_or_a_name_not_a_mention(ask_text):
    # the failures reported on the seeds: "What is the capital of Germany?" answered with "In the German
    # capital, where ...", "What is Swift?" with Blinken's "united, swift and severe" response
    text = "In the German capital, where he met allies France, the United Kingdom and Germany, Blinken spoke."
    assert ask_text("What is the capital of Germany?", text) == []
    text = "Blinken promised a “united, swift and severe” response by the US and its allies."
    assert ask_text("What is Swift?", text) == []


def test_two_events_compared_in_time_are_answered_by_a_date_for_each_or_refused(ask_text):
    # the articles give the dates, not the difference: an answer quotes the sentence dating each event
    oslo = "The minister opened the trade summit in Oslo on Monday (10)."
    bergen = "The minister signed the fisheries deal in Bergen on Thursday (13)."
    question = "How many days passed between the trade summit in Oslo and the fisheries deal in Bergen?"
    assert set(ask_text(question, f"{oslo} {bergen} The weather in Oslo was cold.")) >= {oslo, bergen}
    undated = "The minister signed the fisheries deal in Bergen after long talks."
    assert ask_text(question, f"{oslo} {undated} The weather in Oslo was cold.") == []


def test_a_question_nothing_supports_is_refused(ask_text):
    assert ask_text("How many tanks crossed the river?", "The weather in Geneva was mild.") == []


def test_a_sentence_that_is_mostly_markup_is_never_an_answer(ask_text):
    text = "![Blinken in Geneva](http://203.0.113.9/blinken-lavrov-geneva-meeting-photo.png) Geneva."
    assert ask_text("Where did Blinken meet Lavrov?", text) == []


def test_the_shipped_model_names_the_signals_it_was_fitted_on():
    from rag.answerability import Signals

    model = shipped_model()
    assert list(model.names) == Signals.names() and 0 < model.threshold < 1


def test_cited_text_puts_a_marker_after_each_sentence():
    s = [ScoredSentence("a.txt", 0, 3, "One.", 1, 1), ScoredSentence("b.txt", 5, 9, "Two.", 1, 1)]
    text, citations = cited_text(s)
    assert text == "One. [1] Two. [2]"
    assert [(c.marker, c.source) for c in citations] == [(1, "a.txt"), (2, "b.txt")]
