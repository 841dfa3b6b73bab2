"""The site over several packs (issue 12): both symptom pages on the home page, each pack's symptom and
condition pages by address, and one search over both; an app given one pack serves that pack alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from symcheck.api.app import create_app


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("multipack") / "site.sqlite"
    with TestClient(create_app(packs=["spasm", "abdominal"], database_url=f"sqlite:///{db}")) as client:
        yield client


def test_home_offers_both_symptom_pages(both: TestClient) -> None:
    html = both.get("/").text
    assert 'href="/symptoms/spasm"' in html and 'href="/symptoms/abdominal"' in html
    assert "Stomach cramps and pelvic pain" in html


def test_each_pack_pages_resolve(both: TestClient) -> None:
    page = both.get("/symptoms/abdominal")
    assert page.status_code == 200 and "Stomach cramps and pelvic pain" in page.text
    # a condition link inside the abdominal page opens that pack's condition page
    assert 'href="/conditions/appendicitis"' in page.text
    cond = both.get("/conditions/appendicitis")
    assert cond.status_code == 200 and "Acute appendicitis" in cond.text and 'href="/symptoms/abdominal"' in cond.text
    assert both.get("/conditions/nocturnal_leg_cramps").status_code == 200
    assert both.get("/conditions/no_such_condition").status_code == 404
    assert both.get("/symptoms/no_such_page").status_code == 404


def test_search_covers_both_packs(both: TestClient) -> None:
    assert 'href="/conditions/ectopic_pregnancy"' in both.get("/search", params={"q": "ectopic pregnancy"}).text
    assert 'href="/conditions/nocturnal_leg_cramps"' in both.get("/search", params={"q": "night leg cramps"}).text
    urls = [h["url"] for h in both.get("/search/suggest", params={"q": "appendi"}).json()]
    assert "/conditions/appendicitis" in urls


def test_one_given_pack_is_served_alone(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/symptoms/abdominal"' not in html
    assert client.get("/conditions/appendicitis").status_code == 404


def test_home_starts_a_check_in_either_pack(both: TestClient) -> None:
    html = both.get("/").text
    assert 'href="/check?complaint=muscle_cramp"' in html
    assert 'href="/check?pack=abdominal&amp;complaint=period_pain"' in html
    # the muscle pack's belly-cramps complaint hands over to the abdominal pack, whose complaints are listed
    assert "complaint=abdominal_or_period_cramps" not in html
    start = both.get("/check", params={"pack": "abdominal", "complaint": "period_pain"}).text
    assert 'name="pack" value="abdominal"' in start
    step = both.get("/check/go", params={"pack": "abdominal", "action": "start", "for_whom": "self", "age": "16",
                                         "sex": "female", "pregnant": "no", "complaint": "period_pain"})
    assert step.status_code == 200 and "pack=abdominal" in str(step.url)
    assert "Is any of these happening now?" in step.text


def test_complaint_suggestions_cover_both_packs(both: TestClient) -> None:
    period = both.get("/check/complaints", params={"q": "period pain"}).json()
    assert {"id": "period_pain", "label": "Period pain (cramps that come with periods)", "pack": "abdominal"} in period
    calf = both.get("/check/complaints", params={"q": "calf cramp"}).json()
    assert calf[0] == {"id": "muscle_cramp", "label": "Muscle cramp (a sudden, painful tightening of a muscle)"}
    every = both.get("/check/complaints").json()
    assert {c["id"] for c in every} >= {"muscle_cramp", "abdominal_cramps", "child_tummy_pain"}
    assert "abdominal_or_period_cramps" not in {c["id"] for c in every}  # it hands over to the abdominal pack


def test_a_to_z_lists_both_packs(both: TestClient) -> None:
    html = both.get("/conditions").text
    assert 'href="/conditions/appendicitis"' in html and 'href="/conditions/nocturnal_leg_cramps"' in html


def test_categories_cover_both_packs(both: TestClient) -> None:
    assert 'href="/categories/surgical"' in both.get("/").text
    surgical = both.get("/categories/surgical")
    assert surgical.status_code == 200 and 'href="/conditions/appendicitis"' in surgical.text
    assert 'href="/categories/surgical"' in both.get("/categories").text
