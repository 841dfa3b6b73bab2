"""The flagship pack through the site: every page renders and the checker reaches a result. Skipped, with
the reason, while the pack does not validate."""

from __future__ import annotations

import re
from html import escape as html_escape

import pytest
from fastapi.testclient import TestClient

from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from tests.web.conftest import as_form, hidden_fields, question_id


def test_every_spasm_page_renders(site: TestClient, spasm: Pack) -> None:
    assert spasm.page is not None, "the spasm pack has a symptom page"
    urls = ["/", f"/symptoms/{spasm.page.id}", "/conditions", "/categories"]
    urls += [f"/conditions/{c}" for c in spasm.conditions]
    urls += [f"/categories/{s}" for s in page_mod.categories(spasm)]
    urls += [f"/signs/{e}" for e in spasm.evidence]
    for url in urls:
        r = site.get(url)
        assert r.status_code == 200, url
        assert "/check" in r.text and spasm.meta.disclaimer.split(".")[0] in r.text, url


def test_spasm_symptom_page_has_its_sections_and_every_rule(site: TestClient, spasm: Pack) -> None:
    assert spasm.page is not None
    html = site.get(f"/symptoms/{spasm.page.id}").text
    for sec in spasm.page.sections:
        assert f'id="{sec.id}"' in html
    for rule in spasm.rules:
        if not rule.scope:
            assert rule.message.replace("'", "&#39;").replace('"', "&#34;") in html, rule.id
    # every [[condition]] in the page is a link to its page
    for cid in page_mod.linked_from_page(spasm):
        assert f'href="/conditions/{cid}"' in html
    assert spasm.page.reviewer in html


@pytest.mark.parametrize("strategy", ["no", "dont_know"])
def test_spasm_checker_reaches_a_result(site: TestClient, spasm: Pack, strategy: str) -> None:
    html = site.post("/check", data={"action": "start", "age": "45", "sex": "female", "complaint": "muscle_cramp"}).text
    for _ in range(spasm.meta.stop.max_questions + 2):
        if 'class="question-form"' not in html:
            break
        if strategy == "dont_know":
            value = "unknown"
        elif 'value="absent"' in html:
            value = "absent"
        elif 'value="none_of_these"' in html:
            value = "none_of_these"
        elif 'id="number-answer"' in html:
            value = "unknown"
        else:
            m = re.search(r'name="v" value="([^"]+)"', html)
            assert m, question_id(html)
            value = m.group(1)
        r = site.post("/check", data=as_form([*hidden_fields(html), ("v", value)]))
        assert r.status_code == 200, r.text[:500]
        html = r.text
    assert 'id="result-title"' in html or "emergency-page" in html
    assert spasm.meta.disclaimer.split(".")[0] in html


def test_rare_diseases_are_for_clinicians_only(site: TestClient, spasm: Pack) -> None:
    """The patient's result carries no rare-disease ranking, only a link to clinician mode; there, matches
    are present features only and excluded ones are listed apart, labelled."""
    # Features of a myotonic or neuromyotonic disorder, each carrying an HPO id in the pack.
    coded = [e.id for e in spasm.evidence.values()
             if e.type == "yes_no" and e.codes.get("hpo") and e.kind in ("symptom", "finding")
             and not any(e.id in r.when for r in spasm.rules)]
    assert len(coded) >= 8
    present, absent = coded[:4], coded[4:8]
    form = [("action", "result"), ("age", "30"), ("sex", "male"), ("for_whom", "self"), ("complaint", "muscle_cramp"),
            *(("a", f"{ev}=present") for ev in present), *(("a", f"{ev}=absent") for ev in absent)]
    result = site.post("/check", data=as_form(form))
    html = result.text
    assert "rare diseases with these features" not in html.lower()
    assert not re.search(r"OMIM:\d+", html)
    link = re.search(r'href="(/check/clinician\?[^"]+)"', html)
    assert link, "the result links to clinician mode"
    page = site.get(link.group(1).replace("&amp;", "&")).text
    assert "For health professionals" in page
    assert re.search(r"\(OMIM:\d+\)", page)
    chance = re.search(r"Chance that the first disease below is the diagnosis: (\d+)%", page)
    assert chance and 0 <= int(chance.group(1)) <= 100  # the calibrated figure, the only one called a chance
    entries = re.findall(r"<li>\s*<p><strong>(.*?)</li>", page, flags=re.S)
    assert entries
    seen_excluded = False
    for entry in entries:
        matches = re.search(r"Present features that match: (.*?)</p>", entry, flags=re.S)
        assert matches
        excluded = re.findall(r'<p class="excluded[^"]*">Excluded[^:]*: (.*?)</p>', entry, flags=re.S)
        seen_excluded |= bool(excluded)
        for names in excluded:
            for name in names.split(", "):
                assert name not in matches.group(1).split(", "), (name, entry)
    assert seen_excluded
    assert "Excluded (answered “No”)" in page


def test_condition_pages_list_only_the_rules_that_concern_them(site: TestClient, spasm: Pack) -> None:
    """Eyelid twitching used to list organophosphate poisoning and stroke; leg cramps listed 18 rules."""
    for cond in spasm.conditions.values():
        for rule in page_mod.rules_for_condition(spasm, cond):
            assert not rule.conditions or cond.id in rule.conditions, (cond.id, rule.id)
    html = site.get("/conditions/eyelid_myokymia").text
    poisoning = next(r for r in spasm.rules if r.id == "organophosphate_poisoning")
    assert poisoning.message not in html
    tetanus = site.get("/conditions/tetanus").text
    assert next(r for r in spasm.rules if r.id == "tetanus_after_wound").message in tetanus
    assert next(r for r in spasm.rules if r.id == "heat_stroke").message not in tetanus


def test_result_leads_with_lay_names(site: TestClient, spasm: Pack) -> None:
    form = [("age", "60"), ("sex", "female"), ("complaint", "muscle_cramp"), ("show", "result")]
    html = site.get("/check/step", params=form).text
    names = re.findall(r'<h3 class="cause-name"><a href="/conditions/([a-z0-9_]+)">(.*?)</a></h3>', html)
    lay = [(cid, shown) for cid, shown in names if spasm.conditions[cid].lay_name]
    assert lay, "some listed cause has a lay name"
    for cid, shown in lay:
        cond = spasm.conditions[cid]
        assert shown == html_escape(cond.lay_name, quote=False).replace("'", "&#39;")
        if cond.lay_name != cond.name:
            assert f"Medical name: {html_escape(cond.name, quote=False)}" in html.replace("&#39;", "'")


def test_sign_pages_say_what_the_figure_is_and_lead_with_harmless_causes(site: TestClient, spasm: Pack) -> None:
    """"Trismus: Tetanus 90%" read as a 90% chance of tetanus; say "9 in 10 people with tetanus have this"."""
    html = site.get("/signs/jaw_stiffness").text
    main = html[html.index("<main"):]
    assert not re.search(r"\d+%", main)
    assert re.search(r"About \d+ in 10 people with Tetanus[^<]* have this", main)
    assert "not the chance that you have the condition" in main
    # a sign with harmless causes in the pack lists them first
    for e in spasm.evidence.values():
        page = site.get(f"/signs/{e.id}").text
        if "Common, usually harmless causes" in page:
            assert page.index("Common, usually harmless causes") < page.index("Other causes, some of them serious") \
                if "Other causes, some of them serious" in page else True
            break
    else:
        raise AssertionError("no sign page lists a harmless cause")


def test_emergency_from_the_gate_names_the_ticked_item_once(site: TestClient, spasm: Pack) -> None:
    gate = spasm.complaint("muscle_cramp").emergency_gate
    assert gate
    first = spasm.evidence[gate[0]]
    form = [("age", "50"), ("sex", "male"), ("complaint", "muscle_cramp"), ("a", f"emergency_gate={first.id}")]
    html = site.get("/check/step", params=form).text
    assert "emergency-page" in html
    found = re.search(r'<span class="emergency-small finding">Your answers: (.*?)</span>', html, flags=re.S)
    assert found
    assert spasm.meta.emergency_gate_question not in found.group(1)  # the item alone, not the whole list question
    assert (first.label or first.question.lay) in found.group(1)
    assert html.count('class="emergency-action"') == 0  # the heading already says it


def test_a_cause_says_what_it_would_need_only_when_that_is_more_than_the_result(site: TestClient) -> None:
    """Under "call an ambulance", "if this is the cause: go to an emergency department" reads as a second,
    smaller answer; under "book a doctor", it is the warning worth giving."""
    floppy = [("action", "result"), ("age", "2"), ("sex", "female"), ("for_whom", "other"),
              ("complaint", "muscle_cramp"), ("a", "emergency_gate="), ("a", "cramp_location=legs"),
              ("a", "muscle_weakness=present"), ("a", "red_flags:child_emergency=child_floppy_hard_to_wake")]
    html = site.post("/check", data=as_form(floppy)).text
    assert 'data-level="emergency_ambulance"' in html
    assert "If this is the cause:" not in html
    calf = [("action", "result"), ("age", "67"), ("sex", "female"), ("for_whom", "self"),
            ("complaint", "muscle_cramp"), ("a", "cramp_location=calf"), ("a", "exercise_triggered=present"),
            ("a", "symptom_duration=today")]
    html = site.post("/check", data=as_form(calf)).text
    assert 'data-level="consultation"' in html
    lines = re.findall(r'class="cause-urgency">If this is the cause: ([^<]+)<', html)
    assert len(lines) == 1  # a clot in the leg, which would need a doctor the same day
