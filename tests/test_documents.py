"""Tests for rag/documents.py: real files on disk (tmp_path, seeds/, the shared HTML benchmark), no mocks."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from rag import documents
from rag.documents import DocumentError, clean_text, discover, extract_html, load_file, source_name
from tests.paths import SHARED

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"
HTML_BENCH = SHARED / "benchmarks" / "html"

BODY_A = "Moscow said on Tuesday that the talks would continue next week in Geneva."
BODY_B = "The foreign ministers are expected to meet for about two hours on Friday."


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def load_one(tmp_path: Path, name: str, data: str | bytes):
    [article] = load_file(write(tmp_path, name, data), tmp_path)
    return article


def test_docstring_examples_run():
    assert doctest.testmod(documents).failed == 0


# --- the shipped seeds -------------------------------------------------------------------------------

SEED_JUNK = [
    "Leave a Replay", "Bonus video", "3742 views", "comment(s)", "Photo: Reuters", "Disclaimer:",
    "AI translator", "All comments", "Source: with agencies", "Source From", "is a talented author", "24 hours worlds",
]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_seed_loses_boilerplate_and_keeps_every_body_line(path: Path):
    [article] = load_file(path, SEEDS)
    assert article.source == path.name
    assert article.meta["format"] == "txt"
    for junk in SEED_JUNK:
        assert junk not in article.text
    raw_lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    body_lines = [line for line in raw_lines if not any(junk in line for junk in SEED_JUNK)]
    assert body_lines, "seed unexpectedly empty"
    for line in body_lines:  # body text is never lost, not even partly
        assert line in article.text
    assert article.text == article.text.strip() and "\n\n\n" not in article.text


def test_seed_metadata():
    by_name = {p.name[:3]: load_file(p, SEEDS)[0] for p in SEEDS.glob("*.txt")}
    a004 = by_name["004"]
    assert a004.meta["outlet"] == "Ambito" and a004.meta["author"] == "David William"
    assert "Moscow has stressed that its demands are non-negotiable" in a004.text
    assert a004.text.endswith("deployments in Eastern Europe.")
    assert "title" not in a004.meta  # first line is a long sentence, not a headline
    a002 = by_name["002"]
    assert a002.meta["title"] == "Blinken on Wednesday in Ukraine"
    assert a002.text.startswith("Blinken on Wednesday in Ukraine\n\n")  # title stays in the text
    a003 = by_name["003"]
    assert a003.meta["credit"] == "with agencies" and "outlet" not in a003.meta
    assert all(isinstance(v, str) for a in by_name.values() for v in a.meta.values())


# --- boilerplate rules: positive and negative ----------------------------------------------------------

JUNK_LINES = [
    "Leave a Reply", "Leave a Replay", "leave a comment", "Bonus video:", "3742 views 1 comment(s)", "12 comments",
    "1.2k views", "Photo: Reuters", "PHOTO: AFP/Getty Images", "Image credit: NASA", "Credit: John Doe/AP",
    "Disclaimer: The translations are mostly done through AI translator and might not be 100% accurate.",
    "All comments.", "Share this article:", "Share on Facebook", "Read more: Russia masses troops near border",
    "Read more", "Related:", "Related Topics", "Related: Lavrov rejects accusations", "See also: Timeline of the crisis",
    "Subscribe to our daily newsletter", "Sign up for the Morning Briefing newsletter here.", "Advertisement",
    "ADVERTISEMENT", "4 Min Read", "Tagged: Ukraine, Russia", "#GameTechie", "© Thomson Reuters 2020",
    "Copyright 2024 Example Media. All rights reserved.", "Follow us on Twitter", "Click here to subscribe",
    "Watch this next",
]


@pytest.mark.parametrize("junk", JUNK_LINES)
def test_boilerplate_line_is_removed(junk: str):
    text, _ = clean_text(f"{BODY_A}\n{junk}\n\n{BODY_B}")
    assert text == f"{BODY_A}\n\n{BODY_B}"


KEPT_LINES = [
    "Source: officials said the plan would be delayed until the spring, according to two diplomats.",
    "The photo: a crowd outside the embassy.",
    "A Photo: Reuters caption was attached to the image, the agency said.",
    "Reuters photographers were not allowed into the building.",
    "Read more about the plan in the report published on Tuesday.",
    "Related to that, the ministry said it would send more observers.",
    "The newsletter, which has two million subscribers, first reported the meeting.",
    "More than 100,000 troops are massed near the border.",
    "Comments by the minister were later withdrawn.",
    "He shared the article with reporters in Kiev.",
    "Copyright law was changed in 2019 after a long debate.",
    "The video was viewed 3742 times before it was removed.",
    "Leave a reply within seven days, the letter said.",
    "By The Numbers",  # a subheading, not a byline
    "By Friday",
]


@pytest.mark.parametrize("line", KEPT_LINES)
def test_sentence_that_resembles_boilerplate_is_kept(line: str):
    text, _ = clean_text(f"{BODY_A}\n{line}\n{BODY_B}")
    assert text == f"{BODY_A}\n{line}\n{BODY_B}"


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [("Source From: Ambito", "outlet", "Ambito"), ("Source: Reuters.", "outlet", "Reuters"),
     ("Source: with agencies", "credit", "with agencies"), ("Sources: news agencies", "credit", "news agencies"),
     ("By Jane Doe", "author", "Jane Doe"), ("by Jean-Luc O'Neill", "author", "Jean-Luc O'Neill")],
)
def test_credit_lines_become_metadata(line: str, key: str, value: str):
    text, meta = clean_text(f"{BODY_A}\n{line}\n{BODY_B}")
    assert text == f"{BODY_A}\n{BODY_B}" and meta[key] == value


def test_author_bio_among_last_two_paragraphs_is_removed():
    bio = "Jo Ann Lee is a senior correspondent who covers Eastern Europe. She lives in Warsaw."
    text, meta = clean_text(f"{BODY_A}\n\n{BODY_B}\n\n{bio}\n\nFollow us on Twitter")
    assert text == f"{BODY_A}\n\n{BODY_B}" and meta["author"] == "Jo Ann Lee"
    text, meta = clean_text(f"{BODY_A}\n\n{bio}\n\n{BODY_B}\n\nA third, last paragraph.")
    assert bio in text and "author" not in meta  # not at the end: it is body text


@pytest.mark.parametrize(
    "last",
    ["Jens Stoltenberg is a former prime minister of Norway.",
     "Sergei Lavrov is a veteran diplomat who has led the ministry since 2004."],
)
def test_person_sentence_at_the_end_is_not_a_bio(last: str):
    text, meta = clean_text(f"{BODY_A}\n\n{last}")
    assert text.endswith(last) and "author" not in meta


def test_consecutive_duplicate_short_lines_are_collapsed():
    text, _ = clean_text(f"Kyiv update\nKyiv update\n{BODY_A}\nKyiv update")
    assert text == f"Kyiv update\n{BODY_A}\nKyiv update"  # only the immediate repeat goes
    long_line = BODY_A + " " + BODY_B
    assert clean_text(f"{long_line}\n{long_line}")[0] == f"{long_line}\n{long_line}"


def test_trailing_related_list_is_dropped():
    related = "Editors' Recommendations:\n- Crates are leaving Rocket League\n- Holy smokes, a new game is out"
    assert clean_text(f"{BODY_A}\n{BODY_B}\n{related}")[0] == f"{BODY_A}\n{BODY_B}"
    plain = "More from Europe\nTroops gather at the border\nLavrov and Blinken to meet in Geneva"
    assert clean_text(f"{BODY_A}\n\n{plain}")[0] == BODY_A
    bullets = ("In other news:\n- Ferry operator adds evening crossings this summer\n"
               "- City council approves new cycle lanes downtown\n- Port authority reports record cargo volumes")
    assert clean_text(f"{BODY_A}\n{bullets}")[0] == BODY_A


@pytest.mark.parametrize(
    "tail",
    ["Key demands:\n- No NATO expansion to the east.\n- No missiles near Russia.\n- Troop withdrawals.",
     "What we know:\n- Talks in Geneva\n- Two hours\n- No breakthrough",  # items too short to be headlines
     "Blinken meets Lavrov in Geneva"],  # a lone short last line is not a list
)
def test_trailing_body_list_is_kept(tail: str):
    text, _ = clean_text(f"{BODY_A}\n{tail}")
    assert text == f"{BODY_A}\n{tail}"


def test_related_list_in_the_middle_is_kept():
    middle = "More from Europe\n- Troops gather at the border with Ukraine"
    assert middle in clean_text(f"{BODY_A}\n{middle}\n{BODY_B}")[0]


def test_whitespace_and_unicode_normalisation():
    raw = "  Title line  \r\n\r\n\r\n\r\nCafe\u0301 owners said no.   \rSecond line.\n\n\n"
    text, meta = clean_text(raw)
    assert text == "Title line\n\nCaf\u00e9 owners said no.\nSecond line."
    assert meta["title"] == "Title line"
    assert clean_text("“Quoted”, Ελληνικά, 中文 — kept.")[0] == "“Quoted”, Ελληνικά, 中文 — kept."


# --- load_file ------------------------------------------------------------------------------------------


def test_txt_and_md_titles(tmp_path: Path):
    txt = load_one(tmp_path, "a.txt", f"Talks in Geneva\n\n{BODY_A}")
    assert txt.meta == {"title": "Talks in Geneva", "format": "txt"}
    assert txt.text == f"Talks in Geneva\n\n{BODY_A}"
    md = load_one(tmp_path, "sub/b.md", f"# Talks in *Geneva*\n\n{BODY_A}\n")
    assert md.source == "sub/b.md" and md.meta["format"] == "md"
    assert md.meta["title"] == "Talks in *Geneva*" and md.text.startswith("# Talks")
    assert "title" not in load_one(tmp_path, "c.txt", f"{BODY_A}\n{BODY_B}").meta


def test_crlf_and_bom_are_accepted(tmp_path: Path):
    article = load_one(tmp_path, "a.txt", b"\xef\xbb\xbfHeadline\r\n\r\nBody one.\r\nBody two.\r\n")
    assert article.text == "Headline\n\nBody one.\nBody two."


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty file"), (b" \n\r\n\t", "empty file"), (b"%PDF\x00\x01\x02", "binary file, not text"),
     ("Caf\u00e9 owners said no.".encode("latin-1"), "not UTF-8 text"),
     ("Hello".encode("utf-16"), "not UTF-8 text: UTF-16"),
     (b"Leave a Reply\nPhoto: Reuters\n", "no article text after cleaning")],
    ids=["empty", "blank", "binary", "latin1", "utf16", "only-boilerplate"],
)
def test_unreadable_files_raise_document_error(tmp_path: Path, data: bytes, reason: str):
    with pytest.raises(DocumentError) as info:
        load_one(tmp_path, "bad.txt", data)
    assert str(info.value).startswith(reason)
    if reason == "not UTF-8 text":
        assert str(info.value) == "not UTF-8 text: byte 0xe9 on line 1 (save it as UTF-8)"


def test_jsonl_one_article_per_line(tmp_path: Path):
    lines = [
        json.dumps({"text": BODY_A, "title": "Talks go on", "date": "2022-01-18", "url": "https://x.example/a",
                    "outlet": "Ambito", "extra": [1, 2]}),
        "",
        json.dumps({"text": f"Talks go on\n\n{BODY_B}\nLeave a Reply", "title": "Talks go on", "date": 2022}),
        json.dumps({"text": BODY_B}),
    ]
    articles = load_file(write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n"), tmp_path)
    assert [a.source for a in articles] == ["feed.jsonl#1", "feed.jsonl#3", "feed.jsonl#4"]
    first, second, third = articles
    assert first.text == f"Talks go on\n\n{BODY_A}"
    assert first.meta == {"title": "Talks go on", "date": "2022-01-18", "url": "https://x.example/a",
                          "outlet": "Ambito", "format": "jsonl"}
    assert second.text == f"Talks go on\n\n{BODY_B}" and second.meta["date"] == "2022"  # no duplicate title
    assert third.text == BODY_B and third.meta == {"format": "jsonl"}


@pytest.mark.parametrize(
    ("third_line", "reason"),
    [("{not json", "line 3: not a JSON object with a 'text' field"),
     ('["a list"]', "line 3: not a JSON object with a 'text' field"),
     ('{"title": "no text"}', "line 3: not a JSON object with a 'text' field"),
     ('{"text": 42}', "line 3: not a JSON object with a 'text' field"),
     ('{"text": "Leave a Reply", "title": "A title alone is no article"}', "line 3: no article text after cleaning")],
)
def test_jsonl_bad_line(tmp_path: Path, third_line: str, reason: str):
    ok = json.dumps({"text": BODY_A})
    with pytest.raises(DocumentError, match="^" + reason.replace("(", r"\(") + "$"):
        load_file(write(tmp_path, "feed.jsonl", f"{ok}\n{ok}\n{third_line}\n"), tmp_path)


def test_jsonl_without_records_is_empty(tmp_path: Path):
    with pytest.raises(DocumentError, match="^empty file$"):
        load_file(write(tmp_path, "feed.jsonl", "\n \n"), tmp_path)


# --- HTML ------------------------------------------------------------------------------------------------


def test_html_fixture_page(tmp_path: Path):
    [article] = load_file(FIXTURES / "news_page.html", FIXTURES)
    assert article.source == "news_page.html"
    assert article.meta == {"title": "Harbour bridge reopens after repairs", "date": "2024-03-05",
                            "url": "https://herald.example/news/harbour-bridge-reopens",
                            "outlet": "Coastal Herald", "author": "Mara Quill", "format": "html"}
    assert article.text.startswith("Harbour bridge reopens after repairs\n")  # kicker "Transport" dropped
    assert "240 corroded plates" in article.text and "carried out at night." in article.text
    for junk in ("Advertisement", "cookies", "Share this article", "Related stories", "cycle lanes",
                 "Most read", "newsletter", "All rights reserved", "Photo:"):
        assert junk not in article.text


def test_html_title_is_put_on_top_when_missing_from_body(tmp_path: Path):
    html = (f"<html><head><title>Talks go on | The Daily</title></head><body><article><p>{BODY_A}</p>"
            f"<p>{BODY_B}</p><p>{BODY_A} {BODY_B}</p></article></body></html>")
    text, meta = extract_html(html)
    assert meta["title"] == "Talks go on" and text.startswith(f"Talks go on\n\n{BODY_A}")
    assert load_one(tmp_path, "p.htm", html).meta["format"] == "html"


def test_html_without_text(tmp_path: Path):
    with pytest.raises(DocumentError, match="^no article text after cleaning$"):
        load_one(tmp_path, "blank.html", "<html><head><title>Empty page</title></head><body><div></div></body></html>")
    with pytest.raises(DocumentError, match="^no article text after cleaning$"):
        load_one(tmp_path, "junk.html", "<html><head><title>Junk</title></head><body><article><p>Leave a Reply</p>"
                                        "<p>Advertisement</p></article></body></html>")


def _html_expectations():
    if not (HTML_BENCH / "expectations.json").is_file():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"shared HTML benchmark not found at {HTML_BENCH} (set RAG_SHARED_DIR)"))]
    return json.loads((HTML_BENCH / "expectations.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", _html_expectations(), ids=lambda c: c["file"] if c else "missing")
def test_html_benchmark_page(case: dict):
    [article] = load_file(HTML_BENCH / case["file"], HTML_BENCH)
    missing = [s for s in case["must_include"] if s not in article.text]
    leaked = [s for s in case["must_exclude"] if s in article.text]
    assert (missing, leaked) == ([], [])
    assert article.meta["title"] and article.text.startswith(article.meta["title"][:20])
    assert article.meta["format"] == "html" and article.meta.get("outlet")


# --- discover / source_name ---------------------------------------------------------------------------


def test_discover_walks_sorted_and_skips_hidden_and_unsupported(tmp_path: Path):
    for name in ["b.txt", "a.md", "sub/c.html", "sub/d.HTM", "e.jsonl", "notes.pdf", "image.png",
                 ".hidden.txt", ".git/x.txt", "sub/.cache/y.md", "README"]:
        write(tmp_path, name, "x")
    found = [source_name(p, tmp_path) for p in discover(tmp_path)]
    assert found == ["a.md", "b.txt", "e.jsonl", "sub/c.html", "sub/d.HTM"]


def test_discover_with_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ["b.txt", "sub/c.md", "sub/deeper/d.txt", "sub/.x.txt"]:
        write(tmp_path, name, "x")
    monkeypatch.chdir(tmp_path.parent)
    got = discover(tmp_path, [tmp_path / "sub", Path("b.txt")])  # "b.txt" is relative to root
    assert [source_name(p, tmp_path) for p in got] == ["b.txt", "sub/c.md", "sub/deeper/d.txt"]
    assert discover(tmp_path, [Path(tmp_path.name) / "b.txt"]) == [tmp_path.resolve() / "b.txt"]  # cwd-relative
    outside = write(tmp_path.parent / "elsewhere", "o.txt", "x")
    with pytest.raises(DocumentError, match="outside the corpus folder"):
        discover(tmp_path, [outside])
    with pytest.raises(DocumentError, match="unsupported file type"):
        discover(tmp_path, [write(tmp_path, "n.pdf", "x")])
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        discover(tmp_path, [Path("nope.txt")])


def test_discover_missing_root_says_what_to_do(tmp_path: Path):
    with pytest.raises(FileNotFoundError) as info:
        discover(tmp_path / "missing")
    assert "corpus folder not found" in str(info.value) and "RAG_CORPUS" in str(info.value)


def test_source_name_is_posix_relative(tmp_path: Path):
    assert source_name(tmp_path / "sub" / "x.md", tmp_path) == "sub/x.md"
    assert source_name(SEEDS / "003_146565a0d1ccb5d0.txt", SEEDS) == "003_146565a0d1ccb5d0.txt"


def test_symlinked_file_keeps_its_name_in_the_corpus(tmp_path: Path):
    inside = write(tmp_path / "corpus", "store/real.txt", BODY_A)
    (tmp_path / "corpus" / "linked.txt").symlink_to(inside)
    outside = write(tmp_path / "elsewhere", "far.txt", BODY_B)
    (tmp_path / "corpus" / "far.txt").symlink_to(outside)
    corpus = tmp_path / "corpus"
    paths = discover(corpus, follow_outside_links=True)
    assert [source_name(p, corpus) for p in paths] == ["far.txt", "linked.txt", "store/real.txt"]
    assert load_file(paths[1], corpus)[0].source == "linked.txt"


def test_a_symlink_loop_is_one_skipped_entry_not_an_abort(tmp_path: Path):
    write(tmp_path, "a.txt", BODY_A)
    (tmp_path / "self.txt").symlink_to("self.txt")
    (tmp_path / "x.txt").symlink_to("y.txt")
    (tmp_path / "y.txt").symlink_to("x.txt")
    skipped: list[tuple[str, str]] = []
    assert [source_name(p, tmp_path) for p in discover(tmp_path, skipped=skipped)] == ["a.txt"]
    assert [name for name, _ in skipped] == ["self.txt", "x.txt", "y.txt"]
    assert all("symlink loop" in reason for _, reason in skipped)
    assert source_name(tmp_path / "x.txt", tmp_path) == "x.txt"  # naming a looping link never resolves it


def test_a_link_to_a_file_outside_the_corpus_is_not_read_unless_allowed(tmp_path: Path):
    secret = write(tmp_path / "elsewhere", "secret.txt", "The launch code is 0000.")
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", BODY_A)
    (corpus / "pw.txt").symlink_to(secret)
    (corpus / "broken.txt").symlink_to(tmp_path / "missing.txt")
    skipped: list[tuple[str, str]] = []
    assert [source_name(p, corpus) for p in discover(corpus, skipped=skipped)] == ["a.txt"]
    reasons = dict(skipped)
    assert set(reasons) == {"pw.txt", "broken.txt"}
    assert "outside the corpus folder" in reasons["pw.txt"] and "RAG_FOLLOW_OUTSIDE_LINKS" in reasons["pw.txt"]
    assert "broken" in reasons["broken.txt"]
    skipped.clear()  # named on purpose: still not read
    assert discover(corpus, [corpus / "pw.txt"], skipped=skipped) == [] and [n for n, _ in skipped] == ["pw.txt"]
    allowed = discover(corpus, follow_outside_links=True)
    assert [source_name(p, corpus) for p in allowed] == ["a.txt", "pw.txt"]


def test_a_linked_folder_is_reported_not_walked(tmp_path: Path):
    write(tmp_path / "elsewhere", "b.txt", BODY_B)
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", BODY_A)
    (corpus / "linked").symlink_to(tmp_path / "elsewhere")
    (corpus / "up").symlink_to(corpus)  # would be a loop if followed
    skipped: list[tuple[str, str]] = []
    assert [source_name(p, corpus) for p in discover(corpus, skipped=skipped)] == ["a.txt"]
    assert [name for name, _ in skipped] == ["linked", "up"] and all("folder" in r for _, r in skipped)
