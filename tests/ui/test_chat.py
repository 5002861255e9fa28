"""ui/chat.py without a browser: streaming into a turn, errors as messages, history, uploads."""

from __future__ import annotations

from types import SimpleNamespace

from rag import Answer, Citation
from rag.errors import InvalidQuestion
from ui.chat import answer_into, history, ingest_uploads, model_label
from ui.render import Turn


class ScriptedEngine:
    """Stands in for Engine.stream: yields the given events, or raises."""

    def __init__(self, events=(), error=None):
        self.events, self.error, self.calls = list(events), error, []
        self.settings = SimpleNamespace(answer_mode="auto", llm_configured=lambda: False)

    def model_state(self, mode=None):
        return ""

    def stream(self, question, history=None, k=None, filters=None, *, mode=None):
        self.calls.append(dict(question=question, history=history, k=k, filters=filters, mode=mode))
        if self.error:
            raise self.error
        yield from self.events


def final(text, citations=(), **kw):
    return Answer(question="q", text=text, citations=list(citations), refused=kw.pop("refused", False),
                  mode=kw.pop("mode", "llm"), **kw)


def test_deltas_are_appended_and_the_final_answer_only_adds_citations():
    c = Citation("a.txt", 0, 7, quote="Geneva.", marker=1)
    engine = ScriptedEngine(["In Gen", "eva [1]", final("In Geneva, rewritten. [1]", [c], notice="fell back")])
    turn = Turn("where?")
    seen = [t.text for t in answer_into(engine, turn, [], k=3, sources=["a.txt"], mode="llm")]
    assert seen[:2] == ["In Gen", "In Geneva [1]"]
    assert turn.text == "In Geneva [1]"  # shown text is never rewritten by the final Answer
    assert turn.done and turn.citations == [c] and turn.notice == "fell back" and turn.mode == "llm"
    assert engine.calls[0]["filters"] == {"source": ["a.txt"]} and engine.calls[0]["k"] == 3


def test_mode_is_passed_per_request_and_never_stored_in_settings():
    engine = ScriptedEngine([final("x")])
    list(answer_into(engine, Turn("q"), [], mode="extractive"))
    assert engine.calls[0]["mode"] == "extractive" and engine.settings.answer_mode == "auto"


def test_final_answer_text_is_used_when_nothing_was_streamed():
    turn = Turn("q")
    list(answer_into(ScriptedEngine([final("Only final.", refused=True, mode="extractive")]), turn, []))
    assert turn.text == "Only final." and turn.refused and turn.citations == []


def test_errors_become_messages_never_tracebacks():
    turn = Turn("")
    list(answer_into(ScriptedEngine(error=InvalidQuestion("the question is empty: type a question")), turn, []))
    assert turn.done and turn.error == "the question is empty: type a question"

    turn = Turn("q")
    list(answer_into(ScriptedEngine(error=ConnectionError("10.0.0.1 refused")), turn, []))
    assert turn.done and "ConnectionError" in turn.error and "10.0.0.1" not in turn.error

    turn = Turn("q")
    list(answer_into(ScriptedEngine(["partial "], error=None), turn, []))  # stream ended without an Answer
    assert turn.done and turn.text == "partial "


def test_history_skips_failed_turns_and_new_chat_starts_empty():
    turns = [Turn("a?", text="A.", done=True), Turn("", error="empty", done=True), Turn("b?", text="B.", done=True)]
    assert history(turns) == [("user", "a?"), ("assistant", "A."), ("user", "b?"), ("assistant", "B.")]
    assert history([]) == []


def test_index_missing_is_a_message(make_engine):
    engine = make_engine({})
    turn = Turn("Where did Blinken meet Lavrov?")
    list(answer_into(engine, turn, []))
    assert "rag ingest" in turn.error
    assert model_label(engine, "extractive") == "extractive (no model)"


def test_ingest_uploads_reports_bad_files_by_name_and_keeps_the_rest(make_engine):
    engine = make_engine({"old.txt": "Old news\n\nThe old bridge closed in 1990 after a flood.\n"})
    engine.ingest()
    steps = []
    added, problems, chunks = ingest_uploads(
        engine,
        [("new story.md", b"# New bridge\n\nThe new bridge opened in 2031 in Perth.\n"),
         ("bad.jsonl", b"not json\n"), ("x.pdf", b"%PDF")],
        progress=lambda done, total, name: steps.append((done, total)),
    )
    assert added == ["new_story.md"] and chunks >= 1
    assert {name for name, _ in problems} == {"bad.jsonl", "x.pdf"}
    assert steps[-1][0] == steps[-1][1]
    corpus = engine.settings.corpus
    assert sorted(p.name for p in corpus.iterdir()) == ["new_story.md", "old.txt"]
    assert {a.source for a in engine.articles()} == {"old.txt", "new_story.md"}
