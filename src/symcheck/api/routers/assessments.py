"""Stored assessments: save a finished one, read it back (also as FHIR R4), delete it, list them (API key).

The server recomputes the result from the answers it is given, so what is stored is always what this
engine and pack say about those answers, and the payload can only hold what the request model allows:
demographics (age, sex, pregnancy), a complaint id and answers, never names or contact details.

Access: each assessment has its own secret, returned once when it is stored (only its SHA-256 is kept).
Reading, exporting or deleting it needs that secret in the ``X-Assessment-Secret`` header, or the server's
API key in ``X-API-Key``. Without either the answer is 401; with a wrong secret it is 404, as for an id
that does not exist, so a guessed id tells nothing. Rows stored before secrets existed need the API key.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from symcheck.api.compute import Pools
from symcheck.api.deps import api_key_header, pools, registry, require_api_key, state, store
from symcheck.api.models import (
    BODY_ERRORS,
    BUSY,
    CaseIn,
    ErrorOut,
    StoredAssessment,
    StoredList,
    StoredSummary,
)
from symcheck.api.registry import PackRegistry
from symcheck.api.responses import ModelResponse
from symcheck.api.routers.interview import start_interview
from symcheck.errors import NotFound
from symcheck.results import PackRef
from symcheck.store import AssessmentRecord, Store, secret_hash
from symcheck.store.documents import read_assessment

router = APIRouter(
    prefix="/v1/assessments",
    tags=["assessments"],
    responses={503: {"model": ErrorOut, "description": "the assessment store is not available or busy (then "
                                                       "with Retry-After)"}},
)
NOT_FOUND = {404: {"model": ErrorOut, "description": "no assessment with this id (or a wrong secret)"},
             401: {"model": ErrorOut, "description": "neither X-Assessment-Secret nor X-API-Key given"}}
secret_header = APIKeyHeader(name="X-Assessment-Secret", auto_error=False,
                             description="the secret returned when the assessment was stored")
AssessmentId = Annotated[str, Path(max_length=64, description="the id returned when the assessment was stored")]
FHIR_JSON = "application/fhir+json"


class FhirJSONResponse(JSONResponse):
    media_type = FHIR_JSON


class CreatedAssessment(StoredAssessment):
    secret: str = Field(description="this assessment's secret: send it as X-Assessment-Secret to read, export "
                                    "or delete it. Shown only now; the server keeps only its hash.")


def _stored(record: AssessmentRecord) -> StoredAssessment:
    return StoredAssessment(
        id=record.id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        pack=PackRef(id=record.pack_id, version=record.pack_version),
        engine_version=record.engine_version,
        assessment=read_assessment(record.payload, record.format),
        links={"self": f"/v1/assessments/{record.id}", "fhir": f"/v1/assessments/{record.id}/fhir"},
    )


def _authorised(request: Request, db: Store, assessment_id: str, secret: str | None, key: str | None) -> AssessmentRecord:
    """The record, if the caller holds its secret or the API key (see the module notes)."""
    expected_key = state(request).api_key
    if key is not None:
        if not expected_key or not hmac.compare_digest(key.encode(), expected_key.encode()):
            raise HTTPException(401, "a valid X-API-Key header is required",
                                headers={"WWW-Authenticate": "X-API-Key"})
        return db.get_assessment(assessment_id)
    if secret is None:
        raise HTTPException(401, "this assessment's secret is required in the X-Assessment-Secret header (it was "
                                 "returned when the assessment was stored)",
                            headers={"WWW-Authenticate": "X-Assessment-Secret"})
    record = db.get_assessment(assessment_id)
    if not record.secret_matches(secret):
        raise NotFound("assessment", assessment_id)
    return record


@router.post("", response_model=CreatedAssessment, status_code=201, responses={**BODY_ERRORS, **BUSY},
             summary="Store a finished assessment")
async def create_assessment(body: CaseIn, packs: PackRegistry = Depends(registry), db: Store = Depends(store),
                            cpu: Pools = Depends(pools)) -> ModelResponse:
    """Recompute the assessment from the answers and store it (answers, demographics, result, pack id
    and version, engine version, timestamps). Returns its id and its secret (shown only once)."""
    # The computation in the bounded CPU pool, the database write in the I/O thread pool (it may wait
    # for a lock): neither on the event loop.
    result = await cpu.run(lambda: start_interview(packs, body).result(top=10))
    secret = secrets.token_urlsafe(32)
    record = await run_in_threadpool(
        db.add_assessment, payload=result.model_dump(mode="json"), pack_id=result.pack.id,
        pack_version=result.pack.version, engine_version=result.engine_version, secret_sha256=secret_hash(secret))
    created = CreatedAssessment(**_stored(record).model_dump(), secret=secret)
    return ModelResponse(created, status_code=201, headers={"Location": f"/v1/assessments/{record.id}"})


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
def get_assessment(request: Request, assessment_id: AssessmentId, db: Store = Depends(store),
                   secret: str | None = Security(secret_header),
                   key: str | None = Security(api_key_header)) -> ModelResponse:
    return ModelResponse(_stored(_authorised(request, db, assessment_id, secret, key)))


@router.delete("/{assessment_id}", status_code=204, responses=NOT_FOUND, response_class=Response)
def delete_assessment(request: Request, assessment_id: AssessmentId, db: Store = Depends(store),
                      secret: str | None = Security(secret_header),
                      key: str | None = Security(api_key_header)) -> Response:
    """Delete it, with every copy on disk: 204 means nothing of it is left in the database files."""
    record = _authorised(request, db, assessment_id, secret, key)
    db.delete_assessment(record.id)
    return Response(status_code=204)


@router.get(
    "/{assessment_id}/fhir",
    response_class=FhirJSONResponse,
    responses={
        200: {"description": "an HL7 FHIR R4 Bundle (type collection)",
              "content": {FHIR_JSON: {"schema": {"type": "object", "required": ["resourceType", "type", "entry"],
                                                 "properties": {"resourceType": {"const": "Bundle"}}}}}},
        # Errors stay plain JSON; without an explicit content FastAPI would label them FHIR.
        401: {"description": "neither X-Assessment-Secret nor X-API-Key given",
              "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}},
        404: {"description": "no assessment with this id (or a wrong secret)",
              "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}},
        503: {"description": "the assessment store is not available",
              "content": {"application/json": {"schema": ErrorOut.model_json_schema()}}},
    },
    summary="The stored assessment as an HL7 FHIR R4 Bundle",
)
def get_assessment_fhir(request: Request, assessment_id: AssessmentId, db: Store = Depends(store),
                        packs: PackRegistry = Depends(registry), secret: str | None = Security(secret_header),
                        key: str | None = Security(api_key_header)) -> FhirJSONResponse:
    from symcheck.fhir import assessment_bundle, bundle_json  # fhir.resources is slow to import; load on use

    record = _authorised(request, db, assessment_id, secret, key)
    assessment = read_assessment(record.payload, record.format)
    pack = packs.packs.get(record.pack_id)
    bundle = assessment_bundle(assessment_id=record.id, created_at=record.created_at, assessment=assessment,
                               pack=pack)
    return FhirJSONResponse(bundle_json(bundle))
