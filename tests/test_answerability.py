"""rag/answerability.py: answer types, the question's focus, the signals, and the shipped model."""

import numpy as np
import pytest

from rag.answerability import (
    AnswerabilityModel,
    Question,
    Signals,
    answer_type,
    dated_events,
    entities,
    focus_noun,
    has_type,
    markup_share,
    shipped_model,
    signals,
    sub_questions,
)
from rag.terms import TermWeights


@pytest.mark.parametrize("question, kind", [
    ("Who chairs the talks?", "person"),
    ("Which minister visited Kiev?", "person"),
    ("When did the talks begin?", "date"),
    ("In what year was NATO founded?", "date"),
    ("What time did the meeting start?", "clock"),
    ("How long did the meeting last?", "duration"),
    ("How many troops are at the border?", "number"),
    ("What is the population of Ukraine?", "number"),
    ("Where did Blinken meet Lavrov?", "place"),
    ("Which city hosted the talks?", "place"),
    ("Why did Russia mass troops?", "other"),
    ("How much does the pipeline cost?", "money"),
    ("How much money did Washington pledge?", "money"),
    ("What was the air quality index in Kyiv?", "number"),
    ("Which Apple executive presented the feature?", "person"),
    ("What did the US official say about it?", "other"),  # a role noun as the subject, not the asked thing
    ("What office does Zelensky hold?", "role"),
    ("What is Jens Stoltenberg's role?", "role"),
    ("What is the name of the new car?", "name"),
])
def test_answer_types_follow_the_question_words(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize("kind, sentence, expected", [
    ("clock", "The talks began at 9:30 a.m. in Geneva.", True),
    ("clock", "The talks lasted ninety minutes.", False),
    ("duration", "The meeting lasted two hours.", True),
    ("duration", "The meeting ended on Friday.", False),
    ("date", "They met on January 21, 2022.", True),
    ("date", "They met in Geneva.", False),
    ("number", "Russia massed 100,000 troops.", True),
    ("number", "Russia massed troops.", False),
    ("number", "The alliance was founded in 1949.", False),  # a year is a date, not a count
    ("money", "The aid is worth $200 million.", True),
    ("money", "The aid covers 200 million rounds.", False),
])
def test_has_type_finds_a_thing_of_the_asked_type(kind, sentence, expected):
    assert has_type(kind, sentence) is expected


def test_a_person_or_place_must_be_a_name_the_question_does_not_already_hold():
    assert has_type("person", "Lavrov met Blinken.", "Who met Blinken?")
    assert not has_type("person", "He met Blinken there.", "Who met Blinken?")


def test_a_person_is_not_a_place_body_nationality_or_weekday():
    question = "Who led the American delegation?"
    assert not has_type("person", "They met on Monday in Geneva, then at the Council in Brussels.", question)
    assert not has_type("person", "Russian and Canadian diplomats met.", question)
    assert has_type("person", "The delegation was led by Wendy Sherman.", question)


def test_a_person_is_not_an_acronym_a_body_a_direction_or_an_opener():
    question = "Who represented Russia at the talks?"
    assert not has_type("person", "Last week, diplomats met within the Russia-NATO (Western military alliance) "
                                  "Council and the Organization for Security and Cooperation in Europe.", question)
    assert not has_type("person", "The US Department of State said NATO would answer.", question)
    assert has_type("person", "Last week, Deputy Foreign Minister Sergei Ryabkov spoke for Russia.", question)
    assert has_type("person", "Lavrov represented Russia.", question)  # a name may open the sentence


def test_dates_and_counts_written_in_words():
    assert has_type("date", "The talks began in May.", "When did the talks begin?")
    assert has_type("date", "The talks began on the 21st.", "When did the talks begin?")
    assert not has_type("date", "The talks may begin soon.", "When did the talks begin?")  # "may", the verb
    assert has_type("number", "Fifteen people were hurt.", "How many people were hurt?")
    assert has_type("number", "Some sixty people were hurt.", "How many people were hurt?")


def test_on_what_date_wants_a_date_not_last_week():
    assert not has_type("date", "Last week, the council met in Brussels.", "On what date did the council meet?")
    assert has_type("date", "The council met in Brussels on January 12.", "On what date did the council meet?")
    assert has_type("date", "The council met in Brussels on Wednesday (12).", "Which day did the council meet?")
    assert has_type("date", "Last week, the council met in Brussels.", "When did the council meet?")  # "when" is looser


def test_how_many_things_wants_a_number_beside_the_things_when_the_sentence_names_them():
    question = "How many heavy weapons has Russia deployed?"
    assert not has_type("number", "Some 100,000 soldiers were deployed, and heavy weapons too.", question)
    assert has_type("number", "Russia deployed about 300 heavy weapons and 100,000 soldiers.", question)
    assert has_type("number", "Russia deployed 300 tanks.", question)  # the things under another name


def test_a_role_must_stand_beside_the_name_asked_about():
    question = "What office does Volodymyr Zelensky hold?"
    assert has_type("role", "Blinken met Ukrainian President Volodymyr Zelensky in Kiev.", question)
    assert not has_type("role", "Zelensky thanked the United States for its help.", question)
    assert not has_type("role", "The president of France spoke to Blinken; Zelensky listened.", question)


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


@pytest.mark.parametrize("question, events", [
    ("How many days passed between the summit in Oslo and the vote in Bergen?",
     ["When was the summit in Oslo?", "When was the vote in Bergen?"]),
    ("How many weeks separated the first round from the second round?",
     ["When was the first round?", "When was the second round?"]),
    ("How many days after the vote did the minister resign?",
     ["When did the minister resign?", "When was the vote?"]),
    ("Was the treaty signed before or after the election?",
     ["When was the treaty signed?", "When was the election?"]),
    ("Did Smith resign before or after the party lost the vote?",
     ["When did Smith resign?", "When was it that the party lost the vote?"]),
    ("How many days after the vote was held did the minister resign?",  # B holds a "was" of its own
     ["When did the minister resign?", "When was it that the vote was held?"]),
    ("Had the troops withdrawn before or after the talks?", ["When had the troops withdrawn?", "When was the talks?"]),
])
def test_two_events_compared_in_time_are_asked_as_when_each_happened(question, events):
    assert dated_events(question) == events


def test_a_pronoun_borrows_the_name_without_its_possessive_in_either_split():
    # both splits lend the same name: "Blinken", never "Blinken's" (which no sentence holds after a bracket)
    assert sub_questions("What are Blinken's travels meant to achieve, and what did he promise?") == [
        "What are Blinken's travels meant to achieve?", "What did he promise (Blinken)?"]
    assert dated_events("How many days passed between Joly's visit and her talks with Kuleba?") == [
        "When was Joly's visit?", "When was her talks with Kuleba (Joly)?"]
    # no pronoun, or the name already there: nothing borrowed
    assert sub_questions("Where did Blinken go, and what did Lavrov say?")[1] == "What did Lavrov say?"


@pytest.mark.parametrize("question", [
    "How long is the meeting between Blinken and Lavrov expected to last?",  # one event's duration
    "How many days will the drills last?",
    "What was agreed between Washington and Moscow?",
    "Did the talks end before midnight?",
    "Was the vote held before or after noon?",  # one event and a time: when it was held answers it
    "Did Russia attack before or after 2014?",
    "Did Lavrov say the talks would resume before or after Christmas?",
    "Was it before or after the election that the treaty was signed?",
])
def test_other_questions_are_not_two_events(question):
    assert dated_events(question) == []
