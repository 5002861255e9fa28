"""A synthetic news corpus of any size, reproducible from a seed, for the scale benchmark.

    .venv/bin/python benchmarks/synthetic_news.py OUT_DIR --chunks 10000 [--seed 0] [--shape small|large]
                                                  [--files-per-dir 500]

`--chunks` is a target number of newsrag chunks (~500 characters: Settings.chunk_chars); the corpus
lands within a few percent of it when chunked by rag.chunking. `--shape small` writes many articles of
4-8 chunks; `--shape large` a few daily digests of 150-300 chunks each. The same seed and size give
byte-identical files. Files go into nested folders (OUT/000/000/...) so no folder holds more than
`--files-per-dir` entries; OUT/manifest.json records what was made. Nothing is kept in memory but
counters: files are written as they are made.

Each story is a wire story (headline, "GENEVA, Jan. 21 (Reuters) -" dateline, people, places,
organisations, numbers of troops, dollars and percent, quotes) that may be reprinted by other outlets:
exact copies under other file names, and near copies with their own lead and scraped-page boilerplate
(bylines, cookie notices, "Read more:", "Subscribe to our newsletter", copyright lines).

    from benchmarks.synthetic_news import generate, questions
    paths = generate("/tmp/corpus", chunks=1000, seed=0)
    qs = questions(0, 60, stories=manifest(Path("/tmp/corpus"))["stories"])  # [{"question", "answer", "story"}]

Every question's answer is a string the generator placed verbatim in its story's original article.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import shutil
import sys
from pathlib import Path

VERSION = 1  # bump when the text changes: corpora made before no longer match their manifest
CHUNK_CHARS = 500
FIRST = "Anna Boris Carla Dmitri Elena Farid Greta Hassan Ingrid Jonas Katya Luis Maria Nadia Oleg Priya Rafael Sofia Tomas Yusuf Amir Bianca Chen Dario Erik Fatima Goran Hana Ivan Julia Kenji Lena Marek Nora Omar Pavel Rosa Sven Tara Viktor".split()
LAST = "Keller Novak Haddad Petrov Moreau Lindqvist Okafor Santos Brandt Kowalski Yilmaz Tanaka Rossi Fischer Ivanova Dubois Mendes Larsen Horvat Nakamura Weber Costa Jansen Barros Kaplan Ortiz Sato Varga Nowak Aziz Berger Castillo Dahl Engel Ferreira Gallo Holm Iqbal Jovanovic Klein".split()
COUNTRIES = "Norway Poland Turkey Brazil Kenya Japan Chile Egypt Austria Vietnam Peru Ghana Finland Romania Morocco Thailand Canada Serbia Nigeria Portugal Hungary Mexico Georgia Jordan".split()
CITIES = "Geneva Vienna Brussels Ankara Nairobi Oslo Warsaw Lisbon Cairo Hanoi Lima Accra Helsinki Bucharest Rabat Bangkok Ottawa Belgrade Abuja Budapest Santiago Tbilisi Amman Prague Madrid Doha Tunis Riga Tallinn Dublin".split()
TOWNS = "Karsk Velino Ostrava Duvno Belenko Marsa Tiraz Halden Pskovo Zarek Lunda Morvik Sarny Kostel Ravna Brezno Tolga Irmak Vadso Kemer".split()
ORGS = ["the World Bank", "the European Union", "the African Development Bank", "the Nordic Relief Fund",
        "the International Monetary Fund", "the Asian Infrastructure Bank", "the Red Cross", "the U.N. refugee agency",
        "the Baltic Investment Council", "the Global Food Programme"]
STATS = ["the national statistics office", "the central bank", "the finance ministry", "the Harbor Institute",
         "the Meridian Research Group", "the chamber of commerce"]
ROLES = ["Foreign Minister", "Defence Minister", "Prime Minister", "President", "Interior Minister", "Trade Minister"]
TOPICS = ["the border dispute", "the grain corridor", "the gas pipeline", "the ceasefire", "the refugee crisis",
          "the sanctions package", "the fishing rights", "the nuclear plant", "the water treaty", "the rail link"]
GOODS = ["bread", "fuel", "electricity", "rice", "fertiliser", "housing", "cooking oil", "coffee", "steel", "cement"]
WIRES = ["Reuters", "AP", "AFP"]
SITES = ["Daily Courier", "Morning Ledger", "Valley Herald", "Coastal Times", "Metro Post", "World Brief",
         "Evening Standard Online", "News Today", "Capital Observer", "Harbour Gazette"]
QUOTES = ["We will not accept any deal that is made behind our backs", "Our door remains open to serious talks",
          "This is a dangerous escalation and the world must respond", "Nobody wants a war, but we are ready to defend ourselves",
          "The next two weeks will decide whether diplomacy has a chance", "We came here to listen, and we did listen",
          "Aid must reach the people who need it, not the warehouses", "Prices will come down, but not this winter"]
MONTHS = "January February March April May June July August September October November December".split()
AP_MONTHS = "Jan. Feb. March April May June July Aug. Sept. Oct. Nov. Dec.".split()
FILLER = [
    "Analysts at {stat} said the measures could cut growth in {c2} by {p1:.1f} percent next year.",
    "Officials in {town} said {n1:,} people had left the area since {wd}, many of them by train to {city}.",
    "{org_cap} is due to meet again in {month}, diplomats familiar with the talks said.",
    "{c1} denied the report, calling it \"{adj} and irresponsible\".",
    "Shares of {c2} state energy firms fell {p2:.1f} percent in early trading after the announcement.",
    "Talks on {topic} have stalled since {prev}, when {c2} walked out of a summit in {city2}.",
    "{p3} of {c2}'s opposition said the government had been \"{adj}\" in the negotiations.",
    "Satellite images published by {site} showed about {n2:,} vehicles parked near {town}.",
    "The {role3} of {c1}, {p4}, is expected to address parliament on the issue next week.",
    "Diplomats said a draft statement circulated in {city2} mentioned {topic} only once.",
    "Exports from {c1} to {c2} were worth ${n3:,} million last year, according to {stat}.",
    "Protesters gathered outside the {c1} embassy in {city2}, holding signs about {topic}.",
]
ADJ = ["reckless", "baseless", "premature", "dishonest", "naive", "provocative"]
BOILER_TOP = ["We use cookies to improve your experience on our site. By continuing to browse you agree to our cookie policy.",
              "Advertisement", "Share this article", "5 min read"]
BOILER_END = ["Subscribe to our newsletter for the day's top stories.", "Sign up for our weekly newsletter",
              "Follow us on Twitter", "Leave a comment", "Advertisement"]


def _facts(seed: int, story: int) -> dict:
    """The facts of one story, from its own random stream: questions need no text to be generated."""
    rng = random.Random(f"{seed}:{story}")
    p1, p2, rep, ed = (f"{first} {last}" for first, last in zip(rng.sample(FIRST, 4), rng.sample(LAST, 4)))
    c1, c2 = rng.sample(COUNTRIES, 2)
    day = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
    return dict(
        rng=rng, p1=p1, p2=p2, rep=rep, ed=ed, c1=c1, c2=c2, day=day, city=rng.choice(CITIES), town=rng.choice(TOWNS),
        role1=rng.choice(ROLES[:3]), role2=rng.choice(ROLES[3:]), org=rng.choice(ORGS), stat=rng.choice(STATS),
        topic=rng.choice(TOPICS), good=rng.choice(GOODS), quote=rng.choice(QUOTES), wire=rng.choice(WIRES),
        troops=rng.randrange(20, 300) * 500, aid=rng.randrange(5, 900), pct=rng.randrange(15, 400) / 10,
        hours=rng.randrange(2, 9),
    )


def questions(seed: int, n: int, stories: int) -> list[dict]:
    """`n` different questions (fewer if the corpus is too small) about the first `stories` stories of
    corpus `seed`; each {"question", "answer", "story"}, the answer verbatim in the story's text."""
    templates = 6
    picks = random.Random(f"{seed}:questions").sample(range(stories * templates), min(n, stories * templates))
    out = []
    for pick in picks:
        f = _facts(seed, pick // templates)
        qa = [
            (f"How many troops has {f['c1']} massed near {f['town']}, according to {f['p1']}?", f"{f['troops']:,}"),
            (f"Where did {f['p1']} meet {f['p2']} to discuss {f['topic']}?", f["city"]),
            (f"How much aid did {f['org']} pledge to {f['c2']} after the talks in {f['city']}?", f"${f['aid']} million"),
            (f"By how much did {f['good']} prices rise in {f['c2']}, according to {f['stat']}?", f"{f['pct']:.1f} percent"),
            (f"What did {f['p1']} say after meeting {f['p2']} in {f['city']}?", f["quote"]),
            (f"How long did the talks between {f['p1']} and {f['p2']} last?", f"{f['hours']} hours"),
        ][pick % templates]
        out.append({"question": qa[0], "answer": qa[1], "story": pick // templates})
    return out


def _story(seed: int, story: int, size: int) -> tuple[dict, str, list[list[str]]]:
    """(facts, dateline, paragraphs of sentences) of one story, grown with filler to ~`size` chunks."""
    f = _facts(seed, story)
    rng, d = f["rng"], f["day"]
    dateline = f"{f['city'].upper()}, {AP_MONTHS[d.month - 1]} {d.day} ({f['wire']}) - "
    wd = d.strftime("%A")
    paragraphs = [
        [f"{f['c1']} has massed about {f['troops']:,} troops near the border town of {f['town']}, {f['role1']} {f['p1']} "
         f"said on {wd} after meeting {f['role2']} {f['p2']} in {f['city']} to discuss {f['topic']}."],
        [f"\"{f['quote']},\" {f['p1']} told reporters after the talks, which lasted {f['hours']} hours.",
         f"{f['p2']} said only that the two sides had agreed to keep talking."],
        [f"Separately, {f['org']} pledged ${f['aid']} million in emergency aid to {f['c2']}, officials said.",
         f"{_cap(f['good'])} prices in {f['c2']} rose {f['pct']:.1f} percent in {MONTHS[d.month - 1]}, "
         f"according to {f['stat']}."],
    ]
    while _count([[dateline + paragraphs[0][0]], *paragraphs[1:]]) < size:
        slots = dict(stat=rng.choice(STATS), c1=f["c1"], c2=f["c2"], town=rng.choice(TOWNS), city=f["city"],
                     city2=rng.choice(CITIES), wd=wd, org_cap=_cap(rng.choice(ORGS)), month=rng.choice(MONTHS),
                     adj=rng.choice(ADJ), topic=rng.choice(TOPICS), prev=d.year - rng.randrange(1, 6),
                     p3=f"{rng.choice(FIRST)} {rng.choice(LAST)}", p4=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                     site=rng.choice(SITES), role3=rng.choice(ROLES), p1=rng.randrange(5, 90) / 10,
                     p2=rng.randrange(5, 150) / 10, n1=rng.randrange(100, 90000), n2=rng.randrange(20, 3000),
                     n3=rng.randrange(50, 9000))
        paragraphs.append([t.format(**slots) for t in rng.sample(FILLER, rng.randint(2, 4))])
    return f, dateline, paragraphs


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(blocks: list[list[str]]) -> int:
    """Chunks rag.chunking makes of these paragraphs (sentences packed greedily up to CHUNK_CHARS)."""
    chunks, pos, start = 0, 0, None
    for block in blocks:
        for i, sentence in enumerate(block):
            pos += (1 if i else 2) if start is not None else 0
            if start is None or pos + len(sentence) - start > CHUNK_CHARS:
                chunks, start = chunks + 1, pos
            pos += len(sentence)
    return chunks


def _wire(f: dict, dateline: str, paragraphs: list[list[str]]) -> list[list[str]]:
    """The wire original: headline, dateline lead, body, credit line."""
    first = [dateline + paragraphs[0][0], *paragraphs[0][1:]]
    headline = f"{f['c1']} masses troops near {f['town']} as {f['p1']} meets {f['p2']} in {f['city']}"
    return [[headline], first, *paragraphs[1:], [f"Reporting by {f['rep']}; Editing by {f['ed']}"]]


def _near_copy(f: dict, paragraphs: list[list[str]], site: str, rng: random.Random) -> list[list[str]]:
    """A scraped reprint: other headline, byline, cookie notice, its own lead, ads, related links."""
    d = f["day"]
    lead = (f"{site} has learned that {f['c1']} moved about {f['troops']:,} troops towards {f['town']} as "
            f"{f['p1']} and {f['p2']} held talks in {f['city']}.")
    body = [[lead]] + [list(p) for p in paragraphs[1:]]
    body.insert(rng.randrange(1, len(body) + 1), [rng.choice(BOILER_TOP)])
    return [[f"{f['p1']} and {f['p2']} meet in {f['city']} amid troop build-up near {f['town']}"],
            [f"By {rng.choice(FIRST)} {rng.choice(LAST)}"],
            [f"Published {MONTHS[d.month - 1]} {d.day}, {d.year} | Updated {rng.randrange(6, 23)}:{rng.randrange(60):02d} GMT"],
            *body, [f"Read more: {' and '.join(rng.sample(COUNTRIES, 2))} sign {rng.choice(TOPICS)[4:]} deal"],
            [rng.choice(BOILER_END)], [f"Source: {site}"], [f"© {d.year} {site}. All rights reserved."]]


def _plan(seed: int, shape: str, left):
    """Endless (name, paragraphs, stories so far) of article files; `left()`: chunks still wanted."""
    story = 0
    while True:
        if shape == "small":
            rng = random.Random(f"{seed}:copies:{story}")
            f, dateline, paragraphs = _story(seed, story, rng.randint(4, 8))
            story += 1
            wire = _wire(f, dateline, paragraphs)
            yield f"{f['wire'].lower()}_{story - 1:07d}.txt", wire, story
            for site in rng.sample(SITES, rng.choice([0, 0, 1, 2])):  # exact reprints, other names
                yield f"{site.lower().replace(' ', '-')}_{story - 1:07d}.txt", wire, story
            for site in rng.sample(SITES, rng.choice([0, 1, 1, 2])):  # near copies
                yield f"{site.lower().replace(' ', '-')}_{story - 1:07d}_web.txt", _near_copy(f, paragraphs, site, rng), story
        else:
            rng = random.Random(f"{seed}:digest:{story}")
            target, blocks, first = min(rng.randint(150, 300), max(left(), 4)), [], story
            while _count(blocks) < target:
                f, dateline, paragraphs = _story(seed, story, rng.randint(4, 8))
                blocks += _wire(f, dateline, paragraphs)[:-1]
                story += 1
            head = [[f"{rng.choice(WIRES)} world news digest, stories {first} to {story - 1}"]]
            yield f"digest_{first:07d}.txt", head + blocks, story
            if rng.random() < 0.25 and left() > 0:  # a mirror site
                yield f"digest_{first:07d}_mirror.txt", head + blocks, story


def manifest(out_dir: Path) -> dict | None:
    path = Path(out_dir) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def generate(out_dir: str | Path, chunks: int, seed: int = 0, shape: str = "small",
             files_per_dir: int = 500) -> list[Path]:
    """Write a corpus of about `chunks` chunks into `out_dir` (empty, absent, or made by this function
    before: then it is replaced); return the article files in order of writing."""
    if shape not in ("small", "large") or not 1 <= files_per_dir <= 1000 or chunks < 1:
        raise ValueError("shape is small or large, files_per_dir 1..1000, chunks >= 1")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        if manifest(out) is None:
            raise FileExistsError(f"{out} is not empty and was not made by synthetic_news: pick another folder")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    paths, total, stories = [], 0, 0
    for name, blocks, stories in _plan(seed, shape, lambda: chunks - total):
        n = len(paths)
        folder = out / f"{n // files_per_dir ** 2:03d}" / f"{n // files_per_dir % files_per_dir:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(_render(blocks), encoding="utf-8", newline="\n")
        paths.append(path)
        total += _count([b for b in blocks if not _removed(b)])
        if total >= chunks:
            break
    meta = dict(version=VERSION, seed=seed, chunks=chunks, shape=shape, files=len(paths), stories=stories,
                estimated_chunks=total, files_per_dir=files_per_dir)
    (out / "manifest.json").write_text(json.dumps(meta, sort_keys=True) + "\n", encoding="utf-8")
    return paths


def _render(blocks: list[list[str]]) -> str:
    return "\n\n".join(" ".join(block) for block in blocks) + "\n"


def article_text(seed: int, story: int, chunks: int = 6) -> str:
    """The wire original of one story as a file's text (benchmarks rewrite files with other stories)."""
    return _render(_wire(*_story(seed, story, chunks)))


def _removed(block: list[str]) -> bool:
    """Lines that newsrag's cleaning drops (rag.documents): they make no chunks."""
    line = block[0]
    return len(block) == 1 and line.startswith(("By ", "Source: ", "© ", "Read more:", "Subscribe", "Sign up",
                                                 "Follow us", "Leave a", "Advertisement", "Share this", "5 min"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--chunks", type=int, required=True, help="target number of ~500-character chunks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shape", choices=["small", "large"], default="small")
    parser.add_argument("--files-per-dir", type=int, default=500)
    args = parser.parse_args()
    paths = generate(args.out_dir, args.chunks, args.seed, args.shape, args.files_per_dir)
    print(json.dumps(manifest(args.out_dir)), f"-> {args.out_dir} ({len(paths)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
