"""Look-ups: packs, complaints, conditions, evidence, search; OpenAPI, docs and security headers."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _ok(client: TestClient, path: str, **params):
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_packs(client: TestClient, mini_pack):
    packs = _ok(client, "/v1/packs")
    assert packs == [{
        "id": "mini", "version": "0.0.1", "name": "Mini test pack", "description": "", "languages": ["en"],
        "default": True,
        "counts": {"conditions": len(mini_pack.conditions), "evidence": len(mini_pack.evidence),
                   "complaints": 2, "rules": 3},
    }]
    detail = _ok(client, "/v1/packs/mini")
    assert [c["id"] for c in detail["complaints"]] == ["leg_cramp", "belly_cramp"]
    assert detail["triage_levels"][0] == "self_care" and detail["disclaimer"]
    assert detail["safety_netting"] == ["Call emergency services if you cannot breathe."]


def test_complaints(client: TestClient):
    assert [c["id"] for c in _ok(client, "/v1/packs/mini/complaints")] == ["leg_cramp", "belly_cramp"]
    leg = _ok(client, "/v1/packs/mini/complaints/leg_cramp")
    assert leg == {"id": "leg_cramp", "label": "Leg cramp", "synonyms": ["charley horse"],
                   "answers": {"cramp": "present"}}


def test_conditions_list_and_filters(client: TestClient):
    everything = _ok(client, "/v1/packs/mini/conditions")
    assert {c["id"] for c in everything} == {"infection", "night_cramps", "tetanus"}
    assert [c["id"] for c in _ok(client, "/v1/packs/mini/conditions", category="benign")] == ["night_cramps"]
    assert [c["id"] for c in _ok(client, "/v1/packs/mini/conditions", urgency="emergency_ambulance")] == ["tetanus"]


def test_condition_detail_shows_numbers_and_sources(client: TestClient):
    tetanus = _ok(client, "/v1/packs/mini/conditions/tetanus")
    assert tetanus["urgency"] == "emergency_ambulance"
    assert tetanus["prior"]["base"] == 0.01
    jaw = next(lk for lk in tetanus["likelihoods"] if lk["evidence_id"] == "jaw_stiff")
    assert jaw == {"evidence_id": "jaw_stiff", "question": "Is your jaw stiff?", "p": 0.9, "values": None,
                   "source": "src1", "estimate": False}
    site = next(lk for lk in tetanus["likelihoods"] if lk["evidence_id"] == "site")
    assert site["values"] == {"jaw": 0.7} and site["p"] is None
    assert tetanus["specialists"] == [{"id": "neuro", "name": "Neurologist", "description": ""}]
    assert tetanus["references"][0]["id"] == "src1"
    night = _ok(client, "/v1/packs/mini/conditions/night_cramps")
    assert night["review"]["reviewer"] == "tester"
    # A bare number falls back to the condition's likelihood_source.
    assert next(lk for lk in night["likelihoods"] if lk["evidence_id"] == "cramp")["source"] == "src1"


def test_evidence(client: TestClient):
    all_evidence = _ok(client, "/v1/packs/mini/evidence")
    assert len(all_evidence) == 9
    assert [e["id"] for e in _ok(client, "/v1/packs/mini/evidence", kind="risk_factor")] == ["wound"]
    site = _ok(client, "/v1/packs/mini/evidence/site")
    assert site["type"] == "one_of" and [c["id"] for c in site["choices"]] == ["leg", "abdomen", "jaw"]
    assert set(site["conditions"]) == {"night_cramps", "tetanus"}
    assert site["rules"] == ["belly"]
    days = _ok(client, "/v1/packs/mini/evidence/duration_days")
    assert days["bins"] == [7, 30] and days["unit"] == "days"
    pregnant = _ok(client, "/v1/packs/mini/evidence/pregnant")
    assert pregnant["sexes"] == ["female"] and pregnant["min_age"] == 12


def test_search_by_name_synonym_and_with_typos(client: TestClient):
    def top(q: str, **params):
        return _ok(client, "/v1/search", q=q, **params)["hits"]

    assert top("charley horse")[0]["id"] == "leg_cramp"
    assert top("charley horse")[0]["matched"] == "charley horse"
    assert top("charly hors")[0]["id"] == "leg_cramp"  # two typos
    assert top("tetnus")[0]["id"] == "tetanus"
    assert top("myositis")[0] == {"id": "infection", "kind": "condition", "title": "Viral myositis",
                                  "url": "/v1/packs/mini/conditions/infection", "score": top("myositis")[0]["score"],
                                  "matched": "Viral myositis"}
    assert {h["kind"] for h in top("cramps", kinds=["complaint"])} == {"complaint"}
    assert top("tet", prefix=True)[0]["id"] == "tetanus"
    assert top("zzzz") == [] and top("") == []
    assert len(top("cramp", limit=1)) == 1


def test_search_unknown_pack_is_422(client: TestClient):
    response = client.get("/v1/search", params={"q": "x", "pack": "nope"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "pack"]


def test_openapi_and_docs(client: TestClient):
    spec = _ok(client, "/openapi.json")
    paths = set(spec["paths"])
    for path in ("/v1/interview", "/v1/triage", "/v1/explain", "/v1/recommend", "/v1/packs",
                 "/v1/packs/{pack}/conditions", "/v1/packs/{pack}/conditions/{condition_id}",
                 "/v1/packs/{pack}/evidence", "/v1/packs/{pack}/evidence/{evidence_id}", "/v1/search",
                 "/v1/assessments", "/v1/assessments/{assessment_id}", "/v1/assessments/{assessment_id}/fhir"):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "http" not in csp  # Swagger UI is served by the app (issue 14)


def test_security_headers_on_every_response(client: TestClient):
    for response in (client.get("/v1/packs"), client.get("/v1/packs/nope"), client.post("/v1/interview", json={})):
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_healthz(client: TestClient):
    assert _ok(client, "/healthz")["packs"] == ["mini"]
