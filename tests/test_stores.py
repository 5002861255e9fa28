"""rag.stores: the filter's two translations (`chroma_where` for Chroma, `matches` for rows) select the
same rows; VectorStore against a real embedded Chroma (batched writes, filtered cosine search,
deletes, listing, clearing); TermStore (bm25s) build, search, generations and filter masks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chromadb.api.models.Collection import Collection

from rag.schema import Chunk, Passage
from rag.stores import Hit, TermStore, VectorStore, chroma_where, matches, passage

# --- fixtures -------------------------------------------------------------------------------------

# Ten chunks over three files. Chunk i's vector lies at angle 10*i degrees in the first plane, so
# its cosine similarity to the query (1, 0, 0, 0) is cos(10*i degrees): chunk 0 is nearest.
TEXTS = [
    ("a.txt", "Blinken met Lavrov in Geneva on Friday.", {"outlet": "AP", "title": "Talks"}),
    ("a.txt", "The meeting lasted ninety minutes.", {"outlet": "AP", "title": "Talks"}),
    ("a.txt", "Both sides agreed to keep talking.", {"outlet": "AP", "title": "Talks"}),
    ("b.txt", "Russia massed troops near Ukraine.", {"outlet": "Reuters"}),
    ("b.txt", "Satellite images showed tanks in Belarus.", {"outlet": "Reuters"}),
    ("b.txt", "NATO said it would reinforce its eastern flank.", {"outlet": "Reuters"}),
    ("c.jsonl", "Washington announced new aid for Kyiv.", {}),  # no outlet: the key is absent
    ("c.jsonl", "The aid includes anti-tank missiles.", {}),
    ("c.jsonl", "Germany hesitated over Nord Stream 2.", {"outlet": "DW"}),
    ("c.jsonl", "Lavrov accused the West of hysteria.", {"outlet": "DW"}),
]


def _chunks() -> list[tuple[Chunk, str]]:
    """(chunk, file) pairs; the source of a .jsonl chunk is "file#line" as in the catalog."""
    pairs = []
    for i, (file, text, meta) in enumerate(TEXTS):
        source = f"{file}#{i}" if file.endswith(".jsonl") else file
        start = 100 * i
        pairs.append((Chunk(source, start, start + len(text), text, f"id{i}", meta), file))
    return pairs


def _vector(degrees: float) -> np.ndarray:
    r = math.radians(degrees)
    return np.array([math.cos(r), math.sin(r), 0.0, 0.0], dtype=np.float32)


QUERY = _vector(0).tolist()  # as rag.retrieval passes it: Python floats


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A VectorStore whose client pretends its max batch size is 3, holding the ten chunks."""
    monkeypatch.setattr(VectorStore, "max_batch", property(lambda self: 3))
    store = VectorStore.open(tmp_path / "chroma", "test")
    for file in ("a.txt", "b.txt", "c.jsonl"):
        group = [(i, c) for i, (c, f) in enumerate(_chunks()) if f == file]
        store.add([c for _, c in group], np.stack([_vector(10 * i) for i, _ in group]), [file] * len(group))
    return store


ALL_IDS = {f"id{i}" for i in range(10)}
FILE_IDS = {"a.txt": {"id0", "id1", "id2"}, "b.txt": {"id3", "id4", "id5"}, "c.jsonl": {"id6", "id7", "id8", "id9"}}


# --- filters --------------------------------------------------------------------------------------

# Each filter with the chunks it must select, worked out by hand from TEXTS.
FILTERS = [
    ({"file": "b.txt"}, {"id3", "id4", "id5"}),  # single value
    ({"outlet": "AP"}, {"id0", "id1", "id2"}),
    ({"outlet": ["AP", "DW"]}, {"id0", "id1", "id2", "id8", "id9"}),  # list
    ({"outlet": ("Reuters",)}, {"id3", "id4", "id5"}),  # tuple
    ({"source": ["a.txt", "c.jsonl#7"]}, {"id0", "id1", "id2", "id7"}),
    ({"file": "c.jsonl", "outlet": "DW"}, {"id8", "id9"}),  # several keys
    ({"file": ["a.txt", "c.jsonl"], "outlet": ["AP", "Reuters", "DW"]}, {"id0", "id1", "id2", "id8", "id9"}),
    ({"start": 300}, {"id3"}),  # an integer field
    ({"outlet": "Nobody"}, set()),  # matches no row
]


def test_chroma_where_shapes():
    assert chroma_where(None) is None
    assert chroma_where({}) is None
    assert chroma_where({"source": "a.txt"}) == {"source": "a.txt"}
    assert chroma_where({"source": ("a.txt", "b.txt")}) == {"source": {"$in": ["a.txt", "b.txt"]}}
    assert chroma_where({"file": "a.txt", "outlet": ["AP"]}) == {"$and": [{"file": "a.txt"}, {"outlet": {"$in": ["AP"]}}]}


def test_matches_on_hand_made_rows():
    row = {"source": "a.txt", "outlet": "AP", "start": 0}
    assert matches(row, {})
    assert matches(row, {"source": "a.txt"})
    assert matches(row, {"source": ["b.txt", "a.txt"]})
    assert matches(row, {"source": "a.txt", "outlet": ("AP", "DW")})
    assert not matches(row, {"source": "a.txt", "outlet": "DW"})  # every key must pass
    assert not matches(row, {"author": "Jo"})  # a key the row lacks never matches
    assert not matches(row, {"start": [1, 2]})


@pytest.mark.parametrize("filters, expected", FILTERS, ids=[str(f) for f, _ in FILTERS])
def test_chroma_where_and_matches_select_the_same_rows(store, filters, expected):
    by_matches = {chunk_id for chunk_id, row in store.rows().items() if matches(row, filters)}
    by_chroma = {p.id for p in store.search(QUERY, 10, filters)}
    assert by_matches == expected
    assert by_chroma == expected


# --- VectorStore ----------------------------------------------------------------------------------


def test_add_writes_in_batches_no_larger_than_the_max_batch(tmp_path, monkeypatch):
    monkeypatch.setattr(VectorStore, "max_batch", property(lambda self: 3))
    sizes = []
    add = Collection.add

    def spy(self, *args, **kwargs):
        sizes.append(len(kwargs["ids"]))
        return add(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "add", spy)
    store = VectorStore.open(tmp_path / "chroma", "test")
    chunks = [c for c, _ in _chunks()]
    store.add(chunks, np.stack([_vector(10 * i) for i in range(10)]), ["all.txt"] * 10)
    assert sizes == [3, 3, 3, 1]
    assert store.count() == 10
    assert store.ids() == ALL_IDS
    assert store.ids("all.txt") == ALL_IDS


def test_rows_keep_span_file_and_article_metadata(store):
    rows = store.rows()
    assert set(rows) == ALL_IDS
    assert rows["id0"] == {"source": "a.txt", "file": "a.txt", "start": 0, "end": len(TEXTS[0][1]),
                           "outlet": "AP", "title": "Talks"}
    assert rows["id6"] == {"source": "c.jsonl#6", "file": "c.jsonl", "start": 600, "end": 600 + len(TEXTS[6][1])}


def test_search_ranks_by_cosine_and_returns_ids_rows_and_scores(store):
    found = store.search(QUERY, 4)
    assert [hit.id for hit in found] == ["id0", "id1", "id2", "id3"]
    for hit, degrees in zip(found, (0, 10, 20, 30)):
        assert hit.score == pytest.approx(math.cos(math.radians(degrees)), abs=1e-4)
    assert found[0].row == {"source": "a.txt", "file": "a.txt", "start": 0, "end": len(TEXTS[0][1]),
                            "outlet": "AP", "title": "Talks"}


def test_a_hits_passage_carries_its_span_the_given_text_and_article_metadata_as_strings():
    hit = Hit("id1", {"source": "a.txt", "file": "a.txt", "start": 4, "end": 9, "outlet": "AP", "title": "",
                      "date": 2022}, 0.5)
    assert passage(hit, "Hello") == Passage("a.txt", 4, 9, "Hello", 0.5, "id1", {"outlet": "AP", "date": "2022"})


def test_search_depth_is_capped_by_the_stored_count(store):
    assert len(store.search(QUERY, 50)) == 10


def test_filtered_search_keeps_cosine_order(store):
    found = store.search(_vector(90).tolist(), 2, {"file": ["a.txt", "b.txt"]})
    assert [p.id for p in found] == ["id5", "id4"]  # nearest to 90 degrees among chunks 0..5


def test_search_of_an_empty_store_returns_nothing(tmp_path):
    assert VectorStore.open(tmp_path / "chroma", "empty").search(QUERY, 5) == []


def test_add_of_an_existing_id_replaces_its_span(store):
    chunk = Chunk("a.txt", 0, 5, "Hello", "id0", {"outlet": "AP", "title": "Talks"})
    store.add([chunk], np.stack([_vector(0)]), ["a.txt"])
    assert store.count() == 10
    assert (store.search(QUERY, 1)[0].row["start"], store.search(QUERY, 1)[0].row["end"]) == (0, 5)
    assert store.rows()["id0"] == {"source": "a.txt", "file": "a.txt", "start": 0, "end": 5,
                                   "outlet": "AP", "title": "Talks"}


def test_add_of_an_existing_id_drops_metadata_the_chunk_no_longer_has(store):
    chunk = Chunk("a.txt", 0, len(TEXTS[0][1]), TEXTS[0][1], "id0", {})  # the article lost outlet and title
    store.add([chunk], np.stack([_vector(0)]), ["a.txt"])
    assert store.rows()["id0"] == {"source": "a.txt", "file": "a.txt", "start": 0, "end": len(TEXTS[0][1])}
    assert "id0" not in {p.id for p in store.search(QUERY, 10, {"outlet": "AP"})}


def test_delete_removes_only_the_given_ids_across_batches(store):
    gone = {"id0", "id2", "id4", "id6", "id8"}  # five ids: two batches of at most three
    store.delete(gone)
    assert store.ids() == ALL_IDS - gone
    assert store.count() == 5
    assert store.search(QUERY, 1)[0].id == "id1"


def test_delete_file_removes_that_files_chunks(store):
    store.delete_file("c.jsonl")
    assert store.ids() == FILE_IDS["a.txt"] | FILE_IDS["b.txt"]
    assert store.ids("c.jsonl") == set()
    assert store.ids("b.txt") == FILE_IDS["b.txt"]


def test_clear_empties_the_collection_and_it_stays_usable(store):
    store.clear()
    assert store.count() == 0 and store.ids() == set() and store.rows() == {}
    chunk, file = _chunks()[3]
    store.add([chunk], np.stack([_vector(0)]), [file])
    assert store.ids() == {"id3"}


def test_chroma_keeps_no_texts(store):
    """The catalog holds the one copy of each text: Chroma indexing texts for its own full-text search
    tripled the cost of an add."""
    assert store._collection.get(include=["documents"])["documents"] == [None] * 10


def test_a_reopened_store_sees_what_was_written(store, tmp_path):
    again = VectorStore.open(tmp_path / "chroma", "test")
    assert again.ids() == ALL_IDS
    assert VectorStore.open(tmp_path / "chroma", "other").count() == 0  # collections are apart


# --- TermStore ------------------------------------------------------------------------------------


@pytest.fixture
def terms(tmp_path):
    store = TermStore(tmp_path / "bm25")
    store.build(_chunks(), "1")
    return store


def test_search_finds_chunks_sharing_a_term_best_first(terms):
    found = terms.search("Where was Lavrov with Blinken?", 5, "1")
    assert [p.id for p in found] == ["id0", "id9"]  # id0 names both men, id9 only Lavrov
    assert found[0].score > found[1].score > 0
    assert found[0].row == {"id": "id0", "source": "a.txt", "file": "a.txt", "start": 0, "end": len(TEXTS[0][1]),
                            "outlet": "AP", "title": "Talks"}


def test_search_ignores_chunks_sharing_no_term(terms):
    assert terms.search("photosynthesis chlorophyll", 5, "1") == []
    assert terms.search("the of and", 5, "1") == []  # stop words only


def test_search_stems_like_the_index(terms):
    assert {p.id for p in terms.search("tank", 5, "1")} == {"id4", "id7"}  # "tanks", "anti-tank"
    assert [p.id for p in terms.search("showing", 5, "1")] == ["id4"]  # "showed"
    assert {p.id for p in terms.search("hesitating", 5, "1")} == {"id8"}  # "hesitated"


def test_search_depth_limits_the_results(terms):
    assert len(terms.search("aid Lavrov troops tanks", 2, "1")) == 2
    assert len(terms.search("aid Lavrov troops tanks", 50, "1")) == 6  # id0 id3 id4 id6 id7 id9


def test_filters_mask_the_search(terms):
    assert {p.id for p in terms.search("Lavrov", 5, "1", {"file": "c.jsonl"})} == {"id9"}
    assert {p.id for p in terms.search("Lavrov", 5, "1", {"outlet": ["AP", "Reuters"]})} == {"id0"}
    assert terms.search("Lavrov", 5, "1", {"outlet": "Nobody"}) == []
    assert terms.search("Lavrov", 5, "1", {"file": "b.txt"}) == []  # b.txt never mentions him


def test_holds_and_generation(terms, tmp_path):
    assert terms.generation() == "1"
    assert terms.holds("1") and not terms.holds("2")
    assert TermStore(tmp_path / "bm25").holds("1")  # read from disk by another instance
    assert TermStore(tmp_path / "nothing").generation() is None


def test_search_for_another_generation_returns_nothing_until_built(terms):
    assert terms.search("Lavrov", 5, "2") == []
    assert terms.rows("2") == []
    assert terms.document_frequencies("2") == ({}, 0)
    terms.build(_chunks()[:3], "2")
    assert [p.id for p in terms.search("Lavrov", 5, "2")] == ["id0"]
    assert terms.search("Lavrov", 5, "1") == []  # the old generation is gone


def test_a_search_for_an_unbuilt_generation_does_not_make_it_held(terms):
    terms.search("Lavrov", 5, "2")
    assert not terms.holds("2")


def test_a_generation_built_by_another_instance_is_found(terms, tmp_path):
    assert terms.search("Lavrov", 5, "2") == []
    TermStore(tmp_path / "bm25").build(_chunks(), "2")
    assert {p.id for p in terms.search("Lavrov", 5, "2")} == {"id0", "id9"}


def test_rows_hold_id_and_metadata_not_the_text(terms):
    rows = terms.rows("1")
    assert [r["id"] for r in rows] == [f"id{i}" for i in range(10)]
    assert rows[8] == {"id": "id8", "source": "c.jsonl#8", "file": "c.jsonl",
                       "start": 800, "end": 800 + len(TEXTS[8][1]), "outlet": "DW"}


def test_document_frequencies_count_chunks_per_stemmed_term(terms):
    df, n = terms.document_frequencies("1")
    assert n == 10
    assert df["lavrov"] == 2  # id0, id9
    assert df["aid"] == 2  # id6, id7
    assert df["tank"] == 2  # "tanks" (id4), "anti-tank" (id7)
    assert df["geneva"] == 1
    assert "the" not in df and "in" not in df  # stop words are not indexed


def test_an_empty_build_leaves_only_the_generation_marker(tmp_path):
    store = TermStore(tmp_path / "bm25")
    store.build([], "7")
    assert sorted(p.name for p in (tmp_path / "bm25").iterdir()) == ["generation"]
    assert store.holds("7")
    assert store.search("Lavrov", 5, "7") == []
    assert store.rows("7") == []
    assert store.document_frequencies("7") == ({}, 0)


def test_a_rebuild_replaces_the_index_and_leaves_no_temporary_folder(terms, tmp_path):
    terms.build(_chunks()[3:6], "2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25"]
    assert {r["id"] for r in terms.rows("2")} == {"id3", "id4", "id5"}
    assert terms.search("Lavrov", 5, "2") == []


def test_the_lean_bm25_build_gives_bm25s_own_index_and_ranking():
    # The same matrix as bm25s's build (scipy's CSC of its score arrays), on real text: the seeds' chunks
    import bm25s

    from rag.chunking import chunk_article
    from rag.documents import load_file
    from rag.stores import lean_bm25
    from rag.terms import bm25_tokenize, bm25_tokenize_all
    from tests.paths import SEEDS

    texts = [c.text for path in sorted(SEEDS.iterdir()) for article in load_file(path, SEEDS)
             for c in chunk_article(article, 500)]
    theirs, ours = bm25s.BM25(), lean_bm25()
    theirs.index(bm25_tokenize_all(texts), show_progress=False)
    ours.index(bm25_tokenize_all(texts), show_progress=False)
    assert len(texts) > 20 and ours.vocab_dict == theirs.vocab_dict
    for key in ("indptr", "indices"):
        assert np.array_equal(ours.scores[key], theirs.scores[key]), key
    assert np.allclose(ours.scores["data"], theirs.scores["data"], rtol=1e-6, atol=0)
    assert ours.scores["data"].dtype == theirs.scores["data"].dtype
    for question in ("Where will Blinken meet Lavrov?", "How many Russian troops are at the border?"):
        ranked = [bm25.retrieve(bm25_tokenize(question), k=5, show_progress=False)[0].tolist() for bm25 in (ours, theirs)]
        assert ranked[0] == ranked[1]
