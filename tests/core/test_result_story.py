"""One story: the triage, the differential, whom to see and the reasons agree (issue: safe, coherent results)."""

from __future__ import annotations

from symcheck import Interview, load_pack

SPASM = load_pack("spasm")


def test_an_emergency_leads_with_the_conditions_its_rule_names():
    result = Interview(SPASM, age=34, sex="male", complaint="muscle_cramp",
                       answers={"extreme_exertion": "present", "dark_urine": "present", "heat_exposure": "present"}).result()
    assert result.triage.level == "emergency"
    assert result.triage.from_conditions[0] == "rhabdomyolysis"
    assert result.triage.reasons[0].startswith("This may be") and "Rhabdomyolysis" in result.triage.reasons[0]
    assert result.differential[0].condition_id == "rhabdomyolysis"
    # "exercising in the heat: yes" is not evidence against the cause the emergency names
    assert all(c.evidence_id != "heat_exposure" for c in result.differential[0].evidence_against)
    # emergency care first; the specialists for afterwards are listed apart
    assert [s.id for s in result.recommendations.specialists] == ["emergency_department"]


def test_no_cause_under_one_percent_is_listed_unless_the_triage_names_it():
    result = Interview(SPASM, age=67, sex="female", complaint="muscle_cramp",
                       answers={"time_of_day": "night_or_rest", "cramp_location": ["calf"]}).result()
    named = set(result.triage.from_conditions)
    assert all(d.probability >= 0.01 or d.condition_id in named for d in result.differential)


def test_a_self_care_reason_names_only_probable_causes():
    iv = Interview(SPASM, age=27, sex="female", complaint="stiffness_or_posture")
    answers = {"cramp_location": ["thigh"], "extreme_exertion": "present", "severe_muscle_pain": "present",
               "symptom_duration": "days", "dark_urine": "absent", "fever": "absent", "muscle_weakness": "absent"}
    iv.answer_many(answers)
    result = iv.result()
    for cid in result.triage.from_conditions:
        assert iv.posterior()[cid] >= 0.1 or result.triage.level != "self_care"


def test_why_names_the_concern_behind_a_safety_question():
    iv = Interview(SPASM, age=40, sex="male", complaint="muscle_cramp")
    iv.answer("emergency_gate", [])
    while (q := iv.next_question()) is not None and q.reason != "red_flag_check":
        iv.answer(q.evidence_id, "unknown" if q.type != "many_of" else [])
    assert q is not None and q.why.startswith("We ask this to check for") and "which would need" in q.why


def test_the_first_question_is_the_emergency_gate_then_the_complaint():
    iv = Interview(SPASM, age=67, sex="female", complaint="muscle_cramp")
    first = iv.next_question()
    assert first is not None and first.reason == "emergency_gate" and len(first.choices) >= 3
    iv.answer(first.evidence_id, [])
    second = iv.next_question()
    assert second is not None and second.reason == "complaint"
