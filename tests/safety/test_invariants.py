"""The safety invariants of `symcheck.safety`, as properties over thousands of generated cases on the
spasm pack, through the Python API, the HTTP API, the CLI and the web checker."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from symcheck import Interview, load_pack, safety
from symcheck.engine.model import LEVEL_NAMES
from symcheck.errors import InputError
from symcheck.kb.loader import outcome_ids

PACK = load_pack("spasm")
SIGNS = sorted(safety.red_flag_signs(PACK))
URGENT = sorted(safety.urgent_findings(PACK))
PREGNANCY = {"pregnancy", "pregnant", "postpartum", "late_pregnancy"}
LEVEL = LEVEL_NAMES.index
URGENT_LEVEL = LEVEL("consultation_24")


def _answer_strategy(ev_id: str) -> st.SearchStrategy[object]:
    e = PACK.evidence[ev_id]
    if e.type == "yes_no":
        return st.sampled_from(["present", "absent", "unknown"])
    if e.type == "one_of":
        return st.sampled_from([*outcome_ids(e), "unknown"])
    if e.type == "many_of":
        return st.lists(st.sampled_from(outcome_ids(e)), unique=True, max_size=3)
    top = max(e.bins) * 2 if e.bins else 100.0
    return st.floats(min_value=0, max_value=top, allow_nan=False)


EVIDENCE = [e for e in PACK.evidence if e not in PREGNANCY and e != "presentation"]


@st.composite
def cases(draw: st.DrawFn, many_flags: bool = False) -> dict[str, object]:
    age = draw(st.integers(min_value=0, max_value=100))
    sex = draw(st.sampled_from(["female", "male"]))
    complaint = draw(st.sampled_from([None, *[c.id for c in PACK.meta.complaints if c.id != "abdominal_or_period_cramps"]]))
    chosen = draw(st.lists(st.sampled_from(EVIDENCE), unique=True, max_size=25))
    answers = {k: draw(_answer_strategy(k)) for k in chosen}
    if many_flags:  # the attack that once lowered triage: more than eight red-flag findings at once
        for k in draw(st.lists(st.sampled_from(URGENT), unique=True, min_size=9, max_size=20)):
            answers[k] = "present"
    return {"age": age, "sex": sex, "complaint": complaint, "answers": _fit(age, sex, answers)}


def _fit(age: float, sex: str, answers: dict[str, object]) -> dict[str, object]:
    """Drop answers the validation would refuse for this person (a question outside their age or sex)."""
    out = {}
    for k, v in answers.items():
        e = PACK.evidence[k]
        if (e.sexes and sex not in e.sexes) or (e.min_age is not None and age < e.min_age) or (
                e.max_age is not None and age > e.max_age):
            continue
        out[k] = v
    return out


def _applies(case: dict[str, object], ev_id: str) -> bool:
    return bool(_fit(case["age"], case["sex"], {ev_id: "present"}))  # type: ignore[arg-type]


def _guarded(case: dict[str, object]) -> frozenset[str]:
    iv = Interview(PACK, age=case["age"], sex=case["sex"], complaint=case["complaint"],  # type: ignore[arg-type]
                   answers=case["answers"])  # type: ignore[arg-type]
    return safety.guarded_findings(PACK, iv.facts())


def _context_floor(before: dict[str, object], flag: str, after: dict[str, object]) -> int:
    make = lambda c: Interview(PACK, age=c["age"], sex=c["sex"], complaint=c["complaint"],  # type: ignore[arg-type]  # noqa: E731
                               answers=c["answers"])  # type: ignore[arg-type]
    return safety.context_floor(make(before), flag, make(after).facts())


def _result(case: dict[str, object]):  # type: ignore[no-untyped-def]
    return Interview(PACK, age=case["age"], sex=case["sex"], complaint=case["complaint"],  # type: ignore[arg-type]
                     answers=case["answers"]).result()  # type: ignore[arg-type]


def _level(case: dict[str, object]) -> int:
    return LEVEL(_result(case).triage.level)


def _usable(case: dict[str, object]) -> bool:
    try:
        _result(case)
    except InputError:
        return False
    return True


SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(cases(), st.sampled_from(SIGNS), st.booleans())
def test_a_red_flag_sign_never_lowers_the_level(case, sign, many):
    case["answers"] = {k: v for k, v in case["answers"].items() if k != sign}
    if not _applies(case, sign) or not _usable(case):
        return
    before = _level(case)
    after = _level({**case, "answers": {**case["answers"], sign: "present"}})
    assert after >= before, f"{sign} lowered {LEVEL_NAMES[before]} to {LEVEL_NAMES[after]}"


IMPLYING_SIGNS = [k for k in SIGNS if PACK.evidence[k].implies]


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(many_flags=True), st.sampled_from(IMPLYING_SIGNS))
def test_a_sign_that_implies_context_never_lowers_the_level(case, sign):
    """A sign's "yes" brings what it implies (weakness spreading up the legs: weakness) as context; that
    context must not lower the level through the sign (found by the web-checker property: 4 -> 3)."""
    case["answers"] = {k: v for k, v in case["answers"].items() if k != sign and k not in PACK.evidence[sign].implies}
    if not _applies(case, sign) or not _usable(case):
        return
    before = _level(case)
    after = _level({**case, "answers": {**case["answers"], sign: "present"}})
    assert after >= before, f"{sign} lowered {LEVEL_NAMES[before]} to {LEVEL_NAMES[after]}"


def test_the_found_case_of_an_implied_weakness():
    answers = {"cramps_not_settling_1h": "present", "stiff_neck_headache": "absent", "non_blanching_rash": "absent",
               "severe_headache_vomiting": "present", "rapid_breathing_panic": "present", "fever": "present",
               "rigidity": "present", "cramp_location": [], "laterality": "one_side", "asian_ancestry": "present",
               "endurance_sport": "absent", "painful_hard_muscle": "present"}
    case = {"age": 0, "sex": "female", "complaint": "stiffness_or_posture", "answers": answers}
    assert _level({**case, "answers": {**answers, "ascending_weakness": "present"}}) >= _level(case)


def test_a_new_rule_does_not_shrink_the_raise_another_rule_gave():
    """Found by the property above (fifth session): weakness spreading up the legs fired a second emergency
    rule and made Guillain-Barre likelier, which shrank the raise that the severe-weakness rule had given
    stroke (another of its causes), and the level fell from ambulance to emergency. The level's rule rows
    are now raised each on its own from a baseline no flag moves (`rule_rows_for_safety`)."""
    answers = {"heavy_sweating": "present", "hot_dry_skin": "present", "spider_bite": "present", "fainting": "present",
               "pesticide_exposure": "present", "back_pain": "present", "baclofen_pump": "present",
               "abdominal_rigidity": "present", "stimulant_drugs": "present", "palpitations": "present",
               "active_cancer": "present", "agitation_tremor_jerks": "present", "severe_weakness_paralysis": "present",
               "new_serotonergic_drug": "present", "hyperthyroid_symptoms": "present"}
    case = {"age": 40, "sex": "male", "complaint": None, "answers": answers}
    before = _level(case)
    assert before == LEVEL_NAMES.index("emergency_ambulance")
    assert _level({**case, "answers": {**answers, "ascending_weakness": "present"}}) >= before


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(many_flags=True), st.sampled_from(URGENT))
def test_many_flags_and_one_more_never_lowers_an_urgent_level(case, flag):
    case["answers"] = {k: v for k, v in case["answers"].items() if k != flag}
    if not _applies(case, flag) or not _usable(case):
        return
    before = _level(case)
    after_case = {**case, "answers": {**case["answers"], flag: "present"}}
    after = _level(after_case)
    if flag in SIGNS:
        assert after >= before
    elif flag in _guarded(after_case):
        # context whose urgent rule is still open or fired: what the conditions of that rule call for stays
        floor = _context_floor(case, flag, after_case)
        assert after >= floor, f"{flag} lowered the level below {LEVEL_NAMES[floor]}: {LEVEL_NAMES[after]}"


@SETTINGS
@given(cases())
def test_every_result_keeps_the_invariants(case):
    if not _usable(case):
        return
    result = _result(case)
    assert safety.violations(PACK, result) == []


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_the_complaint_follows_the_answers(case):
    if case["complaint"] is None or not _usable(case):
        return
    presentation = PACK.complaint(case["complaint"]).answers  # type: ignore[arg-type]
    with_field = _result(case)
    without = _result({**case, "complaint": None, "answers": {**case["answers"], **presentation}})
    assert with_field.triage.level == without.triage.level
    assert with_field.triage.open_checks == without.triage.open_checks


def test_no_complaint_and_all_no_does_not_reach_self_care_unscreened():
    """The attack: a 20-question run with no complaint, answering "no" to everything, must screen first."""
    iv = Interview(PACK, age=30, sex="male")
    asked = []
    while (q := iv.next_question()) is not None:
        asked.append(q.evidence_id)
        iv.answer(q.evidence_id, [] if q.type == "many_of" else ("absent" if q.type == "yes_no" else "unknown"))
    result = iv.result()
    if result.triage.level == "self_care":
        assert safety.open_checks(PACK, result.complaint, iv.facts(), iv.state().post) == []
    assert safety.violations(PACK, result) == []


# ----- the same through every interface -----------------------------------------------------------------
@pytest.fixture(scope="module")
def api() -> TestClient:
    from symcheck.api.app import create_app
    from symcheck.store.db import Store

    return TestClient(create_app(store=Store("sqlite://")))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(cases(), st.sampled_from(SIGNS))
def test_http_api_agrees_and_keeps_the_sign_invariant(api, case, sign):
    case["answers"] = {k: v for k, v in case["answers"].items() if k != sign}
    if not _applies(case, sign) or not _usable(case):
        return
    body = {"pack": "spasm", "age": case["age"], "sex": case["sex"], "answers": case["answers"]}
    if case["complaint"]:
        body["complaint"] = case["complaint"]
    before = api.post("/v1/triage", json=body)
    after = api.post("/v1/triage", json={**body, "answers": {**case["answers"], sign: "present"}})
    assert before.status_code == 200 and after.status_code == 200, before.text + after.text
    assert before.json()["triage"]["level"] == _result(case).triage.level
    assert LEVEL(after.json()["triage"]["level"]) >= LEVEL(before.json()["triage"]["level"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from(SIGNS))
def test_cli_assess_agrees_and_keeps_the_sign_invariant(tmp_path_factory, case, sign):
    from symcheck.cli import main as _main  # noqa: F401  (registers the commands)
    from symcheck.cli.apps import app

    case["answers"] = {k: v for k, v in case["answers"].items() if k != sign}
    if not _applies(case, sign) or not _usable(case):
        return
    folder = tmp_path_factory.mktemp("cases")
    levels = []
    for answers in (case["answers"], {**case["answers"], sign: "present"}):
        path = folder / "case.json"
        data = {"age": case["age"], "sex": case["sex"], "answers": answers}
        if case["complaint"]:
            data["complaint"] = case["complaint"]
        path.write_text(json.dumps(data))
        out = CliRunner().invoke(app, ["assess", str(path), "--pack", "spasm", "--json"])
        assert out.exit_code == 0, out.output
        levels.append(LEVEL(json.loads(out.output)["triage"]["level"]))
    assert levels[0] == LEVEL(_result(case).triage.level)
    assert levels[1] >= levels[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(cases(), st.sampled_from(SIGNS))
def test_web_checker_agrees_and_keeps_the_sign_invariant(api, case, sign):
    import re

    from symcheck.web.checker import encode_value

    case["answers"] = {k: v for k, v in case["answers"].items() if k != sign}
    if case["complaint"] is None or not _applies(case, sign) or not _usable(case):
        return  # the web checker always asks for the main problem first
    levels = []
    for answers in (case["answers"], {**case["answers"], sign: "present"}):
        params = [("age", str(case["age"])), ("sex", case["sex"]), ("complaint", case["complaint"]),
                  *[("a", f"{k}={encode_value(v)}") for k, v in answers.items()], ("show", "result")]
        page = api.get("/check/step", params=params)
        assert page.status_code == 200, page.text[:500]
        found = re.search(r'data-level="(\w+)"', page.text)
        assert found, page.text[:500]
        levels.append(LEVEL(found.group(1)))
    assert levels[0] == LEVEL(_result(case).triage.level)
    assert levels[1] >= levels[0]


# ----- context findings protect the conditions of their own rules --------------------------------------------
def _triage_level(answers: dict[str, object], age: float = 58, sex: str = "female") -> int:
    return LEVEL(Interview(PACK, age=age, sex=sex, complaint="twitching", answers=answers).result().triage.level)


def test_context_still_weighs_between_other_causes():
    """Tremor, sweating and agitation with the medicines unknown keep serotonin toxicity possible; saying the
    person stopped sedatives points to withdrawal (same-day care) instead, while fever, fits and confusion,
    which would make withdrawal an emergency, are still open."""
    signs = {"agitation_tremor_jerks": "present", "heavy_sweating": "present", "visible_twitching": "present",
             "twitching_many_places": "present", "palpitations": "present", "symptom_duration": "days",
             "seizure": "absent", "confusion": "absent"}  # fever not asked: the withdrawal check stays open
    stopped = {**signs, "stopped_alcohol_or_sedatives": "present"}
    assert "stopped_alcohol_or_sedatives" in _guarded({"age": 58, "sex": "female", "complaint": "twitching",
                                                       "answers": stopped})
    result = Interview(PACK, age=58, sex="female", complaint="twitching", answers=stopped).result()
    assert result.triage.level == "consultation_24"
    assert result.differential[0].condition_id == "sedative_withdrawal"


def test_context_never_lowers_the_conditions_its_open_rule_names():
    """Hard exercise with dark urine not asked: it may not make rhabdomyolysis look less likely than before."""
    base = {"severe_muscle_pain": "present", "muscle_weakness": "present"}
    before = Interview(PACK, age=30, sex="male", complaint="muscle_cramp", answers=base)
    after = Interview(PACK, age=30, sex="male", complaint="muscle_cramp", answers={**base, "extreme_exertion": "present"})
    rhabdo = PACK.compiled.condition_ids.index("rhabdomyolysis")
    from symcheck.interview import triage as triage_svc

    assert triage_svc.decide(after).masses.safe[rhabdo] >= triage_svc.decide(before).masses.safe[rhabdo]
    assert LEVEL(after.result().triage.level) >= safety.context_floor(before, "extreme_exertion", after.facts())
