"""The loader asks for the third-person form of every question that speaks to "you"."""

from __future__ import annotations

import pytest

from symcheck.kb.loader import load_pack_data
from tests.conftest import edit_yaml, pack_problems


def test_second_person_question_without_other_form_is_reported(pack_copy):
    edit_yaml(pack_copy / "evidence.yaml", lambda d: d[0]["question"].pop("other"))
    assert "evidence.yaml: cramp: question.other: the lay text speaks to 'you': give the question for someone else" in pack_problems(pack_copy)


def test_word_match_only(pack_copy):
    # "youth" and "layout" are not "you"; a question that does not speak to the person needs no other form
    def change(d):
        d[1]["question"] = {"lay": "Is it worse in youth sport or with a layout change?"}
    edit_yaml(pack_copy / "evidence.yaml", change)
    load_pack_data(pack_copy)


@pytest.mark.parametrize("word", ["you", "Your", "YOURSELF"])
def test_every_second_person_word_counts(pack_copy, word):
    edit_yaml(pack_copy / "evidence.yaml", lambda d: d[1].update(question={"lay": f"Do they wake {word} up?"}))
    assert any(p.startswith("evidence.yaml: night: question.other") for p in pack_problems(pack_copy))


def test_checklist_question_needs_its_other_form(pack_copy):
    def change(d):
        d["checklists"] = [{"id": "history", "question": "Do any of these apply to you?", "evidence": ["wound", "fever"]}]
    edit_yaml(pack_copy / "pack.yaml", change)
    assert ("pack.yaml: history: checklists[0].question_other: the question speaks to 'you': give the question for "
            "someone else") in pack_problems(pack_copy)
    edit_yaml(pack_copy / "pack.yaml", lambda d: d["checklists"][0].update(question_other="Do any of these apply to the person?"))
    # its items show their labels to whoever answers: a question that says "you" needs a label without it
    assert ("evidence.yaml: wound: label: shown in a list, it speaks to 'you': give a label without it"
            in pack_problems(pack_copy))

    def labels(d):  # type: ignore[no-untyped-def]
        for e in d:
            e["label"] = e["id"].replace("_", " ").capitalize()
    edit_yaml(pack_copy / "evidence.yaml", labels)
    load_pack_data(pack_copy)


def test_generated_packs_keep_their_release_wording(pack_copy):
    edit_yaml(pack_copy / "evidence.yaml", lambda d: d[0]["question"].pop("other"))
    (pack_copy / "ddxplus_codes.yaml").write_text("{}\n")
    load_pack_data(pack_copy)
