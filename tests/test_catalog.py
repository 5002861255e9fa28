import pytest

from rag.catalog import Catalog
from rag.schema import Article


def test_put_replace_remove_and_generation(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite")
    g0 = cat.generation
    cat.put_file("a.jsonl", "h1", [Article("a.jsonl#1", "One."), Article("a.jsonl#2", "Two.")],
                 {"a.jsonl#1": [("i1", 0, 4)], "a.jsonl#2": [("i2", 0, 4)]})
    assert cat.file_hashes() == {"a.jsonl": "h1"}
    assert [c.text for c, _ in cat.chunks()] == ["One.", "Two."]
    cat.put_file("a.jsonl", "h2", [Article("a.jsonl#1", "Uno.")], {"a.jsonl#1": [("i3", 0, 4)]})
    assert cat.article("a.jsonl#2") is None  # a replaced file keeps none of its old articles
    assert cat.chunk_ids_by_file() == {"a.jsonl": {"i3"}}
    cat.remove_file("a.jsonl")
    assert cat.file_hashes() == {} and list(cat.chunks()) == []
    assert cat.generation == g0 + 3


def test_a_failed_write_leaves_the_previous_state(tmp_path):
    cat = Catalog(tmp_path / "c.sqlite")
    cat.put_file("a.txt", "h1", [Article("a.txt", "Old.")], {"a.txt": [("i1", 0, 4)]})
    with pytest.raises(KeyError):  # spans missing for the article: fails mid-transaction
        cat.put_file("a.txt", "h2", [Article("a.txt", "New.")], {})
    assert cat.file_hashes() == {"a.txt": "h1"}
    assert cat.article("a.txt").text == "Old."


def test_articles_with_the_same_text_are_found_also_in_a_catalog_written_before_texts_were_hashed(tmp_path):
    import sqlite3

    old = sqlite3.connect(tmp_path / "c.sqlite")
    old.executescript("""
        CREATE TABLE files (file TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
        CREATE TABLE articles (source TEXT PRIMARY KEY, file TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL,
                               chunks TEXT NOT NULL);
        INSERT INTO articles VALUES ('a.txt', 'a.txt', 'Same.', '{}', '[]'), ('b.txt', 'b.txt', 'Same.', '{}', '[]');
    """)
    old.commit()
    old.close()
    cat = Catalog(tmp_path / "c.sqlite")
    cat.put_file("c.txt", "h", [Article("c.txt", "Same.")], {"c.txt": []})
    cat.put_file("d.txt", "h", [Article("d.txt", "Other.")], {"d.txt": []})
    assert cat.duplicate_groups() == [["a.txt", "b.txt", "c.txt"]]
    assert cat.same_text() == {"a.txt": ["b.txt", "c.txt"], "b.txt": ["a.txt", "c.txt"], "c.txt": ["a.txt", "b.txt"]}
