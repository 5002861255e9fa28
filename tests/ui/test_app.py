"""The chat page in a real browser (Debian chromium + Playwright) against the real app and Engine.

Each test starts from a fresh page (empty chat); the app, engine and index are shared by the session.
Screenshots land in tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ui.conftest import EXFIL_HOST, INJECTED_SOURCE, LOOPBACK, SCREENSHOTS

pytestmark = pytest.mark.browser

SEED_QUESTION = "Where did Blinken meet Lavrov?"

RECORD_STREAM = """() => {
  window.__partials = [];
  const root = document.querySelector('#chat');
  new MutationObserver(() => {
    const bots = root.querySelectorAll('.msg.bot');
    const last = bots[bots.length - 1];
    const text = last && last.querySelector('.answer-text');
    if (last) window.__partials.push({done: last.dataset.done, text: text ? text.textContent : ''});
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""


def ask(page, question: str):
    """Type a question, send it, wait until its answer (or error) is complete; return that bubble."""
    before = page.locator("#chat .msg.bot").count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .msg.bot[data-done=\"true\"]').length > n", arg=before
    )
    return page.locator("#chat .msg.bot").last


def cards(page) -> list[dict]:
    return page.eval_on_selector_all(
        "#cards .card",
        """els => els.map(e => ({marker: +e.dataset.marker, source: e.dataset.source, start: +e.dataset.start,
              end: +e.dataset.end, quote: e.querySelector('.card-quote').textContent,
              active: e.classList.contains('active')}))""",
    )


def viewer_state(page) -> dict:
    """The article shown, its text without our tags, the active highlight, and whether it is in view."""
    return page.eval_on_selector(
        "#viewer",
        """el => {
          const v = el.querySelector('.viewer'); const body = el.querySelector('.viewer-body');
          const plain = (node) => { const c = node.cloneNode(true); c.querySelectorAll('.hl-tag').forEach(t => t.remove()); return c.textContent; };
          const active = [...el.querySelectorAll('mark.hl.active')];
          const anchor = el.querySelector('mark[data-anchor]');
          let inView = false;
          if (anchor && body) {
            const a = anchor.getBoundingClientRect(), b = body.getBoundingClientRect();
            inView = a.top >= b.top - 1 && a.top <= b.bottom - 10 && a.bottom > b.top && a.top < window.innerHeight;
          }
          return {source: v ? v.dataset.source : null, text: body ? plain(body) : null,
                  active: active.map(plain).join(''),
                  markers: [...el.querySelectorAll('mark.hl')].flatMap(m => m.dataset.markers.split(' ').map(Number)),
                  scrollTop: body ? body.scrollTop : 0, inView};
        }""",
    )


def test_ask_streams_answer_with_cited_cards(page, engine, network):
    page.evaluate(RECORD_STREAM)
    bubble = ask(page, SEED_QUESTION)
    final = bubble.locator(".answer-text").text_content()
    assert "Geneva" in final

    # The answer grew in place: several partial states, each a prefix of the final text.
    partials = [p["text"] for p in page.evaluate("window.__partials") if p["done"] == "false" and p["text"]]
    assert len(set(partials)) >= 3, partials
    assert all(final.startswith(p) for p in partials), "already shown text was rewritten"

    # Every [n] is a button that matches a card; every card quotes its article exactly.
    shown = cards(page)
    assert shown and sorted(c["marker"] for c in shown) == sorted(
        int(m) for m in bubble.locator("button.cite").evaluate_all("els => els.map(e => e.dataset.marker)")
    )
    for card in shown:
        assert card["quote"] == engine.article(card["source"])[card["start"]:card["end"]]
    titles = page.locator("#cards .card-title").all_text_contents()
    assert all(t.strip() for t in titles)

    # Hovering a marker shows the start of its quote.
    marker = bubble.locator("button.cite").first
    marker.hover()
    tip = marker.evaluate("e => getComputedStyle(e, '::after').content")
    assert shown[0]["quote"][:30] in tip

    # Every request the page made went to loopback (no web fonts, no CDN, no telemetry).
    hosts = {urlsplit(url).hostname for url in network.requests}
    assert hosts and hosts <= LOOPBACK, hosts


def test_citation_opens_article_with_span_highlighted_and_in_view(page, engine):
    bubble = ask(page, SEED_QUESTION)
    shown = cards(page)
    # The article of the first citation opens by itself.
    page.wait_for_function("document.querySelector('#viewer mark.hl.active') !== null")

    # Open the last citation from its [n] in the answer: its card turns active, the article opens
    # with that span highlighted and scrolled into view inside the viewer.
    last = shown[-1]
    bubble.locator(f'button.cite[data-marker="{last["marker"]}"]').click()
    page.wait_for_selector(f'#cards .card.active[data-marker="{last["marker"]}"]')
    page.wait_for_function(
        "src => document.querySelector('#viewer .viewer')?.dataset.source === src", arg=last["source"]
    )
    page.wait_for_function(  # the scroll runs on the next animation frame
        """() => { const b = document.querySelector('#viewer .viewer-body');
                   const m = document.querySelector('#viewer mark.hl.active');
                   if (!b || !m) return false;
                   const r = m.getBoundingClientRect(), v = b.getBoundingClientRect();
                   return r.top >= v.top && r.bottom <= v.bottom; }""")
    state = viewer_state(page)
    article = engine.article(last["source"])
    assert state["text"] == article, "the viewer must show the whole cleaned article, unchanged"
    assert state["active"] == article[last["start"]:last["end"]] == last["quote"]
    assert state["inView"], state
    if last["start"] > 600:
        assert state["scrollTop"] > 0

    # All citations of one article are highlighted together.
    by_source: dict[str, set[int]] = {}
    for c in shown:
        by_source.setdefault(c["source"], set()).add(c["marker"])
    source, markers = max(by_source.items(), key=lambda kv: len(kv[1]))
    page.locator(f'#cards .card[data-source="{source}"]').first.click()
    page.wait_for_function("src => document.querySelector('#viewer .viewer')?.dataset.source === src", arg=source)
    assert set(viewer_state(page)["markers"]) == markers


def test_refusal_shows_no_citation_cards(page):
    bubble = ask(page, "What is the capital of Peru?")
    assert "refused" in bubble.get_attribute("class")
    assert bubble.locator("button.cite").count() == 0
    assert page.locator("#cards .card").count() == 0
    assert "nothing is cited" in page.inner_text("#cards")


def test_empty_question_shows_a_message_not_a_traceback(page):
    bubble = ask(page, "   ")
    assert "error" in bubble.get_attribute("class")
    assert "empty" in bubble.inner_text().lower()
    body = page.inner_text("body")
    assert "Traceback" not in body and "File \"" not in body
    assert page.locator(".toast-body").count() == 0  # no Gradio error toast either


def test_new_chat_clears_history(page):
    ask(page, SEED_QUESTION)
    assert page.locator("#cards .card").count() > 0
    page.click("#new-chat")
    page.wait_for_selector("#chat .welcome")
    assert page.locator("#chat .msg").count() == 0
    assert page.locator("#cards .card").count() == 0
    assert page.locator("#viewer .viewer").count() == 0
    ask(page, "What is the capital of Peru?")
    assert page.locator("#chat .msg.user").count() == 1


def test_settings_mode_k_and_source_filter(page, engine):
    # Mode: the panel says which model answers.
    page.locator("#mode label", has_text="extractive").click()
    page.wait_for_function("document.querySelector('#model').textContent.includes('extractive')")
    assert "extractive" in page.inner_text("#topbar")

    # k = 1 and only one article: every citation comes from that article's single best passage.
    source = "003_146565a0d1ccb5d0.txt"
    k_box = page.locator("#top-k input[type=number]")
    k_box.fill("1")
    k_box.press("Enter")
    title = next(a.title for a in engine.articles() if a.source == source)
    page.click("#source-filter input")
    page.keyboard.type(title[:20])
    page.locator(f'#source-filter [role=option][aria-label="{title}"]').click()
    page.keyboard.press("Escape")
    page.wait_for_selector("#source-filter .token")

    bubble = ask(page, SEED_QUESTION)
    shown = cards(page)
    assert shown, bubble.inner_text()
    assert {c["source"] for c in shown} == {source}
    [passage] = engine.retrieve(SEED_QUESTION, k=1, filters={"source": [source]})
    assert all(passage.start <= c["start"] and c["end"] <= passage.end for c in shown)
    assert "extractive" in bubble.locator(".answer-foot").inner_text()


def test_llm_mode_without_endpoint_falls_back_with_a_notice(page, engine):
    assert not engine.settings.llm_configured()
    page.locator("#mode label", has_text="llm").click()
    page.wait_for_function("document.querySelector('#model').textContent.includes('no endpoint')")
    bubble = ask(page, SEED_QUESTION)
    assert bubble.locator(".notice").count() == 1, bubble.inner_text()
    assert bubble.locator("button.cite").count() > 0  # still a cited (extractive) answer
    assert "Traceback" not in page.inner_text("body")


def test_corpus_panel_lists_articles_with_chunk_counts(page, engine):
    articles = engine.articles()
    rows = page.eval_on_selector_all(
        "#library .lib-item", "els => els.map(e => [e.dataset.source, e.querySelector('.chip').textContent])"
    )
    assert dict(rows) == {
        a.source: f"{a.chunks} chunk{'s' if a.chunks != 1 else ''}" for a in articles
    }
    chunks = sum(a.chunks for a in articles)
    assert f"{len(articles)} articles · {chunks} chunks indexed" in page.inner_text("#topbar")
    # Opening an article from the library shows it whole.
    source = articles[1].source
    page.click(f'#library .lib-item[data-source="{source}"]')
    page.wait_for_function("src => document.querySelector('#viewer .viewer')?.dataset.source === src", arg=source)
    assert viewer_state(page)["text"] == engine.article(source)


def test_upload_then_ask_about_it(page, engine, corpus_dir):
    good = ("Quokka bridge (draft) #1.txt",
            "Quokka Bridge opens\n\nThe Quokka Bridge in Perth opened to traffic on 3 March 2031 after four "
            "years of construction.\n\nThe bridge carries trams and bicycles across the Swan River.\n")
    bad = ("broken.jsonl", '{"title": "no text field"}\nnot json at all\n')
    page.evaluate("""() => { window.__progress = false;
      new MutationObserver(() => { if (document.querySelector('.progress-text, .progress-bar, .eta-bar, .progress-level'))
        window.__progress = true; }).observe(document.body, {subtree: true, childList: true}); }""")
    page.set_input_files("#upload input[type=file]", files=[
        {"name": name, "mimeType": "text/plain", "buffer": text.encode()} for name, text in (good, bad)
    ])
    page.wait_for_selector("#upload-report .upload-report", timeout=30_000)
    report = page.inner_text("#upload-report")
    assert "Quokka_bridge_draft_1.txt" in report
    assert "broken.jsonl" in report and "line 1" in report
    assert page.evaluate("window.__progress"), "no progress bar was shown while indexing"

    assert (corpus_dir / "Quokka_bridge_draft_1.txt").read_text() == good[1]
    assert not (corpus_dir / "broken.jsonl").exists(), "a file that cannot be indexed is not left behind"
    item = page.locator('#library .lib-item[data-source="Quokka_bridge_draft_1.txt"]')
    assert "chunk" in item.inner_text()
    item.scroll_into_view_if_needed()
    page.locator("#upload-report").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "test_upload_then_ask_about_it-report.png"))

    # A new visit sees the grown library and counts.
    page.reload()
    page.wait_for_selector('#library .lib-item[data-source="Quokka_bridge_draft_1.txt"]')
    articles = engine.articles()
    assert f"{len(articles)} articles" in page.inner_text("#topbar")

    ask(page, "When did the Quokka Bridge open?")
    shown = cards(page)
    assert shown and {c["source"] for c in shown} == {"Quokka_bridge_draft_1.txt"}
    assert any("3 March 2031" in c["quote"] for c in shown)


def test_file_route_serves_nothing_outside_the_page(page, server, corpus_dir):
    paths = [
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../../../etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file=/proc/self/environ",
        f"/gradio_api/file={corpus_dir / '003_146565a0d1ccb5d0.txt'}",
        "/file=/etc/passwd",
        "/gradio_api/file=pyproject.toml",  # the working directory is not served either
        f"/gradio_api/file={Path.cwd() / 'pyproject.toml'}",
    ]
    for path in paths:
        try:  # a plain HTTP client, not the browser
            with urllib.request.urlopen(server + path, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status in (403, 404), (path, status)
        assert b"root:" not in body
        assert page.request.get(server + path).status in (403, 404), path  # and the browser's client


def test_injected_article_does_not_load_or_execute(page, network):
    bubble = ask(page, "Where was the Zorblax festival held?")
    shown = cards(page)
    assert shown and shown[0]["source"] == INJECTED_SOURCE
    assert f"![x](http://{EXFIL_HOST}/x.png)" in bubble.locator(".answer-text").text_content()

    page.click(f'#library .lib-item[data-source="{INJECTED_SOURCE}"]')
    page.wait_for_function("src => document.querySelector('#viewer .viewer')?.dataset.source === src",
                           arg=INJECTED_SOURCE)
    viewer = page.inner_text("#viewer")
    assert '<img src="http://203.0.113.9/y.png"' in viewer and "<script>" in viewer  # shown as text

    # A question may carry markup too.
    ask(page, f'<img src="http://{EXFIL_HOST}/q.png" onerror="window.__pwned=5"> Zorblax?')  # waits for the answer
    for panel in ("#chat", "#cards", "#viewer", "#library"):
        assert page.locator(f"{panel} img, {panel} script, {panel} a[href]").count() == 0, panel
    assert page.evaluate("window.__pwned") is None
    assert not any(EXFIL_HOST in url for url in network.requests + network.blocked), network.blocked
