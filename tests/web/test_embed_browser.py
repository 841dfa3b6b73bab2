"""The embedded checker in a real browser (Playwright + Debian's chromium): a publisher's page served from a
second origin on loopback (another port of 127.0.0.1 is another origin) embeds the checker with
embed.js; a run inside the frame reaches the emergency screen and the result, and the frame follows the
content's height. The same page from an origin that SYMCHECK_EMBED_ORIGINS does not list is refused by
the browser. Screenshots of the publisher page go to test-screenshots/ (phone 390x844 and desktop)."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import CHROMIUM, free_port, launched_chromium, require_browser
from tests.web.conftest import WEB_PACK

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ACCENT = "#0b6e4f"

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (run scripts/install-browser.sh)",
                allow_module_level=True)
playwright_api = require_browser()



PUBLISHER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Health News Daily: why legs cramp at night</title><link rel="icon" href="data:,">
<style>
body {{ margin: 0; font-family: Georgia, serif; color: #222; background: #fbfaf7; }}
header {{ background: #0b6e4f; color: #fff; padding: 0.8rem 1rem; font-size: 1.3rem; font-weight: bold; }}
article {{ max-width: 44rem; margin: 0 auto; padding: 0 1rem 3rem; line-height: 1.55; }}
.widget {{ border: 1px solid #d8d3c8; background: #fff; border-radius: 8px; margin: 1.5rem 0; }}
</style></head>
<body><header>Health News Daily</header>
<article>
<h1>Why do my legs cramp at night?</h1>
<p>Night-time calf cramps are common, especially after 50. Most are harmless, but some need a doctor.
Our symptom checker below asks a few questions and tells you how urgently to act.</p>
{widget}
<p>This article is for general information. The checker inside it is provided by symcheck.</p>
</article></body></html>
"""
SCRIPT_WIDGET = ('<div class="widget"><script src="{sym}/static/embed.js" data-symcheck="check" '
                 'data-complaint="leg_cramp" data-accent="' + ACCENT + '" data-font="Georgia, serif"></script></div>')
PLAIN_WIDGET = ('<div class="widget"><iframe src="{sym}/embed/check?complaint=leg_cramp" title="Symptom checker" '
                'style="width:100%;height:1400px;border:0"></iframe></div>')

SEARCH_WIDGET = ('<div class="widget"><script src="{sym}/static/embed.js" data-symcheck="search" '
                 'data-results="{pub}/results"></script></div>')


def _publisher(port: int, pages: dict[str, str]) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """symcheck on one port; the allowed publisher on a second; a publisher not in the list on a third."""
    import uvicorn

    from symcheck.api.app import create_app

    sym_port, pub_port, other_port = free_port(), free_port(), free_port()
    sym = f"http://127.0.0.1:{sym_port}"
    app = create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{tmp_path_factory.mktemp('embed') / 'e.sqlite'}",
                     embed_origins=[f"http://127.0.0.1:{pub_port}"])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=sym_port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    pub = f"http://127.0.0.1:{pub_port}"
    pages = {"/article": PUBLISHER_PAGE.format(widget=SCRIPT_WIDGET.format(sym=sym)),
             "/plain": PUBLISHER_PAGE.format(widget=PLAIN_WIDGET.format(sym=sym)),
             "/with-search": PUBLISHER_PAGE.format(widget=SEARCH_WIDGET.format(sym=sym, pub=pub)),
             "/results": PUBLISHER_PAGE.format(widget="<p>Our own search results page.</p>")}
    allowed_gen = _publisher(pub_port, pages)
    other_gen = _publisher(other_port, pages)
    try:
        yield {"symcheck": sym, "publisher": next(allowed_gen), "other": next(other_gen)}
    finally:
        for gen in (allowed_gen, other_gen):
            gen.close()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium(playwright_api)


def _tab(browser: Any, viewport: dict[str, int], javascript: bool = True) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    return context, page, console


def _frame_height(page: Any) -> int:
    value = page.locator("iframe.symcheck-embed").get_attribute("data-height")
    return int(value) if value else 0


def _wait_for_height_change(page: Any, old: int, timeout_s: float = 10) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        new = _frame_height(page)
        if new and new != old:
            return new
        page.wait_for_timeout(50)
    raise AssertionError(f"the frame stayed {old}px high")


def _assert_frame_fits_content(page: Any) -> None:
    """The frame is as tall as its content (no scrollbar inside) and nothing in it is wider than it."""
    frame = page.locator("iframe.symcheck-embed").content_frame
    box = page.locator("iframe.symcheck-embed").bounding_box()
    content = frame.locator("body").evaluate("b => Math.ceil(Math.max(b.getBoundingClientRect().height, b.scrollHeight))")
    assert box is not None and abs(box["height"] - content) <= 2, (box, content)
    overflow = frame.locator("html").evaluate("h => h.scrollWidth - h.clientWidth")
    assert overflow <= 0, f"the frame's content is {overflow}px wider than the frame"


def _answer_until_emergency(fl: Any) -> list[str]:
    """Answer the frame's questions: yes to the tetanus warning signs (jaw stiffness, a wound), "don't know"
    to anything else, until the emergency screen. Returns the questions asked."""
    asked: list[str] = []
    for _ in range(10):
        fl.locator(".question-form input[name=q], section.emergency").first.wait_for(state="attached")
        if fl.locator("section.emergency").count():
            return asked
        q = str(fl.locator(".question-form input[name=q]").get_attribute("value"))
        asked.append(q)
        answer = "Yes" if q in ("jaw_stiff", "wound") else "Don't know"
        fl.locator(".question-form").get_by_role("button", name=answer, exact=True).first.click()
        fl.locator(f".question-form input[name=q][value={q}]").wait_for(state="detached")
    raise AssertionError(f"no emergency screen after {asked}")


def _audit_frame(page: Any) -> None:
    """The site's own accessibility audit (names, ids, one h1, WCAG AA contrast) inside the frame, with the
    publisher's theme applied."""
    from tests.web.test_browser import AUDIT_JS

    frame = page.locator("iframe.symcheck-embed").element_handle().content_frame()
    problems = frame.evaluate(AUDIT_JS)
    assert not problems, f"{frame.url}: {problems}"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_publisher_page_embeds_a_checker_run_to_the_emergency_and_the_result(
        browser: Any, origins: dict[str, str]) -> None:
    for viewport, size in ((PHONE, "390"), (DESKTOP, "desktop")):
        context, page, console = _tab(browser, viewport)
        page.goto(origins["publisher"] + "/article")
        frame_el = page.locator("iframe.symcheck-embed")
        assert frame_el.get_attribute("title") == "Symptom checker"
        fl = page.frame_locator("iframe.symcheck-embed")
        fl.get_by_label("Age in years").wait_for()
        start_height = _wait_for_height_change(page, 0)  # the first size message arrived and was accepted
        assert start_height != 720  # not the script's initial guess: the content's own height
        _assert_frame_fits_content(page)
        _audit_frame(page)
        # no site header or footer in the frame, but the disclaimer and the emergency number
        assert fl.locator(".site-header").count() == 0
        assert "This is not a diagnosis (test pack)." in fl.locator(".embed-footer").inner_text()
        # data-complaint chose the main problem; data-accent and data-font themed the frame
        assert fl.locator("input[name=complaint][value=leg_cramp]").is_checked()
        start = fl.get_by_role("button", name="Start")
        assert start.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 110, 79)"
        assert "Georgia" in start.evaluate("b => getComputedStyle(b).fontFamily")
        _shot(page, f"embed-publisher-start-{size}")

        fl.get_by_label("Age in years").fill("70")
        fl.get_by_label("Male", exact=True).check()
        start.click()
        fl.locator(".question-form input[name=q][value=jaw_stiff]").wait_for(state="attached")
        question_height = _wait_for_height_change(page, start_height)
        _assert_frame_fits_content(page)
        _audit_frame(page)
        # screen readers land on the new question, as on the site (moved by embed-frame.js, not autofocus)
        frame = page.locator("iframe.symcheck-embed").element_handle().content_frame()
        assert frame.evaluate("document.activeElement && document.activeElement.id") == "question-title"
        asked = _answer_until_emergency(fl)
        assert "jaw_stiff" in asked and "wound" in asked
        heading = fl.get_by_role("heading", level=1)
        heading.wait_for()
        fl.get_by_text("Call emergency services now").first.wait_for()
        assert heading.inner_text() == "Call emergency services now"
        assert fl.get_by_text("Keep the person calm in a quiet, dim room.").is_visible()
        emergency = fl.locator("section.emergency")
        assert emergency.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(164, 0, 29)"  # not themed
        emergency_height = _wait_for_height_change(page, question_height)
        _assert_frame_fits_content(page)
        _audit_frame(page)
        assert page.url == origins["publisher"] + "/article"  # the reader never left the publisher's page
        page.locator("iframe.symcheck-embed").scroll_into_view_if_needed()
        _shot(page, f"embed-publisher-emergency-{size}")

        fl.get_by_role("button", name="See the full result").click()
        fl.locator("#result-title").wait_for()
        _wait_for_height_change(page, emergency_height)
        _assert_frame_fits_content(page)
        _audit_frame(page)
        assert fl.get_by_text("Not a diagnosis.").first.is_visible()
        # a condition link opens the site in a new tab, since the site's pages refuse frames
        link = fl.get_by_role("link", name="Tetanus").first
        assert link.get_attribute("target") == "_blank"
        _shot(page, f"embed-publisher-result-{size}")
        context.close()
        problems = [c for c in console if c.startswith(("error", "pageerror"))]
        assert not problems, problems


def test_an_origin_not_in_the_list_is_refused_by_the_browser(browser: Any, origins: dict[str, str]) -> None:
    context, page, console = _tab(browser, DESKTOP)
    page.goto(origins["other"] + "/article")
    page.wait_for_timeout(1500)
    # chromium's words: "Framing '<origin>' violates the following Content Security Policy directive:
    # "frame-ancestors ..."" (older versions: "Refused to frame ...")
    refused = [c for c in console if "frame-ancestors" in c and ("violates" in c or "Refused to frame" in c)]
    assert refused, console
    fl = page.frame_locator("iframe.symcheck-embed")
    assert fl.locator("form").count() == 0
    assert _frame_height(page) == 0  # no size message was accepted from the refused frame
    _shot(page, "embed-publisher-refused-desktop")
    context.close()


def test_a_plain_iframe_without_javascript_runs_to_the_emergency(browser: Any, origins: dict[str, str]) -> None:
    context, page, _ = _tab(browser, PHONE, javascript=False)
    page.goto(origins["publisher"] + "/plain")
    fl = page.frame_locator("iframe")
    fl.get_by_label("Age in years").fill("70")
    fl.get_by_label("Male", exact=True).check()
    fl.get_by_role("button", name="Start").click()
    _answer_until_emergency(fl)
    assert fl.get_by_role("heading", level=1).inner_text() == "Call emergency services now"
    assert page.url == origins["publisher"] + "/plain"
    context.close()


def test_publishers_page_live_preview(browser: Any, origins: dict[str, str]) -> None:
    for viewport, size in ((PHONE, "390"), (DESKTOP, "desktop")):
        context, page, console = _tab(browser, viewport)
        page.goto(origins["symcheck"] + "/publishers")
        assert "data-symcheck=\"check\"" in page.locator("pre").first.inner_text()
        page.frame_locator("iframe.symcheck-embed").get_by_label("Age in years").wait_for()
        _wait_for_height_change(page, 0)
        _assert_frame_fits_content(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/publishers is {overflow}px wider than the viewport"
        _shot(page, f"publishers-{size}")
        context.close()
        assert not [c for c in console if c.startswith(("error", "pageerror"))], console


def test_embedded_search_suggests_and_opens_the_publishers_results(browser: Any, origins: dict[str, str]) -> None:
    context, page, console = _tab(browser, PHONE)
    page.goto(origins["publisher"] + "/with-search")
    fl = page.frame_locator("iframe.symcheck-embed")
    box = fl.get_by_role("combobox", name="Search conditions and symptoms")
    box.wait_for()
    closed = _wait_for_height_change(page, 0)
    box.press_sequentially("tetan", delay=30)
    fl.get_by_role("option").first.wait_for()
    _wait_for_height_change(page, closed)  # the frame grew to show the suggestions
    _assert_frame_fits_content(page)
    _shot(page, "embed-publisher-search-390")
    box.press("Escape")
    box.press("Enter")  # no suggestion chosen: the publisher's own results page, in the whole window
    page.wait_for_url(origins["publisher"] + "/results?q=tetan")
    context.close()
    assert not [c for c in console if c.startswith(("error", "pageerror"))], console
