"""The FHIR R4 Bundle of an assessment: every resource validates with fhir.resources (R4B models), the
Bundle round-trips through JSON, each required resource is there and every reference resolves."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from symcheck.fhir import assessment_bundle, bundle_json
from symcheck.interview import Interview

CREATED = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
AID = "3f2b8c1e-2d4a-4c6b-9a51-0d7e6f1a2b3c"


def _bundle(pack, answers: dict[str, Any], pack_for_export=True, **demo: Any) -> dict[str, Any]:
    demo = {"age": 40, "sex": "female", **demo}
    result = Interview(pack, answers=answers, **demo).result()
    bundle = assessment_bundle(assessment_id=AID, created_at=CREATED, assessment=result,
                               pack=pack if pack_for_export else None)
    return bundle_json(bundle)


def _by_type(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in doc["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


ANSWERS = {"cramp": "present", "night": "present", "places": ["calf"], "site": "leg", "duration_days": 3,
           "fever": "unknown", "wound": "absent"}


def test_bundle_round_trips_and_has_every_resource(mini_pack):
    doc = _bundle(mini_pack, ANSWERS)
    again = Bundle.model_validate_json(json.dumps(doc))  # validates every resource in it
    assert bundle_json(again) == doc
    assert doc["resourceType"] == "Bundle" and doc["type"] == "collection"
    kinds = _by_type(doc)
    for required in ("QuestionnaireResponse", "Observation", "Condition", "RiskAssessment", "ServiceRequest",
                     "Provenance", "Patient", "Device"):
        assert required in kinds, required


def test_every_reference_resolves_inside_the_bundle(mini_pack):
    doc = _bundle(mini_pack, ANSWERS)
    full_urls = {e["fullUrl"] for e in doc["entry"]}
    for entry in doc["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        for ref in _references(entry["resource"]):
            assert ref in full_urls, (entry["resource"]["resourceType"], ref)


def test_questionnaire_response_holds_every_answer(mini_pack):
    qr = _by_type(_bundle(mini_pack, ANSWERS))["QuestionnaireResponse"][0]
    assert qr["status"] == "completed"
    items = {i["linkId"]: i for i in qr["item"]}
    assert set(items) == set(ANSWERS)
    assert items["cramp"]["answer"] == [{"valueBoolean": True}]
    assert items["wound"]["answer"] == [{"valueBoolean": False}]
    assert items["site"]["answer"][0]["valueCoding"]["code"] == "leg"
    assert [a["valueCoding"]["code"] for a in items["places"]["answer"]] == ["calf"]
    assert items["duration_days"]["answer"] == [{"valueDecimal": 3.0}]
    assert items["fever"]["answer"][0]["valueCoding"]["code"] == "asked-unknown"
    assert items["cramp"]["text"] == "Do you have cramps?"


def test_an_observation_per_finding_plus_age(mini_pack):
    obs = _by_type(_bundle(mini_pack, ANSWERS))["Observation"]
    by_code = {o["code"]["coding"][-1]["code"]: o for o in obs}
    # every answered finding except "unknown", plus age (LOINC 30525-0)
    assert set(by_code) == {k for k, v in ANSWERS.items() if v != "unknown"} | {"30525-0"}
    assert by_code["30525-0"]["valueQuantity"]["value"] == 40
    assert by_code["cramp"]["valueBoolean"] is True
    assert by_code["site"]["valueCodeableConcept"]["coding"][0]["code"] == "leg"
    assert by_code["duration_days"]["valueQuantity"] == {"value": 3.0, "unit": "days"}
    components = {c["code"]["coding"][0]["code"]: c["valueBoolean"] for c in by_code["places"]["component"]}
    assert components == {"calf": True, "foot": False}
    assert all(o["status"] == "final" for o in obs)


def test_conditions_are_differential_and_match_the_risk_assessment(mini_pack):
    result = Interview(mini_pack, age=40, sex="female", answers=ANSWERS).result()
    kinds = _by_type(_bundle(mini_pack, ANSWERS))
    conditions = kinds["Condition"]
    assert [c["code"]["coding"][-1]["code"] for c in conditions] == [d.condition_id for d in result.differential]
    for cond in conditions:
        assert cond["verificationStatus"]["coding"][0] == {
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "differential",
            "display": "Differential",
        }
    risk = kinds["RiskAssessment"][0]
    assert [p["probabilityDecimal"] for p in risk["prediction"]] == [d.probability for d in result.differential]
    assert any("not a diagnosis" in n["text"].lower() for n in risk["note"])


def test_service_request_names_the_specialist_and_provenance_the_versions(mini_pack):
    result = Interview(mini_pack, age=40, sex="female", answers=ANSWERS).result()
    kinds = _by_type(_bundle(mini_pack, ANSWERS))
    referral = next(s for s in kinds["ServiceRequest"] if s["code"]["coding"][0]["code"] == "3457005")
    assert referral["intent"] == "proposal"
    assert referral["performerType"]["coding"][0]["code"] == result.recommendations.specialists[0].id
    device = kinds["Device"][0]
    assert {v["value"] for v in device["version"]} == {result.engine_version, mini_pack.version}
    prov = kinds["Provenance"][0]
    device_url = f"urn:uuid:{device['id']}"
    assert prov["agent"][0]["who"]["reference"] == device_url
    assert mini_pack.version in prov["entity"][0]["what"]["display"]
    others = {f"urn:uuid:{e['resource']['id']}" for e in _bundle(mini_pack, ANSWERS)["entry"]
              if e["resource"]["resourceType"] not in ("Provenance", "Device")}
    assert {t["reference"] for t in prov["target"]} == others


def test_no_personal_data_in_the_patient(mini_pack):
    patient = _by_type(_bundle(mini_pack, ANSWERS))["Patient"][0]
    assert set(patient) <= {"resourceType", "id", "active", "gender"}


def test_export_is_deterministic_and_works_without_the_pack(mini_pack):
    assert _bundle(mini_pack, ANSWERS) == _bundle(mini_pack, ANSWERS)
    doc = _bundle(mini_pack, ANSWERS, pack_for_export=False)
    Bundle.model_validate(doc)
    qr = _by_type(doc)["QuestionnaireResponse"][0]
    assert "text" not in qr["item"][0]  # no pack, no question texts
    assert len(_by_type(doc)["Condition"]) == len(_by_type(_bundle(mini_pack, ANSWERS))["Condition"])


def test_red_flag_case_is_stat_priority(mini_pack):
    kinds = _by_type(_bundle(mini_pack, {"jaw_stiff": "present", "wound": "present"}))
    assert {s["priority"] for s in kinds["ServiceRequest"]} == {"stat"}
    assert kinds["RiskAssessment"][0]["note"][0]["text"].startswith("Triage: emergency_ambulance")


def test_out_of_scope_case_has_no_differential_or_referral(mini_pack):
    doc = _bundle(mini_pack, {"site": "abdomen"})
    Bundle.model_validate(doc)
    kinds = _by_type(doc)
    assert "Condition" not in kinds and "ServiceRequest" not in kinds
    assert any("Outside this pack" in n["text"] for n in kinds["RiskAssessment"][0]["note"])


def test_empty_many_of_and_no_sex(mini_pack):
    doc = _bundle(mini_pack, {"cramp": "present", "places": []}, sex=None)
    kinds = _by_type(doc)
    assert "gender" not in kinds["Patient"][0]
    item = next(i for i in kinds["QuestionnaireResponse"][0]["item"] if i["linkId"] == "places")
    assert "answer" not in item
    places = next(o for o in kinds["Observation"] if o["code"]["coding"][-1]["code"] == "places")
    assert all(c["valueBoolean"] is False for c in places["component"])


def test_a_different_pack_version_is_not_mixed_in(mini_pack):
    result = Interview(mini_pack, age=40, sex="female", answers=ANSWERS).result()
    result = result.model_copy(update={"pack": result.pack.model_copy(update={"version": "9.9.9"})})
    doc = bundle_json(assessment_bundle(assessment_id=str(uuid.uuid4()), created_at=CREATED, assessment=result,
                                        pack=mini_pack))
    qr = _by_type(doc)["QuestionnaireResponse"][0]
    assert all("text" not in i for i in qr["item"])


@pytest.mark.parametrize("bad_id", ["not-a-uuid"])
def test_assessment_id_must_be_a_uuid(mini_pack, bad_id: str):
    result = Interview(mini_pack, age=40, sex="female", answers=ANSWERS).result()
    with pytest.raises(ValueError):
        assessment_bundle(assessment_id=bad_id, created_at=CREATED, assessment=result)


def _empties(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [path] * (not node) + [p for k, v in node.items() for p in _empties(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [path] * (not node) + [p for i, v in enumerate(node) for p in _empties(v, f"{path}[{i}]")]
    return [path] if node in ("", None) else []


@pytest.mark.parametrize("answers", [ANSWERS, {"site": "abdomen"}, {}, {"cramp": "present", "places": []},
                                     {"jaw_stiff": "present", "wound": "present"}])
def test_no_empty_elements_anywhere(mini_pack, answers: dict[str, Any]):
    """FHIR JSON has no empty arrays, objects or strings: an element is there with content or absent."""
    assert _empties(_bundle(mini_pack, answers)) == []
