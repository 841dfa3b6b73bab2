"""Issue 15: the API under slow work, slow clients, bad input and a locked store (in-process, ASGI level)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from symcheck.api import create_app
from symcheck.api.routers import interview as interview_router
from symcheck.store import open_store
from tests.api.conftest import API_KEY
from tests.conftest import MINI

CASE = {"age": 52, "sex": "female", "complaint": "leg_cramp",
        "answers": {"night": "present", "places": ["calf"], "jaw_stiff": "absent", "wound": "absent"}}


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


# ----- 1. CPU work does not block the event loop --------------------------------------------------------------


def test_slow_explain_does_not_stall_healthz(monkeypatch):
    original = interview_router.start_interview

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.6)  # blocking, like a long computation: on the event loop it would stall everything
        return original(*args, **kwargs)

    monkeypatch.setattr(interview_router, "start_interview", slow)
    app = create_app([MINI])

    async def go() -> tuple[float, list[int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            # Sent together, the slow ones first: /healthz must not wait for their computation.
            began = time.perf_counter()
            slow_calls = [asyncio.create_task(client.post("/v1/explain", json={**CASE, "condition": "night_cramps"}))
                          for _ in range(2)]
            health = await asyncio.create_task(client.get("/healthz"))
            waited = time.perf_counter() - began
            assert health.status_code == 200
            return waited, [r.status_code for r in await asyncio.gather(*slow_calls)]

    waited, statuses = _run(go())
    assert statuses == [200, 200]
    assert waited < 0.3, f"/healthz waited {waited:.3f} s behind the slow requests"


# ----- 2. the rare-disease ranker: one at a time, a bounded queue --------------------------------------------


def test_rare_rankings_run_one_at_a_time_and_the_queue_is_bounded(monkeypatch):
    from symcheck.api import app as app_module

    if app_module.rare is None:
        pytest.skip("the rare-disease module does not import here")
    from fastapi.responses import JSONResponse

    from symcheck.api.routers import rare as rare_router

    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def fake_rank(body: Any) -> JSONResponse:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return JSONResponse({"diseases": []})

    monkeypatch.setattr(rare_router, "_rank", fake_rank)
    app = create_app([MINI], rare_queue=3)

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=30) as client:
            return list(await asyncio.gather(*[client.post("/v1/rare/rank", json={"observed": ["HP:0001250"]})
                                               for _ in range(8)]))

    replies = _run(go())
    assert state["most"] == 1
    codes = sorted(r.status_code for r in replies)
    assert codes.count(200) == 3 and codes.count(503) == 5, codes
    busy = next(r for r in replies if r.status_code == 503)
    assert int(busy.headers["retry-after"]) >= 1


# ----- 3. a body that never finishes is answered 408 and the connection closed ------------------------------


def _asgi_post(app: Any, receive: Any, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/v1/interview", "raw_path": b"/v1/interview", "query_string": b"",
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}

    async def go() -> None:
        await asyncio.wait_for(app(scope, receive, send), 5)

    _run(go())
    return sent


@pytest.mark.parametrize("chunked", [False, True])
def test_stalled_body_gets_408_within_the_timeout(chunked: bool):
    app = create_app([MINI], body_timeout_s=0.3)
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"age": 4', "more_body": True}
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError

    headers = [(b"host", b"test"), (b"content-type", b"application/json")]
    headers.append((b"transfer-encoding", b"chunked") if chunked else (b"content-length", b"500"))
    began = time.perf_counter()
    sent = _asgi_post(app, receive, headers)
    took = time.perf_counter() - began
    start = sent[0]
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    assert 0.25 < took < 2.0


# ----- 7. strict types, contradictions and duplicate keys: 422 naming the field ----------------------------


@pytest.mark.parametrize(("body", "loc"), [
    ({"age": True}, ["body", "age"]),
    ({"age": "40"}, ["body", "age"]),
    ({"age": 40, "pregnant": "yes"}, ["body", "pregnant"]),
    ({"age": 40, "answers": []}, ["body", "answers"]),
    ({"age": 40, "sex": "male", "answers": {"pregnant": "present"}}, ["body", "answers", "pregnant"]),
    ({"age": 2, "sex": "female", "pregnant": True}, ["body", "pregnant"]),
    ({"age": 30, "sex": "female", "pregnant": False, "answers": {"pregnant": "present"}},
     ["body", "answers", "pregnant"]),
    ({"age": 40, "answers": {"duration_days": -1000000}}, ["body", "answers", "duration_days"]),
    ({"age": 40, "top": "5"}, ["body", "top"]),
])
@pytest.mark.parametrize("path", ["/v1/interview", "/v1/triage", "/v1/assessments"])
def test_loose_or_contradictory_input_is_422(client: TestClient, body: dict, loc: list, path: str):
    if "top" in body and path != "/v1/interview":
        pytest.skip("top is an interview field")
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc


@pytest.mark.parametrize(("raw", "loc"), [
    (b'{"age": 40, "answers": {"jaw_stiff": "present"}, "answers": {}}', ["body", "answers"]),
    (b'{"age": 40, "answers": {"jaw_stiff": "present", "jaw_stiff": "absent"}}', ["body", "answers", "jaw_stiff"]),
    (b'{"age": 40, "age": 41}', ["body", "age"]),
])
def test_duplicate_json_keys_are_refused(client: TestClient, raw: bytes, loc: list):
    response = client.post("/v1/interview", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"][0]
    assert detail["loc"] == loc and "duplicate" in detail["msg"]


def test_deeply_nested_json_is_400_not_500(client: TestClient):
    raw = b"[" * 60000 + b"]" * 60000
    response = client.post("/v1/interview", content=raw[:60000], headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)


# ----- 5. a locked database: 503 with Retry-After, and no health data in the log ---------------------------


def test_locked_store_is_503_and_logs_no_health_data(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    store = open_store(url, busy_timeout_s=0.2)
    locker = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        with caplog.at_level(logging.DEBUG), TestClient(create_app([MINI], store=store),
                                                        raise_server_exceptions=False) as client:
            response = client.post("/v1/assessments", json={**CASE, "age": 61.5})
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) >= 1
        logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
        for private in ("61.5", "leg_cramp", "calf", "female"):
            assert private not in logged, f"{private!r} reached the log"
    finally:
        locker.execute("ROLLBACK")
        locker.close()
        store.close()


# ----- 6. health data is never cached ------------------------------------------------------------------------


def test_health_data_responses_are_no_store(client: TestClient):
    for path in ("/v1/interview", "/v1/triage", "/v1/recommend"):
        assert client.post(path, json=CASE).headers["cache-control"] == "no-store", path
    assert "no-store" not in client.get("/v1/packs").headers.get("cache-control", "")


# ----- 9. redirects never name the client's Host; trusted hosts -------------------------------------------


def test_trailing_slash_redirect_is_relative(client: TestClient):
    response = client.get("/v1/packs/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert 300 <= response.status_code < 400
    location = response.headers["location"]
    assert location == "/v1/packs" and "evil" not in location


def test_trusted_hosts_refuse_other_hosts():
    client = TestClient(create_app([MINI], trusted_hosts=["symcheck.example", "testserver"]))
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", headers={"Host": "symcheck.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


# ----- 10. rows in an older document format are read ------------------------------------------------------


def test_older_and_unknown_document_formats(client: TestClient, monkeypatch):
    import sqlalchemy as sa

    from symcheck.store import documents

    created = client.post("/v1/assessments", json=CASE).json()
    aid = created["id"]
    db = client.app.state.api.store.get()
    # A format-1 row, as written before rows had a format, by an engine whose explanations had no answer_text.
    old = dict(created["assessment"])
    old["differential"] = [{**d, "evidence_for": [{k: v for k, v in c.items() if k != "answer_text"}
                                                  for c in d["evidence_for"]]} for d in old["differential"]]
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE assessments SET format = 1, payload = :p WHERE id = :i"),
                     {"p": __import__("json").dumps(old), "i": aid})
    key = {"X-API-Key": API_KEY}
    assert client.get(f"/v1/assessments/{aid}", headers=key).status_code == 200
    assert client.get(f"/v1/assessments/{aid}/fhir", headers=key).status_code == 200

    # A later format change: format 2 documents go through its upgrade, in order.
    seen: list[int] = []
    monkeypatch.setattr(documents, "FORMAT", 3)
    monkeypatch.setattr(documents, "UPGRADES", {1: lambda d: seen.append(1) or d, 2: lambda d: seen.append(2) or d})
    assert client.get(f"/v1/assessments/{aid}", headers=key).status_code == 200
    assert seen == [1, 2]

    # A format from the future (or a damaged row) is a clear error without the row's content.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE assessments SET format = 99 WHERE id = :i"), {"i": aid})
    reply = TestClient(client.app, raise_server_exceptions=False).get(f"/v1/assessments/{aid}", headers=key)
    assert reply.status_code == 500 and "format 99" in reply.json()["detail"]
