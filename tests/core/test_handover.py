"""Hand-over between packs: belly cramps reported to the muscle pack go on in the abdominal pack, keeping what
is known, in the Python API, the CLI, the HTTP API and the web checker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from symcheck import Interview, load_pack
from symcheck.interview import assess

SPASM = load_pack("spasm")


def test_python_api_moves_keeping_demographics_and_answers():
    iv = Interview(SPASM, age=28, sex="female", pregnant=False, complaint="abdominal_or_period_cramps",
                   answers={"fever": "present", "vomiting_diarrhoea": "present"}, speaker="other")
    step = iv.step()
    assert step.stop_reason == "handover" and step.assessment.handover is not None
    assert step.assessment.out_of_scope is None  # no "outside what this checker covers" when a pack covers it
    moved = iv.follow_handover()
    assert moved.pack.id == "abdominal" and moved.complaint == "abdominal_cramps"
    assert (moved.age, moved.sex, moved.pregnant, moved.speaker) == (28, "female", False, "other")
    assert moved.answers["fever"] == "present" and moved.answers["vomiting_diarrhoea"] == "present"
    nxt = moved.step()
    assert nxt.handed_over_from is not None and nxt.handed_over_from.id == "spasm"
    assert nxt.next_question is not None and nxt.next_question.evidence_id not in ("fever", "vomiting_diarrhoea")


def test_no_handover_when_the_other_pack_is_missing():
    iv = Interview(SPASM, age=28, sex="female", complaint="abdominal_or_period_cramps")

    def load(name: str):
        from symcheck.errors import NotFound

        raise NotFound("pack", name)

    assert iv.follow_handover(load) is iv
    iv.answer("emergency_gate", [])  # the emergency gate comes first even then
    result = iv.result()
    assert result.out_of_scope and result.stop_reason == "out_of_scope"


def test_assess_follows_the_handover():
    result = assess(SPASM, {"age": 30, "sex": "female", "complaint": "abdominal_or_period_cramps"})
    assert result.pack.id == "abdominal" and result.handed_over_from is not None


def test_http_api_says_when_it_moved():
    from symcheck.api.app import create_app
    from symcheck.store.db import Store

    client = TestClient(create_app(store=Store("sqlite://")))
    body = {"pack": "spasm", "age": 30, "sex": "female", "complaint": "abdominal_or_period_cramps",
            "answers": {"fever": "present"}}
    out = client.post("/v1/interview", json=body).json()
    assert out["handed_over_from"]["id"] == "spasm" and out["assessment"]["pack"]["id"] == "abdominal"
    # the next request names the new pack and sends the answers back: no more hand-over
    again = client.post("/v1/interview", json={"pack": "abdominal", "age": 30, "sex": "female",
                                               "complaint": out["assessment"]["complaint"],
                                               "answers": out["assessment"]["answers"]}).json()
    assert again["handed_over_from"] is None and again["next_question"]["text"] == out["next_question"]["text"]


def test_web_checker_moves_to_the_other_pack():
    from symcheck.api.app import create_app
    from symcheck.store.db import Store

    client = TestClient(create_app(store=Store("sqlite://")))
    start = client.get("/check/step", params={"sex": "female", "age": "30", "complaint": "abdominal_or_period_cramps"},
                       follow_redirects=False)
    assert start.status_code == 303 and "pack=abdominal" in start.headers["location"]
    page = client.get(start.headers["location"])
    assert page.status_code == 200 and "outside what this checker covers" not in page.text


@pytest.mark.slow
def test_cli_check_moves_to_the_other_pack():
    proc = subprocess.run([sys.executable, "-m", "symcheck.cli.main", "check", "--age", "30", "--sex", "female",
                           "--complaint", "abdominal_or_period_cramps"], input="0\n", capture_output=True, text=True,
                          timeout=120)
    assert "carrying on there" in proc.stdout and "Traceback" not in proc.stderr
