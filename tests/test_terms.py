"""rag.terms: `tokens` (every stemmed token) against `content_terms` (stop and question words dropped,
no repeats), the same stems as the BM25 tokenizer, the YEAR pattern, and TermWeights (idf order,
hand-computed values, coverage in [0, 1])."""

from __future__ import annotations

import pytest

from rag.terms import STOPWORDS, YEAR, TermWeights, bm25_tokenize, content_terms, tokens

SENTENCE = "The officials said the troops were deployed near the border in 2021, and troops stayed."


def test_tokens_keeps_every_word_stemmed_and_lower_cased():
    assert tokens(SENTENCE) == ["the", "offici", "said", "the", "troop", "were", "deploy", "near", "the",
                                "border", "in", "2021", "and", "troop", "stay"]


def test_tokens_drop_one_character_words():
    assert tokens("A U.S. jet") == ["jet"]


def test_content_terms_drop_stop_words_and_repeats_in_order():
    assert content_terms(SENTENCE) == ["offici", "troop", "deploy", "near", "border", "2021", "stay"]


def test_question_words_are_stop_words():
    assert content_terms("What did the Pentagon say about Putin, according to the article?") == ["pentagon", "putin"]
    assert {"what", "did", "according", "article", "say", "the"} <= STOPWORDS
    assert content_terms("What did they say?") == []


def test_inflections_share_a_stem():
    assert content_terms("meeting") == content_terms("meetings") == ["meet"]
    assert tokens("deployed deploying deploys") == ["deploy"] * 3


@pytest.mark.parametrize(
    "text",
    [SENTENCE, "Blinken met Lavrov in Geneva; meetings continued.", "How many troops has Russia deployed?"],
)
def test_bm25_tokenizer_uses_the_same_stems(text):
    vocab = set(bm25_tokenize(text).vocab)
    assert vocab <= set(tokens(text))  # nothing the BM25 index sees is stemmed differently
    assert set(content_terms(text)) <= vocab  # every content term can be looked up in BM25


def test_bm25_tokenizer_drops_stop_words():
    vocab = set(bm25_tokenize("the and of in troops").vocab)
    assert vocab == {"troop"}


def test_year_pattern_finds_years_1800_to_2099():
    text = "In 1799, 1800, 1999, 2021, 2099, 2100, 12021 and 20210 something happened."
    assert YEAR.findall(text) == ["1800", "1999", "2021", "2099"]


# ln(1 + (20 - df + 0.5) / (df + 0.5)) over 20 documents, worked out by hand:
IDF_DF2 = 2.1282317  # ln(8.4)
IDF_DF10 = 0.6931472  # ln(2)
IDF_UNSEEN = 3.7376696  # ln(42)


def test_idf_values_and_order():
    weights = TermWeights({"blinken": 10, "geneva": 2}, documents=20)
    assert weights.idf("geneva") == pytest.approx(IDF_DF2)
    assert weights.idf("blinken") == pytest.approx(IDF_DF10)
    assert weights.idf("zelensky") == pytest.approx(IDF_UNSEEN)
    assert weights.idf("zelensky") > weights.idf("geneva") > weights.idf("blinken") > 0


def test_no_documents_is_not_a_division_by_zero():
    assert TermWeights({}, documents=0).idf("x") == pytest.approx(1.3862944)  # ln(4): n taken as 1


def test_coverage_is_the_share_of_question_weight_in_the_sentence():
    weights = TermWeights({"blinken": 10, "geneva": 2}, documents=20)
    question = ["blinken", "geneva"]
    assert weights.coverage(question, {"geneva", "met"}) == pytest.approx(IDF_DF2 / (IDF_DF2 + IDF_DF10))
    assert weights.coverage(question, {"blinken"}) == pytest.approx(IDF_DF10 / (IDF_DF2 + IDF_DF10))
    assert weights.coverage(question, {"blinken", "geneva"}) == pytest.approx(1.0)
    assert weights.coverage(question, {"moscow"}) == 0.0
    assert weights.coverage([], {"geneva"}) == 0.0


def test_coverage_stays_in_zero_to_one_even_for_terms_in_every_document():
    weights = TermWeights({"common": 20, "rare": 1}, documents=20)
    for sentence in (set(), {"common"}, {"rare"}, {"common", "rare"}):
        assert 0.0 <= weights.coverage(["common", "rare", "unseen"], sentence) <= 1.0
