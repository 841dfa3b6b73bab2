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


def test_an_emergency_rules_causes_hold_at_least_the_packs_share():
    import numpy as np

    from symcheck.engine import triage

    model = SPASM.compiled.model
    rule = next(r for r in SPASM.compiled.rules if r.id == "child_floppy_or_unresponsive")
    named = list(rule.conditions)
    log_post = np.zeros(model.n_conditions)
    log_post[named] = -8.0  # rare causes: a likelihood ratio of 10 alone leaves them far behind
    for share in (0.5, 0.3):
        total = log_post + triage.rule_rows(model, [rule], log_post, share).sum(axis=0)
        post = np.exp(total - total.max())
        assert abs(post[named].sum() / post.sum() - share) < 1e-9
    # one other cause far ahead: the rule's likeliest cause is still raised to lead the list
    lead = np.zeros(model.n_conditions)
    lead[named] = -8.0
    other = next(i for i in range(model.n_conditions) if i not in named)
    lead[other] = 6.0
    total = lead + triage.rule_rows(model, [rule], lead, 0.5).sum(axis=0)
    assert int(np.argmax(total)) in named
    # already above the share and leading: only the rule's own likelihood ratio is added
    log_post[named] = 0.0
    rows = triage.rule_rows(model, [rule], log_post, 0.001)
    assert np.allclose(rows[0, named], rule.log_lr)
    # a 2-year-old who cannot stand or sit: the list leads with what the triage says it may be
    result = Interview(SPASM, age=2, sex="female", complaint="muscle_cramp",
                       answers={"child_floppy_hard_to_wake": "present", "muscle_weakness": "present"}).result()
    assert result.triage.level == "emergency_ambulance"
    assert result.differential[0].condition_id in {SPASM.compiled.condition_ids[c] for c in named}


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


def test_a_doctor_rule_says_this_may_be_only_when_the_list_agrees():
    """Numb feet with night calf cramps fire a see-a-GP rule naming neuropathy; night cramps can still lead the
    list, so the reason says what to check for instead of what it 'may be'."""
    answers = {"cramp_location": ["calf"], "time_of_day": "night_or_rest", "numb_feet": "present",
               "symptom_duration": "months"}
    result = Interview(SPASM, age=47, sex="female", complaint="muscle_cramp", answers=answers).result()
    assert result.differential[0].condition_id not in result.triage.from_conditions
    first = result.triage.reasons[0]
    assert first.startswith("A doctor should check for") and "neuropathy" in first.lower()
    for r in (result, Interview(SPASM, age=47, sex="female", complaint="muscle_cramp",
                                answers={**answers, "progressive_worsening": "present"}).result()):
        if r.triage.reasons[0].startswith("This may be"):
            assert r.differential[0].condition_id in r.triage.from_conditions


def test_a_cause_kept_only_by_a_warning_sign_is_named_listed_and_says_what_would_rule_it_out():
    """Fever and shaking with side pain, 'don't know' to pain shooting to the groin: an infected blocked kidney
    is not ruled out. The advice names the stone, the list shows it (not 'very unlikely'), and the reason says
    which answer could rule it out."""
    import json

    from typer.testing import CliRunner

    from symcheck.cli import main as _main  # noqa: F401  (registers the commands)
    from symcheck.cli.apps import app

    abdominal = load_pack("abdominal")
    answers = {"burning_urine": "present", "fever": "present", "shivering_fits": "present", "back_pain": "present",
               "pain_site": ["side_or_back"], "vomiting_diarrhoea": "present", "confusion": "absent",
               "pregnancy": "absent", "loin_to_groin": "unknown"}
    result = Interview(abdominal, age=35, sex="female", complaint="abdominal_cramps", answers=answers).result()
    assert result.triage.level == "emergency"
    assert result.triage.from_conditions == ["renal_colic"]
    assert any("cannot be ruled out yet" in r and "Kidney stone" in r for r in result.triage.reasons)
    assert any(r.startswith("What could rule it out") and "groin" in r for r in result.triage.reasons)
    listed = {d.condition_id: d.probability for d in result.differential}
    assert "renal_colic" in listed and listed["renal_colic"] < 0.01

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.json"
        case.write_text(json.dumps({"age": 35, "sex": "female", "complaint": "abdominal_cramps", "answers": answers}))
        out = CliRunner().invoke(app, ["assess", str(case), "--pack", "abdominal"], env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "<1%" in out.output and "Very unlikely with your answers: Kidney stone" not in out.output


def test_a_cause_is_named_once_in_lay_words_then_medical_words():
    from symcheck.interview.wording import display_name

    assert display_name("Kidney stone", "Renal or ureteric colic (kidney stone)") == "Kidney stone (Renal or ureteric colic)"
    assert display_name("Low sodium (salt) level", "Hyponatraemia") == "Low sodium (salt) level (Hyponatraemia)"
    assert display_name("Tick paralysis (weakness caused by an attached tick)", "Tick paralysis") == \
        "Tick paralysis (weakness caused by an attached tick)"
