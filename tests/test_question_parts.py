"""rag/question_parts.py: two questions in one, and two events compared in time, asked part by part."""

import pytest

from rag.question_parts import dated_events, sub_questions


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
