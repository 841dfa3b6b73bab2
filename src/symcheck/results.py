"""Typed results of the service layer; they serialise to JSON for the CLI, the HTTP API and the web app."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

LevelName = Literal["self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance"]

ACTIONS: dict[str, str] = {
    "emergency_ambulance": "Call emergency services now (999, 112 or 911).",
    "emergency": "Go to an emergency department now.",
    "consultation_24": "See a doctor today, within 24 hours.",
    "consultation": "Book an appointment with a doctor in the next few days.",
    "self_care": "You can probably look after this yourself. See a doctor if it gets worse or does not settle.",
}


class PackRef(BaseModel):
    id: str
    version: str


class HandOverRef(BaseModel):
    pack: str
    complaint: str | None = None


class Choice(BaseModel):
    id: str
    label: str


class ConditionRef(BaseModel):
    id: str
    name: str
    probability: float


class NextQuestion(BaseModel):
    evidence_id: str
    text: str
    clinical_text: str = ""
    type: Literal["yes_no", "one_of", "many_of", "number"]
    choices: list[Choice] = []
    unit: str | None = None
    reason: Literal["emergency_gate", "complaint", "red_flag_check", "rule_out", "information_gain"]
    red_flag_rule: str | None = None
    information_gain: float = Field(description="expected entropy reduction in bits")
    why: str = Field(description="why this question is asked, in plain words")
    separates: list[ConditionRef] = []


class Contribution(BaseModel):
    evidence_id: str
    question: str
    answer: Any
    answer_text: str = ""
    log_likelihood_ratio: float = Field(description="log P(answer | condition) - log P(answer | alternatives)")


class DifferentialItem(BaseModel):
    condition_id: str
    name: str
    lay_name: str = ""
    probability: float
    urgency: LevelName
    icd10: str | None = None
    evidence_for: list[Contribution] = []
    evidence_against: list[Contribution] = []


class RuleHit(BaseModel):
    id: str
    level: LevelName
    message: str
    while_waiting: str = ""
    findings: list[str] = []
    conditions: list[str] = Field(default=[], description="the conditions this pattern points to")


class Triage(BaseModel):
    level: LevelName
    action: str
    reasons: list[str]
    red_flags: list[RuleHit] = []
    from_conditions: list[str] = Field(default=[], description="the conditions that set this level, most probable first")
    need_at_least: dict[str, float] = Field(
        default={}, description="probability that the person needs at least each level of care (red-flag safe)")
    open_checks: list[str] = Field(default=[], description="relevant safety checks not yet answered")


class Item(BaseModel):
    id: str
    name: str
    description: str = ""


class Recommendations(BaseModel):
    specialists: list[Item] = Field(default=[], description="whom to see, where to go now first")
    follow_up: list[Item] = Field(default=[], description="at an urgent level: specialists for afterwards")
    tests: list[Item] = []
    self_care: list[str] = []


class Demographics(BaseModel):
    age: float
    sex: Literal["female", "male"] | None
    pregnant: bool | None = None


class Assessment(BaseModel):
    """A finished (or current) assessment: what was answered and what follows from it."""

    pack: PackRef
    engine_version: str
    demographics: Demographics
    complaint: str | None
    answers: dict[str, Any]
    differential: list[DifferentialItem]
    triage: Triage
    recommendations: Recommendations
    safety_netting: list[str]
    disclaimer: str
    out_of_scope: str | None = None
    questions_asked: int
    should_stop: bool
    stop_reason: str | None = None
    handover: HandOverRef | None = Field(None, description="this complaint belongs to another pack: go on there")
    handed_over_from: PackRef | None = Field(None, description="the pack this interview moved from")


class InterviewStep(BaseModel):
    """One stateless interview step: the next question (if any) and the assessment so far."""

    next_question: NextQuestion | None
    should_stop: bool
    stop_reason: str | None
    assessment: Assessment
    handed_over_from: PackRef | None = Field(None, description="set when this step moved to another pack: send "
                                             "the next request with the assessment's pack and answers")
