"""Stored assessments over the API, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from symcheck.interview import Interview
from tests.api.conftest import API_KEY

CASE = {"age": 52, "sex": "female", "complaint": "leg_cramp",
        "answers": {"night": "present", "places": ["calf"], "jaw_stiff": "absent", "wound": "absent"}}


def test_store_read_fhir_list_delete(stored_client: TestClient, mini_pack):
    client = stored_client
    before = dt.datetime.now(dt.UTC)
    created = client.post("/v1/assessments", json=CASE)
    assert created.status_code == 201, created.text
    body = created.json()
    aid = body["id"]
    secret = body.pop("secret")
    own = {"X-Assessment-Secret": secret}
    assert created.headers["location"] == f"/v1/assessments/{aid}"
    assert body["pack"] == {"id": "mini", "version": "0.0.1"} and body["engine_version"]
    assert before <= dt.datetime.fromisoformat(body["created_at"]) <= dt.datetime.now(dt.UTC)
    # What is stored is what the engine says about these answers.
    expected = Interview(mini_pack, age=52, sex="female", complaint="leg_cramp", answers=CASE["answers"]).result(top=10)
    assert body["assessment"] == expected.model_dump(mode="json")

    fetched = client.get(f"/v1/assessments/{aid}", headers=own)
    assert fetched.status_code == 200 and fetched.json() == body
    assert fetched.headers["cache-control"] == "no-store" and created.headers["cache-control"] == "no-store"

    fhir = client.get(f"/v1/assessments/{aid}/fhir", headers=own)
    assert fhir.status_code == 200 and fhir.headers["cache-control"] == "no-store"
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(fhir.text)
    types = {e.resource.get_resource_type() for e in bundle.entry}
    assert {"QuestionnaireResponse", "Observation", "Condition", "RiskAssessment", "ServiceRequest",
            "Provenance"} <= types
    assert bundle.identifier.value == f"urn:uuid:{aid}"

    second = client.post("/v1/assessments", json={"age": 20, "answers": {"jaw_stiff": "yes", "wound": "yes"}}).json()
    listing = client.get("/v1/assessments", headers={"X-API-Key": API_KEY}, params={"limit": 10})
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert listing.json()["total"] == 2
    assert [i["id"] for i in items] == [second["id"], aid]  # newest first
    assert items[0]["triage_level"] == "emergency_ambulance" and items[0]["top_condition"] == "tetanus"

    assert client.delete(f"/v1/assessments/{aid}", headers=own).status_code == 204
    assert client.get(f"/v1/assessments/{aid}", headers=own).status_code == 404
    assert client.get(f"/v1/assessments/{aid}/fhir", headers=own).status_code == 404
    assert client.get("/v1/assessments", headers={"X-API-Key": API_KEY}).json()["total"] == 1


def test_stored_payload_holds_no_personal_fields(stored_client: TestClient):
    aid = stored_client.post("/v1/assessments", json=CASE).json()["id"]
    raw = stored_client.app.state.api.store.get().get_assessment(aid).payload
    assert set(raw["demographics"]) == {"age", "sex", "pregnant"}
    assert set(raw) >= {"pack", "engine_version", "demographics", "complaint", "answers", "differential", "triage",
                        "recommendations", "safety_netting", "disclaimer", "out_of_scope", "questions_asked",
                        "should_stop", "stop_reason"}
    # The result grows new fields; none of them may be a personal detail.
    personal = ("name", "phone", "email", "mail", "address", "birth", "dob", "contact", "postcode", "zip")
    assert not [k for k in raw if any(p in k.lower() for p in personal)]


def test_refuses_personal_fields(stored_client: TestClient):
    response = stored_client.post("/v1/assessments", json={**CASE, "name": "Ann Smith", "phone": "0123"})
    assert response.status_code == 422
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == {("body", "name"), ("body", "phone")}
    assert stored_client.get("/v1/assessments", headers={"X-API-Key": API_KEY}).json()["total"] == 0


def test_each_assessment_needs_its_own_secret_or_the_key(stored_client: TestClient):
    client = stored_client
    first = client.post("/v1/assessments", json=CASE).json()
    second = client.post("/v1/assessments", json=CASE).json()
    aid = first["id"]
    assert first["secret"] != second["secret"] and len(first["secret"]) >= 40
    for method, path in (("GET", f"/v1/assessments/{aid}"), ("GET", f"/v1/assessments/{aid}/fhir"),
                         ("DELETE", f"/v1/assessments/{aid}")):
        # The id alone is not enough; another assessment's secret is as good as none (404, like a wrong id).
        assert client.request(method, path).status_code == 401, path
        assert client.request(method, path, headers={"X-Assessment-Secret": second["secret"]}).status_code == 404
        assert client.request(method, path, headers={"X-Assessment-Secret": "x" * 43}).status_code == 404
        assert client.request(method, path, headers={"X-API-Key": "wrong"}).status_code == 401
    # The secret is never stored or shown again.
    record = client.app.state.api.store.get().get_assessment(aid)
    assert first["secret"] not in repr(record) and record.secret_sha256
    assert "secret" not in client.get(f"/v1/assessments/{aid}", headers={"X-Assessment-Secret": first["secret"]}).json()
    # The server's API key reads and deletes any of them.
    assert client.get(f"/v1/assessments/{aid}", headers={"X-API-Key": API_KEY}).status_code == 200
    assert client.delete(f"/v1/assessments/{aid}", headers={"X-API-Key": API_KEY}).status_code == 204
    assert client.get(f"/v1/assessments/{second['id']}",
                      headers={"X-Assessment-Secret": second["secret"]}).status_code == 200
