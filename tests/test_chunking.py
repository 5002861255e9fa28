import random
import unicodedata

from rag.chunking import chunk_article, chunk_id
from rag.schema import Article

from tests.paths import SEEDS


def _random_text(seed: int) -> str:
    """Sentences mixing everything that breaks naive offset arithmetic."""
    rng = random.Random(seed)
    pieces = [
        "Blinken met Lavrov in Geneva.",
        unicodedata.normalize("NFD", "Les ministres se sont réunis à Genève."),
        "Prices 😀 rose 10.5% in the U.S. market!",
        "He said “no breakthrough” and ‘maybe’ and «non».",
        'The "deal" was off?',
        "Same sentence repeated.",
        "Same sentence repeated.",
        "x" * rng.randint(50, 900),
    ]
    separators = [" ", "  ", "\n", "\r\n", "\r\n\r\n", "\n\n", "\t"]
    return "".join(rng.choice(pieces) + rng.choice(separators) for _ in range(rng.randint(1, 60)))


def test_chunk_text_is_the_article_slice_for_random_tricky_texts():
    for seed in range(200):
        text = _random_text(seed)
        for size in (100, 300, 700):
            chunks = chunk_article(Article("t.txt", text), chunk_chars=size)
            for chunk in chunks:
                assert text[chunk.start : chunk.end] == chunk.text
                assert chunk.text.strip() == chunk.text


def test_chunks_respect_the_size_and_cover_all_words():
    for seed in range(50):
        text = _random_text(seed)
        chunks = chunk_article(Article("t.txt", text), chunk_chars=300)
        assert all(len(c.text) <= 300 for c in chunks)
        assert "".join("".join(c.text.split()) for c in chunks) == "".join(text.split())


def test_seed_chunks_are_exact_and_ids_deterministic():
    for path in sorted(SEEDS.glob("*.txt")):
        article = Article(path.name, path.read_text(encoding="utf-8"), {"title": "t"})
        first, second = chunk_article(article), chunk_article(article)
        assert [c.id for c in first] == [c.id for c in second]
        assert len({c.id for c in first}) == len(first)
        assert all(article.text[c.start : c.end] == c.text for c in first)
        assert all(c.meta == {"title": "t"} for c in first)


def test_repeated_sentences_get_distinct_offsets_and_ids():
    text = "Same sentence repeated. " * 40
    chunks = chunk_article(Article("r.txt", text), chunk_chars=100)
    assert len({(c.start, c.end) for c in chunks}) == len(chunks)
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_id_depends_on_source_place_and_text():
    base = chunk_id("a.txt", 0, 5, "hello")
    assert base == chunk_id("a.txt", 0, 5, "hello")
    assert len({base, chunk_id("b.txt", 0, 5, "hello"), chunk_id("a.txt", 1, 6, "hello"), chunk_id("a.txt", 0, 5, "hallo")}) == 4
