"""rag/answerability.py: the question's focus, the signals, and the shipped model."""

import numpy as np
import pytest

from rag.answer_types import entities
from rag.answerability import (
    AnswerabilityModel,
    Question,
    Signals,
    focus_noun,
    markup_share,
    shipped_model,
    signals,
)
from rag.terms import TermWeights


def test_focus_and_entities_of_a_question():
    assert focus_noun("How many delegates attended?") == "deleg"
    assert focus_noun("How did the Russian ruble react to the talks?") == "rubl"
    assert focus_noun("Why did it happen?") is None
    assert entities("Where did Blinken meet Lavrov?") == ["blinken", "lavrov"]


def test_a_question_naming_a_stranger_has_no_candidates(seeds_engine):
    answerer = seeds_engine._extractive()
    question = "What did Turkish President Recep Tayyip Erdogan say about the troops near Ukraine?"
    passages = seeds_engine.retrieve(question, k=5)
    assert passages and answerer.candidates(question, passages) == []
    assert answerer.candidates("What did Lavrov say about the troops near Ukraine?", passages)


def test_markup_share_measures_link_and_image_syntax():
    assert markup_share("Plain words only.") == 0
    assert markup_share("[x](http://a.example/very/long/path/to/an/image.png)") == 1


def test_signals_of_a_sentence_that_holds_the_asked_number():
    weights = TermWeights({"russia": 2, "troop": 3, "border": 2}, documents=10)
    q = Question.of("How many troops did Russia mass at the border?", weights)
    with_number = signals(q, "Russia massed 100,000 troops at the border.", "Russia massed 100,000 troops at the border.", 0, 0.8, weights)
    without = signals(q, "Russia massed troops at the border.", "Russia massed troops at the border.", 0, 0.8, weights)
    assert with_number.type_expected == without.type_expected == 1.0
    assert (with_number.type_present, without.type_present) == (1.0, 0.0)
    assert len(with_number.vector()) == len(Signals.names())


def test_the_model_is_a_logistic_regression_over_standardised_signals():
    n = len(Signals.names())
    coef = np.zeros(n)
    coef[Signals.names().index("type_present")] = 2.0
    model = AnswerabilityModel(tuple(Signals.names()), np.zeros(n), np.ones(n), coef, -1.0, 0.5)
    x = np.zeros((2, n))
    x[:, Signals.names().index("identifies")] = 1.0  # not an identity question (see the rules below)
    x[1, Signals.names().index("type_present")] = 1.0
    p = model.probability(x)
    assert p[0] == pytest.approx(1 / (1 + np.e)) and p[1] == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_rules_rule_out_a_sentence_without_the_asked_type_or_that_only_mentions_what_is_asked():
    weights = TermWeights({"russia": 2, "troop": 3, "border": 2, "capit": 1, "germani": 2}, documents=10)
    n = len(Signals.names())
    model = AnswerabilityModel(tuple(Signals.names()), np.zeros(n), np.ones(n), np.ones(n), 5.0, 0.5)
    how_many = Question.of("How many troops did Russia mass at the border?", weights)
    no_number = signals(how_many, "Russia massed troops at the border.", "", 0, 0.9, weights)
    number = signals(how_many, "Russia massed 100,000 troops at the border.", "", 0, 0.9, weights)
    capital = Question.of("What is the capital of Germany?", weights)
    mention = signals(capital, "In the German capital, where he met allies France and Britain, he spoke.", "", 0, 0.9, weights)
    named = signals(capital, "Berlin, the German capital, hosted the allies.", "", 0, 0.9, weights)
    p = model.probability(np.array([s.vector() for s in (no_number, number, mention, named)]))
    assert p[0] == 0 and p[2] == 0  # whatever the weights say
    assert p[1] > 0.9 and p[3] > 0.9


def test_a_model_fitted_on_other_signals_is_refused():
    raw = {"names": ["lexical"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0, "threshold": 0.5}
    with pytest.raises(ValueError, match="refit"):
        AnswerabilityModel.from_dict(raw)


def test_the_shipped_model_rewards_the_asked_answer_type():
    model = shipped_model()
    assert model.coef[model.names.index("type_present")] > 0
