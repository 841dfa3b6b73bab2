"""The stateless interview and the endpoints that follow from the answers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from symcheck.api import create_app
from symcheck.interview import Interview
from tests.conftest import MINI


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _answer_for(question: dict[str, Any]) -> Any:
    if question["type"] == "yes_no":
        return "absent"
    if question["type"] == "one_of":
        return question["choices"][0]["id"]
    if question["type"] == "many_of":
        return [question["choices"][0]["id"]]
    return 3


def test_first_step_returns_question_differential_triage(client: TestClient):
    step = _post(client, "/v1/interview", {"age": 40, "sex": "female", "complaint": "leg_cramp"})
    q = step["next_question"]
    assert q["evidence_id"] and q["text"] and q["why"]
    assert q["reason"] in ("red_flag_check", "information_gain")
    assert step["should_stop"] is False and step["stop_reason"] is None
    a = step["assessment"]
    assert a["answers"] == {"cramp": "present"}
    probs = [d["probability"] for d in a["differential"]]
    assert probs == sorted(probs, reverse=True) and 0.99 <= sum(probs) <= 1.01
    assert a["triage"]["level"] and a["triage"]["action"]
    assert a["safety_netting"] and "not a diagnosis" in a["disclaimer"].lower()


def test_choice_questions_carry_their_choices(client: TestClient):
    # Rule the red flags out so the interview moves on to the differential questions.
    body = {"age": 40, "sex": "male", "answers": {"jaw_stiff": "absent", "wound": "absent"}}
    seen_choices = False
    for _ in range(10):
        step = _post(client, "/v1/interview", body)
        q = step["next_question"]
        if q is None:
            break
        if q["type"] in ("one_of", "many_of"):
            assert q["choices"] and all(c["id"] and c["label"] for c in q["choices"])
            seen_choices = True
        body["answers"][q["evidence_id"]] = _answer_for(q)
    assert seen_choices


def test_a_whole_interview_resending_all_answers_until_it_stops(client: TestClient, mini_pack):
    body: dict[str, Any] = {"age": 70, "sex": "female", "complaint": "leg_cramp", "answers": {}}
    for _ in range(30):
        step = _post(client, "/v1/interview", body)
        if step["should_stop"]:
            break
        q = step["next_question"]
        assert q["evidence_id"] not in body["answers"]  # never asks the same question twice
        body["answers"][q["evidence_id"]] = _answer_for(q)
    assert step["should_stop"] and step["next_question"] is None and step["stop_reason"]
    # The API adds nothing of its own: it is the service layer's answer.
    direct = Interview(mini_pack, age=70, sex="female", complaint="leg_cramp", answers=body["answers"]).step()
    assert step == direct.model_dump(mode="json")


def test_any_worker_gives_the_same_answer(client: TestClient):
    body = {"age": 33, "sex": "male", "answers": {"cramp": "present", "night": "absent", "places": ["calf", "foot"]}}
    other_worker = TestClient(create_app([MINI]))
    first = _post(client, "/v1/interview", body)
    assert _post(client, "/v1/interview", body) == first
    assert _post(other_worker, "/v1/interview", body) == first


def test_red_flag_stops_the_interview_with_an_emergency(client: TestClient):
    step = _post(client, "/v1/interview", {"age": 30, "answers": {"jaw_stiff": "present", "wound": "yes"}})
    assert step["should_stop"] and step["stop_reason"] == "red_flag"
    triage = step["assessment"]["triage"]
    assert triage["level"] == "emergency_ambulance"
    assert triage["red_flags"][0]["id"] == "lockjaw"


def test_out_of_scope(client: TestClient):
    step = _post(client, "/v1/interview", {"age": 30, "complaint": "belly_cramp"})
    assert step["stop_reason"] == "out_of_scope"
    assert step["assessment"]["out_of_scope"] and step["assessment"]["differential"] == []


def test_top_limits_the_differential(client: TestClient):
    step = _post(client, "/v1/interview", {"age": 30, "answers": {"cramp": "present"}, "top": 1})
    differential = [d["condition_id"] for d in step["assessment"]["differential"]]
    named = step["assessment"]["triage"]["from_conditions"]
    # the single most probable cause, plus any cause the triage names (one story)
    assert differential[0] == max(step["assessment"]["differential"], key=lambda d: d["probability"])["condition_id"]
    assert set(differential[1:]) <= set(named) and len(differential) <= 1 + len(named)


def test_pregnancy_answers_the_pack_question(client: TestClient):
    step = _post(client, "/v1/interview", {"age": 30, "sex": "female", "pregnant": True})
    assert step["assessment"]["answers"]["pregnant"] == "present"


def test_triage(client: TestClient):
    out = _post(client, "/v1/triage", {"age": 30, "answers": {"fever": "present", "duration_days": 40}})
    assert out["triage"]["level"] == "consultation_24"
    assert out["triage"]["red_flags"][0]["id"] == "long_fever"
    assert out["safety_netting"] and out["disclaimer"] and out["pack"] == {"id": "mini", "version": "0.0.1"}


def test_explain_lists_answers_for_and_against(client: TestClient):
    body = {"age": 30, "answers": {"cramp": "present", "night": "present", "fever": "present"}}
    night = _post(client, "/v1/explain", {**body, "condition": "night_cramps"})
    assert night["condition_id"] == "night_cramps" and 1 <= night["rank"] <= 3
    assert {c["evidence_id"] for c in night["evidence_for"]} >= {"night"}
    assert {c["evidence_id"] for c in night["evidence_against"]} >= {"fever"}
    assert all(c["log_likelihood_ratio"] > 0 for c in night["evidence_for"])
    assert all(c["log_likelihood_ratio"] < 0 for c in night["evidence_against"])
    # Any condition can be explained, not only the top ones.
    tetanus = _post(client, "/v1/explain", {**body, "condition": "tetanus"})
    assert tetanus["rank"] == 3 and tetanus["probability"] < night["probability"]


def test_recommend(client: TestClient):
    out = _post(client, "/v1/recommend", {"age": 30, "answers": {"cramp": "present", "night": "present"}})
    assert out["recommendations"]["specialists"][0]["id"] == "gp"
    assert out["note"] is None
    urgent = _post(client, "/v1/recommend", {"age": 30, "answers": {"jaw_stiff": "present", "wound": "present"}})
    assert urgent["triage_level"] == "emergency_ambulance"
    assert urgent["note"] and "Emergency care comes first" in urgent["note"]
    assert urgent["recommendations"]["specialists"][0]["id"] == "neuro"
