"""Site search on the flagship pack: no matches from stray digits, out-of-scope entries below the covered
ones, and every result reachable (pages of 30, with the total)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from symcheck.kb.pack import Pack
from symcheck.web import search as web_search


def test_markup_and_bare_digits_match_nothing(spasm: Pack, site: TestClient) -> None:
    for q in ("<script>alert(1)</script>", "1", "alert"):
        assert web_search.search(spasm, q, limit=100) == [], q
    html = site.get("/search", params={"q": "<script>alert(1)</script>"}).text
    assert "0 results for “&lt;script&gt;alert(1)&lt;/script&gt;”" in html
    # a whole ICD-10 code still finds its conditions, and typos are still forgiven
    assert {h.id for h in web_search.search(spasm, "R25.2", limit=10)} >= {"nocturnal_leg_cramps"}
    assert web_search.search(spasm, "charly hors", limit=3)


def test_out_of_scope_complaint_is_not_first(spasm: Pack) -> None:
    elsewhere = web_search.out_of_scope_complaints(spasm)
    assert elsewhere
    hits = web_search.search(spasm, "cramp", limit=10)
    assert hits[0].id not in elsewhere
    assert hits[0].id == "muscle_cramp"


def test_results_are_paged_with_the_total(spasm: Pack, site: TestClient) -> None:
    total = len(web_search.search(spasm, "cramp", limit=300))
    assert total > 30
    first = site.get("/search", params={"q": "cramp"}).text
    assert f"Results 1–30 of {total} for “cramp”" in first
    assert len(re.findall(r'<a class="result-title"', first)) == 30
    assert 'href="/search?q=cramp&amp;page=2" rel="next"' in first
    pages = -(-total // 30)
    last = site.get("/search", params={"q": "cramp", "page": str(pages)}).text
    assert f"of {total} for" in last and 'rel="prev"' in last and 'rel="next"' not in last
    shown = len(re.findall(r'<a class="result-title"', last))
    assert shown == total - 30 * (pages - 1)
    assert site.get("/search", params={"q": "cramp", "page": "zzz"}).status_code == 200
