"""Issue 11: results read in the third person when someone answers for another person.

Every scenario of the spasm and abdominal packs is run with speaker="other"; no text of the result that the
pack writes (triage reasons, red-flag messages and while-waiting advice, safety-netting, the out-of-scope
answer, the self-care steps) may speak to "you". The loader asks for the *_other texts, and a missing one is
reported.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from tests.conftest import edit_yaml, pack_problems

from symcheck import Interview, load_pack
from symcheck.bench import scenarios as bench
from symcheck.engine import triage as triage_mod
from symcheck.interview import wording
from symcheck.interview.recommend import recommend
from symcheck.kb.loader import load_pack_data

SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)
PACKS = ["spasm", "abdominal"]


@pytest.fixture(scope="module", params=PACKS)
def pack(request):
    return load_pack(request.param)


def drive(pack, sc, speaker):
    """bench.scenarios.drive, but answering as `speaker`."""
    iv = Interview(pack, age=sc.age, sex=sc.sex, pregnant=sc.pregnant, complaint=sc.complaint, speaker=speaker)
    for _ in range(200):
        q = iv.next_question()
        if q is None:
            break
        if q.type == "many_of" and q.choices and all(c.id in pack.evidence for c in q.choices):
            iv.answer_many({c.id: sc.facts.get(c.id, "unknown") for c in q.choices})
        else:
            iv.answer(q.evidence_id, sc.facts.get(q.evidence_id, "unknown"))
    return iv.result()


def result_texts(result) -> list[str]:
    texts = list(result.triage.reasons) + list(result.safety_netting)
    for hit in result.triage.red_flags:
        texts += [hit.message, hit.while_waiting]
    if result.out_of_scope:
        texts.append(result.out_of_scope)
    return [t for t in texts if t]


def test_scenario_results_for_someone_else_never_say_you(pack):
    cases = bench.load_scenarios(pack.path / "scenarios.yaml", pack)
    fired: set[str] = set()
    said_you_for_self = 0
    for sc in cases:
        other = drive(pack, sc, "other")
        fired |= {h.id for h in other.triage.red_flags}
        for text in result_texts(other):
            assert not SECOND_PERSON.search(text), (sc.id, text)
        said_you_for_self += any(SECOND_PERSON.search(t) for t in result_texts(drive(pack, sc, "self")))
    # the scenarios reach a good share of the rules, and the same answers for oneself do say "you":
    # the check above looks at texts that would otherwise be in the second person
    assert len(fired) >= 20, sorted(fired)
    assert said_you_for_self >= len(cases) // 2


def test_every_pack_result_text_has_a_third_person_form(pack):
    # the scenarios cannot fire every rule: check each text as it would be picked for someone else
    texts = []
    for rule in pack.rules:
        texts += [(rule.id, wording.pick(rule.message, rule.message_other, "other")),
                  (rule.id, wording.pick(rule.while_waiting, rule.while_waiting_other, "other"))]
    texts += [(f"safety_netting.{s.level}", wording.pick(s.text, s.text_other, "other"))
              for s in pack.meta.safety_netting]
    texts += [(c.id, wording.pick(c.when_to_seek_help, c.when_to_seek_help_other, "other"))
              for c in pack.conditions.values()]
    assert [(where, t) for where, t in texts if SECOND_PERSON.search(t)] == []


def test_self_care_steps_for_someone_else_never_say_you(pack):
    cases = bench.load_scenarios(pack.path / "scenarios.yaml", pack)
    reached = 0
    for sc in cases:
        steps = drive(pack, sc, "other").recommendations.self_care
        assert [s for s in steps if SECOND_PERSON.search(s)] == [], sc.id
        own = drive(pack, sc, "self").recommendations.self_care
        assert len(steps) == len(own), sc.id  # the same advice, only reworded
        reached += any(SECOND_PERSON.search(s) for s in own)
    # some scenarios end at self-care with steps that say "you" when answered for oneself
    assert reached >= 1


def test_every_conditions_self_care_for_someone_else_has_no_you(pack):
    # the scenarios reach few self-care results: check each condition's steps as the result would pick them
    model_ids = pack.compiled.condition_ids
    for cid, cond in pack.conditions.items():
        for where, s in enumerate(cond.self_care_other or cond.self_care):
            assert not SECOND_PERSON.search(s), (cid, where, s)
        if cond.urgency != "self_care" or not cond.self_care:
            continue
        post = np.zeros(len(model_ids))
        post[model_ids.index(cid)] = 1.0
        decision = SimpleNamespace(level=triage_mod.SELF_CARE, from_conditions=())
        shown = {sp: recommend(SimpleNamespace(pack=pack, speaker=sp, state=lambda p=post: SimpleNamespace(post=p)),
                               decision).self_care for sp in ("self", "other")}
        assert shown["self"] == cond.self_care[:8], cid
        assert shown["other"] == (cond.self_care_other or cond.self_care)[:8], cid
        assert [s for s in shown["other"] if SECOND_PERSON.search(s)] == [], cid


def test_someone_elses_emergency_reads_in_the_third_person():
    spasm = load_pack("spasm")
    answers = {"recent_wound": "present", "wound_dirty_or_deep": "present", "tetanus_vaccine_uncertain": "present",
               "jaw_stiffness": "absent", "swallowing_difficulty": "absent", "triggered_spasms": "absent"}
    results = {sp: Interview(spasm, age=40, sex="male", complaint="muscle_cramp", answers=answers,
                             speaker=sp).result() for sp in ("self", "other")}
    rule = spasm.rule("tetanus_prone_wound")
    assert rule.message in results["self"].triage.reasons
    assert rule.message_other in results["other"].triage.reasons
    assert rule.message not in results["other"].triage.reasons


# ---------------------------------------------------------------- the loader asks for them




def test_missing_message_other_is_reported(pack_copy):
    def change(rules):
        rules[0]["message"] = "Call an ambulance if your breathing gets worse."
        rules[0].pop("message_other", None)
        rules[0]["while_waiting"] = "Sit up while you wait."
        rules[0].pop("while_waiting_other", None)
    edit_yaml(pack_copy / "rules.yaml", change)
    rid = yaml.safe_load((pack_copy / "rules.yaml").read_text())[0]["id"]
    problems = pack_problems(pack_copy)
    assert f"rules.yaml: {rid}: message_other: the message speaks to 'you': give the text for someone else" in problems
    assert f"rules.yaml: {rid}: while_waiting_other: the while_waiting speaks to 'you': give the text for someone else" \
        in problems


def test_given_message_other_is_accepted(pack_copy):
    def change(rules):
        rules[0]["message"] = "Call an ambulance if your breathing gets worse."
        rules[0]["message_other"] = "Call an ambulance if their breathing gets worse."
    edit_yaml(pack_copy / "rules.yaml", change)
    load_pack_data(pack_copy)


def test_missing_safety_net_and_seek_help_other_are_reported(pack_copy):
    edit_yaml(pack_copy / "pack.yaml", lambda d: d["safety_netting"][0].pop("text_other"))
    cond_file = sorted((pack_copy / "conditions").glob("*.yaml"))[0]
    edit_yaml(cond_file, lambda d: d.update(when_to_seek_help="See a GP if your cramps last a week."))
    problems = pack_problems(pack_copy)
    assert "pack.yaml: safety_netting[0].text_other: the text speaks to 'you': give the text for someone else" in problems
    assert any(p.startswith(f"conditions/{cond_file.name}: ") and "when_to_seek_help_other" in p for p in problems), problems


def test_generated_packs_are_exempt(pack_copy):
    edit_yaml(pack_copy / "pack.yaml", lambda d: d["safety_netting"][0].pop("text_other"))
    (pack_copy / "ddxplus_codes.yaml").write_text("{}\n")
    load_pack_data(pack_copy)


def test_missing_or_miscounted_self_care_other_is_reported(pack_copy):
    cond_file = pack_copy / "conditions" / "night_cramps.yaml"

    def speak_to_you(d):
        d["self_care"] = ["Stretch your calf.", "Keep warm."]
        d.pop("self_care_other", None)
    edit_yaml(cond_file, speak_to_you)
    assert f"conditions/{cond_file.name}: self_care_other: a self-care step speaks to 'you': give the steps for " \
        "someone else" in pack_problems(pack_copy)
    edit_yaml(cond_file, lambda d: d.update(self_care_other=["Stretch their calf."]))
    assert f"conditions/{cond_file.name}: self_care_other: gives 1 steps for 2 self-care steps" in pack_problems(pack_copy)
    edit_yaml(cond_file, lambda d: d.update(self_care_other=["Stretch their calf.", "Keep warm."]))
    load_pack_data(pack_copy)
