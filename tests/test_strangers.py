"""rag/strangers.py: full names the articles never write, on an invented article's index."""

import pytest

from rag.answer_types import names_asked
from rag.strangers import indexed, strangers, unknown_names
from rag.terms import TermWeights, tokens

ARTICLE = TermWeights({t: 1 for t in tokens(
    "Antony Blinken met Sergei Lavrov in Kiev; President Zelenskiy, Ursula von der Leyen and Erdogan spoke. "
    "Bashar al-Assad was silent. The EU and Canadian diplomats followed the OSCE talks in Geneva.")}, documents=1)


@pytest.mark.parametrize("question, expected", [
    ("What did Defence Minister Sergei Shoigu say about the talks?", ["Defence Minister Sergei Shoigu"]),
    ("How did Joe Biden react?", ["Joe Biden"]),
    ("Joe Biden said what?", ["Joe Biden"]),
    ("How did Wall Street react to the talks?", ["Wall Street"]),  # a place or body: no different
    ("What did President Macron say?", ["President Macron"]),
    ("Which Swiss minister met Lavrov?", []),  # "Which" is capitalised as the first word, not a name
    ("What did Sergei Lavrov say in Kyiv?", []),  # Kyiv is the Kiev the articles write
    ("What did Antony Blinken's team say?", []),
    ("What did Canada's foreign minister say?", []),  # a single word: the fitted model's (unknown_name)
    ("Which sanctions has the European Union approved?", []),  # the articles write "the EU"
    ("Who chairs the Vienna OSCE?", []),  # a run that ends in an acronym
    ("What did President Volodymyr Zelenskyy say?", []),  # another transliteration
    ("What did Recep Tayyip Erdoğan say?", []),  # the same name with its accent
    ("What did Commission President Ursula von der Leyen announce?", []),  # a particle inside the name
    ("Did President Bashar al-Assad comment?", []),
    ("Who Is Blinken Meeting With?", []),  # headline case
    ("What happened at the Geneva Summit?", []),  # a habitual capital is no part of the name
    ("And what did he say (Lavrov Borrell)?", []),  # names a follow-up borrowed: checked when asked
    ("Is the new iPhone Pro Max sold in Kiev?", ["Pro Max"]),  # not "Phone Pro Max": a name starts a word
])
def test_strangers_are_full_names_the_articles_never_write(question, expected):
    assert strangers(question, ARTICLE) == expected


def test_a_name_is_indexed_in_any_form_the_articles_write():
    assert unknown_names(["Canada", "Kyiv", "Zelenskyy", "Vienna"], ARTICLE) == ["Vienna"]
    assert indexed("Erdoğan", ARTICLE) and not indexed("Orban", ARTICLE)


def test_a_nationality_is_indexed_as_its_country_too():
    # the article writes "Britain" and "Germany"; the question says "British", "German"
    article = TermWeights({t: 1 for t in tokens("Blinken met ministers of Britain and Germany.")}, documents=1)
    assert unknown_names(["British", "German", "French"], article) == ["French"]


def test_unknown_names_are_the_asked_names_absent_from_the_index():
    weights = TermWeights({"blinken": 3, "lavrov": 2}, documents=10)
    assert unknown_names(names_asked("What did Macron tell Blinken?"), weights) == ["Macron"]
    assert unknown_names(names_asked("Where did Blinken meet Lavrov?"), weights) == []
    # stop words are never indexed: "The" in a title is no unknown name
    assert unknown_names(names_asked("Who directed The Blinken Story?"), weights) == ["Story"]
