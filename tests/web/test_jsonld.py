"""schema.org JSON-LD, canonical links and Open Graph tags of the symptom, condition and sign pages.

Every page's JSON-LD is checked against a pinned extract of the schema.org vocabulary
(tests/web/data/schemaorg-30.0-extract.json, made by scripts/schemaorg_extract.py from the release's CSV
files; nothing is fetched): each type and property exists, each property is used on a type in its domain,
and each value is of a type in its range.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from symcheck.kb import jsonld
from symcheck.kb import page as page_mod
from symcheck.kb.pack import Pack
from symcheck.web import mount_web

VOCAB = json.loads((Path(__file__).parent / "data" / "schemaorg-30.0-extract.json").read_text())
TEXT_TYPES = {"Text", "URL"}


def ancestors(type_name: str) -> set[str]:
    out = {type_name}
    for parent in VOCAB["types"].get(type_name, []):
        out |= ancestors(parent)
    return out


def _check_value(prop: str, value: Any, where: str, problems: list[str]) -> None:
    ranges = set(VOCAB["properties"][prop]["rangeIncludes"])
    if isinstance(value, dict):
        kind = value.get("@type")
        if not isinstance(kind, str) or not ancestors(kind) & ranges:
            problems.append(f"{where}.{prop}: a {kind} is not in the range {sorted(ranges)}")
        check_node(value, f"{where}.{prop}", problems)
    elif isinstance(value, str):
        if ranges & {"Text"} or (ranges & {"URL"} and re.match(r"^https?://", value)):
            if "URL" in ranges and "Text" not in ranges and not re.match(r"^https?://", value):
                problems.append(f"{where}.{prop}: {value!r} is not an absolute URL")
        elif "Date" in ranges:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                problems.append(f"{where}.{prop}: {value!r} is not an ISO date")
        else:
            problems.append(f"{where}.{prop}: text is not in the range {sorted(ranges)}")
        if prop == "url" and not re.match(r"^https?://", value):
            problems.append(f"{where}.url: {value!r} is not absolute")
    else:
        problems.append(f"{where}.{prop}: unexpected {type(value).__name__}")


def check_node(node: dict[str, Any], where: str, problems: list[str]) -> None:
    kind = node.get("@type")
    if kind not in VOCAB["types"]:
        problems.append(f"{where}: unknown type {kind!r}")
        return
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        if prop not in VOCAB["properties"]:
            problems.append(f"{where}: {prop!r} is not a schema.org property (in the pinned extract)")
            continue
        domains = set(VOCAB["properties"][prop]["domainIncludes"])
        if not ancestors(kind) & domains:
            problems.append(f"{where}: {prop!r} does not apply to a {kind}")
        for item in value if isinstance(value, list) else [value]:
            _check_value(prop, item, where, problems)


def validate(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if doc.get("@context") != "https://schema.org":
        problems.append("@context is not https://schema.org")
    check_node(doc, doc.get("@type", "?"), problems)
    return problems


def page_jsonld(html: str) -> list[dict[str, Any]]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    return [json.loads(b) for b in blocks]


def page_urls(pack: Pack) -> list[str]:
    urls = [f"/symptoms/{pack.page.id if pack.page else pack.id}"]
    urls += [f"/conditions/{c}" for c in pack.conditions]
    urls += [f"/signs/{e}" for e in pack.evidence]
    return urls


def _site(pack: Pack) -> Iterator[TestClient]:
    app = FastAPI()
    mount_web(app, pack)
    with TestClient(app, base_url="https://symptoms.example") as c:
        yield c


@pytest.fixture(scope="module")
def spasm_site(spasm: Pack) -> Iterator[TestClient]:
    yield from _site(spasm)


@pytest.fixture(scope="module")
def mini_site(pack: Pack) -> Iterator[TestClient]:
    yield from _site(pack)


def test_the_validator_rejects_what_schema_org_does_not_define() -> None:
    good = {"@context": "https://schema.org", "@type": "MedicalWebPage", "url": "https://a.example/x",
            "lastReviewed": "2026-11-21", "about": {"@type": "MedicalCondition", "name": "X"}}
    assert validate(good) == []
    assert validate({**good, "@type": "MedicalPage"})  # no such type
    assert validate({**good, "reviewDate": "2026-11-21"})  # no such property
    assert validate({**good, "about": {"@type": "MedicalCondition", "lastReviewed": "2026-11-21"}})  # wrong domain
    assert validate({**good, "about": {"@type": "MedicalCondition", "riskFactor": {"@type": "Person"}}})  # range
    assert validate({**good, "lastReviewed": "last year"})  # not a date
    assert validate({**good, "url": "/x"})  # not absolute


@pytest.mark.parametrize("which", ["mini", "spasm"])
def test_every_page_carries_valid_json_ld(which: str, request: pytest.FixtureRequest) -> None:
    pack: Pack = request.getfixturevalue("pack" if which == "mini" else "spasm")
    site: TestClient = request.getfixturevalue(f"{which}_site")
    checked = 0
    for url in page_urls(pack):
        r = site.get(url)
        assert r.status_code == 200, url
        docs = page_jsonld(r.text)
        assert len(docs) == 1, f"{url}: {len(docs)} JSON-LD blocks"
        problems = validate(docs[0])
        assert not problems, f"{url}: {problems}"
        assert docs[0]["@type"] == "MedicalWebPage"
        assert docs[0]["url"] == "https://symptoms.example" + url
        checked += 1
    assert checked == 1 + len(pack.conditions) + len(pack.evidence)


def test_condition_page_facts(spasm: Pack, spasm_site: TestClient) -> None:
    c = next(c for c in spasm.conditions.values() if c.icd10 and c.review and c.self_care)
    doc = page_jsonld(spasm_site.get(f"/conditions/{c.id}").text)[0]
    assert doc["lastReviewed"] == c.review.last_reviewed.isoformat()
    assert doc["reviewedBy"]["name"] == c.review.reviewer  # as the pack writes it
    about = doc["about"]
    assert about["@type"] == "MedicalCondition" and about["name"] == c.name
    assert {"@type": "MedicalCode", "codeValue": c.icd10, "codingSystem": "ICD-10"} in about["code"]
    named = {t["name"] for t in about["possibleTreatment"]}
    assert set(c.self_care) <= named
    # signs and risk factors follow the evidence's kind in the pack
    features = page_mod.typical_features(spasm, c, limit=1000)
    kinds = {spasm.evidence[f.evidence_id].kind for f in features}
    assert ("signOrSymptom" in about) == bool(kinds & {"symptom", "finding"})
    assert ("riskFactor" in about) == bool(kinds & {"risk_factor", "demographic"})
    assert len(doc["citation"]) == len(page_mod.condition_sources(spasm, c))


def test_symptom_page_lists_the_conditions_it_discusses(spasm: Pack, spasm_site: TestClient) -> None:
    assert spasm.page is not None
    doc = page_jsonld(spasm_site.get(f"/symptoms/{spasm.page.id}").text)[0]
    assert doc["about"]["@type"] == "MedicalSignOrSymptom"
    names = [d["diagnosis"]["name"] for d in doc["about"]["differentialDiagnosis"]]
    assert names == [spasm.conditions[cid].name for cid in page_mod.linked_from_page(spasm)]
    assert doc["lastReviewed"] == spasm.page.last_reviewed.isoformat()
    assert doc["reviewedBy"] == {"@type": "Organization", "name": spasm.page.reviewer}


def test_reviewer_type() -> None:
    assert jsonld.reviewer_node("Dr A. Name, MD") == {"@type": "Person", "name": "Dr A. Name, MD"}
    assert jsonld.reviewer_node("symcheck content team")["@type"] == "Organization"


def test_pack_text_cannot_break_out_of_the_script_element(mini_site: TestClient) -> None:
    html = mini_site.get("/conditions/evil").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert block is not None
    assert "<" not in block.group(1) and ">" not in block.group(1)
    doc = json.loads(block.group(1))
    assert doc["about"]["name"] == "Evil <script>alert('x')</script> syndrome"  # the same text, escaped as JSON
    assert html.count("<script") == 2  # site.js and the JSON-LD block, nothing from the pack


def test_canonical_and_open_graph(mini_site: TestClient, pack: Pack) -> None:
    html = mini_site.get("/conditions/tetanus?utm_source=x").text
    assert '<link rel="canonical" href="https://symptoms.example/conditions/tetanus">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="https://symptoms.example/conditions/tetanus">' in html
    assert f'<meta property="og:title" content="{pack.conditions["tetanus"].name}">' in html
    description = re.search(r'<meta name="description" content="([^"]+)">', html)
    assert description and f'<meta property="og:description" content="{description.group(1)}">' in html
    home = mini_site.get("/").text
    assert '<meta property="og:type" content="website">' in home
    assert 'rel="canonical"' not in mini_site.get("/conditions/no_such_thing").text  # a 404 has none


def test_public_url_setting(mini_site: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMCHECK_PUBLIC_URL", "https://health.example/")
    html = mini_site.get("/conditions/tetanus").text
    assert '<link rel="canonical" href="https://health.example/conditions/tetanus">' in html
    assert page_jsonld(html)[0]["url"] == "https://health.example/conditions/tetanus"
