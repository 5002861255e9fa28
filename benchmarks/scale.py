"""Scale benchmark: ingest, re-ingest, retrieval and extractive ask at one corpus size. Prints numbers,
asserts nothing.

    .venv/bin/python benchmarks/scale.py --chunks 1000 [--shape small|large] [--seed 0] [--server]
                                         [--work DIR] [--no-cache] [--questions 60] [--fresh]

One size per run; WORK (--work) defaults to $XDG_CACHE_HOME/newsrag/bench. The corpus comes from benchmarks/synthetic_news.py (made once per size and seed in
WORK/corpora/, reused after). Then, through the public API (`rag.Engine`) on a fresh index in WORK/runs/:

1. ingest: chunks/s end to end, the time split into embedding (and the model alone, behind the
   embedding cache), Chroma add, other Chroma calls, BM25 build, catalog, and the rest (reading,
   cleaning, chunking), measured by wrapping the engine's own objects at run time; next to it the bare
   embedder's chunks/s (same model object, same threads) and the ratio, twice: on pieces embedded a
   second time during the ingest (about --bare-samples of them, that time taken out of the ingest's), and on a
   sample of the same chunks after it.
2. re-ingest of the unchanged corpus (seconds).
3. retrieve p50/p95 (`Engine.retrieve`, k=5, warm, different questions whose answers the generator
   placed, and how often the answer is in the 5 passages), and the bare components doing the same work,
   question by question, engine first and bare first in turn (a repeated query vector is answered
   faster): the question embedded apart, a direct chromadb query on the same collection
   and a direct bm25s query on the same BM25 folder (depth max(k*3, 10), as rag.retrieval), fused by
   the same `rrf`. The ratio (retrieve - its own question embedding, timed inside by the wrapper on the
   model) / bare sum is what the engine's query path adds (catalog checks, filters, copies).
4. extractive ask p50/p95 (other questions, so no question vector is cached yet).
5. peak RSS (VmHWM) of this process after ingest and of a fresh serving process that opens the index
   and asks 10 questions.
6. a 1 % change: 1 % of the files rewritten with stories never generated before (so no cached vectors),
   re-ingested (seconds, chunks embedded); the original files are put back afterwards (untimed).

`--server` runs `chroma run` on WORK/chroma-server (a free port) and points the engine at it.
Embedding cache (rag.embedding_cache, RAG_EMBED_CACHE): left as configured unless `--no-cache`; every
ingest figure says how many vectors came from it (they cost a lookup, not a model run). The bare
embedder and the question embeddings never use it.

Resumable: each step's numbers are kept in WORK/runs/<run>/state.json; a rerun skips measured steps,
and an interrupted ingest continues where it stopped (its figures then cover the rest only, marked
"resumed"). `--fresh` forgets the run (index and numbers; the corpus is kept). The last line is a
one-line JSON summary, also appended to WORK/results.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402  (the offline environment first)
from benchmarks import synthetic_news  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.index import EMBED_PIECE  # noqa: E402
from rag.stats import percentile  # noqa: E402

K = 5
DEPTH = max(K * 3, 10)  # rag.retrieval: max(k * DEPTH_PER_PASSAGE, 10)


def say(text: str) -> None:
    print(text, flush=True)


def rss_mb(field: str = "VmHWM", pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def pcts(values: list[float]) -> dict:
    return {"p50": percentile(values, 50), "p95": percentile(values, 95)}


def fmt(p: dict, unit: str = "ms") -> str:
    return f"p50 {p['p50']:7.1f} {unit}, p95 {p['p95']:7.1f} {unit}" if p["p50"] is not None else "n/a"


class Clock:
    """Seconds (and items) per label, added up by wrappers put on the engine's own objects."""

    def __init__(self):
        self.seconds, self.items = Counter(), Counter()

    def wrap(self, obj, attr: str, label: str, items=None) -> None:
        inner = getattr(obj, attr, None)
        if inner is None:
            return

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.items[label] += items(*args) if items else 0

        setattr(obj, attr, timed)

    def reset(self) -> None:
        self.seconds.clear()
        self.items.clear()


class BareDuringIngest:
    """While an ingest runs, every `every`-th piece the model embeds is embedded a second time by the
    bare model (the same object's unwrapped `embed`), timed apart and taken out of the ingest's wall
    time. This gives a bare rate measured at the same moments as the ingest: the model's speed on this
    VM drifts by up to 15 % between runs minutes apart, which a sample taken after a 35-minute ingest
    mixes into the ratio. Which copy goes first alternates (a second pass over the same texts could be
    faster)."""

    def __init__(self, model, bare_embed, every: int):
        self.model, self.bare_embed, self.every = model, bare_embed, every
        self.calls, self.seconds, self.items = 0, 0.0, 0

    def __enter__(self) -> "BareDuringIngest":
        self._inner = inner = self.model.embed  # (the clock's "model" wrapper)

        def embed(texts):
            self.calls += 1
            if not self.every or len(texts) < 64 or self.calls % self.every:
                return inner(texts)
            if (self.calls // self.every) % 2:  # the ingest's copy first
                result = inner(texts)
                self._time_bare(texts)
                return result
            self._time_bare(texts)
            return inner(texts)

        self.model.embed = embed
        return self

    def __exit__(self, *exc) -> None:
        self.model.embed = self._inner

    def _time_bare(self, texts) -> None:
        started = time.perf_counter()
        self.bare_embed(list(texts))
        self.seconds += time.perf_counter() - started
        self.items += len(texts)

    def figures(self) -> dict:
        return {"bare_during_s": self.seconds, "bare_during_chunks": self.items}


def instrument(engine, clock: Clock):
    """Wrap the engine's embedder, stores and catalog; return the model and its own (unwrapped) `embed`."""
    index = engine.index
    model = index.embedder
    while hasattr(model, "inner"):
        model = model.inner
    bare_embed = model.embed
    clock.wrap(model, "embed", "model", items=len)
    make = getattr(index, "_ingest_embedder", None)  # ingest's embedder, through the embedding cache
    if make is not None:
        def ingest_embedder():
            embedder = make()
            if embedder is not model and not getattr(embedder, "_bench_timed", False):
                clock.wrap(embedder, "embed", "embedding", items=len)
                embedder._bench_timed = True
            return embedder
        index._ingest_embedder = ingest_embedder
    clock.wrap(index.vectors, "add", "chroma add")
    for attr in ("rows", "ids", "delete", "delete_file"):
        clock.wrap(index.vectors, attr, "chroma other")
    clock.wrap(index.terms, "build", "bm25 build")
    for attr in ("put_file", "mark_pending", "remove_file"):
        clock.wrap(index.catalog, attr, "catalog")
    return model, bare_embed


def ingest_figures(report, clock: Clock, bare: BareDuringIngest | None = None) -> dict:
    """The numbers of one ingest: seconds, chunks, where the time went, where the vectors came from
    (without the time of `bare`'s second embeddings)."""
    s = clock.seconds
    seconds = report.seconds - (bare.seconds if bare else 0.0)
    embedding = s["embedding"] or s["model"]
    split = {"embedding": embedding, "model": s["model"], "chroma add": s["chroma add"],
             "chroma other": s["chroma other"], "bm25 build": s["bm25 build"], "catalog": s["catalog"]}
    split["other"] = seconds - sum(v for k, v in split.items() if k != "model")
    reused = getattr(report, "reused", None)
    return {"seconds": seconds, "chunks": report.chunks, "model_texts": clock.items["model"],
            "cached": reused if reused is not None else max(report.chunks - clock.items["model"], 0),
            "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
            "errors": len(report.errors), "split": {k: round(v, 3) for k, v in split.items()},
            **(bare.figures() if bare else {})}


def show_ingest(label: str, f: dict) -> None:
    rate = f["chunks"] / f["seconds"] if f["seconds"] else 0
    say(f"{label:<18}{f['seconds']:8.2f} s  {f['chunks']} chunks written = {rate:.1f} chunks/s  "
        f"(files: {f['added']} added, {f['updated']} updated, {f['unchanged']} unchanged, {f['errors']} errors)")
    say(f"{'':<18}vectors: {f['model_texts']} computed by the model, {f['cached']} from the embedding cache (texts embedded before: reprints, earlier runs)")
    for name, seconds in f["split"].items():
        share = seconds / f["seconds"] * 100 if f["seconds"] else 0
        note = {"model": "  (inside embedding: the model alone)", "other": "  (find, hash, read, clean, chunk, ...)",
                "chroma other": "  (per-file rows, reconcile ids, deletes)"}.get(name, "")
        say(f"{'':<20}{name:<14}{seconds:8.2f} s {share:5.1f} %{note}")


def cache_state(settings: Settings) -> str:
    if "embed_cache" not in type(settings).model_fields:
        return "not in this checkout"
    path = settings.embed_cache_path() if hasattr(settings, "embed_cache_path") else settings.embed_cache
    return f"on ({path})" if path else "off"


def make_settings(args, corpus: Path, index: Path, port: int | None) -> Settings:
    common = dict(corpus=corpus, index=index, collection=f"bench-{run_name(args)}", answer_mode="extractive",
                  chroma_host="127.0.0.1" if port else None, chroma_port=port or 8000)
    if not args.no_cache:
        return Settings(**common)
    for value in ("off", ""):  # rag.config: RAG_EMBED_CACHE=off turns the cache off
        os.environ["RAG_EMBED_CACHE"] = value
        settings = Settings(**common)
        if not cache_state(settings).startswith("on"):
            return settings
    raise SystemExit("scale.py: could not turn the embedding cache off (RAG_EMBED_CACHE)")


def run_name(args) -> str:
    return f"{args.shape}-{args.chunks}-s{args.seed}"


def start_chroma(work: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(work / "chroma-server.log", "ab")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(work / "chroma-server"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc, port
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"scale.py: chroma server did not start (see {work / 'chroma-server.log'})")


def restore(originals: Path, corpus: Path) -> None:
    """Put back the files a 1 % change rewrote (also after an interrupted run)."""
    for saved in originals.rglob("*.txt"):
        shutil.copy2(saved, corpus / saved.relative_to(originals))
    shutil.rmtree(originals)


def serve_probe(spec: dict) -> None:
    """(Subprocess) a fresh serving process: open the index, ask 10 questions, report peak RSS."""
    started = time.perf_counter()
    engine = rag.Engine(Settings(**spec["settings"]))
    first = None
    for question in spec["questions"]:
        engine.ask(question, mode="extractive")
        first = first or time.perf_counter() - started
    engine.close()
    print(json.dumps({"rss_mb": rss_mb(), "first_answer_s": first, "seconds": time.perf_counter() - started}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=1000, help="corpus size in ~500-character chunks")
    parser.add_argument("--shape", choices=["small", "large"], default="small")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--server", action="store_true", help="Chroma in a `chroma run` server")
    default_work = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsrag" / "bench"
    parser.add_argument("--work", type=Path, default=default_work, help=f"working folder (default {default_work})")
    parser.add_argument("--no-cache", action="store_true", help="turn the embedding cache off (RAG_EMBED_CACHE)")
    parser.add_argument("--questions", type=int, default=60, help="questions timed for retrieve, and as many for ask")
    parser.add_argument("--sample", type=int, default=256, help="chunks the bare embedder is timed on after ingest")
    parser.add_argument("--bare-samples", type=int, default=20,
                        help="during ingest, embed about this many pieces a second time with the bare model (0: none)")
    parser.add_argument("--fresh", action="store_true", help="forget this run's index and numbers first")
    parser.add_argument("--serve-probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_probe:
        serve_probe(json.loads(args.serve_probe))
        return 0

    work = args.work.expanduser().resolve()
    corpus = work / "corpora" / run_name(args)
    run = work / "runs" / f"{run_name(args)}-{'server' if args.server else 'embedded'}"
    if args.fresh and run.exists():
        shutil.rmtree(run)
    run.mkdir(parents=True, exist_ok=True)
    state_file = run / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    measured: list[str] = []

    def done(step: str, figures: dict) -> dict:
        state[step] = figures
        state_file.write_text(json.dumps(state, indent=1))
        measured.append(step)
        return figures

    say(f"[1/7] corpus: {corpus}")
    made = synthetic_news.manifest(corpus)
    want = {"version": synthetic_news.VERSION, "seed": args.seed, "chunks": args.chunks, "shape": args.shape}
    if (run / "originals").exists():
        restore(run / "originals", corpus)
    if made is None or any(made.get(k) != v for k, v in want.items()):
        started = time.perf_counter()
        synthetic_news.generate(corpus, args.chunks, args.seed, args.shape)
        made = synthetic_news.manifest(corpus)
        say(f"      generated in {time.perf_counter() - started:.1f} s")
    say(f"      {made['files']} files, {made['stories']} stories, ~{made['estimated_chunks']} chunks (reused if present)")

    server, port = (None, None)
    if args.server:
        server, port = start_chroma(work)
        say(f"      chroma server on 127.0.0.1:{port} (pid {server.pid}, data {work / 'chroma-server'})")
    try:
        summary = measure(args, corpus, run, made, port, state, done)
        if server is not None:
            summary["chroma_server_rss_mb"] = rss_mb(pid=server.pid)
            say(f"chroma server       peak RSS {summary['chroma_server_rss_mb']} MB")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    line = json.dumps(summary)
    if measured:
        with open(work / "results.jsonl", "a", encoding="utf-8") as out:
            out.write(line + "\n")
    else:
        say("(every step was measured before: nothing appended; --fresh measures again)")
    print(line)
    return 0


def measure(args, corpus: Path, run: Path, made: dict, port: int | None, state: dict, done) -> dict:
    from rag.progress import ingest_progress_bar
    from rag.retrieval import rrf
    from rag.terms import bm25_tokenize

    settings = make_settings(args, corpus, run / "index", port)
    say(f"      mode {'server' if port else 'embedded'}; embedding cache: {cache_state(settings)}; "
        f"onnxruntime threads {settings.embed_threads or 'all'} ({os.cpu_count()} CPUs), batch {settings.embed_batch_size}; "
        f"load average {os.getloadavg()[0]:.2f} (numbers mean little on busy cores)")
    resumed = "ingest" not in state and (run / "index").exists()
    if port and "ingest" not in state and not resumed:  # a fresh index: drop the server's old collection
        import chromadb

        server = chromadb.HttpClient(host="127.0.0.1", port=port)
        if settings.collection in [c.name for c in server.list_collections()]:
            server.delete_collection(settings.collection)
    engine = rag.Engine(settings)
    clock = Clock()
    model, bare_embed = instrument(engine, clock)
    bare_embed(["warm up the model"])
    qs = synthetic_news.questions(args.seed, 2 * args.questions, made["stories"])
    asked, retrieved = qs[len(qs) // 2:], qs[: len(qs) // 2]

    say("[2/7] ingest" + (" (resuming an interrupted ingest: figures cover the rest only)" if resumed else ""))
    if "ingest" not in state:
        clock.reset()
        pieces = made["estimated_chunks"] / EMBED_PIECE  # (ingest embeds in pieces of EMBED_PIECE chunks)
        every = max(1, round(pieces / args.bare_samples)) if args.bare_samples else 0
        with BareDuringIngest(model, bare_embed, every) as bare:
            report = engine.ingest(progress=ingest_progress_bar("ingest"))
        done("ingest", ingest_figures(report, clock, bare) | {"resumed": resumed, "rss_mb": rss_mb(),
                                                          "total_chunks": engine.chunk_count()})
    if "bare" not in state:
        every = max(1, engine.chunk_count() // args.sample)
        sample = [c.text for c, _ in islice(engine.index.catalog.chunks(), 0, None, every)][: args.sample]
        started = time.perf_counter()
        for i in range(0, len(sample), 256):
            bare_embed(sample[i : i + 256])
        done("bare", {"bare_chunks_per_s": len(sample) / (time.perf_counter() - started), "bare_sample": len(sample)})
    f = state["ingest"] | state["bare"]
    show_ingest("ingest", f)
    if f["resumed"] and not f["chunks"]:
        say(f"{'':<18}(the interrupted ingest had finished: no throughput to report; --fresh measures it again)")
    rate = f["chunks"] / f["seconds"] if f["seconds"] else 0
    computed = f["model_texts"] / f["seconds"] if f["seconds"] else 0
    say(f"{'':<18}bare embedder {f['bare_chunks_per_s']:.1f} chunks/s on {f['bare_sample']} of the same chunks after ingest "
        f"(same model object and threads, no cache) -> end to end / bare = {rate / f['bare_chunks_per_s']:.2f}")
    during = f["bare_during_chunks"] / f["bare_during_s"] if f.get("bare_during_s") else None
    if during:
        say(f"{'':<18}bare embedder during ingest {during:.1f} chunks/s on {f['bare_during_chunks']} chunks (pieces "
            f"embedded twice, taken out of ingest's time) -> end to end / bare during = {rate / during:.2f}")
    if f["cached"] and f["model_texts"]:
        say(f"{'':<18}  ^ with {f['cached']} cached vectors. Counting only the {f['model_texts']} the model computed: "
            f"{computed:.1f} chunks/s = {computed / f['bare_chunks_per_s']:.2f} of bare")
    elif f["cached"]:
        say(f"{'':<18}  ^ every vector came from the embedding cache: this ingest measures everything but the model "
            "(--no-cache, or another RAG_EMBED_CACHE, to embed)")
    if f["model_texts"]:
        say(f"{'':<18}the model inside ingest ran at {f['model_texts'] / f['split']['model']:.1f} chunks/s; "
            f"its own time / ingest's = {f['split']['model'] / f['seconds']:.2f} (what ingest adds around the model, "
            "free of the machine's drift between two measurements)")
    say(f"{'':<18}index holds {f['total_chunks']} chunks; peak RSS of the ingest process {f['rss_mb']} MB")

    say("[3/7] re-ingest, nothing changed")
    if "reingest" not in state:
        clock.reset()
        done("reingest", ingest_figures(engine.ingest(), clock))
    say(f"re-ingest         {state['reingest']['seconds']:8.2f} s  ({state['reingest']['unchanged']} files unchanged, "
        f"{state['reingest']['chunks']} chunks written)")

    say(f"[4/7] retrieve: {len(retrieved)} questions, k={K}, depth {DEPTH}, warm")
    if "retrieve" not in state:
        import bm25s
        import chromadb

        client = (chromadb.HttpClient(host="127.0.0.1", port=port) if port
                  else chromadb.PersistentClient(path=str(settings.index / "chroma")))
        collection = client.get_collection(settings.collection, embedding_function=None)
        bm25 = bm25s.BM25.load(str(settings.index / "bm25"), show_progress=False)
        ids = [row["id"] for row in json.loads((settings.index / "bm25" / "rows.json").read_text())]
        parts: dict[str, list[float]] = {name: [] for name in ("engine", "inner embed", "embed", "chroma", "bm25", "rrf")}
        hits = 0

        def timed_retrieve(question: str) -> list:
            """Engine.retrieve, and the time its own question embedding took (the model wrapper's clock)."""
            before, started = clock.seconds["model"], time.perf_counter()
            passages = engine.retrieve(question, k=K)
            parts["engine"].append((time.perf_counter() - started) * 1000)
            parts["inner embed"].append((clock.seconds["model"] - before) * 1000)
            return passages

        def bare(question: str) -> None:
            """The same work by the bare components: embed, chromadb query, bm25s query, rrf."""
            t0 = time.perf_counter()
            vector = bare_embed([question])[0].tolist()
            t1 = time.perf_counter()
            found = collection.query(query_embeddings=[vector], n_results=DEPTH,
                                     include=["metadatas", "distances"])  # (newsrag keeps no texts in Chroma)
            t2 = time.perf_counter()
            rows, scores = bm25.retrieve(bm25_tokenize(question), k=min(DEPTH, len(ids)), show_progress=False)
            terms = [ids[i] for i, score in zip(rows[0], scores[0]) if score > 0]
            t3 = time.perf_counter()
            rrf([found["ids"][0], terms])
            t4 = time.perf_counter()
            for name, (a, b) in zip(("embed", "chroma", "bm25", "rrf"), [(t0, t1), (t1, t2), (t2, t3), (t3, t4)]):
                parts[name].append((b - a) * 1000)

        warm = "How many troops were moved near the border?"  # BM25 loaded, caches and clients warm
        timed_retrieve(warm)
        bare(warm)
        for values in parts.values():
            values.clear()
        # Paired, in alternating order: the second search of a vector is faster (Chroma answers a
        # repeated query vector in ~half the time: measured 8.5 vs 3.9 ms at 100k), so whichever went
        # first would pay for both.
        for i, q in enumerate(retrieved):
            if i % 2:
                bare(q["question"])
            hits += any(q["answer"] in p.text for p in timed_retrieve(q["question"]))
            if not i % 2:
                bare(q["question"])
        sums = [c + b + r for c, b, r in zip(parts["chroma"], parts["bm25"], parts["rrf"])]
        net = [w - e for w, e in zip(parts["engine"], parts["inner embed"])]
        net_apart = [w - e for w, e in zip(parts["engine"], parts["embed"])]
        done("retrieve", {"n": len(retrieved), "recall_at_5": hits / max(len(retrieved), 1),
                          **{name: pcts(values) for name, values in parts.items()}, "engine_minus_embed": pcts(net),
                          "bare_sum": pcts(sums), "ratio": percentile(net, 50) / percentile(sums, 50),
                          "ratio_apart": percentile(net_apart, 50) / percentile(sums, 50)})
    r = state["retrieve"]
    say(f"Engine.retrieve        {fmt(r['engine'])}   (answer among the {K} passages: {r['recall_at_5']:.0%})")
    say(f"  its question embed   {fmt(r['inner embed'])}   (timed inside, by the wrapper on the model)")
    say(f"  retrieve - embed     {fmt(r['engine_minus_embed'])}")
    say(f"bare: question embed   {fmt(r['embed'])}   (apart, the same model)")
    say(f"      chromadb query   {fmt(r['chroma'])}   (same collection, n_results {DEPTH})")
    say(f"      bm25s query      {fmt(r['bm25'])}   (same bm25 folder, rag's tokenizer)")
    say(f"      rrf              {fmt(r['rrf'])}")
    say(f"      sum, no embed    {fmt(r['bare_sum'])}")
    say(f"  -> (retrieve - its embed) / bare sum = {r['ratio']:.2f} (p50s); "
        f"subtracting the embed timed apart instead: {r['ratio_apart']:.2f}")

    say(f"[5/7] extractive ask: {len(asked)} other questions, warm")
    if "ask" not in state:
        engine.ask("What did the officials say about the talks?", mode="extractive")
        times, answered, found = [], 0, 0
        for q in asked:
            started = time.perf_counter()
            answer = engine.ask(q["question"], mode="extractive")
            times.append((time.perf_counter() - started) * 1000)
            answered += not answer.refused
            found += q["answer"] in answer.text
        done("ask", {"n": len(asked), **pcts(times), "answered": answered / max(len(asked), 1),
                     "answer_found": found / max(len(asked), 1)})
    a = state["ask"]
    say(f"ask (extractive)    {fmt(a)}   (answered {a['answered']:.0%}, the expected answer in the text {a['answer_found']:.0%})")

    say("[6/7] a fresh serving process: open the index, ask 10 questions")
    if "serve" not in state:
        spec = {"settings": {k: str(v) if isinstance(v, Path) else v for k, v in settings.model_dump().items()
                             if k in ("corpus", "index", "collection", "chroma_host", "chroma_port", "answer_mode", "embed_cache")},
                "questions": [q["question"] for q in asked[:10]]}
        out = subprocess.run([sys.executable, __file__, "--serve-probe", json.dumps(spec)], capture_output=True,
                             text=True, cwd=ROOT)
        if out.returncode != 0:
            raise SystemExit(f"scale.py: the serving process failed:\n{out.stderr[-2000:]}")
        done("serve", json.loads(out.stdout.strip().splitlines()[-1]))
    s = state["serve"]
    say(f"serving process     peak RSS {s['rss_mb']} MB; first answer after {s['first_answer_s']:.2f} s "
        f"(imports, model, index), 10 answers in {s['seconds']:.2f} s")

    say("[7/7] 1 % change: files rewritten with new stories, re-ingested")
    if "change" not in state:
        files = sorted(corpus.rglob("*.txt"))
        picked = random.Random(args.seed).sample(files, max(1, round(len(files) / 100)))
        originals = run / "originals"
        fresh = -random.SystemRandom().randrange(1, 1 << 40)  # stories never written before: no cached vectors
        for i, path in enumerate(picked):
            saved = originals / path.relative_to(corpus)
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, saved)
            path.write_text(synthetic_news.article_text(fresh, i), encoding="utf-8")
        clock.reset()
        figures = ingest_figures(engine.ingest(), clock) | {"files": len(picked)}
        restore(originals, corpus)
        engine.ingest()  # back to the corpus as generated (untimed)
        done("change", figures)
    show_ingest("1 % change", state["change"])
    engine.close()

    return {"run": run.name, "shape": args.shape, "target_chunks": args.chunks, "seed": args.seed,
            "mode": "server" if port else "embedded", "embed_cache": cache_state(settings), "cpus": os.cpu_count(), "load_1min": round(os.getloadavg()[0], 2),
            "files": made["files"], "chunks": f["total_chunks"], "resumed": f["resumed"],
            "ingest_s": round(f["seconds"], 2), "ingest_chunks_per_s": round(rate, 1),
            "ingest_model_texts": f["model_texts"], "ingest_cached": f["cached"],
            **{f"ingest_{k.replace(' ', '_')}_s": v for k, v in f["split"].items()},
            "ingest_computed_per_s": round(computed, 1), "bare_embed_chunks_per_s": round(f["bare_chunks_per_s"], 1), "ingest_vs_bare": round(rate / f["bare_chunks_per_s"], 2),
            "ingest_vs_model": round(f["split"].get("model", 0) / f["seconds"], 2) if f["seconds"] else None,
            "bare_during_chunks_per_s": round(during, 1) if during else None,
            "ingest_vs_bare_during": round(rate / during, 2) if during else None,
            "reingest_s": round(state["reingest"]["seconds"], 2),
            "change_files": state["change"]["files"], "change_s": round(state["change"]["seconds"], 2),
            "change_chunks": state["change"]["chunks"], "change_model_texts": state["change"]["model_texts"],
            "change_cached": state["change"]["cached"],
            "retrieve_p50_ms": round(r["engine"]["p50"], 1), "retrieve_p95_ms": round(r["engine"]["p95"], 1),
            "retrieve_embed_p50_ms": round(r["inner embed"]["p50"], 1), "embed_apart_p50_ms": round(r["embed"]["p50"], 1),
            "retrieve_minus_embed_p50_ms": round(r["engine_minus_embed"]["p50"], 1),
            "bare_sum_p50_ms": round(r["bare_sum"]["p50"], 1), "retrieve_vs_bare": round(r["ratio"], 2),
            "recall_at_5": round(r["recall_at_5"], 3),
            "ask_p50_ms": round(a["p50"], 1), "ask_p95_ms": round(a["p95"], 1), "ask_answer_found": round(a["answer_found"], 3),
            "ingest_rss_mb": f["rss_mb"], "serve_rss_mb": s["rss_mb"], "when": time.strftime("%Y-%m-%dT%H:%M:%S")}


if __name__ == "__main__":
    sys.exit(main())
