"""GET /v1/packs/{pack}/pages[/{id}]: the pages as JSON for publishers who render them themselves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import symcheck
from symcheck.kb import page as page_mod
from tests.web.conftest import WEB_PACK


@pytest.fixture(scope="module")
def pages_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from symcheck.api.app import create_app

    db = tmp_path_factory.mktemp("pages") / "p.sqlite"
    app = create_app(packs=[str(WEB_PACK)], database_url=f"sqlite:///{db}")
    with TestClient(app, base_url="https://symptoms.example") as c:
        yield c


def test_list_of_pages(pages_client: TestClient) -> None:
    pack = symcheck.load_pack(WEB_PACK)
    r = pages_client.get("/v1/packs/webmini/pages")
    assert r.status_code == 200
    pages = r.json()
    assert pages[0] == {"id": "webmini", "kind": "symptom", "title": "Cramps and <spasms>",
                        "url": "https://symptoms.example/symptoms/webmini"}
    assert sorted(p["id"] for p in pages[1:]) == sorted(pack.conditions)
    assert all(p["kind"] == "condition" for p in pages[1:])


def test_symptom_page_as_json(pages_client: TestClient) -> None:
    pack = symcheck.load_pack(WEB_PACK)
    assert pack.page is not None
    data = pages_client.get("/v1/packs/webmini/pages/webmini").json()
    assert data["kind"] == "symptom" and data["pack"] == "webmini"
    assert [s["id"] for s in data["sections"]] == [s.id for s in pack.page.sections]
    about = next(s for s in data["sections"] if s["id"] == "about")
    # [[id]] links become absolute links to the condition pages; pack markup is escaped
    assert '<a href="https://symptoms.example/conditions/night_cramps">Night cramps</a>' in about["html"]
    assert "<script>" not in "".join(s["html"] for s in data["sections"])
    levels = [w["level"] for w in data["warning_signs"]]
    assert levels[0] == "emergency_ambulance"
    assert data["review"]["reviewer"] == page_mod.pack_review(pack).reviewer
    assert data["review"]["last_reviewed"] == "2026-11-21"
    assert {s["id"] for s in data["sources"]} == {s.id for s in page_mod.page_sources(pack)}
    assert data["structured_data"]["@type"] == "MedicalWebPage"
    assert data["structured_data"]["url"] == "https://symptoms.example/symptoms/webmini"
    assert data["disclaimer"] == pack.meta.disclaimer


def test_condition_page_as_json(pages_client: TestClient) -> None:
    data = pages_client.get("/v1/packs/webmini/pages/tetanus").json()
    assert data["kind"] == "condition" and data["title"] == "Tetanus"
    assert data["warning_signs"][0]["rules"][0]["while_waiting"] == "Keep the person calm in a quiet, dim room."
    assert data["structured_data"]["about"]["@type"] == "MedicalCondition"
    features = next(s for s in data["sections"] if s["id"] == "features")
    assert "<li>Is your jaw stiff? Yes (90%)</li>" in features["html"]
    evil = pages_client.get("/v1/packs/webmini/pages/evil").json()
    self_care = next(s for s in evil["sections"] if s["id"] == "self_care")
    assert "&lt;script&gt;bad()&lt;/script&gt; rest" in self_care["html"]


def test_unknown_pack_or_page_is_404(pages_client: TestClient) -> None:
    assert pages_client.get("/v1/packs/nope/pages").status_code == 404
    r = pages_client.get("/v1/packs/webmini/pages/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    assert pages_client.get("/v1/packs/webmini/pages/" + "x" * 200).status_code == 422


def test_pages_are_in_the_openapi_document(pages_client: TestClient) -> None:
    paths = pages_client.get("/openapi.json").json()["paths"]
    assert "/v1/packs/{pack}/pages/{page_id}" in paths and "/v1/packs/{pack}/pages" in paths


def test_public_url_setting(pages_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMCHECK_PUBLIC_URL", "https://health.example")
    data = pages_client.get("/v1/packs/webmini/pages/tetanus").json()
    assert data["url"] == "https://health.example/conditions/tetanus"


def test_every_spasm_page_as_json(tmp_path: Path) -> None:
    from symcheck.api.app import create_app

    app = create_app(packs=["spasm"], database_url=f"sqlite:///{tmp_path / 's.sqlite'}")
    with TestClient(app) as c:
        listed = c.get("/v1/packs/spasm/pages").json()
        assert len(listed) == 1 + len(symcheck.load_pack("spasm").conditions)
        for p in listed:
            r = c.get(f"/v1/packs/spasm/pages/{p['id']}")
            assert r.status_code == 200, p["id"]
            assert r.json()["review"]["reviewer"], p["id"]
