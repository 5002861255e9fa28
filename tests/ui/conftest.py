"""Fixtures for the chat page tests: a real Engine over a temp copy of seeds/ (ingested once per
session), the real Gradio app on a free 127.0.0.1 port, and Debian's chromium driven by Playwright.

The browser never reaches anything but loopback: every other request is aborted and recorded, and
each test fails if the page tried one. Each browser test leaves a screenshot in tests/screenshots/.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from rag import Engine
from rag.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
EXFIL_HOST = "203.0.113.9"  # TEST-NET-3: never routable, and the browser is stopped before trying

# An article that tries everything a rendered Markdown/HTML article could do to the reader.
INJECTED_SOURCE = "zz_injected.txt"
INJECTED_TEXT = f"""Zorblax festival report

The Zorblax festival was held in Reykjavik ![x](http://{EXFIL_HOST}/x.png) on Monday.

Organisers showed <img src="http://{EXFIL_HOST}/y.png" onerror="window.__pwned=1"> a banner to the crowd.

<script>window.__pwned = 2; fetch("http://{EXFIL_HOST}/s")</script> Zorblax visitors read the programme [here](http://{EXFIL_HOST}/link) and ${{window.__pwned = 3}} {{{{constructor}}}} notes.
"""


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-test-deps.sh (apt chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


class PacedEngine(Engine):
    """The real Engine, with each text delta re-cut into words and paced, the way a model endpoint
    streams tokens; the page must show the answer growing. Everything else is the Engine's own."""

    pace = 0.01

    @functools.wraps(Engine.stream)
    def stream(self, *args, **kwargs):
        for event in super().stream(*args, **kwargs):
            if isinstance(event, str):
                for piece in re.findall(r"\S+\s*|\s+", event):
                    time.sleep(self.pace)
                    yield piece
            else:
                yield event


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    for f in SEEDS.iterdir():
        if f.is_file():
            shutil.copy(f, root / f.name)
    (root / INJECTED_SOURCE).write_text(INJECTED_TEXT, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def engine(corpus_dir, tmp_path_factory, embedder) -> Iterator[Engine]:
    """Extractive mode whatever .env says, so answers are deterministic; the session's embedder."""
    settings = Settings(corpus=corpus_dir, index=tmp_path_factory.mktemp("index"), answer_mode="extractive")
    eng = PacedEngine(settings, embedder)
    report = eng.ingest()
    assert not report.errors, report.errors
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def server(engine, tmp_path_factory) -> Iterator[str]:
    """The real app, served in-process on a free loopback port. Yields its base URL."""
    os.environ["GRADIO_TEMP_DIR"] = str(tmp_path_factory.mktemp("gradio"))
    from ui.app import build_app, launch_kwargs

    app = build_app(engine)
    port = free_port()
    app.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(engine, "127.0.0.1", port))
    yield f"http://127.0.0.1:{port}"
    app.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-test-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Network:
    """What the page asked for: every request URL, and the non-loopback ones that were blocked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.blocked: list[str] = []

    def guard(self, route) -> None:
        url = route.request.url
        scheme, host = urlsplit(url).scheme, urlsplit(url).hostname or ""
        if scheme in ("data", "blob") or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the session, so the page's scripts are fetched once and then cached; every
    request of every page still goes through the loopback guard."""
    net = Network()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/*", net.guard)
    yield context, net
    context.close()


@pytest.fixture
def network(browser_context) -> Network:
    _, net = browser_context
    net.requests.clear()
    net.blocked.clear()
    return net


@pytest.fixture
def page(browser_context, server, network, request):
    """A fresh page, hence a fresh Gradio session (empty chat), loopback only. On teardown: a
    screenshot into tests/screenshots/<test>.png, and a failure if anything else was requested."""
    context, _ = browser_context
    pg = context.new_page()
    pg.on("request", lambda r: network.requests.append(r.url))
    pg.set_default_timeout(20_000)
    pg.goto(server, wait_until="domcontentloaded")
    pg.wait_for_selector("#chat .chat")
    pg.wait_for_selector("#library .lib-item")
    yield pg
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        pg.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"))
    finally:
        pg.close()
    assert not network.blocked, f"the page tried to reach non-loopback addresses: {network.blocked}"
