"""The embedding cache: no chunk text is embedded twice, across re-chunking, indexes and processes."""

import numpy as np

from rag.config import Settings
from rag.embedding_cache import EmbeddingCache, StoredEmbedder, default_path
from rag.engine import Engine

# No two sentences alike: every chunk text is different.
ARTICLES = {
    "a.txt": " ".join(f"Delegation {i} met in Geneva on day {i} of the talks." for i in range(40))
    + " The talks lasted ninety minutes.",
    "b.txt": " ".join(f"Russia moved brigade {i} to position {i * 7} near the border." for i in range(30)),
}


class Counting:
    """Counts the texts that reach the real embedder."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.texts = inner, inner.name, inner.dim, 0

    def embed(self, texts):
        self.texts += len(texts)
        return self.inner.embed(texts)


def test_a_second_index_of_the_same_articles_embeds_nothing(tmp_path, embedder):
    counting = Counting(embedder)
    for name in ARTICLES:
        (tmp_path / "corpus").mkdir(exist_ok=True)
        (tmp_path / "corpus" / name).write_text(ARTICLES[name])
    cache = str(tmp_path / "vectors.sqlite")
    first = Engine(Settings(corpus=tmp_path / "corpus", index=tmp_path / "one", embed_cache=cache), counting)
    report = first.ingest()
    embedded_once = counting.texts
    assert report.chunks == embedded_once > 0 and report.reused == 0
    first.close()

    second = Engine(Settings(corpus=tmp_path / "corpus", index=tmp_path / "two", embed_cache=cache), counting)
    report = second.ingest()
    assert counting.texts == embedded_once  # every vector came from the cache
    assert report.chunks == report.reused == embedded_once
    # and the vectors are the right ones: the same passage comes back first in both indexes
    top = second.retrieve("How long did the talks last?", k=1)[0]
    assert "ninety minutes" in top.text and top.text == second.article(top.source)[top.start : top.end]
    second.close()


def test_a_chunking_change_embeds_only_the_chunks_whose_text_changed(make_engine, embedder):
    engine = make_engine(ARTICLES)
    counting = Counting(embedder)
    engine.index.embedder = counting
    engine.ingest()
    before = counting.texts
    chunk_texts = {row["text"] for row in engine.index.bm25_rows()}
    engine.close()

    rechunked = make_engine(chunk_chars=300)  # same corpus and cache, another chunk size: a rebuild
    rechunked.index.embedder = counting
    report = rechunked.ingest()
    new_texts = {row["text"] for row in rechunked.index.bm25_rows()}
    assert report.chunks == rechunked.chunk_count()  # a rebuild writes every chunk...
    assert counting.texts - before == len(new_texts - chunk_texts)  # ...but embeds only texts never seen
    assert report.reused == report.chunks - len(new_texts - chunk_texts)


def test_off_means_no_cache_file(tmp_path):
    assert Settings(embed_cache="off").embed_cache_path() is None
    assert Settings(embed_cache="").embed_cache_path() == default_path()
    assert Settings(embed_cache=str(tmp_path / "v.sqlite")).embed_cache_path() == tmp_path / "v.sqlite"


def test_vectors_are_kept_per_model(tmp_path):
    cache = EmbeddingCache(tmp_path / "v.sqlite")
    cache.put("model-a", ["text"], np.array([[1.0, 0.0]], dtype=np.float32))
    assert cache.get("model-b", ["text"]) == {}
    assert cache.get("model-a", ["text", "other"])["text"].tolist() == [1.0, 0.0]


def test_a_cache_shared_by_two_handles_sees_both_writes(tmp_path, embedder):
    path = tmp_path / "v.sqlite"
    one, two = StoredEmbedder(Counting(embedder), path), StoredEmbedder(Counting(embedder), path)
    a = one.embed(["Geneva talks"])
    b = two.embed(["Geneva talks", "Kyiv visit"])
    assert two.inner.texts == 1 and two.hits == 1 and np.allclose(a[0], b[0])
    assert one.embed(["Kyiv visit"]).shape == (1, embedder.dim) and one.inner.texts == 1
