"""Stored assessments: save a finished one, read it back (also as FHIR R4), delete it, list them (API key).

The server recomputes the result from the answers it is given, so what is stored is always what this
engine and pack say about those answers, and the payload can only hold what the request model allows:
demographics (age, sex, pregnancy), a complaint id and answers, never names or contact details.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import JSONResponse

from symcheck.api.deps import registry, require_api_key, store
from symcheck.api.models import BODY_ERRORS, CaseIn, ErrorOut, StoredAssessment, StoredList, StoredSummary
from symcheck.api.registry import PackRegistry
from symcheck.api.responses import ModelResponse
from symcheck.api.routers.interview import start_interview
from symcheck.results import Assessment, PackRef
from symcheck.store import AssessmentRecord, Store

router = APIRouter(
    prefix="/v1/assessments",
    tags=["assessments"],
    responses={503: {"model": ErrorOut, "description": "the assessment store is not available"}},
)
NOT_FOUND = {404: {"model": ErrorOut, "description": "no assessment with this id"}}
AssessmentId = Annotated[str, Path(max_length=64, description="the id returned when the assessment was stored")]
FHIR_JSON = "application/fhir+json"


class FhirJSONResponse(JSONResponse):
    media_type = FHIR_JSON


def _stored(record: AssessmentRecord) -> StoredAssessment:
    return StoredAssessment(
        id=record.id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        pack=PackRef(id=record.pack_id, version=record.pack_version),
        engine_version=record.engine_version,
        assessment=Assessment.model_validate(record.payload),
        links={"self": f"/v1/assessments/{record.id}", "fhir": f"/v1/assessments/{record.id}/fhir"},
    )


@router.post("", response_model=StoredAssessment, status_code=201, responses=BODY_ERRORS, summary="Store a finished assessment")
def create_assessment(body: CaseIn, packs: PackRegistry = Depends(registry),
                      db: Store = Depends(store)) -> ModelResponse:
    """Recompute the assessment from the answers and store it (answers, demographics, result, pack id
    and version, engine version, timestamps). Returns its id."""
    result = start_interview(packs, body).result(top=10)
    record = db.add_assessment(payload=result.model_dump(mode="json"), pack_id=result.pack.id,
                               pack_version=result.pack.version, engine_version=result.engine_version)
    return ModelResponse(_stored(record), status_code=201, headers={"Location": f"/v1/assessments/{record.id}"})


@router.get("", response_model=StoredList, dependencies=[Depends(require_api_key)],
            responses={401: {"model": ErrorOut, "description": "missing or wrong X-API-Key"},
                       403: {"model": ErrorOut, "description": "listing is not enabled on this server"}},
            summary="List stored assessments (needs the API key)")
def list_assessments(limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
                     db: Store = Depends(store)) -> StoredList:
    items = []
    for record in db.list_assessments(limit=limit, offset=offset):
        triage = record.payload.get("triage", {})
        differential = record.payload.get("differential") or []
        items.append(StoredSummary(
            id=record.id, created_at=record.created_at,
            pack=PackRef(id=record.pack_id, version=record.pack_version),
            triage_level=str(triage.get("level", "")),
            top_condition=differential[0]["condition_id"] if differential else None,
        ))
    return StoredList(total=db.count_assessments(), limit=limit, offset=offset, items=items)


@router.get("/{assessment_id}", response_model=StoredAssessment, responses=NOT_FOUND)
def get_assessment(assessment_id: AssessmentId, db: Store = Depends(store)) -> ModelResponse:
    return ModelResponse(_stored(db.get_assessment(assessment_id)))


@router.delete("/{assessment_id}", status_code=204, responses=NOT_FOUND, response_class=Response)
def delete_assessment(assessment_id: AssessmentId, db: Store = Depends(store)) -> Response:
    db.delete_assessment(assessment_id)
    return Response(status_code=204)


@router.get(
    "/{assessment_id}/fhir",
    response_class=FhirJSONResponse,
    responses={
        200: {"description": "an HL7 FHIR R4 Bundle (type collection)",
              "content": {FHIR_JSON: {"schema": {"type": "object", "required": ["resourceType", "type", "entry"],
                                                 "properties": {"resourceType": {"const": "Bundle"}}}}}},
        # Errors stay plain JSON; without an explicit content FastAPI would label them FHIR.
        404: {"description": "no assessment with this id",
              "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}},
        503: {"description": "the assessment store is not available",
              "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}},
    },
    summary="The stored assessment as an HL7 FHIR R4 Bundle",
)
def get_assessment_fhir(assessment_id: AssessmentId, db: Store = Depends(store),
                        packs: PackRegistry = Depends(registry)) -> FhirJSONResponse:
    from symcheck.fhir import assessment_bundle, bundle_json  # fhir.resources is slow to import; load on use

    record = db.get_assessment(assessment_id)
    assessment = Assessment.model_validate(record.payload)
    pack = packs.packs.get(record.pack_id)
    bundle = assessment_bundle(assessment_id=record.id, created_at=record.created_at, assessment=assessment,
                               pack=pack)
    return FhirJSONResponse(bundle_json(bundle))
