"""ui/render.py without a browser: escaping, markers, highlights of several and overlapping spans."""

from __future__ import annotations

import html
import re

from rag import ArticleInfo, Citation
from ui.render import (
    Turn,
    article_html,
    cards_html,
    chat_html,
    library_html,
    paragraph_number,
    segments,
    turn_html,
    upload_report_html,
)

EVIL = '![x](http://203.0.113.9/x.png) <img src="http://203.0.113.9/y.png" onerror="alert(1)"> <script>alert(2)</script>'


def text_of(markup: str) -> str:
    """What a reader sees: tags (and our marker badges) removed, entities decoded."""
    markup = re.sub(r'<sup class="hl-tag">\d+</sup>', "", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def cite(marker, start, end, text, source="a.txt"):
    return Citation(marker=marker, source=source, start=start, end=end, quote=text[start:end])


def test_segments_cover_the_text_once_with_overlaps_and_nesting():
    pieces = segments(20, [(2, 10, "a"), (5, 15, "b"), (6, 8, "c"), (30, 40, "out"), (4, 4, "empty")])
    assert [(s, e) for s, e, _ in pieces] == [(0, 2), (2, 5), (5, 6), (6, 8), (8, 10), (10, 15), (15, 20)]
    assert dict(((s, e), set(k)) for s, e, k in pieces)[(6, 8)] == {"a", "b", "c"}
    assert segments(0, []) == []


def test_article_escapes_markup_and_keeps_every_character():
    text = f"Title\n\nFirst {EVIL} sentence.\n\nSecond & last."
    out = article_html("a.txt", text, {"title": "Title"}, [cite(1, 7, 30, text)], active=1)
    assert "<img" not in out and "<script" not in out and "](http" in out
    assert "&lt;img" in out and "&lt;script&gt;" in out
    assert text_of(out.split('<div class="viewer-body">', 1)[1]).rstrip() .endswith("Second & last.")
    body = out.split('<div class="viewer-body">', 1)[1].rsplit("</div></div>", 1)[0]
    assert text_of(body) == text


def test_several_citations_of_one_article_are_all_highlighted():
    text = "One. Two. Three. Four."
    citations = [cite(1, 0, 4, text), cite(2, 10, 16, text), cite(3, 17, 22, text)]
    out = article_html("a.txt", text, {}, citations, active=2)
    marks = re.findall(r'<mark class="hl( active)?" data-markers="([\d ]+)"( data-anchor="true")?>(.*?)</mark>', out)
    assert [(m[1], text_of(m[3])) for m in marks] == [("1", "One."), ("2", "Three."), ("3", "Four.")]
    assert [m[0] for m in marks] == ["", " active", ""]
    assert out.count("data-anchor") == 1
    assert "3 highlighted passages" in out


def test_overlapping_citations_split_into_marks_that_carry_both():
    text = "Alpha beta gamma delta."
    out = article_html("a.txt", text, {}, [cite(1, 0, 16, text), cite(2, 6, 23, text)], active=2)
    marks = re.findall(r'<mark class="hl( active)?" data-markers="([\d ]+)"[^>]*>(.*?)</mark>', out)
    assert [(m[1], text_of(m[2])) for m in marks] == [("1", "Alpha "), ("1 2", "beta gamma"), ("2", " delta.")]
    assert [bool(m[0]) for m in marks] == [False, True, True]  # the anchor is the first piece of [2]
    assert re.search(r'data-anchor="true"><sup class="hl-tag">2</sup>beta', out)
    body = out.split('<div class="viewer-body">', 1)[1].rsplit("</div></div>", 1)[0]
    assert text_of(body) == text


def test_answer_markers_become_buttons_only_for_real_citations():
    text = "Geneva. [1] Made up. [7]"
    turn = Turn("q?", text=text, citations=[cite(1, 0, 7, "Geneva.")], done=True, mode="llm")
    out = turn_html(0, turn)
    assert re.search(r'<button type="button" class="cite" data-turn="0" data-marker="1" data-tip="Geneva."', out)
    assert 'class="cite cite-dropped"' in out and 'data-marker="7"' not in out
    streaming = turn_html(0, Turn("q?", text="Geneva. [1"))
    assert "typing" in streaming and "<button" not in streaming


def test_answer_and_question_text_is_escaped_not_rendered():
    turn = Turn(f"<b>{EVIL}</b>", text=f"{EVIL} [1]", citations=[cite(1, 0, len(EVIL), EVIL)], done=True)
    out = chat_html([turn])
    assert "<img" not in out and "<script" not in out and "<b>" not in out
    # shown literally (question, answer, hover tip), never as an image
    assert out.count("](http://203.0.113.9/x.png)") == 3
    assert 'data-tip="![x](http://203.0.113.9/x.png) &lt;img src=&quot;' in out


def test_unsupported_sentences_are_listed_folded_never_as_the_answer():
    turn = Turn("q", text="Supported. [1]", citations=[cite(1, 0, 10, "Supported.")], done=True,
                unsupported=["Invented <claim>."])
    out = turn_html(0, turn)
    answer = out.split('class="answer-text">', 1)[1].split('<div class="answer-foot">')[0]
    assert text_of(answer) == "Supported. 1" and "Invented" not in answer
    folded = out.split('<details class="unsupported-list">', 1)[1].split("</details>", 1)[0]
    assert "1 unsupported sentence left out" in folded
    assert '<li class="unsupported">Invented &lt;claim&gt;.</li>' in folded  # escaped, in a closed <details>


def test_unsupported_sentences_inside_the_text_are_flagged_without_changing_it():
    text = "Supported. [1] Invented claim. [2]"
    turn = Turn("q", text=text, citations=[cite(1, 0, 10, "Supported.")], done=True,
                unsupported=["Invented claim."])
    out = turn_html(0, turn)
    assert '<span class="unsupported" title="Not supported by the cited article">Invented claim.</span>' in out
    assert text_of(out.split('class="answer-text">', 1)[1].split('<div class="answer-foot">')[0]) == "Supported. 1 Invented claim. 2"


def test_refusal_error_and_notice_look_distinct():
    refused = turn_html(0, Turn("q", text="The indexed articles do not answer this question.", done=True, refused=True))
    assert 'class="msg bot refused"' in refused and "Not in the articles" in refused and "cite" not in refused
    error = turn_html(0, Turn("", error="the question is empty", done=True))
    assert 'class="msg bot error"' in error and 'class="msg user"' not in error
    notice = turn_html(0, Turn("q", text="x", done=True, notice="model endpoint unreachable; answered extractively"))
    assert '<div class="notice">model endpoint unreachable' in notice


def test_cards_show_quote_title_and_position():
    text = "Head\n\nPara one.\n\nPara <two> here."
    start = text.index("Para <two>")
    c = cite(4, start, len(text), text)
    out = cards_html(3, [c], {"a.txt": "A <title>"}, {"a.txt": text}, active=4)
    assert 'class="card active"' in out and 'data-turn="3"' in out and 'data-marker="4"' in out
    assert "A &lt;title&gt;" in out and "Para &lt;two&gt; here." in out
    assert f"¶ 3 · chars {start}–{len(text)} of {len(text)}" in out
    assert "nothing is cited" in cards_html(0, [], {}, {}, refused=True)
    assert paragraph_number(text, 0) == 1 and paragraph_number(text, 6) == 2


def test_library_and_upload_report_escape_names():
    out = library_html([ArticleInfo('x"><img src=y>.txt', "<b>T</b>", 1, {})])
    assert "<img" not in out and "<b>" not in out and "1 chunk<" in out
    report = upload_report_html(["ok.txt"], [("<evil>.txt", "empty file")], chunks=2)
    assert "&lt;evil&gt;.txt" in report and "Added 1 file (2 chunks): ok.txt" in report
