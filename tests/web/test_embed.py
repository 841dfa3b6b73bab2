"""The embeddable checker and search (/embed/...), who may frame them, the publisher's theme, and the
"For publishers" page. The browser test with a real second origin is tests/web/test_embed_browser.py."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from symcheck.errors import InputError
from symcheck.web import embed
from tests.web.conftest import WEB_PACK

PUBLISHER = "https://news.example"


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed") / "store.sqlite"


@pytest.fixture(scope="module")
def app_client(db_path: Path) -> Iterator[TestClient]:
    from symcheck.api.app import create_app

    app = create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{db_path}",
                     embed_origins=f"{PUBLISHER}, https://*.health.example")
    with TestClient(app) as c:
        yield c


def forms_and_links(html: str) -> tuple[list[str], list[str]]:
    forms = re.findall(r"<form\b[^>]*>", html)
    links = re.findall(r"<a\b[^>]*>", html)
    return forms, links


# ----- the setting -------------------------------------------------------------------------------


def test_origins_setting_is_parsed_and_checked() -> None:
    assert embed.parse_origins("https://a.example  http://127.0.0.1:8080/,https://*.b.example") == [
        "https://a.example", "http://127.0.0.1:8080", "https://*.b.example"]
    assert embed.parse_origins("") == []
    for bad in ("a.example", "https://a.example/path", "ftp://a.example", "https://a.example:99999", "*"):
        with pytest.raises(InputError) as err:
            embed.parse_origins(bad)
        assert err.value.field == "SYMCHECK_EMBED_ORIGINS"


def test_a_bad_setting_stops_the_app_from_starting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from symcheck.api.app import create_app

    monkeypatch.setenv("SYMCHECK_EMBED_ORIGINS", "news.example/path")
    with pytest.raises(InputError, match="SYMCHECK_EMBED_ORIGINS"):
        create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{tmp_path / 'x.sqlite'}")


def test_wildcard_origins_match_subdomains_only() -> None:
    allowed = ["https://*.health.example", "http://127.0.0.1:8001"]
    assert embed.origin_allowed("https://www.health.example", allowed)
    assert not embed.origin_allowed("https://health.example.evil", allowed)
    assert not embed.origin_allowed("http://www.health.example", allowed)
    assert embed.origin_allowed("http://127.0.0.1:8001", allowed)
    assert not embed.origin_allowed("http://127.0.0.1:8002", allowed)


# ----- framing headers ---------------------------------------------------------------------------


def test_only_the_embed_views_may_be_framed(app_client: TestClient) -> None:
    for url in ("/embed/check", "/embed/check?complaint=leg_cramp", "/embed/search"):
        r = app_client.get(url)
        assert r.status_code == 200, url
        csp = r.headers["content-security-policy"]
        assert f"frame-ancestors 'self' {PUBLISHER} https://*.health.example;" in csp, url
        assert "default-src 'self'" in csp
        assert "x-frame-options" not in r.headers, url
    for url in ("/", "/check", "/check?complaint=leg_cramp", "/conditions/tetanus", "/publishers", "/search",
                "/embed/theme.css?accent=%23aa0000", "/static/embed.js"):
        r = app_client.get(url)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], url
        assert r.headers["x-frame-options"] == "DENY", url


def test_without_the_setting_only_the_site_itself_may_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from symcheck.api.app import create_app

    monkeypatch.delenv("SYMCHECK_EMBED_ORIGINS", raising=False)
    app = create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{tmp_path / 'x.sqlite'}")
    with TestClient(app) as c:
        assert "frame-ancestors 'self';" in c.get("/embed/check").headers["content-security-policy"]


# ----- the framed checker ------------------------------------------------------------------------


def test_embed_pages_have_no_site_chrome_but_the_disclaimer_and_emergency_number(app_client: TestClient) -> None:
    html = app_client.get("/embed/check?complaint=leg_cramp").text
    assert 'class="site-header"' not in html and 'class="site-footer"' not in html
    assert "This is not a diagnosis (test pack)." in html
    assert re.search(r'<a href="tel:[0-9]+">', html)
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html  # the framed view is not a page of its own
    assert 'value="leg_cramp" data-label="Leg cramp" checked' in html


def _submit(client: TestClient, html: str, choose: dict[str, str]) -> str:
    """Submit the checker's main form the way a browser without JavaScript would: its hidden fields plus
    the chosen values, to the form's own action with its own method, following redirects."""
    m = re.search(r'<form class="(?:check-form|question-form)"[^>]*>(.*?)</form>', html, flags=re.S)
    assert m, "no checker form"
    tag = re.search(r'<form class="(?:check-form|question-form)"[^>]*>', html)
    assert tag
    action = re.search(r'action="([^"]+)"', tag.group(0))
    method = re.search(r'method="([^"]+)"', tag.group(0))
    assert action and action.group(1).startswith("/embed/check"), tag.group(0)
    url = action.group(1).replace("&amp;", "&")
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m.group(1))
    pairs = [(k, v.replace("&amp;", "&")) for k, v in pairs if k not in choose] + list(choose.items())
    if method and method.group(1).lower() == "get":
        r = client.get(url, params=pairs)
    else:
        r = client.post(url, data=pairs)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text[:500]
    assert r.url.path.startswith("/embed/check"), r.url  # every redirect stayed in the frame
    return r.text


def test_a_framed_run_reaches_the_emergency_and_stays_framed(app_client: TestClient) -> None:
    start = app_client.get(f"/embed/check?complaint=leg_cramp&accent=%23ffcc00&origin={PUBLISHER}").text
    html = _submit(app_client, start, {"age": "70", "sex": "male", "complaint": "leg_cramp", "for_whom": "self",
                                       "action": "start"})
    seen = []
    for _ in range(6):
        if "Call emergency services now" in html:
            break
        q = re.search(r'<input type="hidden" name="q" value="([^"]+)"', html)
        assert q, html[:2000]
        seen.append(q.group(1))
        html = _submit(app_client, html, {"v": "present" if q.group(1) in ("jaw_stiff", "wound") else "unknown"})
    assert "Call emergency services now" in html, seen
    assert "Keep the person calm in a quiet, dim room." in html
    forms, links = forms_and_links(html)
    for form in forms:
        action = re.search(r'action="([^"]+)"', form)
        assert action
        if action.group(1).startswith("/check/fhir"):
            assert 'target="_blank"' in form
        else:
            assert action.group(1).startswith("/embed/check"), form
    # the theme and the framing page's origin travel with every step (GET forms: as hidden fields)
    for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S):
        if "/check/fhir" in form:
            continue
        carried = "accent=%23ffcc00" in form and "origin=https%3A%2F%2Fnews.example" in form
        hidden = ('name="accent" value="#ffcc00"' in form and 'name="origin" value="https://news.example"' in form)
        assert carried or hidden, form[:300]
    for link in links:
        href = re.search(r'href="([^"]*)"', link)
        if href and href.group(1).startswith("/") and not href.group(1).startswith("/embed/"):
            assert 'target="_blank"' in link, link  # the site's pages refuse frames: open them in a tab
    assert '<meta name="symcheck-parent" content="https://news.example">' in html
    assert '<link rel="stylesheet" href="/embed/theme.css?accent=%23ffcc00">' in html


def test_the_framed_checker_stores_nothing(app_client: TestClient, db_path: Path) -> None:
    def rows() -> int:
        if not db_path.exists():
            return 0
        with sqlite3.connect(db_path) as con:
            tables = [t for (t,) in con.execute("select name from sqlite_master where type='table'")]
            return sum(con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables)

    before = rows()
    test_a_framed_run_reaches_the_emergency_and_stays_framed(app_client)
    assert rows() == before
    r = app_client.get("/embed/check?complaint=leg_cramp")
    assert "set-cookie" not in r.headers
    assert r.headers["cache-control"] == "no-store"


def test_an_origin_not_in_the_list_gets_no_messages(app_client: TestClient) -> None:
    html = app_client.get("/embed/check?origin=https://evil.example").text
    assert "symcheck-parent" not in html
    html = app_client.get("/embed/check?origin=https://www.health.example").text
    assert '<meta name="symcheck-parent" content="https://www.health.example">' in html


def test_unknown_embed_paths_are_404(app_client: TestClient) -> None:
    assert app_client.get("/embed/checkout").status_code == 404
    assert app_client.get("/embed/check/nope").status_code == 404


def test_no_inline_script_or_style_in_the_framed_views(app_client: TestClient) -> None:
    for url in ("/embed/check?complaint=leg_cramp&accent=%23aa0000&font=Georgia,serif", "/embed/search"):
        html = app_client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url


# ----- theme -------------------------------------------------------------------------------------


def test_theme_colours_meet_contrast_and_bad_values_are_dropped() -> None:
    for accent in ("#ffcc00", "#fff", "#0b6e4f", "#00ff00"):
        colours = embed.accent_colours(accent)
        assert colours
        assert embed.contrast_with_white(embed._rgb(colours[0])) >= 4.5, accent
    assert embed.accent_colours("#0b6e4f")[0] == "#0b6e4f"  # type: ignore[index]  # dark enough: kept as it is
    assert embed.accent_colours("red; } body { display:none") is None
    assert embed.font_stack("Georgia, serif") == '"Georgia", serif'
    assert embed.font_stack("x; } * { color: red") is None
    css = embed.theme_css("url(javascript:1)", "</style><script>")
    assert css.strip() == ""


def test_theme_stylesheet(app_client: TestClient) -> None:
    r = app_client.get("/embed/theme.css", params={"accent": "#0B6E4F", "font": "Source Sans 3, sans-serif"})
    assert r.headers["content-type"].startswith("text/css")
    assert "--primary: #0b6e4f;" in r.text
    assert 'font-family: "Source Sans 3", sans-serif;' in r.text


# ----- search ------------------------------------------------------------------------------------


def test_embedded_search_opens_results_in_a_new_tab_or_the_publishers_page(app_client: TestClient) -> None:
    html = app_client.get("/embed/search").text
    form = re.search(r"<form\b[^>]*>", html)
    assert form and 'action="/search"' in form.group(0) and 'target="_blank"' in form.group(0)
    assert 'data-suggest="/search/suggest"' in html and 'data-target="_blank"' in html
    r = app_client.get("/embed/search", params={"results": f"{PUBLISHER}/search"})
    form = re.search(r"<form\b[^>]*>", r.text)
    assert form and f'action="{PUBLISHER}/search"' in form.group(0) and 'target="_top"' in form.group(0)
    assert f"form-action 'self' {PUBLISHER}" in r.headers["content-security-policy"]
    # a results page on an origin that may not embed us is ignored
    r = app_client.get("/embed/search", params={"results": "https://evil.example/steal"})
    assert "evil.example" not in r.text and "evil.example" not in r.headers["content-security-policy"]


# ----- the publishers' page ----------------------------------------------------------------------


def test_publishers_page_shows_the_snippet_setting_and_storage(app_client: TestClient) -> None:
    html = app_client.get("/publishers").text
    assert "/static/embed.js" in html and 'data-symcheck="check"' in html
    assert "SYMCHECK_EMBED_ORIGINS" in html and PUBLISHER in html
    assert "What is and is not stored" in html
    assert "&lt;iframe src=" in html  # the plain-frame variant
    # the live preview is the snippet itself
    assert re.search(r'<script src="/static/embed.js" data-symcheck="check"', html)
    assert app_client.get("/static/embed.js").status_code == 200


# ----- symcheck serve ----------------------------------------------------------------------------


def test_serve_documents_and_checks_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from symcheck.cli import serve  # noqa: F401  (registers the command)
    from symcheck.cli.apps import app

    monkeypatch.delenv("SYMCHECK_EMBED_ORIGINS", raising=False)
    # `serve` writes its settings into this process's environment for its workers: undo that after the test,
    # or every later create_app() in the run would serve only this test's pack
    from symcheck.api.app import BODY_TIMEOUT_ENV, TRUSTED_HOSTS_ENV
    from symcheck.api.process import PARENT_PID_ENV
    from symcheck.api.registry import DEFAULT_PACK_ENV, PACKS_ENV
    from symcheck.store.db import DATABASE_URL_ENV

    for key in (PACKS_ENV, DEFAULT_PACK_ENV, DATABASE_URL_ENV, BODY_TIMEOUT_ENV, TRUSTED_HOSTS_ENV, PARENT_PID_ENV):
        monkeypatch.setenv(key, "")  # recorded, so the teardown removes whatever `serve` writes
        monkeypatch.delenv(key)
    help_text = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output
    assert "SYMCHECK_EMBED_ORIGINS" in help_text and "--embed-origin" in help_text
    # an InputError: symcheck's main prints it as one line "error: FIELD: message" and exits 2
    bad = CliRunner().invoke(app, ["serve", "--pack", str(WEB_PACK), "--embed-origin", "news.example/path"])
    assert isinstance(bad.exception, InputError) and bad.exception.field == "--embed-origin"
    assert "news.example/path" in bad.exception.message
    monkeypatch.setenv("SYMCHECK_EMBED_ORIGINS", "ftp://x.example")
    bad = CliRunner().invoke(app, ["serve", "--pack", str(WEB_PACK)])
    assert isinstance(bad.exception, InputError) and bad.exception.field == "SYMCHECK_EMBED_ORIGINS"


def test_every_checker_form_of_the_start_page_stays_in_the_frame(app_client: TestClient) -> None:
    """Whatever forms the site's start page has (the step-by-step form, the free-text form, ...), framed
    they all go to /embed/check... with the carried parameters."""
    html = app_client.get(f"/embed/check?accent=%23aa0000&origin={PUBLISHER}").text
    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    assert forms
    for form in forms:
        tag = re.match(r"<form\b[^>]*>", form)
        assert tag and 'action="/embed/check' in tag.group(0), tag
        assert 'name="origin" value="https://news.example"' in form or "origin=https%3A" in tag.group(0)
