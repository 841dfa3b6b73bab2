"""Issue 11: the checker's emergency page gives its level's advice in the third person when someone answers
for another person (the pack's safety_netting text_other)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

import symcheck
from symcheck.web import mount_web
from tests.web.conftest import WEB_PACK, as_form, hidden_fields, question_id

SELF_TEXT = "Unlock the door for the crew if you can."
OTHER_TEXT = "Unlock the door for the crew and stay with the person."
TETANUS = {"jaw_stiff": "present", "wound": "present", "night": "absent", "fever": "absent", "site": "leg",
           "places": "calf", "duration_days": "3", "pregnant": "absent"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("pack") / "webmini"
    shutil.copytree(WEB_PACK, root)
    meta = yaml.safe_load((root / "pack.yaml").read_text())
    meta["safety_netting"].append({"level": "emergency_ambulance", "text": SELF_TEXT, "text_other": OTHER_TEXT})
    (root / "pack.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    app = FastAPI()
    mount_web(app, symcheck.load_pack(root))
    with TestClient(app) as c:
        yield c


def run_to_emergency(client: TestClient, for_whom: str) -> str:
    r = client.post("/check", data={"action": "start", "age": "70", "sex": "male", "for_whom": for_whom,
                                    "complaint": "leg_cramp"})
    html = r.text
    for _ in range(10):
        assert r.status_code == 200, r.text
        if 'class="question-form"' not in html:
            return html
        r = client.post("/check", data=as_form([*hidden_fields(html), ("v", TETANUS.get(question_id(html), "unknown"))]))
        html = r.text
    raise AssertionError("no emergency")


def test_level_advice_for_someone_else(client: TestClient) -> None:
    html = run_to_emergency(client, "other")
    assert "emergency-page" in html
    assert OTHER_TEXT in html and SELF_TEXT not in html


def test_level_advice_for_oneself(client: TestClient) -> None:
    html = run_to_emergency(client, "self")
    assert "emergency-page" in html
    assert SELF_TEXT in html and OTHER_TEXT not in html
