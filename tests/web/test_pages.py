"""The content pages render, link up, escape pack text and carry the security headers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def start_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def all_urls(pack: Pack) -> list[str]:
    urls = ["/", "/symptoms/webmini", "/conditions", "/categories", "/search", "/search?q=cramp", "/check",
            "/check?complaint=leg_cramp", "/publishers"]
    urls += [f"/conditions/{cid}" for cid in pack.conditions]
    urls += [f"/categories/{slug}" for slug in page_mod.categories(pack)]
    urls += [f"/signs/{ev}" for ev in pack.evidence]
    return urls


def test_every_page_renders(client: TestClient, pack: Pack) -> None:
    for url in all_urls(pack):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].startswith("text/html"), url
        assert "<h1" in r.text, url
        assert 'href="/check' in r.text, f"{url} has no way into the checker"
        assert pack.meta.disclaimer in r.text, url


def test_symptom_page_sections_links_rules_sources_review(client: TestClient, pack: Pack) -> None:
    html = client.get("/symptoms/webmini").text
    assert "<h1 id=\"page-title\">Cramps and &lt;spasms&gt;</h1>" in html
    for title in ("About cramps", "Warning signs"):
        assert title in html
    # [[id]] links become links to the condition pages
    assert '<a href="/conditions/night_cramps">Night cramps</a>' in html
    assert '<a href="/conditions/tetanus">Tetanus</a>' in html
    # warning signs: the pack's rules grouped by level, with what to do and what to do while waiting
    assert "Call emergency services now" in html and "See a doctor today" in html
    assert "Jaw stiffness after a wound can be tetanus." in html
    assert "Keep the person calm in a quiet, dim room." in html
    assert html.index("Call emergency services now") < html.index("See a doctor today")
    # scope rules are listed as not covered, not as a warning level
    assert "Belly cramps are outside this pack." in html
    # sources with links and the review record from the pack itself
    assert 'href="https://example.org/1"' in html and "Test source two" in html
    assert "test content team (awaiting independent clinician review)" in html
    assert "21 November 2026" in html and "21 November 2027" in html
    # the section body's raw <script> is shown as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_condition_page_content(client: TestClient) -> None:
    html = client.get("/conditions/night_cramps").text
    assert "<h1 id=\"page-title\">Night cramps</h1>" in html
    assert "Stretch the calf." in html  # self-care
    assert "GP" in html  # whom to see
    assert "Test source one" in html and 'href="https://example.org/1"' in html
    assert "Reviewed by <strong>tester</strong>" in html
    assert 'href="/categories/benign"' in html
    assert 'href="/symptoms/webmini"' in html  # the symptom page links it, so it links back
    assert "/check" in html


def test_condition_without_own_review_shows_the_packs(client: TestClient) -> None:
    html = client.get("/conditions/tetanus").text
    assert "test content team (awaiting independent clinician review)" in html
    # an emergency condition's page carries its red-flag rule with what to do
    assert "Call emergency services now" in html
    assert "Jaw stiffness after a wound can be tetanus." in html


def test_pack_text_is_escaped_everywhere(client: TestClient, pack: Pack) -> None:
    urls = ["/conditions/evil", "/conditions", "/categories", "/search?q=evil", "/symptoms/webmini"]
    urls += [f"/categories/{slug}" for slug in page_mod.categories(pack)]
    for url in urls:
        html = client.get(url).text
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "javascript:" not in html, url
        assert "<i>odd</i>" not in html, url
    html = client.get("/conditions/evil").text
    assert "Evil &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; syndrome" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>bold</strong>" in html  # the Markdown subset still works


def test_estimates_are_marked(client: TestClient) -> None:
    html = client.get("/conditions/evil").text
    assert re.search(r"50%\s*<span class=\"tag\">estimate</span>", html)


def test_head_requests(client: TestClient) -> None:
    assert client.head("/conditions/night_cramps").status_code == 200
    assert client.head("/conditions/nope").status_code == 404


def test_unknown_pages_are_404_html(client: TestClient) -> None:
    for url in ("/conditions/no_such_thing", "/categories/nope", "/signs/nope", "/symptoms/other"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "Page not found" in r.text
        assert r.headers["content-type"].startswith("text/html")
    assert "no_such_thing" in client.get("/conditions/no_such_thing").text


def test_unknown_condition_id_is_escaped_on_404(client: TestClient) -> None:
    r = client.get("/conditions/%3Cscript%3Ex")
    assert r.status_code == 404
    assert "<script>x" not in r.text and "&lt;script&gt;x" in r.text


def test_no_inline_script_style_or_handlers(client: TestClient, pack: Pack) -> None:
    """Pages work under CSP default-src 'self': scripts only by src, no style attributes or elements,
    no on* handlers."""
    for url in all_urls(pack):
        html = client.get(url).text
        tags = start_tags(html)
        assert tags, url
        for tag, attrs in tags:
            # a JSON-LD data block is not script: the browser never runs it, so CSP does not apply
            data_block = attrs.get("type") == "application/ld+json"
            assert not (tag == "script" and "src" not in attrs and not data_block), url
            assert tag != "style", url
            assert not [a for a in attrs if a == "style" or a.startswith("on")], (url, tag, attrs)


def test_csp_header_on_pages_from_the_api_app(api_client: TestClient) -> None:
    for url in ("/", "/symptoms/webmini", "/conditions/night_cramps", "/check", "/search?q=cramp",
                "/static/site.css", "/conditions/nope"):
        r = api_client.get(url)
        csp = r.headers.get("content-security-policy", "")
        assert "default-src 'self'" in csp, url
        assert "unsafe-inline" not in csp, url
    r = api_client.post("/check", data={"action": "start", "age": "40", "sex": "male", "complaint": "leg_cramp"})
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_static_assets(client: TestClient) -> None:
    css = client.get("/static/site.css")
    js = client.get("/static/site.js")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "innerHTML" not in js.text  # suggestions are written with textContent only


def test_search_results_page(client: TestClient) -> None:
    html = client.get("/search", params={"q": "night cramps"}).text
    assert '<a class="result-title" href="/conditions/night_cramps">Night cramps</a>' in html
    # typo-tolerant
    assert "/conditions/night_cramps" in client.get("/search", params={"q": "nigth crmps"}).text
    # synonyms: "charley horse" is a synonym of the leg-cramp complaint, which starts the checker
    assert "/check?complaint=leg_cramp" in client.get("/search", params={"q": "charley horse"}).text
    # page sections are searchable too
    assert "/symptoms/webmini#warning_signs" in client.get("/search", params={"q": "warning signs"}).text
    nothing = client.get("/search", params={"q": "zzzzqqq"}).text
    assert "0 results" in nothing and "Nothing matched" in nothing


def test_search_query_is_escaped(client: TestClient) -> None:
    html = client.get("/search", params={"q": "<script>x</script>"}).text
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html


def test_search_suggestions_as_you_type(client: TestClient) -> None:
    hits = client.get("/search/suggest", params={"q": "nigh"}).json()
    assert any(h["url"] == "/conditions/night_cramps" for h in hits)
    assert all(set(h) == {"title", "url", "kind", "matched"} for h in hits)
    assert client.get("/search/suggest", params={"q": ""}).json() == []


def test_overlong_queries(client: TestClient) -> None:
    page = client.get("/search", params={"q": "night " * 100})
    assert page.status_code == 200 and "Only the first 200 characters were searched." in page.text
    r = client.get("/search/suggest", params={"q": "x" * 500})
    assert r.status_code == 422 and "q" in r.text  # the JSON endpoint names the field


@pytest.mark.parametrize(("typed", "expected"), [("charly hors", "leg_cramp"), ("belly", "belly_cramp")])
def test_complaint_suggestions_are_typo_tolerant(client: TestClient, typed: str, expected: str) -> None:
    found = client.get("/check/complaints", params={"q": typed}).json()
    assert found and found[0]["id"] == expected


def test_about_and_privacy_pages_and_a_patient_footer_without_the_api(client: TestClient) -> None:
    about = client.get("/about")
    assert about.status_code == 200
    for needle in ("Who writes the content", "How it is reviewed", "What the percentages mean",
                   "What it covers, and what it does not", "Leg cramp", 'href="/docs"'):
        assert needle in about.text
    privacy = client.get("/privacy")
    assert privacy.status_code == 200
    for needle in ("What is stored", "How to delete", "browser history", "DELETE /v1/assessments/{id}"):
        assert needle in privacy.text
    home = client.get("/").text
    footer = home[home.index('<footer class="site-footer">'):]
    assert 'href="/about"' in footer and 'href="/privacy"' in footer
    assert 'href="/docs"' not in footer
