"""Names the articles never write: a question about someone they never mention is not answered by them,
however well a sentence matches the rest of it ("What did Sergei Shoigu say about the troops?" /
"Ukraine estimates that 100,000 Russian troops are ...").

A name counts as written when an indexed chunk holds it in some form: a country as its adjective
("Canada" / "Canadian"), an alias ("Kyiv" / "Kiev"), initials ("European Union" / "the EU"), another
transliteration or the same letters without accents ("Zelenskyy" / "Zelenskiy", "Erdoğan" / "Erdogan").

>>> w = TermWeights({t: 1 for t in tokens("Sergei Lavrov met Volodymyr Zelenskiy in Kiev.")}, documents=1)
>>> strangers("What did Defence Minister Sergei Shoigu say?", w), strangers("What did Zelenskyy say in Kyiv?", w)
(['Defence Minister Sergei Shoigu'], [])
"""

from __future__ import annotations

import os
import re

from rag.names import ALIASES, spelled_alike
from rag.terms import STOPWORDS, TermWeights, ascii_fold, country_forms, tokens

# Lower-case particles inside a name: "Ursula von der Leyen", "Bashar al-Assad", "Mohammed bin Salman".
_PARTICLE = r"(?:von|van|der|den|de|da|das|dos|du|di|del|della|la|le|bin|ibn|al|el|ben)"
_NAME_RUN = re.compile(rf"(?<![\w'’-])[A-Z][\w'’-]*(?:\s+(?:{_PARTICLE}\s+)*(?:{_PARTICLE}-)?[A-Z][\w'’-]*)+")
# Head nouns a question capitalises by habit ("the Geneva Summit", "the Biden Administration"): not a
# part of the name. "Street" is not one: "Wall Street" is a name.
_GENERIC = frozenset(tokens("""summit meeting talks administration accord agreement buildup build-up oblast region
    crisis invasion conference plant visit trip"""))
_APPENDED = re.compile(r"\s*\([^()]*\)\W*$")  # "(Blinken)": what a follow-up or a question part borrowed


def indexed(word: str, weights: TermWeights) -> bool:
    """Does an indexed chunk hold the word in some form (see the module docstring)?

    >>> w = TermWeights({"kiev": 1, "canadian": 1, "zelenskiy": 1}, documents=1)
    >>> indexed("Kyiv", w), indexed("Canada", w), indexed("Zelenskyy", w), indexed("Vienna", w)
    (True, True, True, False)
    """
    stems = tokens(word)
    if any(weights.df.get(form, 0) > 0
           for t in stems for alias in (t, *ALIASES.get(t, ())) for form in country_forms(alias)):
        return True
    return any(_written_otherwise(ascii_fold(t), weights) for t in stems)


def _written_otherwise(stem: str, weights: TermWeights) -> bool:
    """An indexed term that is the stem without accents, or another transliteration of a long name:
    one letter apart (rag.names.spelled_alike) or the same but for an ending of up to two letters
    ("zelenskyy" / "zelenski")."""
    if len(stem) < 6:
        return weights.df.get(stem, 0) > 0
    for term in weights.terms_starting(stem[:5]):
        term = ascii_fold(term)
        common = len(os.path.commonprefix([term, stem]))
        if term == stem or spelled_alike(term, stem) or (common >= 6 and common >= min(len(term), len(stem)) - 2):
            return True
    return False


def unknown_names(names: list[str], weights: TermWeights) -> list[str]:
    """The names (single words) no indexed chunk holds in any form."""
    return [w for w in names if tokens(w) and not indexed(w, weights)]


def strangers(question: str, weights: TermWeights) -> list[str]:
    """Full names in the question (two or more capitalised words in a row: "Defence Minister Sergei
    Shoigu", "Joe Biden", "Wall Street") whose last word the articles never write.

    Left to the fitted model (rag.answerability, `unknown_name`), as a name the articles may write
    otherwise: a single word ("the OSCE", which they may spell out), a run ending in an acronym, a
    headline-case question ("What Did Blinken Say?"), a habitual capital ("the Geneva Summit": the
    run is "Geneva"), the names a follow-up borrowed in parentheses. A leading or trailing stop word
    ("Which Swiss minister", "Who Is ... Meeting With") is no part of a name.
    """
    question = _APPENDED.sub("", question)
    second = question.split()[1:2]
    if second and second[0][:1].isupper() and second[0].lower() in STOPWORDS:
        return []  # headline case: every word is capitalised
    found = []
    for match in _NAME_RUN.finditer(question):
        words = match.group().split()
        if words[0].lower() in STOPWORDS:
            words = words[1:]
        while words and (words[-1].lower() in STOPWORDS or set(tokens(words[-1])) <= _GENERIC):
            words = words[:-1]
        names = [w for w in words if w[0].isupper()]
        last = re.sub(rf"^{_PARTICLE}-|['’]s$", "", words[-1]) if words else ""
        initials = "".join(w[0] for w in names)
        if (len(names) >= 2 and not last.isupper() and tokens(last) and not indexed(last, weights)
                and not indexed(initials, weights)):
            found.append(" ".join(words))
    return found
