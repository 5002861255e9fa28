"""benchmarks/synthetic_news.py: the same seed gives the same bytes, the size lands near the target once
newsrag chunks it, reprints are there, folders stay small, and every question's answer is in the text."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from benchmarks.synthetic_news import article_text, generate, manifest, questions
from rag.chunking import chunk_article
from rag.documents import load_file


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def _chunks(root: Path, paths: list[Path]) -> int:
    return sum(len(chunk_article(a)) for p in paths for a in load_file(p, root))


@pytest.mark.parametrize("shape", ["small", "large"])
def test_the_same_seed_and_size_give_byte_identical_files(tmp_path, shape):
    generate(tmp_path / "a", 200, seed=3, shape=shape)
    generate(tmp_path / "b", 200, seed=3, shape=shape)
    generate(tmp_path / "c", 200, seed=4, shape=shape)
    a, b, c = (_files(tmp_path / n) for n in "abc")
    assert a and a == b
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "b" / "manifest.json").read_bytes()
    assert a != c and not set(a.values()) & set(c.values())


@pytest.mark.parametrize("shape, target", [("small", 60), ("small", 300), ("large", 300)])
def test_the_corpus_is_near_the_target_when_chunked_by_newsrag(tmp_path, shape, target):
    paths = generate(tmp_path, target, seed=1, shape=shape)
    assert abs(_chunks(tmp_path, paths) - target) <= 0.25 * target
    assert manifest(tmp_path)["files"] == len(paths)


def test_small_articles_are_4_to_8_chunks_and_large_ones_are_few(tmp_path):
    small = generate(tmp_path / "s", 300, seed=2)
    per_file = [_chunks(tmp_path / "s", [p]) for p in small if not p.name.endswith("_web.txt")]
    assert all(4 <= n <= 8 for n in per_file)
    large = generate(tmp_path / "l", 300, seed=2, shape="large")
    assert len(large) <= 3 and max(_chunks(tmp_path / "l", [p]) for p in large) >= 100


def test_wire_stories_are_reprinted_exactly_and_nearly_under_other_names(tmp_path):
    paths = generate(tmp_path, 300, seed=0)
    by_bytes = defaultdict(list)
    for p in paths:
        by_bytes[p.read_bytes()].append(p.name)
    assert any(len(set(names)) > 1 for names in by_bytes.values())  # exact copies, other file names
    web = [p for p in paths if p.name.endswith("_web.txt")]
    assert web
    text = web[0].read_text(encoding="utf-8")
    assert "All rights reserved" in text and "Read more:" in text
    story = web[0].stem.split("_")[1]
    wire = next(p for p in paths if p.stem.split("_")[1] == story and p.name.startswith(("reuters_", "ap_", "afp_")))
    quote = wire.read_text(encoding="utf-8").split("\n\n")[2]  # the quote paragraph, shared by the reprint
    assert quote in text and wire.read_text(encoding="utf-8").split("\n\n")[1] not in text  # its own lead
    cleaned = load_file(web[0], tmp_path)[0]
    assert "Subscribe" not in cleaned.text and "All rights reserved" not in cleaned.text and cleaned.meta.get("author")


def test_news_like_text(tmp_path):
    paths = generate(tmp_path, 60, seed=5)
    text = paths[0].read_text(encoding="utf-8")
    headline, dateline = text.split("\n\n")[:2]
    assert not headline.endswith(".")
    assert re.match(r"[A-Z]+, (Jan\.|Feb\.|March|April|May|June|July|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.) \d+ \((Reuters|AP|AFP)\) - ", dateline)
    assert "troops" in text and "$" in text and "percent" in text and '"' in text
    assert article_text(5, 0) != article_text(6, 0) and article_text(5, 0) == article_text(5, 0)


def test_no_folder_holds_more_than_the_limit(tmp_path):
    paths = generate(tmp_path, 300, seed=0, files_per_dir=10)
    assert len(paths) > 10
    for folder, dirs, files in os.walk(tmp_path):
        assert len(dirs) + len(files) <= 11  # the top folder also holds manifest.json


def test_every_question_is_answered_in_its_story_and_questions_differ(tmp_path):
    generate(tmp_path, 300, seed=7)
    stories = manifest(tmp_path)["stories"]
    asked = questions(7, 60, stories)
    assert len(asked) == 60 and len({q["question"] for q in asked}) == 60
    texts = defaultdict(str)  # story number -> the text of its files
    for p in tmp_path.rglob("*.txt"):
        texts[int(p.stem.split("_")[1])] += p.read_text(encoding="utf-8")
    for q in asked:
        assert q["answer"] in texts[q["story"]] and q["question"].endswith("?")
    assert questions(7, 60, stories) == asked and questions(8, 60, stories) != asked


def test_a_folder_it_did_not_make_is_left_alone(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        generate(tmp_path, 50)
    assert (tmp_path / "mine.txt").exists()
