"""Every class of error: 422 naming the field, 404 for unknown ids, 413 for big bodies, 401/403 for the
listing, and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from symcheck.api import create_app
from symcheck.store import open_store
from tests.conftest import MINI


def _detail(response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail and all(set(d) == {"loc", "msg", "type"} and d["msg"] for d in detail)
    return detail


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"age": 30, "answers": {"no_such_thing": "present"}}, ["body", "answers", "no_such_thing"], "unknown evidence"),
        ({"age": 30, "answers": {"cramp": "maybe"}}, ["body", "answers", "cramp"], "yes/no"),
        ({"age": 30, "answers": {"site": "elbow"}}, ["body", "answers", "site"], "not one of"),
        ({"age": 30, "answers": {"places": ["calf", "knee"]}}, ["body", "answers", "places"], "'knee'"),
        ({"age": 30, "answers": {"duration_days": "long"}}, ["body", "answers", "duration_days"], "not a number"),
        ({"age": 30, "answers": {"site": ["leg"]}}, ["body", "answers", "site"], "not one of"),
        ({"age": 121}, ["body", "age"], "less than or equal to 120"),
        ({"age": -1}, ["body", "age"], "greater than or equal to 0"),
        ({}, ["body", "age"], "required"),
        ({"age": "old"}, ["body", "age"], "number"),
        ({"age": 30, "sex": "other"}, ["body", "sex"], "female"),
        ({"age": 30, "sex": "male", "pregnant": True}, ["body", "pregnant"], "male"),
        ({"age": 30, "complaint": "toothache"}, ["body", "complaint"], "unknown complaint"),
        ({"age": 30, "pack": "nope"}, ["body", "pack"], "unknown pack"),
        ({"age": 30, "answers": ["cramp"]}, ["body", "answers"], "dictionary"),
        ({"age": 30, "top": 0}, ["body", "top"], "greater than or equal to 1"),
        ({"age": 30, "name": "Ann Smith"}, ["body", "name"], "unknown field"),
        ({"age": 30, "email": "a@b.c"}, ["body", "email"], "contact details"),
    ],
)
def test_interview_422_names_the_field(client: TestClient, body: dict[str, Any], loc: list[str], words: str):
    detail = _detail(client.post("/v1/interview", json=body))
    assert detail[0]["loc"] == loc
    assert words.lower() in detail[0]["msg"].lower()


@pytest.mark.parametrize("path", ["/v1/triage", "/v1/recommend", "/v1/assessments"])
def test_other_case_endpoints_validate_the_same_way(client: TestClient, path: str):
    detail = _detail(client.post(path, json={"age": 30, "answers": {"zz": "present"}}))
    assert detail[0]["loc"] == ["body", "answers", "zz"]


def test_explain_unknown_condition_and_out_of_scope(client: TestClient):
    detail = _detail(client.post("/v1/explain", json={"age": 30, "condition": "gout"}))
    assert detail[0]["loc"] == ["body", "condition"]
    detail = _detail(client.post("/v1/explain", json={"age": 30, "condition": "tetanus", "complaint": "belly_cramp"}))
    assert detail[0]["loc"] == ["body", "condition"] and "outside this pack" in detail[0]["msg"]


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"age": NaN}', b'{"age": Infinity}', b"[]", b"null",
                                 b'{"age": 30, "answers": {"duration_days": NaN}}', b"\xff\xfe"])
def test_malformed_bodies_are_4xx(client: TestClient, raw: bytes):
    response = client.post("/v1/interview", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize(
    "path",
    [
        "/v1/packs/nope",
        "/v1/packs/nope/conditions",
        "/v1/packs/mini/conditions/gout",
        "/v1/packs/mini/evidence/nope",
        "/v1/packs/mini/complaints/nope",
        "/v1/assessments/3f2b8c1e-2d4a-4c6b-9a51-0d7e6f1a2b3c",
        "/v1/assessments/not-an-id",
        "/v1/assessments/3f2b8c1e-2d4a-4c6b-9a51-0d7e6f1a2b3c/fhir",
        "/v1/nothing-here",
    ],
)
def test_unknown_ids_are_404(client: TestClient, path: str):
    # a stored assessment is only looked up for a caller that gives a secret (or the API key)
    response = client.get(path, headers={"X-Assessment-Secret": "some-secret"})
    assert response.status_code == 404
    assert response.json()["detail"]


def test_delete_unknown_is_404(client: TestClient):
    unknown = "/v1/assessments/3f2b8c1e-2d4a-4c6b-9a51-0d7e6f1a2b3c"
    assert client.delete(unknown, headers={"X-Assessment-Secret": "some-secret"}).status_code == 404
    assert client.delete(unknown).status_code == 401


def test_wrong_method_is_405(client: TestClient):
    assert client.get("/v1/interview").status_code == 405


def test_body_over_the_limit_is_413(tmp_path):
    small = TestClient(create_app([MINI], store=open_store("sqlite://"), max_body_bytes=2048))
    answers = {f"e{i}": "present" for i in range(200)}
    response = small.post("/v1/interview", json={"age": 30, "answers": answers})
    assert response.status_code == 413
    assert "over 2048 bytes" in response.json()["detail"]
    # A chunked body (no Content-Length) is cut off as it passes the limit.
    chunks = (b'{"age": 30, "answers": {' + b" " * 1000 for _ in range(4))
    response = small.post("/v1/interview", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    # Under the limit is served.
    assert small.post("/v1/interview", json={"age": 30}).status_code == 200


def test_listing_needs_the_api_key(client: TestClient, app: FastAPI):
    assert client.get("/v1/assessments").status_code == 401
    assert client.get("/v1/assessments", headers={"X-API-Key": "wrong"}).status_code == 401
    from tests.api.conftest import API_KEY

    assert client.get("/v1/assessments", headers={"X-API-Key": API_KEY}).status_code == 200
    # The interview endpoints need no key.
    assert client.post("/v1/interview", json={"age": 30}).status_code == 200


def test_listing_is_off_without_a_configured_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SYMCHECK_API_KEY", raising=False)
    c = TestClient(create_app([MINI], store=open_store("sqlite://")))
    response = c.get("/v1/assessments", headers={"X-API-Key": "anything"})
    assert response.status_code == 403
    assert "SYMCHECK_API_KEY" in response.json()["detail"]


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SYMCHECK_API_KEY", "from-env")
    c = TestClient(create_app([MINI], store=open_store("sqlite://")))
    assert c.get("/v1/assessments", headers={"X-API-Key": "from-env"}).status_code == 200


def test_unexpected_errors_are_a_plain_500_not_a_traceback(app: FastAPI, monkeypatch: pytest.MonkeyPatch):
    def broken(*args: Any, **kwargs: Any):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("symcheck.interview.Interview.step", broken)
    # raise_server_exceptions=False shows what a client sees; tests otherwise see the exception itself.
    response = TestClient(app, raise_server_exceptions=False).post("/v1/interview", json={"age": 30})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "secret" not in response.text
    with pytest.raises(RuntimeError):
        TestClient(app).post("/v1/interview", json={"age": 30})


def test_an_unreachable_store_is_503_not_the_clients_fault():
    c = TestClient(create_app([MINI], database_url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"),
                   raise_server_exceptions=False)
    response = c.post("/v1/assessments", json={"age": 30})
    assert response.status_code == 503
    assert "store" in response.json()["detail"]
    # The interview does not need the store.
    assert c.post("/v1/interview", json={"age": 30}).status_code == 200
