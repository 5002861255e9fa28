import random

from rag.spans import overlap, sentence_spans, split_long, trim

TRICKY = [
    "Blinken met Lavrov.\r\nThey talked.\r\n\r\nNo deal.",  # CRLF
    "Le ministre a visité Genève. Puis Zürich.",  # NFD accents
    "Prices rose 😀. Then fell 🙃! Really?",
    "He said “no breakthrough.” She said 'maybe.' They said «peut-être.» Done.",
    "Same sentence. Same sentence. Same sentence.",
    "The U.S. and the U.K. met. Mr. Smith came at 10.30 a.m. on Jan. 5. It was cold.",
    "   leading space. trailing space.   ",
    "no terminal punctuation at all",
    "",
]


def test_every_span_is_an_exact_trimmed_slice():
    for text in TRICKY:
        for start, end in sentence_spans(text):
            piece = text[start:end]
            assert piece and piece == piece.strip()


def test_spans_are_ordered_and_disjoint():
    for text in TRICKY:
        spans = sentence_spans(text)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_no_text_is_lost_between_spans():
    for text in TRICKY:
        spans = sentence_spans(text)
        covered = "".join(text[s:e] for s, e in spans)
        assert covered.replace(" ", "") == "".join(text.split())


def test_sentences_split_where_a_reader_would():
    text = "The U.S. and the U.K. met. Mr. Smith came at 10.30 on Jan. 5. It was cold."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The U.S. and the U.K. met.",
        "Mr. Smith came at 10.30 on Jan. 5.",
        "It was cold.",
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = "He said “no breakthrough.” Then left. A door. »\nNext"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "He said “no breakthrough.”",
        "Then left.",
        "A door. »",
        "Next",
    ]


def test_line_breaks_end_sentences_even_without_punctuation():
    text = "A headline\r\nBody text here. More body"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["A headline", "Body text here.", "More body"]


def test_range_limits_are_respected():
    text = "One. Two. Three."
    assert [text[s:e] for s, e in sentence_spans(text, 5, 9)] == ["Two."]


def test_split_long_cuts_at_spaces_within_the_limit():
    rng = random.Random(7)
    words = ["w" * rng.randint(1, 12) for _ in range(300)]
    text = " ".join(words)
    pieces = split_long(text, 0, len(text), 50)
    assert all(e - s <= 50 for s, e in pieces)
    assert " ".join(text[s:e] for s, e in pieces) == text


def test_split_long_cuts_a_giant_word():
    text = "x" * 120
    assert split_long(text, 0, 120, 50) == [(0, 50), (50, 100), (100, 120)]


def test_trim_and_overlap():
    assert trim("  ab  ", 0, 6) == (2, 4)
    assert overlap((0, 10), (5, 20)) == 5
    assert overlap((0, 5), (5, 9)) == 0
