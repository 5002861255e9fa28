"""rag.llama.NewsragRetriever over a plain function returning Passages: llama-index nodes carry the
passages' ids, scores, order, exact offsets and metadata, and their text is the chunk alone.
(LlamaIndexEmbedding is tested in tests/test_embeddings.py.)"""

from __future__ import annotations

from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle, TextNode

from rag.llama import NewsragRetriever, to_node
from rag.schema import Passage

ARTICLE = "Talks in Geneva\n\nBlinken met Lavrov on Friday. The meeting lasted ninety minutes."
PASSAGES = [
    Passage("a.txt", 17, 46, ARTICLE[17:46], 0.0328, "id-a1", {"title": "Talks in Geneva", "outlet": "AP"}),
    Passage("feed.jsonl#3", 5, 20, "Kyiv asked aid.", 0.0161, "id-f3", {}),
]


def _retriever(asked: list[str]) -> NewsragRetriever:
    def retrieve(question: str) -> list[Passage]:
        asked.append(question)
        return list(PASSAGES)

    return NewsragRetriever(retrieve)


def test_the_passages_are_exact_spans():
    assert PASSAGES[0].text == "Blinken met Lavrov on Friday."


def test_retrieve_gives_one_node_per_passage_in_order_with_its_score():
    asked: list[str] = []
    nodes = _retriever(asked).retrieve("Where did Blinken meet Lavrov?")
    assert asked == ["Where did Blinken meet Lavrov?"]
    assert all(isinstance(n, NodeWithScore) for n in nodes)
    assert [(n.node.node_id, n.score) for n in nodes] == [("id-a1", 0.0328), ("id-f3", 0.0161)]


def test_nodes_carry_exact_offsets_text_and_metadata():
    node = _retriever([]).retrieve("q")[0].node
    assert (node.start_char_idx, node.end_char_idx) == (17, 46)
    assert ARTICLE[node.start_char_idx : node.end_char_idx] == node.text == PASSAGES[0].text
    assert node.metadata == {"title": "Talks in Geneva", "outlet": "AP", "source": "a.txt", "start": 17, "end": 46}


def test_a_jsonl_passage_keeps_its_line_source():
    node = _retriever([]).retrieve("q")[1].node
    assert node.metadata == {"source": "feed.jsonl#3", "start": 5, "end": 20}
    assert (node.start_char_idx, node.end_char_idx) == (5, 20)


def test_metadata_stays_out_of_the_embedded_and_prompted_text():
    node = to_node(PASSAGES[0])
    assert isinstance(node, TextNode)
    assert node.get_content(metadata_mode=MetadataMode.EMBED) == PASSAGES[0].text
    assert node.get_content(metadata_mode=MetadataMode.LLM) == PASSAGES[0].text
    assert "a.txt" in node.get_content(metadata_mode=MetadataMode.ALL)  # the metadata is still there


def test_no_passages_give_no_nodes():
    assert NewsragRetriever(lambda question: []).retrieve(QueryBundle("anything")) == []


def test_to_node_does_not_change_the_passage_meta():
    meta = dict(PASSAGES[0].meta)
    to_node(PASSAGES[0])
    assert PASSAGES[0].meta == meta
