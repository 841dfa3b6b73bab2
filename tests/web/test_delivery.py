"""How pages and files are delivered: compressed, fingerprinted static files cached for a year, API docs
served by the app itself (no CDN, CSP to this origin only), HEAD answered."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from symcheck.web.site import STATIC_DIR
from symcheck.web.static_files import LONG_CACHE, fingerprint


def test_pages_are_compressed(api_client: TestClient) -> None:
    r = api_client.get("/symptoms/webmini", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in r.headers.get("vary", "").lower()
    assert "<h1" in r.text  # httpx decodes it
    assert api_client.get("/v1/packs", headers={"Accept-Encoding": "gzip"}).status_code == 200


def test_fingerprinted_static_files_are_cached_for_a_year(api_client: TestClient) -> None:
    page = api_client.get("/").text
    css = re.search(r'href="(/static/site\.css\?v=([0-9a-f]+))"', page)
    js = re.search(r'src="(/static/site\.js\?v=([0-9a-f]+))"', page)
    assert css and js
    assert css.group(2) == fingerprint(STATIC_DIR / "site.css")
    for url in (css.group(1), js.group(1)):
        r = api_client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == LONG_CACHE
    # a stale or missing fingerprint is revalidated, never cached for a year
    assert api_client.get("/static/site.css?v=old").headers["cache-control"] == "no-cache"
    assert api_client.get("/static/site.css").headers["cache-control"] == "no-cache"


def test_docs_come_from_this_server_only(api_client: TestClient) -> None:
    docs = api_client.get("/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert "http" not in csp and "'unsafe-inline'" not in csp and "script-src 'self';" in csp
    assert "<script>" not in docs.text  # no inline script
    assets = re.findall(r'(?:src|href)="(/docs/[^"]+)"', docs.text)
    assert len(assets) == 3
    for url in assets:
        r = api_client.get(url)
        assert r.status_code == 200, url
    bundle = api_client.get(next(a for a in assets if a.endswith("swagger-ui-bundle.js")))
    assert bundle.headers["cache-control"] == LONG_CACHE and len(bundle.content) > 100_000
    assert "/openapi.json" in api_client.get("/docs/init.js").text


def test_head_is_answered(api_client: TestClient) -> None:
    for path in ("/", "/docs", "/about", "/privacy", "/check"):
        r = api_client.head(path)
        assert r.status_code == 200, path
        assert r.content == b""
