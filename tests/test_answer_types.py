"""rag/answer_types.py: the type of thing a question asks for, and whether a sentence holds one."""

import pytest

from rag.answer_types import answer_type, has_type


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
