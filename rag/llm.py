"""Client for any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp's server).

Every failure, whatever its cause, surfaces as one `LLMError` whose message is a single line a user
can read ("model endpoint http://127.0.0.1:8080/v1 unreachable: [Errno 111] Connection refused").
The answer module catches `LLMError` and falls back to the extractive answer, so nothing else may
escape from `complete`, `stream` or `yes_probability` (a one-token verdict, for rag.judged).

    >>> client = LLMClient("http://127.0.0.1:8080/v1", api_key=None, model="smollm2")
    >>> client.complete([{"role": "user", "content": "Say hi"}])     # doctest: +SKIP
    'Hi!'
    >>> "".join(client.stream([{"role": "user", "content": "Say hi"}]))  # doctest: +SKIP
    'Hi!'

Retries. Timeouts, connection errors, HTTP 429 and 5xx are retried up to `max_retries` times with
exponential backoff (`backoff` * 2**n, full jitter, capped at `max_backoff`), honouring a server's
`Retry-After` / `retry-after-ms` up to `max_retry_after` seconds. We run this loop ourselves and
create the `openai.OpenAI` client with `max_retries=0`, rather than relying on the client's own
retries (which do back off on the same errors), because:
  - the client honours Retry-After up to 60 s; an interactive question should not wait that long,
    so we cap it (default 10 s) and otherwise fall back to the extractive answer;
  - the final message must say what happened and how often ("HTTP 500 after 3 attempts"), which the
    client's exceptions do not carry;
  - a stream that breaks before its first text delta can be retried like any request, whereas the
    client only retries the opening of the response;
  - each retry is logged (reason and wait), and tests can shrink the backoff to run fast.
A stream that breaks after text was already yielded is not retried (the caller has shown that text):
it raises `LLMError`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from rag.errors import LLMError  # noqa: F401  - raised here; importable from rag.llm as before


log = logging.getLogger(__name__)

#: what local servers get as api_key: they need none, but the client insists on a string
NO_KEY = "not-needed"
TOP_LOGPROBS = 10  # enough for every spelling of yes and no; OpenAI allows up to 20

Message = Mapping[str, str]


class _Retryable(Exception):
    """Internal: a failure worth another attempt, with the user-facing reason and a server hint."""

    def __init__(self, head: str, detail: str = "", retry_after: float | None = None) -> None:
        self.head, self.detail, self.retry_after = head, detail, retry_after
        self.reason = f"{head}: {detail}" if detail else head
        super().__init__(self.reason)

    def final(self, attempts: int) -> str:
        """The message once retries are exhausted: `<head> after N attempts[: <detail>]`."""
        head = self.head if attempts == 1 else f"{self.head} after {attempts} attempts"
        return f"{head}: {self.detail}" if self.detail else head


class LLMClient:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        timeout: float = 30.0,
        max_retries: int = 2,
        max_tokens: int = 512,
        temperature: float = 0.0,
        *,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url and not model:
            raise LLMError("no model endpoint configured (set OPENAI_BASE_URL and RAG_LLM_MODEL)")
        if not model:  # the endpoint alone is not enough: say exactly what is missing
            raise LLMError(f"no model configured (RAG_LLM_MODEL is not set: name the model to use at {base_url.rstrip('/')})")
        if not base_url:
            raise LLMError(f"no model endpoint configured (OPENAI_BASE_URL is not set: give the address serving {model})")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.max_tokens = int(max_tokens)
        self.temperature = float(temperature)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._api_key = api_key or NO_KEY
        # Local servers must not be reached through an HTTP(S)_PROXY from the environment.
        host = (urlsplit(self.base_url).hostname or "").lower()
        local = host in {"127.0.0.1", "localhost", "::1"}
        import openai  # here, not at module level: 1.3 s that extractive answers never need

        try:
            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=self._api_key,
                timeout=self.timeout,
                max_retries=0,  # see the module docstring: we retry ourselves
                http_client=openai.DefaultHttpxClient(trust_env=not local, timeout=self.timeout),
            )
        except Exception as exc:  # e.g. a malformed URL
            raise LLMError(f"model endpoint {self.base_url} is not usable: {self._clean(exc)}") from None

    @classmethod
    def from_settings(cls, settings: Any) -> "LLMClient":
        """Build from `rag.config.Settings`; LLMError when no endpoint/model is configured."""
        return cls(
            base_url=settings.openai_base_url or "",
            api_key=settings.openai_api_key,
            model=settings.llm_model or "",
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
        )

    def __repr__(self) -> str:  # never shows the key
        return f"LLMClient(base_url={self.base_url!r}, model={self.model!r})"

    def close(self) -> None:
        self._client.close()

    # --- public API ---------------------------------------------------------------------------
    def complete(
        self, messages: Sequence[Message], *, max_tokens: int | None = None, stop: Sequence[str] | None = None
    ) -> str:
        """The model's whole reply. Raises LLMError on any failure, including an empty reply."""
        params = self._params(messages, max_tokens, stop)
        return "".join(self._with_retries(lambda: self._complete_once(params)))

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int | None = None, stop: Sequence[str] | None = None
    ) -> Iterator[str]:
        """Text deltas as the model produces them. Raises LLMError on any failure, also mid-stream."""
        params = self._params(messages, max_tokens, stop)
        yield from self._with_retries(lambda: self._stream_once(params))

    def yes_probability(self, messages: Sequence[Message]) -> float:
        """P(yes) / (P(yes) + P(no)) for the first token of the model's reply, from the endpoint's top
        log probabilities (one token is generated; "Yes", " yes" ... all count). 0.5 when neither word
        is among the top tokens. Raises LLMError on any failure, including an endpoint that gives no
        log probabilities (e.g. one that ignores the parameter)."""
        params = self._params(messages, 1, None)
        params.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
        return next(self._with_retries(lambda: self._yes_once(params)))

    # --- one attempt each -----------------------------------------------------------------------
    def _yes_once(self, params: dict) -> Iterator[float]:
        try:
            response = self._client.chat.completions.create(**params)
            logprobs = response.choices[0].logprobs if response.choices else None
            tops = logprobs.content[0].top_logprobs if logprobs and logprobs.content else None
            mass = {"yes": 0.0, "no": 0.0}
            for top in tops or ():
                word = str(top.token).strip().lower()
                if word in mass:
                    mass[word] += math.exp(float(top.logprob))
        except Exception as exc:  # the openai SDK does not validate: a malformed entry fails here
            raise self._classify(exc) from None
        if not tops:
            raise LLMError(f"model endpoint {self.base_url} gave no token log probabilities")
        total = mass["yes"] + mass["no"]
        yield mass["yes"] / total if total > 0 else 0.5

    def _complete_once(self, params: dict) -> Iterator[str]:
        try:
            response = self._client.chat.completions.create(**params)
            choices = response.choices
            content = choices[0].message.content if choices else None
        except Exception as exc:
            raise self._classify(exc) from None
        if content is None:  # no choices, or a message without content
            content = ""
        if not isinstance(content, str):
            raise LLMError("model reply did not have the OpenAI chat completion shape")
        if not content.strip():
            raise LLMError("model returned an empty reply")
        yield content

    def _stream_once(self, params: dict) -> Iterator[str]:
        """One streamed attempt. Failures before the first delta are retryable; after it they are
        final (text already went out: a retry would repeat it, and hiding it would rewrite it)."""
        try:
            chunks = self._client.chat.completions.create(**params, stream=True)
            iterator = iter(chunks)
        except Exception as exc:
            raise self._classify(exc) from None
        yielded = False
        try:
            while True:
                try:
                    delta = _delta_text(next(iterator))
                except StopIteration:
                    break
                except Exception as exc:
                    error = self._classify(exc)
                    if yielded:
                        reason = error.reason if isinstance(error, _Retryable) else str(error)
                        raise LLMError(f"model stream broke off: {reason}") from None
                    raise error from None
                if delta:
                    yielded = True
                    yield delta
        finally:
            try:
                chunks.close()
            except Exception:  # closing a broken connection may fail too; it is gone anyway
                pass
        if not yielded:
            raise LLMError("model returned an empty reply")

    # --- internals ----------------------------------------------------------------------------
    def _params(self, messages: Sequence[Message], max_tokens: int | None, stop: Sequence[str] | None) -> dict:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": self.max_tokens if max_tokens is None else int(max_tokens),
            "temperature": self.temperature,
        }
        if stop:
            params["stop"] = list(stop)
        return params

    def _with_retries(self, attempt: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        """The deltas of the first `attempt()` that does not fail with _Retryable, pausing (backoff,
        or the server's Retry-After) between attempts; LLMError once all attempts have failed."""
        attempts = self.max_retries + 1
        for number in range(1, attempts + 1):
            try:
                yield from attempt()
                return
            except _Retryable as retry:
                if number == attempts:
                    raise LLMError(retry.final(attempts)) from None
                self._pause(number, retry)

    def _pause(self, number: int, retry: _Retryable) -> None:
        if retry.retry_after is not None:
            wait = min(max(retry.retry_after, 0.0), self.max_retry_after)
        else:  # exponential backoff with full jitter
            wait = random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (number - 1)))
        log.warning("%s; retrying in %.2f s (attempt %d of %d)", retry.reason, wait, number + 1,
                    self.max_retries + 1)
        self._sleep(wait)

    def _classify(self, exc: Exception) -> Exception:
        """Map any exception from the openai/httpx stack to _Retryable or LLMError."""
        import httpcore
        import httpx
        import openai
        import pydantic

        where = f"model endpoint {self.base_url}"
        if isinstance(exc, openai.APITimeoutError) or isinstance(exc, httpx.TimeoutException):
            return _Retryable(f"{where} timed out", f"no answer within {self.timeout:g} s")
        root = _root_cause(exc)
        if _in_chain(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpcore.RemoteProtocolError, httpcore.ReadError)):
            return _Retryable(f"{where} dropped the connection", self._clean(root))
        if isinstance(exc, openai.APIConnectionError) or isinstance(exc, httpx.TransportError):
            return _Retryable(f"{where} unreachable", self._clean(root))
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 429 or status >= 500:
                return _Retryable(f"{where} returned HTTP {status}", retry_after=_retry_after(exc.response.headers))
            body = exc.body if isinstance(exc.body, Mapping) else {}
            detail = body.get("message") if isinstance(body.get("message"), str) else ""
            detail = self._clean(detail) if detail else ""
            return LLMError(f"{where} returned HTTP {status}" + (f": {detail}" if detail else ""))
        if isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
            return LLMError("model reply was not valid JSON")
        if isinstance(exc, openai.APIError):  # e.g. an error event inside a stream
            return LLMError(f"model endpoint reported an error: {self._clean(exc.message)}")
        if isinstance(exc, (pydantic.ValidationError, AttributeError, KeyError, IndexError, TypeError)):
            return LLMError("model reply did not have the OpenAI chat completion shape")
        return LLMError(f"model call failed: {type(exc).__name__}: {self._clean(exc)}")

    def _clean(self, text: object) -> str:
        """One line, bounded, and never the API key."""
        line = " ".join(str(text).split())
        if self._api_key != NO_KEY and len(self._api_key) >= 4:
            line = line.replace(self._api_key, "***")
        return line[:300] or "no detail"


def _delta_text(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None)
    if not choices:  # e.g. a usage-only chunk
        return ""
    delta = choices[0].delta
    content = getattr(delta, "content", None) if delta is not None else None
    if content is not None and not isinstance(content, str):
        raise TypeError("delta content is not a string")
    return content or ""


def _in_chain(exc: BaseException, types: tuple[type[BaseException], ...]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, types):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _root_cause(exc: BaseException) -> BaseException:
    seen = {id(exc)}
    while (exc.__cause__ or exc.__context__) is not None:
        nxt = exc.__cause__ or exc.__context__
        if id(nxt) in seen:
            break
        seen.add(id(nxt))
        exc = nxt  # type: ignore[assignment]
    return exc


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from `retry-after-ms`, `Retry-After: <seconds>` or `Retry-After: <HTTP date>`."""
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return float(ms) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            date = email.utils.parsedate_to_datetime(value)
            return max(0.0, date.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None
