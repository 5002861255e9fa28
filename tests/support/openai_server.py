"""A real, scripted OpenAI-compatible HTTP server for tests.

It listens on 127.0.0.1 (a free port), runs in a background thread and answers each
`POST /v1/chat/completions` with the next reply from a script, so a test decides exactly what
"the model" says and how it fails. Streaming requests (`"stream": true`) get Server-Sent Events
exactly as OpenAI sends them: `data: {chat.completion.chunk}\\n\\n` ... `data: [DONE]\\n\\n`,
over HTTP/1.1 chunked transfer encoding (so a cut-off stream is detectable, as on the real wire).

    from tests.support.openai_server import ScriptedOpenAIServer, reply

    with ScriptedOpenAIServer([
        reply.error(429, retry_after=1),          # first request: rate limited
        reply.text("Paris [1].", chunk=1),        # second: streamed one character at a time
    ]) as server:
        client = LLMClient(base_url=server.base_url, api_key=None, model="scripted", ...)
        ...
        assert len(server.chat_requests) == 2
        assert server.chat_requests[-1].json["messages"][0]["role"] == "system"

Replies (module `reply`):
  text(content, chunk=4)          a normal answer; `chunk` = characters per SSE delta when streamed
  empty()                         200 with empty content ("" non-stream, no content delta streamed)
  error(status, retry_after=...)  an OpenAI-style JSON error body with that HTTP status
  hang(seconds=30)                sends nothing for `seconds` (past the client's timeout)
  garbage()                       200 whose body is not JSON (non-stream) / whose SSE data is not JSON
  verdict(yes, content=None, top=None)
                                  a reply ("yes"/"no" unless `content`) with the top log probabilities of
                                  its first token when the request asks for them: P(yes) = `yes` and
                                  P(no) = 1 - `yes`, or `top` ({token: probability}) as given
  broken(content, after=3, chunk=1, how="cut"|"hang")
                                  streams `after` deltas, then drops the connection or goes silent
Every reply has `.forever()`: it stays at the head of the script and answers every later request
(e.g. `reply.error(500).forever()`). When the script is empty the server answers 500
"no scripted reply left", which tests see as a failure.

Also served: `GET /v1/models` (one model, `model_id`) and `POST /v1/embeddings` (deterministic
8-dimensional vectors derived from a hash of each input). Every request is recorded in
`server.requests` (method, path, headers, parsed JSON body).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, Iterable, Literal

__all__ = ["Reply", "RecordedRequest", "ScriptedOpenAIServer", "reply"]


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the helpers in `reply` rather than by hand."""

    kind: Literal["text", "empty", "error", "hang", "garbage", "broken"]
    content: str = ""
    chunk: int = 4
    status: int = 200
    retry_after: float | None = None
    seconds: float = 30.0
    after: int = 3
    how: Literal["cut", "hang"] = "cut"
    finish_reason: str = "stop"
    repeat: bool = False
    top_logprobs: tuple[tuple[str, float], ...] = ()  # (token, log probability) of the first token

    def forever(self) -> "Reply":
        """The same reply for this and every later request."""
        return replace(self, repeat=True)


def _text(content: str, *, chunk: int = 4, finish_reason: str = "stop") -> Reply:
    if chunk < 1:
        raise ValueError("chunk must be >= 1")
    return Reply("text", content=content, chunk=chunk, finish_reason=finish_reason)


def _error(status: int, *, retry_after: float | None = None) -> Reply:
    return Reply("error", status=status, retry_after=retry_after)


def _broken(content: str, *, after: int = 3, chunk: int = 1, how: Literal["cut", "hang"] = "cut",
            seconds: float = 30.0) -> Reply:
    return Reply("broken", content=content, after=after, chunk=chunk, how=how, seconds=seconds)


def _verdict(yes: float = 0.5, content: str | None = None, top: dict[str, float] | None = None) -> Reply:
    if not 0.0 < yes < 1.0:
        raise ValueError("yes must be a probability strictly between 0 and 1")
    pairs = top.items() if top is not None else (("yes", yes), ("no", 1 - yes))
    text = content if content is not None else ("yes" if yes >= 0.5 else "no")
    return Reply("text", content=text, top_logprobs=tuple((t, math.log(p)) for t, p in pairs))


reply = SimpleNamespace(
    verdict=_verdict,
    text=_text,
    empty=lambda: Reply("empty"),
    error=_error,
    hang=lambda seconds=30.0: Reply("hang", seconds=seconds),
    garbage=lambda: Reply("garbage"),
    broken=_broken,
)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None  # the parsed body, or None when there was none / it was not JSON


@dataclass
class _State:
    script: deque[Reply]
    model_id: str
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    counter: int = 0

    def next_reply(self) -> Reply | None:
        with self.lock:
            if not self.script:
                return None
            return self.script[0] if self.script[0].repeat else self.script.popleft()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked encoding, like real servers
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def _record(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        rec = RecordedRequest(self.command, self.path, dict(self.headers.items()), body)
        with self.server.state.lock:
            self.server.state.requests.append(rec)
        return rec

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _send_raw(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _sse(self, payload: Any) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunk(f"data: {data}\n\n".encode())

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        """End the response without its terminating chunk: the client sees a broken body."""
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def _wait(self, seconds: float) -> None:
        self.server.state.stopping.wait(seconds)  # returns early when the server stops

    # --- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._record()
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": self.server.state.model_id, "object": "model", "created": 0, "owned_by": "scripted"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_json(404, _error_body(f"no route GET {self.path}", "not_found"))

    def do_POST(self) -> None:
        request = self._record()
        body = request.json if isinstance(request.json, dict) else {}
        path = self.path.rstrip("/")
        if path == "/v1/chat/completions":
            self._chat(body)
        elif path == "/v1/embeddings":
            self._embeddings(body)
        else:
            self._send_json(404, _error_body(f"no route POST {self.path}", "not_found"))

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        data = []
        for i, text in enumerate(inputs):
            digest = hashlib.sha256(str(text).encode()).digest()
            data.append({"object": "embedding", "index": i, "embedding": [b / 255 for b in digest[:8]]})
        self._send_json(200, {"object": "list", "data": data, "model": body.get("model", ""),
                              "usage": {"prompt_tokens": 0, "total_tokens": 0}})

    def _chat(self, body: dict[str, Any]) -> None:
        state = self.server.state
        r = state.next_reply()
        if r is None:
            self._send_json(500, _error_body("scripted server: no scripted reply left", "server_error"))
            return
        with state.lock:
            state.counter += 1
            completion_id = f"chatcmpl-scripted-{state.counter}"
        model = body.get("model") or state.model_id
        stream = bool(body.get("stream"))

        if r.kind == "error":
            headers = {} if r.retry_after is None else {"Retry-After": f"{r.retry_after:g}"}
            self._send_json(r.status, _error_body(f"scripted HTTP {r.status}", "scripted_error"), headers)
        elif r.kind == "hang":
            self._wait(r.seconds)
            self.close_connection = True
        elif r.kind == "garbage":
            if stream:
                self._start_sse()
                self._sse('{"id": "chatcmpl-garbage", "choices": [{"delta": {"content": "Hel')
                self._end_chunks()
            else:
                self._send_raw(200, b'{"id": "chatcmpl-garbage", "choices": [', "application/json")
        elif r.kind in ("text", "empty", "broken"):
            content = r.content if r.kind != "empty" else ""
            if not stream:
                if r.kind == "broken":  # announce a full body, send half of it, hang up
                    payload = json.dumps(_completion(completion_id, model, content, r.finish_reason)).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self._end_broken(r)
                else:
                    completion = _completion(completion_id, model, content, r.finish_reason)
                    if r.top_logprobs and body.get("logprobs"):  # as OpenAI: only when asked for
                        top = [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in r.top_logprobs]
                        first = max(top, key=lambda t: t["logprob"])
                        completion["choices"][0]["logprobs"] = {"content": [{**first, "top_logprobs": top}]}
                    self._send_json(200, completion)
                return
            self._start_sse()
            self._sse(_chunk(completion_id, model, {"role": "assistant", "content": ""}))
            pieces = [content[i : i + r.chunk] for i in range(0, len(content), r.chunk)]
            for n, piece in enumerate(pieces):
                if r.kind == "broken" and n == r.after:
                    self._end_broken(r)
                    return
                self._sse(_chunk(completion_id, model, {"content": piece}))
            if r.kind == "broken":
                self._end_broken(r)
                return
            self._sse(_chunk(completion_id, model, {}, finish_reason=r.finish_reason))
            self._sse("[DONE]")
            self._end_chunks()
        else:  # pragma: no cover - guarded by the Reply constructors
            raise AssertionError(r.kind)

    def _end_broken(self, r: Reply) -> None:
        if r.how == "hang":
            self.wfile.flush()
            self._wait(r.seconds)
            self.close_connection = True
        else:
            self._drop_connection()


def _error_body(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def _completion(cid: str, model: str, content: str, finish_reason: str) -> dict[str, Any]:
    return {
        "id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "logprobs": None, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _chunk(cid: str, model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gives up (timeout tests, fallbacks) resets the connection: expected, not news.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)
    state: _State


class ScriptedOpenAIServer:
    """Context manager: `with ScriptedOpenAIServer([reply.text("hi")]) as s: s.base_url`."""

    def __init__(self, replies: Iterable[Reply] = (), *, model_id: str = "scripted-model") -> None:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.state = _State(script=deque(replies), model_id=model_id)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-openai", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be: `http://127.0.0.1:PORT/v1`."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._httpd.state.lock:
            return list(self._httpd.state.requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        """Scripted replies not used yet (a `forever` reply counts once)."""
        with self._httpd.state.lock:
            return len(self._httpd.state.script)

    def add(self, *replies: Reply) -> None:
        """Append replies to the script (e.g. between two questions of one test)."""
        with self._httpd.state.lock:
            self._httpd.state.script.extend(replies)

    def start(self) -> "ScriptedOpenAIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.state.stopping.set()  # wake up hanging replies
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ScriptedOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
