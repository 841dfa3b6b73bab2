"""The stateless interview and what follows from the answers: triage, explanation, recommendations."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from symcheck.api.compute import Pools
from symcheck.api.deps import pools, registry
from symcheck.api.models import (
    BODY_ERRORS,
    CaseIn,
    ExplainIn,
    ExplainOut,
    InterviewIn,
    RecommendOut,
    TriageOut,
)
from symcheck.api.registry import PackRegistry
from symcheck.api.responses import ModelResponse
from symcheck.errors import InputError
from symcheck.interview import Interview
from symcheck.results import InterviewStep
from symcheck.validation import validate_case

router = APIRouter(prefix="/v1", tags=["interview"])
EMERGENCY_LEVELS = ("emergency", "emergency_ambulance")


def start_interview(packs: PackRegistry, body: CaseIn) -> Interview:
    pack = packs.for_request(body.pack)
    validate_case(pack, body.age, body.sex, body.pregnant, body.answers)
    interview = Interview(pack, age=body.age, sex=body.sex, pregnant=body.pregnant, complaint=body.complaint,
                          answers=dict(body.answers), speaker=body.speaker)
    # A complaint that belongs to another served pack moves there; the reply's `handed_over_from` says so.
    return interview.follow_handover(packs.for_request)


@router.post("/interview", response_model=InterviewStep, responses=BODY_ERRORS, summary="Next question and the assessment so far")
async def interview(body: InterviewIn, packs: PackRegistry = Depends(registry),
                    cpu: Pools = Depends(pools)) -> ModelResponse:
    """One step of a stateless interview. Send the demographics and **every** answer so far; the reply
    is the next question (with its choices and why it is asked), the differential with probabilities,
    the triage so far, and `should_stop`. Any server can answer any step."""
    return await cpu.run(_interview, packs, body)


def _interview(packs: PackRegistry, body: InterviewIn) -> ModelResponse:
    return ModelResponse(start_interview(packs, body).step(top=body.top))


@router.post("/triage", response_model=TriageOut, responses=BODY_ERRORS, summary="Triage level for the answers so far")
async def triage(body: CaseIn, packs: PackRegistry = Depends(registry), cpu: Pools = Depends(pools)) -> ModelResponse:
    return await cpu.run(_triage, packs, body)


def _triage(packs: PackRegistry, body: CaseIn) -> ModelResponse:
    result = start_interview(packs, body).result()
    return ModelResponse(TriageOut(pack=result.pack, triage=result.triage, out_of_scope=result.out_of_scope,
                     should_stop=result.should_stop, safety_netting=result.safety_netting,
                     disclaimer=result.disclaimer))


@router.post("/explain", response_model=ExplainOut, responses=BODY_ERRORS, summary="The answers for and against one condition")
async def explain(body: ExplainIn, packs: PackRegistry = Depends(registry), cpu: Pools = Depends(pools)) -> ModelResponse:
    """For one condition (any in the pack, not only the top ones): its probability and rank, and the
    answers that speak for and against it with their log likelihood ratios, strongest first (the service
    layer lists up to six each way)."""
    return await cpu.run(_explain, packs, body)


def _explain(packs: PackRegistry, body: ExplainIn) -> ModelResponse:
    interview = start_interview(packs, body)
    pack = interview.pack
    if body.condition not in pack.conditions:
        raise InputError("condition", f"unknown condition {body.condition!r} in pack {pack.id}")
    result = interview.result(top=len(pack.conditions), all_causes=True)
    if result.out_of_scope:
        raise InputError("condition", f"the answers put the case outside this pack: {result.out_of_scope}")
    for rank, item in enumerate(result.differential, start=1):
        if item.condition_id == body.condition:
            return ModelResponse(ExplainOut(
                pack=result.pack, condition_id=item.condition_id, name=item.name, lay_name=item.lay_name,
                probability=item.probability, rank=rank, evidence_for=item.evidence_for,
                evidence_against=item.evidence_against, disclaimer=result.disclaimer))
    # Every condition of the pack is in a full differential; reaching here means the engine dropped one.
    raise RuntimeError(f"condition {body.condition} missing from the full differential")


@router.post("/recommend", response_model=RecommendOut, responses=BODY_ERRORS, summary="Which specialist to see and which tests")
async def recommend(body: CaseIn, packs: PackRegistry = Depends(registry), cpu: Pools = Depends(pools)) -> ModelResponse:
    return await cpu.run(_recommend, packs, body)


def _recommend(packs: PackRegistry, body: CaseIn) -> ModelResponse:
    result = start_interview(packs, body).result()
    level = result.triage.level
    note = None
    if level in EMERGENCY_LEVELS:
        note = f"Emergency care comes first: {result.triage.action} The specialists below are for later follow-up."
    return ModelResponse(RecommendOut(
        pack=result.pack, triage_level=level, action=result.triage.action, note=note,
        recommendations=result.recommendations, safety_netting=result.safety_netting, disclaimer=result.disclaimer))
