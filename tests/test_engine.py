import pytest

from rag.errors import CorpusNotFound, IndexNotReady, InvalidQuestion, UnknownSource
from rag.schema import Answer


def test_answers_cite_exact_spans(seeds_engine):
    answer = seeds_engine.ask("Where did Blinken meet Lavrov?")
    assert not answer.refused and answer.mode == "extractive" and answer.citations
    assert any("Geneva" in c.quote for c in answer.citations)
    for c in answer.citations:
        assert c.quote == seeds_engine.article(c.source)[c.start : c.end]
        assert f"[{c.marker}]" in answer.text


def test_out_of_corpus_question_is_refused_without_citations(seeds_engine):
    answer = seeds_engine.ask("Who won the football World Cup final in Qatar?")
    assert answer.refused and answer.citations == []


def test_stream_yields_text_then_the_final_answer(seeds_engine):
    events = list(seeds_engine.stream("How many Russian troops are near the border?"))
    assert isinstance(events[-1], Answer)
    assert "".join(e for e in events[:-1]) == events[-1].text


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_questions_are_rejected(seeds_engine, question):
    with pytest.raises(InvalidQuestion, match="empty"):
        seeds_engine.ask(question)


@pytest.mark.parametrize("question, message", [
    ("Where did Blinken \udcff meet Lavrov?", "not valid text"),  # a lone surrogate (an undecodable byte)
    ("\ud83d", "not valid text"),
    ("\x00", "control characters"),
    ("\x00\x01\x07\x1b[2J\x7f", "control characters"),
    ("\u0085\u009b", "control characters"),
])
def test_hostile_questions_are_one_clear_error(seeds_engine, question, message):
    for call in (seeds_engine.ask, seeds_engine.retrieve, lambda q: list(seeds_engine.stream(q))):
        with pytest.raises(InvalidQuestion, match=message) as caught:
            call(question)
        assert "\n" not in str(caught.value) and str(caught.value).encode("utf-8")  # printable, one line


def test_control_characters_inside_a_question_are_ignored(seeds_engine):
    answer = seeds_engine.ask("Where did\x00 Blinken\x07 meet Lavrov?")
    assert answer.question == "Where did  Blinken  meet Lavrov?" and any("Geneva" in c.quote for c in answer.citations)


def test_every_unicode_control_character_but_white_space_becomes_a_space():
    """The regex of rag.engine against Unicode's own list (category Cc), one character at a time."""
    import unicodedata

    from rag.engine import check_question

    for code in range(0x110000):
        ch = chr(code)
        if "\ud800" <= ch <= "\udfff":
            continue
        control = unicodedata.category(ch) == "Cc" and not ch.isspace()
        assert check_question(f"a{ch}1", 10) == ("a 1" if control else f"a{ch}1"), hex(code)


def test_a_non_string_question_is_invalid(seeds_engine):
    with pytest.raises(InvalidQuestion):
        seeds_engine.ask(b"Where did Blinken meet Lavrov?")


def test_too_long_question_is_rejected_with_the_limit(seeds_engine):
    with pytest.raises(InvalidQuestion, match="limit is 1000"):
        seeds_engine.ask("why " * 400)


def test_unknown_article_is_a_clear_error(seeds_engine):
    with pytest.raises(UnknownSource, match="rag ingest"):
        seeds_engine.article("missing.txt")


def test_missing_corpus_is_a_clear_error(make_engine, tmp_path):
    engine = make_engine()
    engine.settings.corpus = tmp_path / "does-not-exist"
    with pytest.raises(CorpusNotFound, match="RAG_CORPUS"):
        engine.ingest()


def test_follow_outside_links_comes_from_the_settings(make_engine, tmp_path):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("Farmers in Brazil reported a record soybean harvest.")
    engine = make_engine({"a.txt": "Blinken met Lavrov in Geneva."})
    (engine.settings.corpus / "linked.txt").symlink_to(outside)
    assert "outside the corpus folder" in dict(engine.ingest().errors)["linked.txt"]
    engine.close()
    assert make_engine(follow_outside_links=True).ingest().added == 1


def test_reading_an_index_that_was_never_written_creates_nothing(make_engine, tmp_path):
    engine = make_engine()
    assert engine.chunk_count() == 0 and engine.articles() == []
    with pytest.raises(IndexNotReady):
        engine.retrieve("Where is Geneva?")
    with pytest.raises(UnknownSource):
        engine.article("a.txt")
    assert not (tmp_path / "index").exists()


def test_a_base_url_without_a_model_says_which_setting_is_missing(make_engine):
    engine = make_engine({"a.txt": "Blinken met Lavrov in Geneva on Friday."}, openai_base_url="http://127.0.0.1:9/v1")
    engine.ingest()
    answer = engine.ask("Where did Blinken meet Lavrov?", mode="llm")
    assert answer.mode == "extractive" and "RAG_LLM_MODEL" in answer.notice
    assert "OPENAI_BASE_URL" not in answer.notice


def test_asking_an_empty_index_says_to_ingest(make_engine):
    with pytest.raises(IndexNotReady, match="rag ingest"):
        make_engine().ask("Where is Geneva?")


def test_jsonl_articles_are_searchable_with_metadata(make_engine):
    import json

    lines = [
        {"text": "The summit in Vienna ended without agreement.", "title": "Vienna summit", "outlet": "Wire"},
        {"text": "Farmers in Brazil reported a record soybean harvest.", "date": "2022-01-20"},
    ]
    engine = make_engine({"feed.jsonl": "\n".join(json.dumps(x) for x in lines)})
    report = engine.ingest()
    assert report.added == 1 and not report.errors
    answer = engine.ask("Where did the summit end without agreement?")
    assert answer.citations and answer.citations[0].source == "feed.jsonl#1"
    assert engine.retrieve("soybean harvest", k=1, filters={"outlet": "Wire"})[0].source == "feed.jsonl#1"


def test_chunk_count_tells_an_empty_index_from_an_ingested_one(make_engine, seeds_engine):
    assert make_engine().chunk_count() == 0
    assert seeds_engine.chunk_count() == sum(a.chunks for a in seeds_engine.articles()) > 0


def test_ask_takes_the_answer_mode_per_question(seeds_engine):
    answer = seeds_engine.ask("Where did Blinken meet Lavrov?", mode="llm")  # no endpoint configured
    assert answer.mode == "extractive" and "answered extractively" in answer.notice
    assert seeds_engine.ask("Where did Blinken meet Lavrov?", mode="extractive").notice == ""


def test_ingest_progress_counts_every_file_once_up_to_the_total(make_engine):
    engine = make_engine({"a.txt": "Alpha met Beta.", "b.txt": "", "c.txt": "Gamma met Delta."})
    calls = []
    engine.ingest(progress=lambda done, total, name: calls.append((done, total, name)))
    assert calls[0] == (0, 3, "") and calls[-1][:2] == (3, 3)
    assert [done for done, _, _ in calls] == [0, 1, 2, 3]
    assert sorted(name for _, _, name in calls[1:]) == ["a.txt", "b.txt", "c.txt"]


def test_a_two_part_question_is_answered_from_passages_found_for_each_part(seeds_engine):
    # one search for both questions ranks Blinken's meetings first; Ryabkov's remark is found by its own
    question = "Where did Blinken meet Zelensky, and what did Ryabkov suggest?"
    assert not any("Venezuela" in p.text for p in seeds_engine.retrieve(question, 5))
    ryabkov = lambda passages: next(i for i, p in enumerate(passages) if "Venezuela" in p.text)
    # higher than the whole question's search ranks it among every chunk: not just a bigger k
    assert ryabkov(seeds_engine.answer_passages(question, 5)) < ryabkov(seeds_engine.retrieve(question, 100))
    answer = seeds_engine.ask(question, k=5)
    assert any("Venezuela" in c.quote for c in answer.citations)
    assert any("Zelensky" in c.quote for c in answer.citations)


def test_a_one_part_question_is_answered_from_what_retrieve_finds(seeds_engine):
    question = "Where will Blinken meet Lavrov?"
    assert seeds_engine.answer_passages(question, 5) == seeds_engine.retrieve(question, 5)


def test_answer_passages_checks_the_question_like_retrieve(seeds_engine):
    with pytest.raises(InvalidQuestion):
        seeds_engine.answer_passages(None)
