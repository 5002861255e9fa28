"""Ingest: bring an index in line with a corpus folder.

New files are added, changed files replaced, deleted files removed (only on a full run, without
`paths`), unchanged files cost a hash. Changed files are loaded and written in groups of about
`Settings.ingest_batch_chars` characters: big enough to embed efficiently, small enough that a kill
loses little (each file is committed on its own, rag.index). Unreadable files are reported in
`IngestReport.errors` and leave what was indexed before untouched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from rag import documents
from rag.errors import CorpusNotFound
from rag.index import Index
from rag.memory import release_free_memory
from rag.schema import Article, IngestReport

LARGE_FILE = 1_000_000  # bytes: after reading a file this big, free memory goes back to the OS

Progress = Callable[[int, int, str], None]  # (files done, files total, file just done)
Pending = tuple[str, str, list[Article]]  # (file, sha256, its articles)


class _Run:
    """One ingest run: the report, the group of changed files waiting to be written, and progress."""

    def __init__(self, index: Index, total: int, batch_chars: int, progress: Progress | None):
        self.index, self.total, self.batch_chars, self.progress = index, total, batch_chars, progress
        self.report = IngestReport()
        self.known = index.catalog.file_hashes()
        self.pending: list[Pending] = []
        self.pending_chars = 0
        self.written: set[str] = set()  # sources of the articles written by this run
        self.done = 0
        self._tell("")

    def _tell(self, name: str) -> None:
        if self.progress:
            self.progress(self.done, self.total, name)

    def finished(self, name: str) -> None:
        # Progress counts files done: skipped, failed, or embedded and committed. Embedding is the
        # slow part, so counting files read would race ahead and then stall.
        self.done += 1
        self._tell(name)

    def queue(self, item: Pending) -> None:
        self.pending.append(item)
        self.pending_chars += sum(len(a.text) for a in item[2])
        if self.pending_chars >= self.batch_chars:
            self.flush()

    def flush(self) -> None:
        """Embed and commit the pending files, and count them."""
        if not self.pending:
            return
        written, reused = self.index.sync_files(self.pending)
        self.report.chunks += written
        self.report.reused += reused
        for _, _, articles in self.pending:
            self.written.update(a.source for a in articles)
        for name, _, _ in self.pending:
            if name in self.known:
                self.report.updated += 1
            else:
                self.report.added += 1
            self.finished(name)
        self.pending, self.pending_chars = [], 0


def ingest(index: Index, root: Path, paths: list[Path] | None = None, *, batch_chars: int = 200_000,
           progress: Progress | None = None, follow_outside_links: bool = False) -> IngestReport:
    """Index the files of corpus folder `root` (or only `paths` inside it) into `index`. Links that
    loop, are broken or lead out of the corpus (unless `follow_outside_links`) are reported in
    `errors` and not read (rag.documents.discover)."""
    started = time.perf_counter()
    root = Path(root)
    if not root.is_dir():
        raise CorpusNotFound(f"corpus folder {root} does not exist: create it or set RAG_CORPUS / --corpus")
    with index.writing():  # IndexBusy if another process has the index open (rag.lock)
        report = _sync(index, root, paths, batch_chars, progress, follow_outside_links)
    report.seconds = time.perf_counter() - started
    return report


def _sync(index: Index, root: Path, paths: list[Path] | None, batch_chars: int, progress: Progress | None,
          follow_outside_links: bool) -> IngestReport:
    repair = index.needs_reconcile()  # read before this run marks its own write as started
    index.started_writing()
    if index.built_differently():
        index.reset()  # another embedder or chunking: nothing stored can be reused
    skipped: list[tuple[str, str]] = []
    files = documents.discover(root, paths, follow_outside_links=follow_outside_links, skipped=skipped)
    redo = index.reconcile() if repair else set()
    run = _Run(index, len(files), batch_chars, progress)
    run.report.errors.extend(skipped)  # not "seen": an indexed file that became such a link is removed
    seen: set[str] = set()
    for path in files:
        name = documents.source_name(path, root)
        seen.add(name)
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            if run.known.get(name) == sha and name not in redo:
                run.report.unchanged += 1
                run.finished(name)
                continue
            articles = documents.load_file(path, root)
            if path.stat().st_size > LARGE_FILE:
                release_free_memory()  # cleaning a large file leaves its intermediate copies in the heap
        except (documents.DocumentError, OSError) as error:
            run.report.errors.append((name, str(error)))
            run.finished(name)
            continue
        run.queue((name, sha, articles))
    run.flush()
    if paths is None:
        for name in sorted(set(run.known) - seen):
            index.remove_file(name)
            run.report.removed += 1
        index.drop_pending(keep=seen)
    index.release_vectors()  # Chroma's writes are done: its memory is not needed for the BM25 build
    index.refresh_bm25()
    index.finished_writing()
    run.report.duplicates = _duplicates(index, run.written)
    return run.report


def _duplicates(index: Index, written: set[str]) -> list[tuple[str, str]]:
    """(source, the first source with the same text) for the groups of identical texts that this run
    wrote to: the written articles, or all the others if the written one comes first."""
    pairs = []
    for first, *others in index.catalog.duplicate_groups():
        if first in written:
            pairs += [(other, first) for other in others]
        else:
            pairs += [(other, first) for other in others if other in written]
    return pairs
