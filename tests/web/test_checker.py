"""The symptom checker through plain form posts, as a browser without JavaScript would drive it."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from fastapi.testclient import TestClient

import symcheck
from symcheck.errors import InputError
from symcheck.interview import Interview
from symcheck.kb.pack import Pack
from symcheck.web import checker
from tests.web.conftest import WEB_PACK, as_form, hidden_fields, question_id

START = {"action": "start", "age": "70", "sex": "male", "for_whom": "self", "complaint": "leg_cramp"}
# answers that lead the mini pack to night cramps without a red flag
CALM = {"jaw_stiff": "absent", "wound": "absent", "night": "present", "fever": "absent", "site": "leg",
        "places": "calf", "duration_days": "3", "pregnant": "absent"}


def start(client: TestClient, **fields: str) -> str:
    r = client.post("/check", data={**START, **fields})
    assert r.status_code == 200, r.text
    return r.text


def answer(client: TestClient, html: str, *values: str, status: int = 200) -> str:
    r = client.post("/check", data=as_form([*hidden_fields(html), *(("v", v) for v in values)]))
    assert r.status_code == status, r.text
    return r.text


def press(client: TestClient, html: str, form_class: str, name: str, value: str) -> str:
    r = client.post("/check", data=as_form([*hidden_fields(html, form_class), (name, value)]))
    assert r.status_code == 200, r.text
    return r.text


def carried_answers(html: str, form_class: str = "answers-form") -> list[str]:
    return [v for k, v in hidden_fields(html, form_class) if k == "a"]


def run_to_end(client: TestClient, html: str, answers: dict[str, str], limit: int = 20) -> str:
    for _ in range(limit):
        if 'class="question-form"' not in html:
            return html
        html = answer(client, html, answers.get(question_id(html), "unknown"))
    raise AssertionError("the interview did not end")


def test_start_page_has_the_fields(client: TestClient) -> None:
    html = client.get("/check").text
    for needle in ('name="age"', 'name="sex"', 'name="pregnant"', 'name="for_whom"', 'name="complaint_text"',
                   'data-suggest="/check/complaints"', 'value="leg_cramp"'):
        assert needle in html
    assert "<label for=\"age\">" in html and "<label for=\"complaint-text\">" in html


def test_start_link_preselects_a_complaint(client: TestClient) -> None:
    html = client.get("/check", params={"complaint": "leg_cramp"}).text
    assert re.search(r'value="leg_cramp"[^>]* checked', html)


def test_start_errors_name_each_field(client: TestClient) -> None:
    r = client.post("/check", data={"action": "start", "age": "abc", "complaint_text": ""})
    assert r.status_code == 422
    assert "There is a problem" in r.text
    assert "“abc” is not a number of years." in r.text
    assert "Choose one of the options." in r.text  # sex
    assert "Type the main problem" in r.text
    assert 'aria-invalid="true"' in r.text
    r = client.post("/check", data={"action": "start", "age": "130", "sex": "male", "complaint": "leg_cramp"})
    assert r.status_code == 422 and "Enter an age from 0 to 120 years." in r.text


def test_typed_complaint_is_matched_despite_typos(client: TestClient) -> None:
    html = start(client, complaint="", complaint_text="charly hors")
    assert 'class="question-form"' in html
    assert ("complaint", "leg_cramp") in hidden_fields(html)


def test_ambiguous_complaint_asks_to_choose(client: TestClient) -> None:
    r = client.post("/check", data={**START, "complaint": "", "complaint_text": "cramp"})
    assert r.status_code == 422
    assert "Choose the one that fits best" in r.text
    assert 'value="leg_cramp"' in r.text and 'value="belly_cramp"' in r.text


def test_unmatched_complaint_offers_the_whole_list(client: TestClient) -> None:
    r = client.post("/check", data={**START, "complaint": "", "complaint_text": "qqqq zzzz"})
    assert r.status_code == 422
    assert "We could not match what you typed" in r.text
    assert 'value="leg_cramp"' in r.text and 'value="belly_cramp"' in r.text


def test_first_question_is_a_red_flag_check_with_dont_know_and_why(client: TestClient) -> None:
    html = start(client)
    assert question_id(html) == "jaw_stiff"
    assert "Safety question" in html
    assert 'value="unknown">Don\'t know' in html
    why = Interview(symcheck.load_pack(WEB_PACK), age=70, sex="male", complaint="leg_cramp").next_question()
    assert why is not None and why.why
    assert "Why are you asking this?" in html and why.why in html
    assert "<progress" in html and "Question 1" in html


def test_run_to_result(client: TestClient) -> None:
    html = run_to_end(client, start(client), CALM)
    assert "Your result" in html
    main = html[html.index("<main"):]
    # the triage action is the first heading of the page
    assert re.search(r'<h1 id="result-title" class="level-title">You can probably look after this yourself', main)
    assert '<a href="/conditions/night_cramps">Night cramps</a>' in main
    assert 'class="bar-fill"' in main
    assert "Answers that make it more likely:" in main
    assert "Stretch the calf." in main  # self-care
    assert "GP" in main  # whom to see
    assert "See a doctor if it lasts more than two weeks." in main  # safety-netting for self-care
    assert "Call emergency services if you cannot breathe." in main  # always
    assert "This is not a diagnosis (test pack)." in main
    assert 'action="/check/fhir"' in main and "data-print" in main
    assert 'class="question-form"' not in main


TETANUS = {**CALM, "jaw_stiff": "present", "wound": "present"}


def run_to_emergency(client: TestClient) -> str:
    """Jaw stiffness and a wound (the tetanus rule), whenever the engine asks them; calm answers otherwise."""
    html = start(client)
    for _ in range(10):
        if 'class="question-form"' not in html:
            return html
        html = answer(client, html, TETANUS.get(question_id(html), "unknown"))
    raise AssertionError("no emergency")


def test_emergency_interrupts_at_once(client: TestClient) -> None:
    html = run_to_emergency(client)
    assert 'class="question-form"' not in html
    assert "emergency-page" in html
    assert '<h1 id="emergency-title" class="emergency-title">Call emergency services now</h1>' in html
    assert 'href="tel:112"' in html
    assert "Jaw stiffness after a wound can be tetanus." in html
    assert "Keep the person calm in a quiet, dim room." in html  # while waiting
    assert "Stay with the person until help arrives." in html  # the pack's advice for this level
    assert "See a doctor if it lasts more than two weeks." not in html  # not other levels' advice
    # a mistaken tap can be corrected straight from the interrupt
    assert 'name="change" value="jaw_stiff"' in html and 'name="change" value="wound"' in html


def test_emergency_then_full_result_keeps_the_emergency_first(client: TestClient) -> None:
    html = run_to_emergency(client)
    pairs = hidden_fields(html, "emergency-form")
    r = client.post("/check", data=as_form([*pairs, ("action", "result")]))
    assert r.status_code == 200
    assert re.search(r'<h1 id="result-title" class="level-title">Call emergency services now', r.text)
    assert "Warning signs in your answers" in r.text


def test_back_reopens_the_last_question_with_its_answer(client: TestClient) -> None:
    html = answer(client, start(client), "absent")  # jaw_stiff: No
    assert carried_answers(html) == ["jaw_stiff=absent"]
    back = press(client, html, "answers-form", "action", "back")
    assert question_id(back) == "jaw_stiff"
    assert carried_answers(back) == []
    assert re.search(r'value="absent">No <span class="current">\(current answer\)</span>', back)
    # answering again goes on from there
    again = answer(client, back, "unknown")
    assert carried_answers(again) == ["jaw_stiff=unknown"]


def test_back_from_the_first_question_returns_to_the_start(client: TestClient) -> None:
    back = press(client, start(client), "answers-form", "action", "back")
    assert 'name="complaint_text"' in back
    assert re.search(r'id="age"[^>]*value="70"', back)


def test_change_an_earlier_answer_keeps_its_place_and_the_later_answers(client: TestClient) -> None:
    html = answer(client, start(client), "absent")  # jaw_stiff
    assert question_id(html) == "fever"
    html = answer(client, html, "unknown")
    assert question_id(html) == "places"
    html = answer(client, html, "calf")
    before = carried_answers(html)
    assert before == ["jaw_stiff=absent", "fever=unknown", "places=calf"]
    changing = press(client, html, "answers-form", "change", "jaw_stiff")
    assert question_id(changing) == "jaw_stiff"
    assert "Changing your answer to question 1" in changing
    kept = press(client, changing, "answers-form", "action", "continue")
    assert carried_answers(kept) == before  # keeping the answer changes nothing
    after = answer(client, changing, "unknown")
    assert carried_answers(after) == ["jaw_stiff=unknown", *before[1:]]


def test_change_the_persons_details(client: TestClient) -> None:
    html = answer(client, start(client), "absent")
    page = press(client, html, "answers-form", "change", "__start__")
    assert 'name="complaint_text"' in page
    assert 'name="a" value="jaw_stiff=absent"' in page  # the answers travel through the start form
    r = client.post("/check", data=as_form([("a", "jaw_stiff=absent"), *START.items(), ("age", "40")]))
    assert ("age", "40") in hidden_fields(r.text) and carried_answers(r.text) == ["jaw_stiff=absent"]


def test_many_of_none_and_empty(client: TestClient, pack: Pack) -> None:
    base = [*START.items()]
    base = [(k, v) for k, v in base if k != "action"]
    page = client.post("/check", data=as_form([*base, ("change", "x")]))
    assert page.status_code == 400  # not one of the answers
    form = [*base, ("action", "answer"), ("q", "places")]
    empty = client.post("/check", data=as_form(form))
    assert empty.status_code == 422 and "Tick at least one box" in empty.text
    none = client.post("/check", data=as_form([*form, ("v", checker.NONE_OF_THESE)]))
    assert "places=" in [v for k, v in hidden_fields(none.text, "answers-form") if k == "a"][0]
    assert "None of these" in none.text
    two = client.post("/check", data=as_form([*form, ("v", "calf"), ("v", "foot")]))
    assert "places=calf,foot" in carried_answers(two.text)


def test_number_answers(client: TestClient) -> None:
    form = [(k, v) for k, v in START.items() if k != "action"] + [("action", "answer"), ("q", "duration_days")]
    bad = client.post("/check", data=as_form([*form, ("v", "abc")]))
    assert bad.status_code == 422 and "“abc” is not a number" in bad.text
    ok = client.post("/check", data=as_form([*form, ("v", "12")]))
    assert "duration_days=12" in carried_answers(ok.text)
    dk = client.post("/check", data=as_form([*form, ("v", ""), ("v", "unknown")]))
    assert "duration_days=unknown" in carried_answers(dk.text)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"a": "nonsense"}, "a"),
        ({"a": "fever=maybe"}, "answers.fever"),
        ({"sex": "alien"}, "sex"),
        ({"complaint": "nope"}, "complaint"),
        ({"a": "site=neck"}, "answers.site"),
        ({"a": "duration_days=inf"}, "answers.duration_days"),
    ],
)
def test_tampered_state_is_a_clear_400(client: TestClient, fields: dict[str, str], field: str) -> None:
    data = {**START, "action": "", **fields}
    r = client.post("/check", data=data)
    assert r.status_code == 400
    assert f"<strong>{field}</strong>" in r.text
    assert "Traceback" not in r.text


def test_out_of_scope_complaint(client: TestClient) -> None:
    html = start(client, complaint="belly_cramp")
    assert "Outside what this checker covers" in html
    assert "Belly cramps are outside this pack." in html
    assert 'id="causes-title"' not in html


def test_pregnancy_only_where_it_applies(client: TestClient) -> None:
    html = start(client, sex="female", age="30", pregnant="yes")
    assert ("pregnant", "yes") in hidden_fields(html)
    html = start(client, sex="male", age="30", pregnant="yes")
    assert "pregnant" not in dict(hidden_fields(html))
    html = start(client, sex="female", age="70", pregnant="yes")
    assert "pregnant" not in dict(hidden_fields(html))


def test_checking_for_someone_else(client: TestClient) -> None:
    html = start(client, for_whom="other")
    assert "Answer for the person you are checking for." in html
    assert "(for someone else)" in html


def test_fhir_download(client: TestClient) -> None:
    data = {**START, "a": ["jaw_stiff=absent", "wound=absent", "night=present"]}
    r = client.post("/check/fhir", data=data)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    assert "attachment" in r.headers["content-disposition"]
    bundle = json.loads(r.text)
    assert bundle["resourceType"] == "Bundle"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"RiskAssessment", "QuestionnaireResponse", "Patient"} <= kinds
    bad = client.post("/check/fhir", data={**START, "a": "nonsense"})
    assert bad.status_code == 400 and bad.json()["detail"][0]["loc"] == ["form", "a"]


def test_prune_drops_follow_ups_whose_parent_changed(pack: Pack) -> None:
    state = checker.CheckState(age=40, sex="male", complaint="belly_cramp",
                               answers=[("cramp", "present"), ("night", "present"), ("fever", "absent")])
    state.answers[0] = ("cramp", "absent")
    assert checker.prune_answers(pack, state) == ["night"]
    assert state.answers == [("cramp", "absent"), ("fever", "absent")]


def test_prune_drops_questions_for_another_sex(pack: Pack) -> None:
    state = checker.CheckState(age=30, sex="male", complaint="leg_cramp", answers=[("pregnant", "absent")])
    assert checker.prune_answers(pack, state) == ["pregnant"]


def test_read_answer_messages(pack: Pack) -> None:
    def item(ev_id: str) -> checker.Asked:
        found = checker.asked_item(pack, ev_id)
        assert found is not None
        return found

    with pytest.raises(InputError, match="Choose one of the answers"):
        checker.read_answer(item("fever"), [])
    assert checker.read_answer(item("fever"), ["present"]) == "present"
    assert checker.read_answer(item("site"), ["leg"]) == "leg"
    assert checker.read_answer(item("duration_days"), ["2,5"]) == 2.5
    with pytest.raises(InputError):
        checker.read_answer(item("duration_days"), ["-1"])
    with pytest.raises(InputError, match="not one of the choices"):
        checker.read_answer(item("site"), ["neck"])


def test_result_is_dated_and_names_its_pack_for_print(client: TestClient) -> None:
    html = run_to_end(client, start(client), CALM)
    now = dt.datetime.now().astimezone()
    day = f"{now.day} {now:%B %Y}"
    assert f"Assessed on {day}" in html
    header = re.search(r'<p class="print-only muted">(.*?)</p>', html)
    assert header and day in header.group(1) and "pack webmini 0.0.1" in header.group(1)


def test_result_reads_simply(client: TestClient) -> None:
    html = run_to_end(client, start(client), CALM)
    assert html.count("This is not a diagnosis (test pack).") == 1  # the result's own, not the footer's again
    assert "Download for your doctor's system (FHIR)" in html
    assert "rare diseases" not in html.lower().replace("rare diseases that share these features", "")



def test_why_lists_only_the_persons_own_answers(client: TestClient) -> None:
    html = run_to_end(client, start(client), CALM)
    whys = re.findall(r'<ul class="why-(?:for|against)">(.*?)</ul>', html, flags=re.S)
    assert whys
    # "Do you have cramps?" is implied by the complaint (leg cramp), never asked
    assert all("Do you have cramps?" not in w for w in whys)
