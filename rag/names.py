"""Which words name the same person, place or body: a country and its adjective or capital
("Russian", "Moscow": Russia), aliases ("US" / "American"), spellings one letter apart, a name and the
longer word it starts. The word lists the support rules (rag.support) match names with.

>>> overlaps({"moscow"}, {"russian"}), overlaps({"kyiv"}, {"kiev"}), same_name("ukrain", "ukrainian")
(True, True, True)
"""

from __future__ import annotations

from rag.terms import fold_demonyms, is_nationality, word_stem


# Names a span may write another way: "American" where it says "US", NATO's French acronym, an acronym
# for a word of its name ("the EU" / "the European Union").
ALIASES = {"us": ("america",), "usa": ("america",), "uk": ("britain",), "eu": ("union",), "un": ("nation",),
            "nato": ("otan",), "otan": ("nato",), "kyiv": ("kiev",), "kiev": ("kyiv",)}
# A capital that stands for its country's government ("Washington suspects", "Moscow's demands"), as
# country stems after fold_demonyms. A span's capital counts for its country always; a claim's capital
# counts as its country only where it is no place ("talks in Moscow" is not "talks in Russia").
CAPITALS = {word_stem(capital): word_stem(country) for capital, country in (pair.split(":") for pair in """
    washington:america moscow:russia kiev:ukraine kyiv:ukraine london:britain paris:france berlin:germany
    minsk:belarus beijing:china ottawa:canada warsaw:poland""".split())}
# Words a claim capitalises in a title that articles often write in lower case ("Russia's foreign
# minister"): not required to be capitalised in the span as other names are ("the Council of Europe").
TITLES = frozenset(word_stem(w) for w in """minister secretary president chancellor press foreign state spokesman
    spokeswoman spokesperson chief head general prime deputy defense defence department ambassador director
    commander envoy official vice""".split())


def canonical(stem: str) -> str:
    """One stem for a country and its adjective or alias: "us", "american" -> "america"."""
    folded = fold_demonyms([stem])[0]
    return "america" if folded in ("us", "usa") else folded


def overlaps(phrase: set[str], names: set[str]) -> bool:
    """Does a name of `phrase` match one of `names` (equal, or one starts the other, 4 letters or more),
    countries standing for their capitals and adjectives (`equivalents`: "Minsk announced" is
    "Belarus announced")?"""
    return any(same_name(n, m) for n in equivalents(phrase) for m in equivalents(names))


def equivalents(stems) -> set[str]:
    """Stems and what they also stand for: a nationality's or a capital's country ("russian",
    "moscow": "russia"), an alias (`ALIASES`), and "United States" (unit, state) for america.

    >>> sorted(equivalents({"moscow", "unit", "state"}))
    ['america', 'moscow', 'russia', 'state', 'unit']
    """
    found = set(stems) | set(fold_demonyms(list(stems)))
    found |= {CAPITALS[t] for t in found if t in CAPITALS}
    found |= {alias for t in found for alias in ALIASES.get(t, ())}
    if {"unit", "state"} <= found:
        found.add("america")
    return found


def place_name(stem: str) -> bool:
    """A country, its adjective or a capital: a name even as a sentence's first word ("Moscow has
    accused ..."), whether or not the passages write it."""
    return stem in CAPITALS or is_nationality(stem)


def adjective(stem: str) -> bool:
    """A nationality's adjective ("russian", "european"), not the country's name."""
    return fold_demonyms([stem])[0] != stem


def spelled_alike(a: str, b: str) -> bool:
    """Two long names one letter apart, as transliterations differ: "Zelensky" / "Zelenskiy". Short
    ones never ("Iran" / "Iraq").

    >>> spelled_alike("zelenski", "zelenskiy"), spelled_alike("iran", "iraq"), spelled_alike("lavrov", "blinken")
    (True, False, False)
    """
    if min(len(a), len(b)) < 7 or abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return a[i + 1:] == b[i + 1:] or a[i + 1:] == b[i:] or a[i:] == b[i + 1:]


def same_name(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))
