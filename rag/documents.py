"""Turn article files into cleaned `Article`s: find files, decode them, strip site boilerplate.

`Article.text` is the text every offset in newsrag points into, so cleaning happens exactly once,
here. Rules remove only *whole lines* that fully match a boilerplate pattern (plus a trailing author
bio and a trailing related-links list), never words inside a sentence: body text is never lost.

>>> text, meta = clean_text("Talks in Geneva\\n\\nBlinken met Lavrov.\\nPhoto: Reuters\\nSource From: Ambito")
>>> text, meta["outlet"], meta["title"]
('Talks in Geneva\\n\\nBlinken met Lavrov.', 'Ambito', 'Talks in Geneva')
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rag.errors import DocumentError
from rag.schema import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".jsonl")


# --- finding files --------------------------------------------------------------------------------


def discover(
    root: Path, paths: Iterable[Path] | None = None, *, follow_outside_links: bool = False,
    skipped: list[tuple[str, str]] | None = None,
) -> list[Path]:
    """Files to ingest under `root`: recursive, sorted, hidden files and folders skipped, only
    SUPPORTED_SUFFIXES. With `paths`, only those files/folders (relative ones are tried against the
    working directory, then against root); each must lie inside root.

    Only regular files whose real path is inside root are read, unless `follow_outside_links`
    (RAG_FOLLOW_OUTSIDE_LINKS): a symbolic link out of the corpus (say to /etc/passwd) would otherwise
    make that file answerable. Links to folders are not walked. Each entry passed over for one of
    these reasons, or because it is a symlink loop, a broken link or not a regular file, is appended
    to `skipped` as (source name, reason), sorted; none of them stops the walk."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"corpus folder not found: {root} (create it and put .txt/.md/.html/.jsonl articles in it, "
            "or point RAG_CORPUS at your articles folder)"
        )
    root = Path(os.path.abspath(root))  # absolute, but symlinks kept: a linked-in file keeps its name
    real_root = os.path.realpath(root)
    found: set[Path] = set()
    passed: list[tuple[str, str]] = []

    def consider(path: Path) -> None:
        problem = _unreadable(path, real_root, follow_outside_links)
        if problem:
            passed.append((source_name(path, root), problem))
        else:
            found.add(path)

    for given in [root] if paths is None else [Path(p) for p in paths]:
        path = Path(os.path.abspath(given if given.is_absolute() or os.path.lexists(given) else root / given))
        if not os.path.lexists(path):
            raise FileNotFoundError(f"no such file or folder: {given}")
        if _relative(path, root) is None:
            raise DocumentError(f"{given} is outside the corpus folder {root}")
        if path != root and (path.is_symlink() or not path.is_dir()):  # named explicitly: hidden is fine
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise DocumentError(f"{given}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
            consider(path)
            continue
        for folder, dirs, files in os.walk(path):  # never follows links to folders
            for d in dirs:
                if not d.startswith(".") and os.path.islink(os.path.join(folder, d)):
                    passed.append((source_name(Path(folder, d), root), _LINKED_FOLDER))
            dirs[:] = [d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d))]
            for f in files:
                if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_SUFFIXES:
                    consider(Path(folder, f))
    if skipped is not None:
        skipped.extend(sorted(passed))
    return sorted(found, key=lambda p: source_name(p, root))


_LINKED_FOLDER = "a link to a folder: not followed (link the files themselves, or copy the folder in)"


def _unreadable(path: Path, real_root: str, follow_outside_links: bool) -> str | None:
    """Why `path` is not read (None: it is read)."""
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symlink loop: not read"
        return "a broken link: its target does not exist"
    if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)) and not follow_outside_links:
        return (f"a link to {real}, outside the corpus folder: not read "
                "(set RAG_FOLLOW_OUTSIDE_LINKS=true to read files linked from elsewhere)")
    if not stat.S_ISREG(os.stat(real).st_mode):
        return "not a regular file (a device, pipe or socket): not read"
    return None


def _relative(path: Path, root: Path) -> str | None:
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        pass
    try:  # e.g. a root given through a symlink and a path given by its real location
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None


def source_name(path: Path, root: Path) -> str:
    """The article's id: its path relative to the corpus root, with forward slashes.

    >>> source_name(Path("/c/sub/x.md"), Path("/c"))
    'sub/x.md'
    """
    name = _relative(path, root)
    if name is None:
        raise ValueError(f"{path} is not inside {root}")
    return name


# --- reading one file ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if not data.strip():
        raise DocumentError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 is full of NULs; say what it really is
        raise DocumentError("not UTF-8 text: UTF-16 (save it as UTF-8)")
    if b"\x00" in data:
        raise DocumentError("binary file, not text")
    try:
        return data.decode("utf-8-sig")  # accepts and drops a BOM
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise DocumentError(f"not UTF-8 text: byte 0x{data[e.start]:02x} on line {line} (save it as UTF-8)") from None


def _with_title(text: str, title: str) -> str:
    """Put the title on top ("Title\\n\\nbody") so it is searchable and citable, unless it is already there."""
    if not text or not title or text.casefold().startswith(title.casefold()):
        return text  # (a title alone is no article)
    return f"{title}\n\n{text}"


def load_file(path: Path, root: Path) -> list[Article]:
    """Read, decode and clean one file: one Article (or one per line of a .jsonl file).

    Raises DocumentError with a short reason when the file cannot be ingested."""
    path, source = Path(path), source_name(path, root)
    suffix = path.suffix.lower()
    text = _decode(path.read_bytes())
    if suffix == ".jsonl":
        return _load_jsonl(text, source)
    if suffix in (".html", ".htm"):
        body, meta = extract_html(text)
        meta["format"] = "html"
    else:
        body, meta = clean_text(text)
        meta["format"] = suffix.lstrip(".")
    if not body:
        raise DocumentError("no article text after cleaning")
    return [Article(source=source, text=body, meta=meta)]


def _load_jsonl(text: str, source: str) -> list[Article]:
    articles = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise DocumentError(f"line {number}: not a JSON object with a 'text' field")
        body, meta = clean_text(record["text"])
        given = {k: _tidy(str(record[k])) for k in ("title", "date", "url", "outlet", "author")
                 if record.get(k) not in (None, "")}
        meta.update(given, format="jsonl")
        body = _with_title(body, given.get("title", ""))
        if not body:
            raise DocumentError(f"line {number}: no article text after cleaning")
        articles.append(Article(source=f"{source}#{number}", text=body, meta=meta))
    if not articles:
        raise DocumentError("empty file")
    return articles


# --- boilerplate rules -----------------------------------------------------------------------------
# Each pattern must match a whole (stripped) line, case-insensitively. Length limits keep real
# sentences that merely start like boilerplate ("Source: officials said the plan ...").

_JUNK_LINE = re.compile(
    r"""(?:
      leave\ a\ (?:reply|replay|comment)|(?:post|add|write)\ a\ comment|all\ comments|(?:show|view|load)\ (?:all\ )?comments
    | comments?(?:\ \(\d+\))?|(?:bonus|related|watch\ the)\ videos?|watch\ (?:this\ )?next|advertisement|sponsored(?:\ content)?
    | (?:\d[\d,.]*k?\s+(?:views?|comments?(?:\(s\))?|shares?|likes?)\s*)+          # "3742 views 1 comment(s)"
    | (?:photo|image|picture|video|credit|illustration)s?(?:\ credit)?\s*:\s*\S.{0,60}   # "Photo: Reuters"
    | disclaimer\s*:.*
    | share(?:\ this)?(?:\ article|\ story|\ post)?(?:\ (?:on|via)\ \w+)?
    | (?:read\ more|read\ also|also\ read|see\ also|related(?:\ \w+)?|more)(?:\s*:\s*\S.{0,120})?  # "Read more: <headline>"
    | (?:subscribe|sign\ up|join)\b.{0,100}\bnewsletters?\b.{0,60}
    | (?:click|tap)\ here\b.{0,60}|\d+\ min(?:ute)?s?\ read|tag(?:s|ged)\s*:.{0,150}|(?:\#\w+\s*)+
    | (?:©|\(c\)|copyright\ ©|copyright\ \d{4}).{0,100}|all\ rights\ reserved\.?
    | follow\ (?:us|me|@\w+)\b.{0,80}
    )[.!:]?""",
    re.IGNORECASE | re.VERBOSE,
)
_SOURCE_LINE = re.compile(r"sources?(?: from)?\s*:\s*(?P<name>[^.!?]{1,40}?)\.?", re.IGNORECASE)
_WIRE_CREDIT = re.compile(r"(?:with |news )?(?:agencies|agency|wires?|wire services)", re.IGNORECASE)
_BYLINE = re.compile(r"[Bb]y (?!The )(?P<name>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3})")
_BIO = re.compile(
    r"(?P<name>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}) is an? (?:[\w-]+ ){0,3}"
    r"(?:author|writer|journalist|reporter|editor|contributor|correspondent|columnist|blogger)\b"
)
_LIST_ITEM = re.compile(r"(?:[-*•·▪►]|\d{1,2}[.)])\s+\S")
_LIST_HEADING = re.compile(
    r"(?:related|recommended|popular|trending|latest|more (?:from|on|in|stories|news|like this)|top (?:stories|news|picks))"
    r"(?: [\w'’&]+){0,3}|editors?['’]?s? (?:picks?|recommendations?)"
    r"|(?:read|see|watch) (?:more|also|next)|also read|further reading|you (?:may|might) also like|most read",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _title_like(line: str) -> bool:
    return len(line) <= 150 and not _SENTENCE_END.search(line)


_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.M)


def _tidy(text: str) -> str:
    r"""Unix newlines, NFC, no trailing spaces, at most one blank line in a row, stripped.

    Each step copies the text only when it changes something: a 20 MB file would otherwise be copied
    five times over, and the peak memory of ingest grows with those copies.

    >>> _tidy("  Caf\u0065\u0301 \r\n\r\n\r\n\tnext line\t \n")
    'Café\n\n\tnext line'
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _TRAILING_SPACE.search(text):
        text = _TRAILING_SPACE.sub("", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _drop_link_list(lines: list[str]) -> list[str]:
    """Drop a trailing "Related stories:"-style list: a heading (related/recommended/read more/...)
    followed only by short title-like lines, or at least 3 title-like bullets under a short heading."""
    text_idx = [i for i, s in enumerate(lines) if s.strip()]
    run = 0  # trailing title-like lines (headlines have no final period)
    while run < len(text_idx) and _title_like(lines[text_idx[-1 - run]].strip()):
        run += 1
    for head in range(len(text_idx) - run, len(text_idx)):  # the first title-like line may be the heading
        heading = lines[text_idx[head]].strip().rstrip(":")
        items = [lines[i].strip() for i in text_idx[head + 1:]]
        bullets = (len(items) >= 3 and len(heading.split()) <= 6  # headline-like items: 5+ words each
                   and all(_LIST_ITEM.match(s) and len(s.split()) >= 5 for s in items))
        if head > 0 and items and (_LIST_HEADING.fullmatch(heading) or bullets):
            return lines[: text_idx[head]]
    return lines


def clean_text(raw: str) -> tuple[str, dict[str, str]]:
    """Remove boilerplate lines from plain text; return (clean text, metadata found in the text:
    title, outlet, credit, author).

    >>> clean_text("Leave a Replay\\nMoscow said no.\\n\\nJo Ann Lee is a staff writer at The Post.")
    ('Moscow said no.', {'author': 'Jo Ann Lee'})
    """
    meta: dict[str, str] = {}
    kept: list[str] = []
    previous = ""
    for line in _tidy(raw).split("\n"):
        s = line.strip()
        if not s:
            kept.append(line)
            continue
        source = _SOURCE_LINE.fullmatch(s)
        byline = _BYLINE.fullmatch(s)
        if source and len(source["name"].split()) <= 5:  # "Source From: Ambito", not a sentence
            name = source["name"].strip()
            meta.setdefault("credit" if _WIRE_CREDIT.fullmatch(name) else "outlet", name)
        elif byline:
            meta.setdefault("author", byline["name"])
        elif _JUNK_LINE.fullmatch(s) or (s.casefold() == previous.casefold() and len(s) <= 100):
            pass  # boilerplate, or a short line repeated right away ("Photo: Reuters" twice)
        else:
            kept.append(line)
        previous = s
    kept = _drop_link_list(kept)
    paragraphs = [i for i, s in enumerate(kept) if s.strip()]
    for i in paragraphs[-2:]:  # an author bio is one of the last two paragraphs, and short
        bio = _BIO.match(kept[i].strip())
        if bio and len(kept[i].split()) <= 120:
            meta.setdefault("author", bio["name"])
            kept[i] = ""
    text = _tidy("\n".join(kept))
    first = text[: text.find("\n") % (len(text) + 1)].lstrip("#").strip()  # a markdown "# Heading" is a title too
    if first and len(first) < 150 and not _SENTENCE_END.search(first):
        meta["title"] = first
    return text, meta


# --- HTML --------------------------------------------------------------------------------------------


def extract_html(html: str) -> tuple[str, dict[str, str]]:
    """The article body of a web page (trafilatura), cleaned, with title/date/url/outlet/author.

    The title becomes the first line ("Title\\n\\nbody"); if the page has the headline among its first
    lines, that line moves to the top and short kicker lines above it ("Tech") are dropped."""
    import trafilatura  # slow import (~1 s): only pay it when there is HTML to read

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_links=False, include_images=False
    )
    if doc is None or not (doc.text or "").strip():
        return "", {}
    site = _tidy(doc.sitename or "")
    title = _tidy(doc.title or "").split(" | ")[0]  # "Headline | DW | 10.06.2013" -> "Headline"
    if site and title.casefold().endswith(f" - {site}".casefold()):
        title = title[: -len(site) - 3]
    found = {"title": title, "date": doc.date, "url": doc.url, "outlet": site, "author": doc.author}
    text, meta = clean_text(doc.text)
    meta.update({k: _tidy(str(v)) for k, v in found.items() if v})
    lines = text.split("\n")
    for i, line in enumerate(lines[:3]):
        if title and line.casefold().startswith(title.casefold()):  # the page's own headline: put it first,
            deck = [k for k in lines[:i] if len(k.split()) > 3]  # dropping kickers ("Tech", "#GameTechie")
            return "\n".join([line, *deck, *lines[i + 1:]]), meta
    return _with_title(text, title), meta
