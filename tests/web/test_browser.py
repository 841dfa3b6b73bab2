"""Browser tests: Playwright drives Debian's chromium (headless) against the real app (create_app, with its
Content-Security-Policy) served by uvicorn on a free local port.

Screenshots of the main screens go to <repo>/test-screenshots/ (git-ignored) at 320 px and desktop width.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from symcheck.errors import PackError
from tests.web.browser import CHROMIUM, free_port, launched_chromium, require_browser
from tests.web.conftest import WEB_PACK

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-screenshots"
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 900}

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (run scripts/install-browser.sh)",
                allow_module_level=True)
playwright_api = require_browser()



def _serve(packs: list[str], tmp: Path) -> Iterator[str]:
    import uvicorn

    from symcheck.api.app import create_app

    app = create_app(packs=packs, database_url=f"sqlite:///{tmp / 'browser.sqlite'}")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve([str(WEB_PACK)], tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_chromium(playwright_api)


class Tab:
    """A page plus the console errors it logged (CSP violations among them)."""

    def __init__(self, browser: Any, base_url: str, viewport: dict[str, int]):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.base = base_url
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path: str, status: int = 200) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, path
        if status == 404:  # the browser logs the expected 404 of the page itself as a console error
            self.errors = [e for e in self.errors if "status of 404" not in e]
        return self.page

    def shot(self, name: str, full_page: bool = True) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    def assert_fits(self) -> None:
        """Nothing is wider than the viewport (no sideways scrolling)."""
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{self.page.url} is {overflow}px wider than the viewport"

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Tab]:
    tab = Tab(browser, base_url, PHONE)
    yield tab
    tab.close()


@pytest.fixture
def desktop(browser: Any, base_url: str) -> Iterator[Tab]:
    tab = Tab(browser, base_url, DESKTOP)
    yield tab
    tab.close()


# A small in-page audit: names for every control, unique ids, one h1, and WCAG AA text contrast (4.5:1, or
# 3:1 for large text) against the first opaque background behind each text.
AUDIT_JS = r"""
() => {
  const problems = [];
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) {
    if (ids[el.id]) problems.push('duplicate id ' + el.id);
    ids[el.id] = true;
  }
  if (document.querySelectorAll('h1').length !== 1) problems.push('h1 count ' + document.querySelectorAll('h1').length);
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const named = el.labels && el.labels.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('unlabelled ' + el.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!(el.textContent || el.getAttribute('aria-label') || '').trim())
      problems.push('nameless ' + el.outerHTML.slice(0, 80));
  }
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el) || !el.offsetParent && el.tagName !== 'BODY') continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.visually-hidden, svg')) continue;
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) problems.push('contrast ' + ratio.toFixed(2) + ' ' + el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '"');
  }
  return problems;
}
"""


def audit(tab: Tab) -> None:
    problems = tab.page.evaluate(AUDIT_JS)
    assert not problems, f"{tab.page.url}: {problems}"


CALM = {"jaw_stiff": "No", "wound": "No", "fever": "No", "night": "Yes", "site": "Leg"}


def start_check(tab: Tab, complaint_typed: str = "charly", age: str = "70") -> Any:
    page = tab.go("/check")
    page.get_by_label("Age in years").fill(age)
    page.get_by_label("Male", exact=True).check()
    box = page.get_by_role("combobox", name="What is the main problem?")
    box.press_sequentially(complaint_typed, delay=20)
    page.get_by_role("option").first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    assert page.locator("input[name=complaint][value=leg_cramp]").is_checked()
    assert box.input_value() == "Leg cramp"
    return page


def question(page: Any) -> str:
    return str(page.locator(".question-form input[name=q]").get_attribute("value"))


TETANUS = {"jaw_stiff": "Yes", "wound": "Yes", "fever": "No", "night": "Yes", "site": "Leg"}


def answer_until_emergency(page: Any) -> None:
    """Yes to jaw stiffness and a wound whenever the engine asks them (the tetanus rule), calm otherwise."""
    for _ in range(10):
        if not page.locator(".question-form").count():
            return
        with page.expect_navigation():
            page.locator(".question-form").get_by_role(
                "button", name=TETANUS.get(question(page), "Don't know"), exact=True).first.click()


def test_checker_run_to_result(desktop: Tab, phone: Tab) -> None:
    for tab, size in ((desktop, "desktop"), (phone, "320")):
        page = start_check(tab)
        tab.assert_fits()
        audit(tab)
        tab.shot(f"checker-start-{size}")
        page.get_by_role("button", name="Start").click()
        page.locator(".question-form").wait_for()
        tab.assert_fits()
        audit(tab)
        tab.shot(f"checker-question-{size}")
        page.get_by_text("Why are you asking this?").click()
        assert page.locator("details.why p").is_visible()
        for _ in range(15):
            if not page.locator(".question-form").count():
                break
            with page.expect_navigation():
                page.locator(".question-form").get_by_role(
                    "button", name=CALM.get(question(page), "Don't know"), exact=True).first.click()
        heading = page.get_by_role("heading", level=1)
        assert "look after this yourself" in heading.inner_text()
        assert page.get_by_role("link", name="Night cramps").first.is_visible()
        assert page.locator("svg.bar").count() >= 2
        page.get_by_text("Why?").first.click()
        assert page.get_by_text("Answers that make it more likely:").first.is_visible()
        assert page.get_by_role("button", name="Print this result").is_visible()  # unhidden by site.js
        tab.assert_fits()
        audit(tab)
        tab.shot(f"checker-result-{size}")
        # the print view: the result alone, without site navigation, forms or buttons
        page.emulate_media(media="print")
        assert page.locator(".site-header").is_hidden()
        assert page.locator(".result-actions").is_hidden()
        assert page.locator("#result-title").is_visible()
        tab.shot(f"checker-result-print-{size}")
        page.emulate_media(media="screen")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download for your doctor's system (FHIR)").click()
        assert download.value.suggested_filename == "symcheck-assessment.fhir.json"


def test_emergency_interrupt(phone: Tab, desktop: Tab) -> None:
    for tab, size in ((phone, "320"), (desktop, "desktop")):
        page = start_check(tab)
        page.get_by_role("button", name="Start").click()
        assert question(page) == "jaw_stiff"
        answer_until_emergency(page)
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "Call emergency services now"
        assert page.get_by_role("link", name="Call 112").is_visible()
        assert page.get_by_text("Keep the person calm in a quiet, dim room.").is_visible()
        # the instruction fills the first screen: its panel is at least as tall as the viewport
        panel = page.locator("section.emergency").bounding_box()
        assert panel and panel["height"] >= page.viewport_size["height"]
        colour = page.locator("section.emergency").evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(164, 0, 29)"
        tab.assert_fits()
        audit(tab)
        tab.shot(f"checker-emergency-{size}")
        # correcting a mistaken tap goes back to that question
        page.get_by_role("button", name=re.compile("Change “Have you had a wound")).click()
        assert question(page) == "wound"


def test_back_and_change_an_answer(desktop: Tab) -> None:
    page = start_check(desktop)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="No", exact=True).click()  # jaw stiff: no
    assert question(page) != "jaw_stiff"
    page.get_by_role("button", name="Back").click()
    assert question(page) == "jaw_stiff"
    assert page.get_by_role("button", name="No (current answer)").is_visible()
    page.get_by_role("button", name="Don't know").click()
    answers = page.locator("dl.answers")
    assert "Don't know" in answers.inner_text()
    next_q = question(page)
    page.get_by_role("button", name="Change the answer to “Is your jaw stiff?”").click()
    assert question(page) == "jaw_stiff"
    assert "Changing your answer to question 1" in page.locator(".progress-label").inner_text()
    desktop.shot("checker-change-desktop")
    page.get_by_role("button", name="No", exact=True).click()
    assert question(page) == next_q
    rows = page.locator("dl.answers .answer-row").all_inner_texts()
    assert any("Is your jaw stiff?" in r and "No" in r for r in rows)


def test_works_without_javascript(browser: Any, base_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/check")
    assert page.locator("#pregnancy-field").is_visible()  # shown with its hint when no script can hide it
    page.get_by_label("Age in years").fill("70")
    page.get_by_label("Male", exact=True).check()
    page.get_by_text("Or choose from the list").click()
    page.get_by_label("Leg cramp").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start").click()
    for _ in range(15):
        if not page.locator(".question-form").count():
            break
        # wait for each answer's page: reading the old page's question on a slow machine answered it twice
        with page.expect_navigation():
            page.locator(".question-form").get_by_role(
                "button", name=CALM.get(question(page), "Don't know"), exact=True).first.click()
    assert "look after this yourself" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("button", name="Print this result").is_hidden()  # needs script, so not offered
    context.close()


def test_keyboard_only_answering_and_focus_order(desktop: Tab) -> None:
    page = start_check(desktop)
    page.get_by_role("button", name="Start").focus()
    page.keyboard.press("Enter")
    page.locator(".question-form").wait_for()
    page.locator("#site-q").focus()
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.innerText || document.activeElement.value"))
    assert order[:5] == ["Search", "Yes", "No", "Don't know", "Why are you asking this?"]
    assert "Back" in order[5]
    page.locator(".question-form button[value=absent]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert question(page) != "jaw_stiff"
    outline = page.evaluate(
        "(() => { const b = document.querySelector('.question-form button'); b.focus();"
        " return getComputedStyle(b).outlineStyle; })()"
    )
    assert outline == "solid"


def test_search_with_suggestions(desktop: Tab, phone: Tab) -> None:
    page = desktop.go("/")
    box = page.get_by_role("combobox", name="Search conditions and symptoms")
    box.press_sequentially("nigth cra", delay=20)
    option = page.get_by_role("option", name=re.compile("Night cramps"))
    option.first.wait_for()
    desktop.shot("search-suggestions-desktop")
    option.first.click()
    page.wait_for_url("**/conditions/night_cramps")
    page = phone.go("/")
    box = page.get_by_role("combobox", name="Search conditions and symptoms")
    box.fill("charley horse")
    box.press("Enter")
    page.wait_for_url("**/search?q=charley+horse")
    assert page.get_by_role("link", name="Leg cramp").is_visible()
    phone.assert_fits()
    phone.shot("search-results-320")


def test_condition_and_symptom_pages(phone: Tab, desktop: Tab) -> None:
    for tab, size in ((phone, "320"), (desktop, "desktop")):
        page = tab.go("/conditions/night_cramps")
        assert page.get_by_role("heading", level=1).inner_text() == "Night cramps"
        assert page.get_by_role("link", name="Start a symptom check").first.is_visible()
        assert "Reviewed by tester" in page.locator(".review").inner_text()
        tab.assert_fits()
        tab.shot(f"condition-{size}")
        page = tab.go("/symptoms/webmini")
        page.get_by_role("link", name="Night cramps").first.click()
        page.wait_for_url("**/conditions/night_cramps")
        page = tab.go("/conditions/evil")
        assert "<script>" in page.get_by_role("heading", level=1).inner_text()  # shown as text, not run
        tab.assert_fits()


def test_every_page_fits_at_320_and_passes_the_audit(phone: Tab, desktop: Tab) -> None:
    for path in ("/", "/symptoms/webmini", "/conditions", "/categories", "/categories/benign", "/signs/fever",
                 "/search?q=cramp", "/conditions/tetanus", "/conditions/evil"):
        phone.go(path)
        phone.assert_fits()
        audit(phone)
        desktop.go(path)
        audit(desktop)
    phone.go("/conditions/nope", status=404)
    phone.assert_fits()


# ----- the real pack: screenshots of what a person sees ----------------------------------------------


@pytest.fixture(scope="module")
def spasm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import symcheck

    try:
        pack = symcheck.load_pack("spasm")
    except PackError as exc:
        pytest.skip(f"the spasm pack does not validate yet: {exc}")
    yield from _serve([str(pack.path)], tmp_path_factory.mktemp("spasm"))


def test_spasm_pack_tour(browser: Any, spasm_url: str) -> None:
    """The flagship pack's pages at both widths and a checker run on the phone (answering "No", "None of
    these" or the first choice) to a result."""
    import symcheck

    pack = symcheck.load_pack("spasm")
    first = sorted(pack.conditions)[0]
    for viewport, size in ((PHONE, "320"), (DESKTOP, "desktop")):
        tab = Tab(browser, spasm_url, viewport)
        page = tab.go("/")
        tab.assert_fits()
        tab.shot(f"spasm-home-{size}")
        page = tab.go(f"/symptoms/{pack.page.id if pack.page else pack.id}")
        assert page.get_by_role("heading", level=1).is_visible()
        tab.assert_fits()
        # the page is long: its first screen, then its warning signs
        tab.shot(f"spasm-symptom-page-{size}", full_page=False)
        page.locator("#warning_signs").scroll_into_view_if_needed()
        page.locator("#warning_signs details").first.locator("summary").click()
        tab.shot(f"spasm-symptom-warnings-{size}", full_page=False)
        audit(tab)
        tab.go(f"/conditions/{first}")
        tab.assert_fits()
        audit(tab)
        tab.shot(f"spasm-condition-{size}", full_page=False)
        tab.go("/categories/musculoskeletal" if any(c.category == "musculoskeletal" for c in pack.conditions.values())
               else "/categories")
        tab.assert_fits()
        tab.shot(f"spasm-category-{size}")
        if size != "320":
            tab.close()
            continue  # one checker run (on the phone) keeps the suite fast
        page = tab.go("/check")
        page.get_by_label("Age in years").fill("45")
        page.get_by_label("Female", exact=True).check()
        box = page.get_by_role("combobox", name="What is the main problem?")
        box.press_sequentially("calf cramp", delay=10)
        page.get_by_role("option").first.wait_for()
        box.press("ArrowDown")
        box.press("Enter")
        page.get_by_role("button", name="Start").click()
        for step in range(pack.meta.stop.max_questions + 2):
            form = page.locator(".question-form")
            if not form.count():
                break
            if step == 2:
                tab.assert_fits()
                tab.shot(f"spasm-question-{size}")
            buttons = form.locator("button")
            no = form.get_by_role("button", name="No", exact=True)
            none = form.get_by_role("button", name="None of these")
            with page.expect_navigation():
                if no.count():
                    no.click()
                elif none.count():
                    none.click()
                elif form.locator("input[name=v][type=text]").count():
                    form.get_by_role("button", name="Don't know").click()
                else:
                    buttons.first.click()
        assert page.locator("#result-title").is_visible()
        tab.assert_fits()
        tab.shot(f"spasm-result-{size}")
        tab.close()


# ----- the browser's Back button and the phone's back gesture ---------------------------------------

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone390(browser: Any, base_url: str) -> Iterator[Tab]:
    tab = Tab(browser, base_url, PHONE_390)
    yield tab
    tab.close()


def _assert_no_resubmission(page: Any) -> None:
    """Back landed on a real page of the checker, not on Chrome's "Confirm Form Resubmission" error."""
    assert "ERR_CACHE_MISS" not in page.content()
    assert page.get_by_role("heading", level=1).count() == 1


def test_browser_back_on_a_question_the_emergency_screen_and_the_result(phone390: Tab) -> None:
    tab = phone390
    page = start_check(tab)
    page.get_by_role("button", name="Start").click()
    assert question(page) == "jaw_stiff"
    # screen readers land on the new question: it has the focus after each step
    assert page.evaluate("document.activeElement.id") == "question-title"
    page.get_by_role("button", name="No", exact=True).click()
    second = question(page)
    assert second != "jaw_stiff"
    assert page.evaluate("document.activeElement.id") == "question-title"
    tab.shot("checker-question-390")
    page.go_back()  # on a question
    _assert_no_resubmission(page)
    assert question(page) == "jaw_stiff"
    page.go_forward()
    assert question(page) == second
    # to the emergency screen: start again and answer yes, yes
    page.get_by_role("button", name="Start again").click()
    page = start_check(tab)
    page.get_by_role("button", name="Start").click()
    answer_until_emergency(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Call emergency services now"
    tab.assert_fits()
    tab.shot("checker-emergency-390")
    page.go_back()  # on the emergency screen
    _assert_no_resubmission(page)
    assert question(page) in ("wound", "jaw_stiff")  # the question whose answer fired the rule
    page.go_forward()
    assert page.get_by_role("heading", level=1).inner_text() == "Call emergency services now"
    page.get_by_role("button", name="See the full result").click()
    assert page.locator("#result-title").is_visible()
    page.go_back()  # on the result
    _assert_no_resubmission(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Call emergency services now"
    page.go_forward()
    assert page.locator("#result-title").is_visible()
    # a calm run to a result, then Back from it shows the last question again
    page = start_check(tab)
    page.get_by_role("button", name="Start").click()
    for _ in range(15):
        if not page.locator(".question-form").count():
            break
        last = question(page)
        with page.expect_navigation():
            page.locator(".question-form").get_by_role(
                "button", name=CALM.get(last, "Don't know"), exact=True).first.click()
    assert "look after this yourself" in page.get_by_role("heading", level=1).inner_text()
    tab.assert_fits()
    tab.shot("checker-result-390")
    page.go_back()
    _assert_no_resubmission(page)
    assert question(page) == last


def test_api_docs_render_offline(desktop: Tab) -> None:
    """Swagger UI comes from this server: with every other host unreachable the docs still render, and
    the page's strict CSP (this origin only) logs no violation."""
    outside: list[str] = []

    def block(route: Any) -> None:
        if route.request.url.startswith(desktop.base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    desktop.page.route("**/*", block)
    page = desktop.go("/docs")
    page.locator(".information-container .title").wait_for(timeout=15000)
    assert "symcheck" in page.locator(".information-container .title").inner_text()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 5
    assert not outside, outside
    desktop.shot("api-docs-desktop", full_page=False)
