"""An evidence's `implies`: a "yes" answers the items it entails, once, undone with it, never over a person's
own answer; and the loader refuses a link that is not yes/no to yes/no."""

from __future__ import annotations

from pathlib import Path

from symcheck import Interview, load_pack
from symcheck.interview.facts import implied
from tests.conftest import edit_yaml, pack_problems


def _jaw_implies_cramp(data: list[dict]) -> None:  # type: ignore[type-arg]
    for e in data:
        if e["id"] == "jaw_stiff":
            e["implies"] = ["cramp"]


def test_a_yes_answers_what_it_implies_and_back_undoes_both(pack_copy: Path):
    edit_yaml(pack_copy / "evidence.yaml", _jaw_implies_cramp)
    pack = load_pack(pack_copy)
    iv = Interview(pack, age=30, sex="male")
    iv.answer("jaw_stiff", "present")
    assert iv.answers["cramp"] == "present"
    assert iv.back() == "jaw_stiff"
    assert "cramp" not in iv.answers and "jaw_stiff" not in iv.answers
    iv.answer("jaw_stiff", "absent")  # only "yes" implies
    assert "cramp" not in iv.answers


def test_a_persons_own_answer_is_never_overwritten(pack_copy: Path):
    edit_yaml(pack_copy / "evidence.yaml", _jaw_implies_cramp)
    pack = load_pack(pack_copy)
    iv = Interview(pack, age=30, sex="male", answers={"cramp": "absent"})
    iv.answer("jaw_stiff", "present")
    assert iv.answers["cramp"] == "absent"
    assert implied(pack, {"jaw_stiff": "present", "cramp": "unknown"}) == {}


def test_the_built_in_links_follow_through():
    pack = load_pack("abdominal")
    assert implied(pack, {"after_20_weeks": "present"}) == {"late_pregnancy": "present", "pregnancy": "present"}


def test_links_must_join_yes_no_questions(pack_copy: Path):
    def bad(data: list[dict]) -> None:  # type: ignore[type-arg]
        for e in data:
            if e["id"] == "jaw_stiff":
                e["implies"] = ["site", "nowhere"]

    edit_yaml(pack_copy / "evidence.yaml", bad)
    problems = " ".join(pack_problems(pack_copy))
    assert "'site' must be another yes/no question" in problems and "unknown evidence 'nowhere'" in problems


def test_a_describe_step_may_be_a_checklist():
    from symcheck.kb.pack import load_pack as load

    pack = load("spasm")
    iv = Interview(pack, age=47, sex="female", complaint="muscle_cramp")
    seen = []
    while (q := iv.next_question()) is not None and len(seen) < 12:
        seen.append(q.evidence_id)
        if q.evidence_id == "other_symptoms":
            assert q.type == "many_of" and {c.id for c in q.choices} >= {"numb_feet", "radiating_leg_pain"}
            break
        iv.answer(q.evidence_id, [] if q.type == "many_of" else "unknown")
    assert "other_symptoms" in seen, seen
