"""rag.llm.LLMClient against a real scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from rag.config import Settings
from rag.llm import LLMClient, LLMError
from tests.support.openai_server import ScriptedOpenAIServer, reply

MESSAGES = [
    {"role": "system", "content": "Answer from the passages only."},
    {"role": "user", "content": "Who met in Geneva?"},
]


def make_client(base_url: str, **overrides) -> LLMClient:
    options = dict(api_key=None, model="scripted-model", timeout=5.0, max_retries=2, max_tokens=64,
                   temperature=0.0, backoff=0.01, max_backoff=0.05)
    options.update(overrides)
    return LLMClient(base_url, **options)


@pytest.fixture
def server():
    with ScriptedOpenAIServer() as s:
        yield s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_plain_reply_and_request_sent(server):
    server.add(reply.text("Blinken and Lavrov met [1]."))
    client = make_client(server.base_url, api_key="sk-test-secret", max_tokens=33)
    assert client.complete(MESSAGES) == "Blinken and Lavrov met [1]."
    (request,) = server.chat_requests
    assert request.json["messages"] == MESSAGES
    assert request.json["model"] == "scripted-model"
    assert request.json["max_tokens"] == 33
    assert request.json["temperature"] == 0.0
    assert not request.json.get("stream")
    assert request.headers["Authorization"] == "Bearer sk-test-secret"


def test_missing_key_sends_placeholder(server):
    server.add(reply.text("ok"))
    make_client(server.base_url, api_key=None).complete(MESSAGES)
    assert server.chat_requests[0].headers["Authorization"] == "Bearer not-needed"


def test_stream_one_char_at_a_time_reassembles_exactly(server):
    text = "Lavrov said [1] the talks were \"useful\" [2]. Ünïcödé ✓"
    server.add(reply.text(text, chunk=1))
    deltas = list(make_client(server.base_url).stream(MESSAGES))
    assert "".join(deltas) == text
    assert len(deltas) == len(text)
    assert server.chat_requests[0].json["stream"] is True


def test_stop_and_max_tokens_per_call(server):
    server.add(reply.text("a"), reply.text("b", chunk=1))
    client = make_client(server.base_url)
    client.complete(MESSAGES, stop=["\n\n"], max_tokens=5)
    list(client.stream(MESSAGES, stop=["END"]))
    first, second = (r.json for r in server.chat_requests)
    assert first["stop"] == ["\n\n"] and first["max_tokens"] == 5
    assert second["stop"] == ["END"] and second["max_tokens"] == 64


def test_429_then_success_honours_retry_after(server, caplog):
    server.add(reply.error(429, retry_after=1), reply.text("fine"))
    client = make_client(server.base_url, backoff=0.0, max_backoff=0.0)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="rag.llm"):
        assert client.complete(MESSAGES) == "fine"
    assert time.monotonic() - started >= 0.9  # waited as Retry-After asked, not the tiny backoff
    assert len(server.chat_requests) == 2
    assert "HTTP 429" in caplog.text


def test_retry_after_is_capped(server):
    server.add(reply.error(429, retry_after=3600), reply.text("fine"))
    waits: list[float] = []
    client = make_client(server.base_url, max_retry_after=0.2, sleep=waits.append)
    assert client.complete(MESSAGES) == "fine"
    assert waits == [0.2]


def test_stream_429_then_success(server):
    server.add(reply.error(429, retry_after=0), reply.text("streamed fine", chunk=3))
    assert "".join(make_client(server.base_url).stream(MESSAGES)) == "streamed fine"
    assert len(server.chat_requests) == 2


def test_500_forever_gives_up_after_max_retries(server):
    server.add(reply.error(500).forever())
    client = make_client(server.base_url, max_retries=2)
    with pytest.raises(LLMError) as err:
        client.complete(MESSAGES)
    assert str(err.value) == f"model endpoint {server.base_url} returned HTTP 500 after 3 attempts"
    assert len(server.chat_requests) == 3


def test_500_forever_stream(server):
    server.add(reply.error(503).forever())
    with pytest.raises(LLMError, match="HTTP 503 after 2 attempts"):
        list(make_client(server.base_url, max_retries=1).stream(MESSAGES))
    assert len(server.chat_requests) == 2


def test_backoff_grows_exponentially(server):
    server.add(reply.error(502).forever())
    waits: list[float] = []
    client = make_client(server.base_url, max_retries=3, backoff=1.0, max_backoff=3.0, sleep=waits.append)
    with pytest.raises(LLMError):
        client.complete(MESSAGES)
    assert len(waits) == 3
    assert 0 <= waits[0] <= 1.0 and 0 <= waits[1] <= 2.0 and 0 <= waits[2] <= 3.0


def test_client_error_is_not_retried(server):
    server.add(reply.error(401).forever())
    with pytest.raises(LLMError, match=r"returned HTTP 401: scripted HTTP 401$"):
        make_client(server.base_url).complete(MESSAGES)
    assert len(server.chat_requests) == 1


def test_hang_past_timeout_fails_quickly(server):
    server.add(reply.hang(30).forever())
    client = make_client(server.base_url, timeout=1.0, max_retries=1)
    started = time.monotonic()
    with pytest.raises(LLMError, match="timed out after 2 attempts: no answer within 1 s$"):
        client.complete(MESSAGES)
    assert time.monotonic() - started < 5
    assert len(server.chat_requests) == 2


def test_stream_hang_past_timeout(server):
    server.add(reply.hang(30))
    started = time.monotonic()
    with pytest.raises(LLMError, match="timed out"):
        list(make_client(server.base_url, timeout=1.0, max_retries=0).stream(MESSAGES))
    assert time.monotonic() - started < 4


def test_garbage_json(server):
    server.add(reply.garbage())
    with pytest.raises(LLMError, match="^model reply was not valid JSON$"):
        make_client(server.base_url).complete(MESSAGES)
    assert len(server.chat_requests) == 1  # not retried: it would say the same again


def test_garbage_sse(server):
    server.add(reply.garbage())
    with pytest.raises(LLMError, match="not valid JSON"):
        list(make_client(server.base_url).stream(MESSAGES))


def test_empty_reply(server):
    server.add(reply.empty())
    with pytest.raises(LLMError, match="^model returned an empty reply$"):
        make_client(server.base_url).complete(MESSAGES)


def test_empty_stream(server):
    server.add(reply.empty())
    with pytest.raises(LLMError, match="^model returned an empty reply$"):
        list(make_client(server.base_url).stream(MESSAGES))


def test_stream_cut_mid_way_keeps_sent_text_and_raises(server):
    server.add(reply.broken("Geneva talks were held", after=4, chunk=1, how="cut"), reply.text("never asked"))
    received: list[str] = []
    with pytest.raises(LLMError, match="^model stream broke off: .*dropped the connection"):
        for delta in make_client(server.base_url).stream(MESSAGES):
            received.append(delta)
    assert received == list("Gene")
    assert len(server.chat_requests) == 1  # text was already shown: no retry


def test_stream_stalls_mid_way(server):
    server.add(reply.broken("Geneva talks", after=2, how="hang"))
    received: list[str] = []
    started = time.monotonic()
    with pytest.raises(LLMError, match="broke off: .*timed out"):
        for delta in make_client(server.base_url, timeout=1.0).stream(MESSAGES):
            received.append(delta)
    assert received == ["G", "e"]
    assert time.monotonic() - started < 4


def test_non_stream_body_cut_is_retried(server):
    server.add(reply.broken("a full answer"), reply.text("second try"))
    assert make_client(server.base_url).complete(MESSAGES) == "second try"
    assert len(server.chat_requests) == 2


def test_dead_port_is_unreachable():
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.monotonic()
    with pytest.raises(LLMError) as err:
        make_client(base_url, max_retries=1).complete(MESSAGES)
    message = str(err.value)
    assert message.startswith(f"model endpoint {base_url} unreachable after 2 attempts: ")
    assert "refused" in message.lower()
    assert "\n" not in message
    assert time.monotonic() - started < 3
    with pytest.raises(LLMError, match="unreachable"):
        list(make_client(base_url, max_retries=0).stream(MESSAGES))


def test_key_never_in_errors_or_repr(server):
    key = "sk-very-secret-key"
    server.add(reply.error(500).forever())
    client = make_client(server.base_url, api_key=key, max_retries=0)
    with pytest.raises(LLMError) as err:
        client.complete(MESSAGES)
    assert key not in str(err.value) and key not in repr(client)


def test_from_settings(server):
    server.add(reply.text("configured"))
    settings = Settings(
        openai_base_url=server.base_url, llm_model="scripted-model", llm_timeout=2, llm_max_retries=0,
        llm_max_tokens=7, llm_temperature=0.3, _env_file=None,
    )
    client = LLMClient.from_settings(settings)
    assert (client.timeout, client.max_retries, client.max_tokens, client.temperature) == (2.0, 0, 7, 0.3)
    assert client.complete(MESSAGES) == "configured"
    with pytest.raises(LLMError, match="no model endpoint configured"):
        LLMClient.from_settings(Settings(openai_base_url=None, llm_model=None, _env_file=None))
    with pytest.raises(LLMError, match="set OPENAI_BASE_URL and RAG_LLM_MODEL"):
        LLMClient.from_settings(Settings(openai_base_url=None, llm_model=None, _env_file=None))
    with pytest.raises(LLMError, match=r"RAG_LLM_MODEL is not set") as caught:  # says exactly what is missing
        LLMClient.from_settings(Settings(openai_base_url=server.base_url, llm_model=None, _env_file=None))
    assert "OPENAI_BASE_URL" not in str(caught.value)
    with pytest.raises(LLMError, match=r"OPENAI_BASE_URL is not set") as caught:
        LLMClient.from_settings(Settings(openai_base_url=None, llm_model="m", _env_file=None))
    assert "RAG_LLM_MODEL" not in str(caught.value)


def test_scripted_server_models_and_embeddings(server):
    import openai

    api = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    assert [m.id for m in api.models.list()] == ["scripted-model"]
    vectors = api.embeddings.create(model="e", input=["a", "b", "a"]).data
    assert len(vectors) == 3 and vectors[0].embedding == vectors[2].embedding != vectors[1].embedding
    assert server.pending == 0


# --- yes_probability: a one-token verdict read from the top log probabilities ------------------------
def test_yes_probability_reads_the_top_log_probabilities(server):
    server.add(reply.verdict(0.8))
    server.add(reply.verdict(0.1))
    client = make_client(server.base_url)
    assert client.yes_probability(MESSAGES) == pytest.approx(0.8)
    assert client.yes_probability(MESSAGES) == pytest.approx(0.1)
    request = server.chat_requests[0].json
    assert request["max_tokens"] == 1 and request["logprobs"] is True and request["top_logprobs"] >= 5


def test_yes_probability_without_log_probabilities_is_an_error(server):
    server.add(reply.text("yes"))  # an endpoint that ignores the parameter
    with pytest.raises(LLMError, match="no token log probabilities"):
        make_client(server.base_url).yes_probability(MESSAGES)


def test_yes_probability_is_retried_like_any_call(server):
    server.add(reply.error(503))
    server.add(reply.verdict(0.7))
    assert make_client(server.base_url).yes_probability(MESSAGES) == pytest.approx(0.7)
    assert len(server.chat_requests) == 2


def test_yes_probability_sums_every_spelling_and_is_neutral_when_neither_word_is_there(server):
    server.add(reply.verdict(top={"Yes": 0.5, " yes": 0.2, "No": 0.1, "Maybe": 0.2}))
    server.add(reply.verdict(top={"Sure": 0.6, "Maybe": 0.4}))
    client = make_client(server.base_url)
    assert client.yes_probability(MESSAGES) == pytest.approx(0.7 / 0.8)
    assert client.yes_probability(MESSAGES) == 0.5
