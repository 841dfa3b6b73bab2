"""Request and response models of the HTTP API (v1). Results of the service layer are reused as they are
(symcheck.results); these add the request shapes with their bounds and the look-up views."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from symcheck.results import (
    Assessment,
    Contribution,
    InterviewStep,
    Item,
    LevelName,
    PackRef,
    Recommendations,
    Triage,
)
from symcheck.search import SearchHit

EvidenceId = Annotated[str, Field(min_length=1, max_length=120)]
ChoiceId = Annotated[str, Field(min_length=1, max_length=120)]
Number = Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)]
Answer = StrictBool | Number | ChoiceId | Annotated[list[ChoiceId], Field(max_length=200)]

ANSWERS_DESCRIPTION = (
    "Every answer so far, evidence id -> answer. yes/no: `present`, `absent` or `unknown`; one-of: a choice id; "
    "many-of: a list of choice ids (empty = none of them); number: a number. `unknown` (don't know) is "
    "allowed everywhere. The client sends all answers on every call: the server keeps no session."
)


class CaseIn(BaseModel):
    """Who is being assessed and what they answered. No names, contact details or dates of birth."""

    # strict: "age": true or "age": "40" are refused, not coerced to 1 and 40
    model_config = ConfigDict(extra="forbid", strict=True)

    pack: str | None = Field(None, max_length=120, description="pack id; the server's default pack when left out")
    age: Annotated[float, Field(ge=0, le=120, allow_inf_nan=False, description="age in years (0 to 120)")]
    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = Field(None, description="only for females of the ages the pack accepts; answers a "
                                  "pack's pregnancy question, which must not contradict it")
    complaint: str | None = Field(None, max_length=120, description="a complaint id of the pack (its answers are applied)")
    speaker: Literal["self", "other"] = Field("self", description="who answers: the person themselves, or someone "
                                              "for them (questions are then worded about 'the person')")
    answers: dict[EvidenceId, Answer] = Field(default_factory=dict, max_length=500, description=ANSWERS_DESCRIPTION)


class InterviewIn(CaseIn):
    top: int = Field(5, ge=1, le=50, description="how many conditions the differential lists")


class ExplainIn(CaseIn):
    condition: str = Field(min_length=1, max_length=120, description="the condition id to explain")


class TriageOut(BaseModel):
    pack: PackRef
    triage: Triage
    out_of_scope: str | None = None
    should_stop: bool
    safety_netting: list[str]
    disclaimer: str


class ExplainOut(BaseModel):
    pack: PackRef
    condition_id: str
    name: str
    lay_name: str = ""
    probability: float
    rank: int = Field(description="1 = the most likely condition")
    evidence_for: list[Contribution]
    evidence_against: list[Contribution]
    disclaimer: str


class RecommendOut(BaseModel):
    pack: PackRef
    triage_level: LevelName
    action: str
    note: str | None = Field(None, description="set when emergency care comes before any specialist")
    recommendations: Recommendations
    safety_netting: list[str]
    disclaimer: str


# ----- look-ups -------------------------------------------------------------------------------------------


class Counts(BaseModel):
    conditions: int
    evidence: int
    complaints: int
    rules: int


class PackSummary(BaseModel):
    id: str
    version: str
    name: str
    description: str
    languages: list[str]
    default: bool
    counts: Counts


class ComplaintOut(BaseModel):
    id: str
    label: str
    synonyms: list[str]
    answers: dict[str, Any]


class PackDetail(PackSummary):
    age_bands: list[tuple[int, int]]
    triage_levels: list[str]
    complaints: list[ComplaintOut]
    safety_netting: list[str]
    disclaimer: str


class ConditionSummary(BaseModel):
    id: str
    name: str
    lay_name: str
    synonyms: list[str]
    icd10: str | None
    category: str
    urgency: LevelName


class SourceOut(BaseModel):
    id: str
    citation: str
    url: str | None
    checked: dt.date


class LikelihoodOut(BaseModel):
    evidence_id: str
    question: str
    p: float | None = Field(None, description="yes/no: P(present | condition)")
    values: dict[str, float] | None = Field(None, description="choices or number bins: P(value | condition)")
    source: str | None
    estimate: bool


class PriorOut(BaseModel):
    base: float
    age: dict[str, float]
    sex: dict[str, float]
    source: str | None
    estimate: bool


class ReviewOut(BaseModel):
    reviewer: str
    last_reviewed: dt.date
    next_review: dt.date


class ConditionDetail(ConditionSummary):
    codes: dict[str, str]
    summary: str
    prior: PriorOut
    likelihoods: list[LikelihoodOut]
    specialists: list[Item]
    tests: list[Item]
    self_care: list[str]
    treatment: str
    complications: list[str]
    when_to_seek_help: str
    references: list[SourceOut]
    review: ReviewOut | None


class ChoiceOut(BaseModel):
    id: str
    label: str


class EvidenceSummary(BaseModel):
    id: str
    kind: Literal["symptom", "risk_factor", "finding", "demographic"]
    type: Literal["yes_no", "one_of", "many_of", "number"]
    group: str
    question: str
    clinical_question: str
    synonyms: list[str]
    choices: list[ChoiceOut]
    unit: str | None


class EvidenceDetail(EvidenceSummary):
    codes: dict[str, str]
    parent: str | None
    parent_value: str | None
    sexes: list[str]
    min_age: float | None
    max_age: float | None
    bins: list[float]
    conditions: list[str] = Field(description="conditions whose likelihoods name this evidence")
    rules: list[str] = Field(description="red-flag and scope rules that use this evidence")


class SearchOut(BaseModel):
    query: str
    pack: str
    hits: list[SearchHit]


# ----- stored assessments ---------------------------------------------------------------------------------


class StoredAssessment(BaseModel):
    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    pack: PackRef
    engine_version: str
    assessment: Assessment
    links: dict[str, str]


class StoredSummary(BaseModel):
    id: str
    created_at: dt.datetime
    pack: PackRef
    triage_level: str
    top_condition: str | None


class StoredList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[StoredSummary]


class ErrorOut(BaseModel):
    detail: str


# Replies a body can get before any field is looked at.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the body is not parseable (e.g. not UTF-8)"},
    408: {"model": ErrorOut, "description": "the body did not arrive within the body timeout"},
    413: {"model": ErrorOut, "description": "the body is over the size limit"},
}
BUSY: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorOut, "description": "busy (a queue is full or the database is locked): retry after the "
                                            "seconds in Retry-After"},
}


__all__ = [
    "Assessment",
    "CaseIn",
    "ExplainIn",
    "InterviewIn",
    "InterviewStep",
]
