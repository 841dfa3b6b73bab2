"""One emergency number, the user's: SYMCHECK_EMERGENCY_NUMBER, else the locale's, else 112."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import symcheck
from symcheck.emergency import emergency_number, localise
from symcheck.errors import InputError
from symcheck.web import mount_web


@pytest.mark.parametrize(("lang", "number"), [("en_US.UTF-8", "911"), ("en_GB.UTF-8", "999"), ("de_DE.UTF-8", "112"),
                                              ("en_AU", "000"), ("C.UTF-8", "112"), ("", "112")])
def test_default_comes_from_the_locale(monkeypatch: pytest.MonkeyPatch, lang: str, number: str) -> None:
    monkeypatch.delenv("SYMCHECK_EMERGENCY_NUMBER", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang)
    assert emergency_number() == number


def test_setting_wins_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("SYMCHECK_EMERGENCY_NUMBER", "000")
    assert emergency_number() == "000"
    monkeypatch.setenv("SYMCHECK_EMERGENCY_NUMBER", "call me")
    with pytest.raises(InputError) as info:
        emergency_number()
    assert info.value.field == "SYMCHECK_EMERGENCY_NUMBER"


def test_localise_rewrites_lists_of_numbers_only() -> None:
    assert localise("Call emergency services now (999, 112 or 911).", "000") == "Call emergency services now (000)."
    assert localise("Call now (999 in the UK, 112 in Europe, 911 in the US) if", "111") == "Call now (111) if"
    assert localise("If so, call 999.", "112") == "If so, call 112."
    for untouched in ("PMID 36548112", "a cohort (n = 112)", "between 112 and 999 mg"):
        assert localise(untouched, "000") == untouched


def test_every_page_shows_only_the_users_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMCHECK_EMERGENCY_NUMBER", "000")
    pack = symcheck.load_pack("spasm")
    app = FastAPI()
    mount_web(app, pack)
    complaint = pack.meta.complaints[0].id
    with TestClient(app) as client:
        result = client.get("/check/step?" + urlencode(
            {"age": "40", "sex": "female", "complaint": complaint, "show": "result"})).text
        pages = [client.get(u).text for u in ("/", "/check", f"/symptoms/{pack.page.id if pack.page else pack.id}")]
    for html in [result, *pages]:
        assert 'href="tel:000"' in html
        for other in ("tel:112", "tel:999", "tel:911", "999 in the UK", "(999, 112 or 911)"):
            assert other not in html
    # the pack's safety-netting text names the number the user set
    assert "Call emergency services now (000)" in result
