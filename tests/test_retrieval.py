import pytest

from rag.retrieval import rrf


def test_rrf_scores_are_the_sum_of_reciprocal_ranks():
    fused = dict(rrf([["a", "b", "c"], ["c", "b", "d"]]))
    # ranks are 0-based: a=0 | b=1,1 | c=2,0 | d=2
    assert fused == pytest.approx({"a": 1 / 60, "b": 2 / 61, "c": 1 / 62 + 1 / 60, "d": 1 / 62})
    assert [item for item, _ in rrf([["a", "b", "c"], ["c", "b", "d"]])] == ["c", "b", "a", "d"]


def test_rrf_orders_by_fused_score():
    assert [item for item, _ in rrf([["x", "y"], ["y", "x"], ["y"]])] == ["y", "x"]


def test_retrieve_returns_k_exact_passages(seeds_engine):
    passages = seeds_engine.retrieve("Where did Blinken meet Lavrov?", k=4)
    assert len(passages) == 4
    assert all(p.text == seeds_engine.article(p.source)[p.start : p.end] for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_source_filter_limits_both_searches(seeds_engine):
    only = "003_146565a0d1ccb5d0.txt"
    passages = seeds_engine.retrieve("Where did Blinken meet Lavrov?", k=5, filters={"source": only})
    assert passages and {p.source for p in passages} == {only}


def test_filter_by_several_sources_and_by_metadata(seeds_engine):
    pair = ["000_6a1528d9f51bec2d.txt", "004_71b8032a71b3fcf8.txt"]
    passages = seeds_engine.retrieve("troops on the border", k=8, filters={"source": pair})
    assert {p.source for p in passages} <= set(pair) and len({p.source for p in passages}) == 2
    ambito = seeds_engine.retrieve("troops on the border", k=3, filters={"outlet": "Ambito"})
    assert ambito and {p.source for p in ambito} == {"004_71b8032a71b3fcf8.txt"}


def test_a_filter_matching_nothing_returns_nothing(seeds_engine):
    assert seeds_engine.retrieve("Geneva", k=3, filters={"source": "nope.txt"}) == []


def test_as_retriever_is_a_llama_index_retriever_agreeing_with_retrieve(seeds_engine):
    from llama_index.core.retrievers import BaseRetriever

    retriever = seeds_engine.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    question = "How much additional aid did Washington announce for Ukraine?"
    nodes = retriever.retrieve(question)
    ours = seeds_engine.retrieve(question, k=3)
    assert [(n.node.node_id, n.score) for n in nodes] == [(p.id, p.score) for p in ours]
    assert [(n.node.start_char_idx, n.node.end_char_idx) for n in nodes] == [(p.start, p.end) for p in ours]
    for n in nodes:
        meta = n.node.metadata
        assert n.node.get_content() == seeds_engine.article(meta["source"])[meta["start"] : meta["end"]]


def test_as_retriever_honours_filters(seeds_engine):
    only = "002_eeae8da8616f0ded.txt"
    nodes = seeds_engine.as_retriever(k=3, filters={"source": only}).retrieve("Lavrov rejected accusations")
    assert nodes and {n.node.metadata["source"] for n in nodes} == {only}


def test_passages_naming_the_questions_year_come_first():
    from rag.retrieval import same_years_first
    from rag.schema import Passage

    def p(text):
        return Passage("a.txt", 0, len(text), text, 0.0)

    ranked = [p("The 2022 final was in Qatar."), p("No year here."), p("The 2018 final was in Moscow.")]
    assert [x.text for x in same_years_first("Where was the 2018 final?", ranked)] == [
        "The 2018 final was in Moscow.", "The 2022 final was in Qatar.", "No year here."]
    assert same_years_first("Where was the final?", ranked) == ranked


def test_passages_carry_their_articles_metadata(seeds_engine):
    passages = seeds_engine.retrieve("Ambito Blinken written response", k=5, filters={"outlet": "Ambito"})
    assert passages and all(p.meta.get("outlet") == "Ambito" for p in passages)


STORY = ("Blinken met Lavrov in Geneva on Friday. The meeting lasted two hours.\n\n"
         "Russia has deployed about 100,000 troops near the border with Ukraine.")
SAME_STORY = {"ap/story.txt": STORY + "\nSource: AP\n", "reuters/story.txt": STORY + "\nSource: Reuters\n",
              "c.txt": "Washington announced 200 million dollars of aid for Ukraine."}


def test_the_same_text_under_two_names_is_one_passage_that_names_both(make_engine):
    engine = make_engine(SAME_STORY)
    engine.ingest()
    passages = engine.retrieve("Where did Blinken meet Lavrov?", k=5)
    assert len({p.text for p in passages}) == len(passages)  # never the identical text twice
    top = passages[0]
    assert "Geneva" in top.text and {top.source, top.meta["also_in"]} == {"ap/story.txt", "reuters/story.txt"}
    assert "also_in" not in next(p for p in passages if p.source == "c.txt").meta
    for outlet, source in (("AP", "ap/story.txt"), ("Reuters", "reuters/story.txt")):  # each outlet still finds its own
        [found] = engine.retrieve("Where did Blinken meet Lavrov?", k=1, filters={"outlet": outlet})
        assert found.source == source and found.meta["also_in"] == ({"ap/story.txt", "reuters/story.txt"} - {source}).pop()
    answer = engine.ask("Where did Blinken meet Lavrov?")
    quotes = [c.quote for c in answer.citations]
    assert quotes and len(set(quotes)) == len(quotes)


def test_an_identical_chunk_of_otherwise_different_articles_is_returned_once(make_engine):
    shared = "Blinken met Lavrov in Geneva on Friday. The meeting lasted two hours."
    engine = make_engine({"a.txt": shared + "\n\nIt was cold in the city, and the delegations left for their embassies late.",
                          "b.txt": shared + "\n\nIt rained all day, and the talks went on well into the night in Geneva."},
                         chunk_chars=100)
    engine.ingest()
    passages = engine.retrieve("Where did Blinken meet Lavrov?", k=5)
    firsts = [p for p in passages if p.text == shared]
    assert len(firsts) == 1 and {firsts[0].source, firsts[0].meta["also_in"]} == {"a.txt", "b.txt"}
