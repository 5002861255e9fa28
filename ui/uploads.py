"""Saving uploaded files into the corpus folder safely.

A browser-supplied file name is untrusted: only its last path component is kept, reduced to
letters, digits, `.`, `_` and `-`, so it can never leave the corpus folder or hide as a dotfile.
Existing articles are never overwritten (a different file with the same name gets `-2`, `-3`...),
and files over the size limit or of an unsupported type are rejected by name.

>>> safe_name("../../etc/passwd.txt")
'passwd.txt'
>>> safe_name("Quokka bridge (draft) #1.MD")
'Quokka_bridge_draft_1.md'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from rag import SUPPORTED_SUFFIXES

MAX_NAME_CHARS = 100


class UploadRejected(ValueError):
    """A file that is not saved; the message says why, in a few words."""


def safe_name(name: str) -> str:
    """A file name that is safe to create inside the corpus folder (see module doc)."""
    base = PureWindowsPath(PurePosixPath(str(name)).name).name  # drop any directory part, / or \
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")[:MAX_NAME_CHARS] or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


@dataclass
class SavedUploads:
    saved: list[Path] = field(default_factory=list)  # files written now, to ingest
    reused: list[Path] = field(default_factory=list)  # identical to an article already in the corpus
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as uploaded, reason)


def save_uploads(files: list[tuple[str, bytes | Path]], corpus: Path, max_bytes: int) -> SavedUploads:
    """Write each (original name, content or a file holding it) into `corpus` under a safe, unused
    name. A file is only read after its size has passed the limit."""
    result = SavedUploads()
    root = Path(corpus).resolve()
    for original, data in files:
        shown = PurePosixPath(str(original)).name or "upload"
        try:
            result_path, fresh = _save_one(root, original, data, max_bytes)
        except UploadRejected as error:
            result.rejected.append((shown, str(error)))
            continue
        (result.saved if fresh else result.reused).append(result_path)
    return result


def _save_one(root: Path, original: str, content: bytes | Path, max_bytes: int) -> tuple[Path, bool]:
    name = safe_name(original)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadRejected(f"unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})")
    size = len(content) if isinstance(content, bytes) else Path(content).stat().st_size
    if size > max_bytes:
        raise UploadRejected(f"too large ({size:,} bytes; the limit is {max_bytes:,})")
    data = content if isinstance(content, bytes) else Path(content).read_bytes()
    if not data.strip():
        raise UploadRejected("the file is empty")
    stem = Path(name).stem
    for attempt in range(1, 1000):
        candidate = root / (name if attempt == 1 else f"{stem}-{attempt}{suffix}")
        if candidate.resolve().parent != root:  # belt and braces: never outside the corpus
            raise UploadRejected("invalid file name")
        if candidate.exists():
            if candidate.is_file() and candidate.read_bytes() == data:
                return candidate, False
            continue
        try:
            with open(candidate, "xb") as out:  # exclusive create: never replaces a file
                out.write(data)
        except FileExistsError:
            continue
        return candidate, True
    raise UploadRejected("too many files with this name")
