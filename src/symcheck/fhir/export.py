"""HL7 FHIR R4 export of a stored assessment, built and validated with ``fhir.resources.R4B``.

fhir.resources 8 defaults to R5; its R4B subpackage carries the R4 resource shapes that every resource
here uses (R4B changed none of them relative to R4).

The Bundle (type ``collection``) holds:
- an anonymous Patient (sex only: symcheck keeps no names, contacts or dates of birth),
- a Device naming the engine and knowledge-pack versions,
- a QuestionnaireResponse with every answer,
- an Observation per answered finding (and one for age),
- a Condition per differential entry with verificationStatus ``differential``,
- a RiskAssessment with the probabilities and the triage,
- a ServiceRequest (intent ``proposal``) for the recommended specialist and each recommended test,
- a Provenance that names the engine and pack versions and points at everything above.

Resource ids are UUIDv5 of the assessment id, so exporting the same assessment twice gives the same
Bundle. Local codes use ``urn:symcheck:`` code systems; standard codes (SNOMED CT, HPO, ICD-10) are added
where the pack gives them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.provenance import Provenance
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.riskassessment import RiskAssessment
from fhir.resources.R4B.servicerequest import ServiceRequest

from symcheck.kb.pack import Pack
from symcheck.results import Assessment

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
HPO = "http://human-phenotype-ontology.org"
CODE_SYSTEMS = {"snomed": SNOMED, "hpo": HPO, "icd10": ICD10, "loinc": LOINC}
VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
PROVENANCE_AGENT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
REQUEST_PRIORITY = {
    "emergency_ambulance": "stat",
    "emergency": "stat",
    "consultation_24": "urgent",
    "consultation": "routine",
    "self_care": "routine",
}


def _system(pack_id: str, what: str) -> str:
    return f"urn:symcheck:{pack_id}:{what}"


class _Ids:
    """Stable urn:uuid identities for the resources of one assessment."""

    def __init__(self, assessment_id: str):
        self.namespace = uuid.UUID(assessment_id)

    def uid(self, key: str) -> str:
        return str(uuid.uuid5(self.namespace, key))

    def ref(self, key: str, display: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"reference": f"urn:uuid:{self.uid(key)}"}
        if display:
            out["display"] = display
        return out


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _evidence_concept(pack: Pack | None, pack_id: str, ev_id: str) -> dict[str, Any]:
    codings: list[dict[str, Any]] = []
    text = ev_id.replace("_", " ")
    if pack is not None and ev_id in pack.evidence:
        e = pack.evidence[ev_id]
        text = e.question.clinical or e.question.lay
        for scheme, code in sorted(e.codes.items()):
            if scheme in CODE_SYSTEMS:
                codings.append({"system": CODE_SYSTEMS[scheme], "code": code})
    codings.append({"system": _system(pack_id, "evidence"), "code": ev_id, "display": text})
    return {"coding": codings, "text": text}


def _choice_label(pack: Pack | None, ev_id: str, choice: str) -> str:
    if pack is not None and ev_id in pack.evidence:
        for c in pack.evidence[ev_id].choices:
            if c.id == choice:
                return c.label
    return choice.replace("_", " ")


def _evidence_type(pack: Pack | None, ev_id: str, value: Any) -> str:
    if pack is not None and ev_id in pack.evidence:
        return pack.evidence[ev_id].type
    if isinstance(value, list):
        return "many_of"
    if isinstance(value, int | float):
        return "number"
    return "yes_no" if value in ("present", "absent") else "one_of"


def _qr_answers(pack: Pack | None, pack_id: str, ev_id: str, value: Any) -> list[dict[str, Any]]:
    if value == "unknown":
        return [{"valueCoding": {"system": DATA_ABSENT, "code": "asked-unknown", "display": "Asked But Unknown"}}]
    kind = _evidence_type(pack, ev_id, value)
    if kind == "yes_no":
        return [{"valueBoolean": value == "present"}]
    if kind == "number":
        return [{"valueDecimal": float(value)}]
    choices = value if isinstance(value, list) else [value]
    return [
        {"valueCoding": {"system": _system(pack_id, f"choice:{ev_id}"), "code": c,
                         "display": _choice_label(pack, ev_id, c)}}
        for c in choices
    ]


def _observation_value(pack: Pack | None, pack_id: str, ev_id: str, value: Any) -> dict[str, Any]:
    kind = _evidence_type(pack, ev_id, value)
    if kind == "yes_no":
        return {"valueBoolean": value == "present"}
    if kind == "number":
        unit = pack.evidence[ev_id].unit if pack is not None and ev_id in pack.evidence else None
        quantity: dict[str, Any] = {"value": float(value)}
        if unit:
            quantity["unit"] = unit
        return {"valueQuantity": quantity}
    if kind == "one_of":
        return {"valueCodeableConcept": {
            "coding": [{"system": _system(pack_id, f"choice:{ev_id}"), "code": value,
                        "display": _choice_label(pack, ev_id, value)}],
            "text": _choice_label(pack, ev_id, value),
        }}
    # many_of: a component per choice, true for the chosen ones (all choices when the pack is known, so
    # "none of these" is recorded too).
    chosen = set(value)
    options = [c.id for c in pack.evidence[ev_id].choices] if pack is not None and ev_id in pack.evidence else sorted(chosen)
    return {"component": [
        {"code": {"coding": [{"system": _system(pack_id, f"choice:{ev_id}"), "code": c,
                              "display": _choice_label(pack, ev_id, c)}],
                  "text": _choice_label(pack, ev_id, c)},
         "valueBoolean": c in chosen}
        for c in options
    ]}


def _condition_concept(pack: Pack | None, pack_id: str, cid: str, name: str, icd10: str | None) -> dict[str, Any]:
    codings: list[dict[str, Any]] = []
    if icd10:
        codings.append({"system": ICD10, "code": icd10})
    if pack is not None and cid in pack.conditions:
        for scheme, code in sorted(pack.conditions[cid].codes.items()):
            if scheme in CODE_SYSTEMS and scheme != "icd10":
                codings.append({"system": CODE_SYSTEMS[scheme], "code": code})
    codings.append({"system": _system(pack_id, "condition"), "code": cid, "display": name})
    return {"coding": codings, "text": name}


def _pruned(value: Any) -> Any:
    """Drop empty lists, objects and strings: FHIR JSON forbids them (an element is present or absent)."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ([], {}, "", None)}
    if isinstance(value, list):
        items = [_pruned(v) for v in value]
        return [v for v in items if v not in ([], {}, "", None)]
    return value


def assessment_bundle(
    *, assessment_id: str, created_at: dt.datetime, assessment: Assessment, pack: Pack | None = None
) -> Bundle:
    """The FHIR R4 Bundle of a stored assessment. ``pack`` (the same id and version) adds question
    texts, choice labels and standard codes; without it the export uses ids only."""
    if pack is not None and (pack.id != assessment.pack.id or pack.version != assessment.pack.version):
        pack = None  # a different version may have renamed or recoded things: do not mix them in
    ids = _Ids(assessment_id)
    pack_id, pack_version = assessment.pack.id, assessment.pack.version
    when = _instant(created_at)
    resources: list[tuple[str, Resource]] = []

    def add(key: str, model: type[Resource], data: dict[str, Any]) -> dict[str, Any]:
        data = _pruned({"id": ids.uid(key), **data})
        resources.append((key, model.model_validate(data)))
        return ids.ref(key)

    demo = assessment.demographics
    patient_data: dict[str, Any] = {"active": True}
    if demo.sex:
        patient_data["gender"] = demo.sex
    subject = add("patient", Patient, patient_data)

    device = add("device", Device, {
        "deviceName": [{"name": "symcheck", "type": "model-name"}],
        "version": [
            {"type": {"text": "engine"}, "value": assessment.engine_version},
            {"type": {"text": f"knowledge pack {pack_id}"}, "value": pack_version},
        ],
        "note": [{"text": "symcheck symptom assessment engine. Not a diagnosis."}],
    })

    items = []
    for ev_id, value in assessment.answers.items():
        item: dict[str, Any] = {"linkId": ev_id}
        answers = _qr_answers(pack, pack_id, ev_id, value)
        if answers:  # "none of these" (an empty many-of) has no answer item; its Observation records it
            item["answer"] = answers
        if pack is not None and ev_id in pack.evidence:
            item["text"] = pack.evidence[ev_id].question.lay
        items.append(item)
    qr_data: dict[str, Any] = {"status": "completed", "subject": subject, "authored": when, "source": subject}
    if items:
        qr_data["item"] = items
    questionnaire_response = add("questionnaire-response", QuestionnaireResponse, qr_data)

    observation_refs: dict[str, dict[str, Any]] = {}
    age_ref = add("observation:age", Observation, {
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": "30525-0", "display": "Age"}], "text": "Age"},
        "subject": subject,
        "effectiveDateTime": when,
        "valueQuantity": {"value": demo.age, "unit": "years", "system": UCUM, "code": "a"},
        "derivedFrom": [questionnaire_response],
    })
    for ev_id, value in assessment.answers.items():
        if value == "unknown":
            continue  # asked but unknown: recorded in the QuestionnaireResponse, not a finding
        observation_refs[ev_id] = add(f"observation:{ev_id}", Observation, {
            "status": "final",
            "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey"}]}],
            "code": _evidence_concept(pack, pack_id, ev_id),
            "subject": subject,
            "effectiveDateTime": when,
            "derivedFrom": [questionnaire_response],
            **_observation_value(pack, pack_id, ev_id, value),
        })

    condition_refs = []
    for item in assessment.differential:
        data: dict[str, Any] = {
            "verificationStatus": {"coding": [{"system": VER_STATUS, "code": "differential",
                                               "display": "Differential"}]},
            "code": _condition_concept(pack, pack_id, item.condition_id, item.name, item.icd10),
            "subject": subject,
            "recordedDate": when,
            "note": [{"text": f"Probability {item.probability:.1%} given the answers (symcheck). Not a diagnosis."}],
        }
        supporting = [observation_refs[c.evidence_id] for c in item.evidence_for if c.evidence_id in observation_refs]
        if supporting:
            data["evidence"] = [{"detail": supporting}]
        condition_refs.append(add(f"condition:{item.condition_id}", Condition, data))

    triage = assessment.triage
    risk: dict[str, Any] = {
        "status": "final",
        "subject": subject,
        "occurrenceDateTime": when,
        "performer": device,
        "method": {"text": "symcheck Bayesian engine over the knowledge pack's priors and likelihoods"},
        "basis": [questionnaire_response, age_ref, *observation_refs.values()],
        "note": [
            {"text": f"Triage: {triage.level}. {triage.action}"},
            *({"text": reason} for reason in triage.reasons),
            {"text": assessment.disclaimer},
        ],
    }
    if assessment.differential:
        risk["prediction"] = [
            {"outcome": _condition_concept(pack, pack_id, i.condition_id, i.name, i.icd10),
             "probabilityDecimal": i.probability}
            for i in assessment.differential
        ]
    if assessment.out_of_scope:
        risk["note"].append({"text": f"Outside this pack: {assessment.out_of_scope}"})
    add("risk-assessment", RiskAssessment, risk)

    recs = assessment.recommendations
    for rank, spec in enumerate(recs.specialists[:1]):
        add(f"service-request:specialist:{spec.id}", ServiceRequest, {
            "status": "draft",
            "intent": "proposal",
            "priority": REQUEST_PRIORITY[triage.level],
            "code": {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}],
                     "text": f"Referral to {spec.name}"},
            "performerType": {"coding": [{"system": _system(pack_id, "specialist"), "code": spec.id,
                                          "display": spec.name}], "text": spec.name},
            "subject": subject,
            "authoredOn": when,
            "requester": device,
            "reasonReference": condition_refs[:3],
            "supportingInfo": [questionnaire_response],
            "note": [{"text": triage.action}, {"text": f"Recommendation {rank + 1}: {spec.description or spec.name}"}],
        })
    for test in recs.tests:
        add(f"service-request:test:{test.id}", ServiceRequest, {
            "status": "draft",
            "intent": "proposal",
            "priority": REQUEST_PRIORITY[triage.level],
            "code": {"coding": [{"system": _system(pack_id, "test"), "code": test.id, "display": test.name}],
                     "text": test.name},
            "subject": subject,
            "authoredOn": when,
            "requester": device,
            "reasonReference": condition_refs[:3],
        })

    targets = [ids.ref(key) for key, _ in resources if key != "device"]
    add("provenance", Provenance, {
        "target": targets,
        "recorded": when,
        "agent": [{
            "type": {"coding": [{"system": PROVENANCE_AGENT, "code": "assembler", "display": "Assembler"}]},
            "who": {**device, "display": f"symcheck engine {assessment.engine_version}"},
        }],
        "entity": [{
            "role": "source",
            "what": {"display": f"symcheck knowledge pack {pack_id} version {pack_version}"},
        }],
    })

    bundle = Bundle.model_validate({
        "type": "collection",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{assessment_id}"},
        "timestamp": when,
        "entry": [
            {"fullUrl": f"urn:uuid:{ids.uid(key)}", "resource": resource}
            for key, resource in resources
        ],
    })
    return bundle


def bundle_json(bundle: Bundle) -> dict[str, Any]:
    """The Bundle as FHIR JSON (no nulls, FHIR field names)."""
    import json

    return json.loads(bundle.model_dump_json(exclude_none=True))
