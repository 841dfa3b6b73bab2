"""Typed shapes of the YAML files of a knowledge pack (see docs/pack-format.md).

These are plain domain objects: the loader validates YAML into them, the compiler turns them into arrays,
and the pages and the API read them. Unknown keys are errors, so a typo in a pack never passes silently.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LEVELS: tuple[str, ...] = ("self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance")
Level = Literal["self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance"]
Sex = Literal["female", "male"]
Ident = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+$", min_length=1, max_length=120)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Source(Strict):
    id: Ident
    citation: str = Field(min_length=3)
    url: str | None = None
    checked: dt.date


class Review(Strict):
    reviewer: str = Field(min_length=2)
    last_reviewed: dt.date
    next_review: dt.date


class Complaint(Strict):
    id: Ident
    label: str
    synonyms: list[str] = []
    answers: dict[str, Any] = {}


class SafetyNet(Strict):
    level: Literal["always"] | Level = "always"
    text: str


class StopConfig(Strict):
    probability: float = Field(0.9, gt=0, le=1)
    min_information_gain: float = Field(0.01, ge=0)
    max_questions: int = Field(25, ge=0, le=500)
    # a condition needing faster care than the current level is "watched" (ruled out by questions) from
    # this probability up to its level's triage threshold
    safety_watch: float = Field(0.02, gt=0, le=1)


class Checklist(Strict):
    """Several yes/no questions asked as one "tick all that apply" question (e.g. medicines)."""

    id: Ident
    question: str
    evidence: list[Ident] = []
    group: str | None = None  # or: every yes/no evidence of this group


class PackMeta(Strict):
    id: Ident
    version: str
    name: str
    description: str = ""
    languages: list[str] = ["en"]
    review_policy: dict[str, Any] = {}
    age_bands: list[tuple[int, int]] = [(0, 15), (16, 39), (40, 64), (65, 120)]
    background_rate: float = Field(0.05, gt=0, lt=1)
    triage_thresholds: dict[Level, float] = {
        "emergency_ambulance": 0.05,
        "emergency": 0.10,
        "consultation_24": 0.20,
        "consultation": 0.25,
        "self_care": 0.0,
    }
    default_level: Level = "consultation"
    stop: StopConfig = StopConfig()
    complaints: list[Complaint] = []
    checklists: list[Checklist] = []
    safety_netting: list[SafetyNet] = []
    disclaimer: str = (
        "This is not a diagnosis. It is information to help you decide what to do next; "
        "if you are worried, contact a doctor or emergency services."
    )
    sources: list[Ident] = []

    @field_validator("age_bands")
    @classmethod
    def _bands_cover_ages(cls, bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
        if not bands:
            raise ValueError("needs at least one age band")
        expected = 0
        for lo, hi in bands:
            if lo != expected or hi < lo:
                raise ValueError(f"age bands must be contiguous from 0 (band {lo}-{hi} after {expected - 1})")
            expected = hi + 1
        return bands


class Choice(Strict):
    id: Ident
    label: str


class Question(Strict):
    lay: str
    clinical: str = ""


class Evidence(Strict):
    id: Ident
    kind: Literal["symptom", "risk_factor", "finding", "demographic"] = "symptom"
    type: Literal["yes_no", "one_of", "many_of", "number"] = "yes_no"
    group: str = ""
    question: Question
    label: str = ""  # a short name for lists and checklists ("Statin (cholesterol medicine)")
    synonyms: list[str] = []
    codes: dict[str, str] = {}
    parent: Ident | None = None
    parent_value: str | None = None
    sexes: list[Sex] = []
    min_age: float | None = None
    max_age: float | None = None
    choices: list[Choice] = []
    background: float | dict[str, float] | None = None
    unit: str | None = None
    bins: list[float] = []
    estimate: bool = False
    # Generated packs (DDXPlus) keep other languages' wording here: {"fr": "..."}.
    translations: dict[str, str] = {}


class Likelihood(Strict):
    p: float | None = None
    values: dict[str, float] | None = None
    source: Ident | None = None
    estimate: bool = False


class Prior(Strict):
    base: float = Field(gt=0)
    age: dict[str, float] = {}
    sex: dict[Sex, float] = {}
    source: Ident | None = None
    estimate: bool = False


class Condition(Strict):
    id: Ident
    name: str
    lay_name: str = ""
    synonyms: list[str] = []
    icd10: str | None = None
    codes: dict[str, str] = {}
    category: str = "general"
    urgency: Level = "consultation"
    summary: str = ""
    prior: Prior
    likelihoods: dict[str, float | Likelihood] = {}
    likelihood_source: Ident | None = None
    specialists: list[Ident] = []
    tests: list[Ident] = []
    self_care: list[str] = []
    treatment: str = ""
    complications: list[str] = []
    when_to_seek_help: str = ""
    sources: list[Source] = []
    references: list[Ident] = []
    review: Review | None = None
    translations: dict[str, str] = {}


class Rule(Strict):
    id: Ident
    when: str
    level: Level
    message: str
    while_waiting: str = ""
    source: Ident | None = None
    complaints: list[Ident] = []
    screen: bool | None = None
    scope: bool = False


class Specialist(Strict):
    id: Ident
    name: str
    description: str = ""


class Test(Strict):
    id: Ident
    name: str
    description: str = ""


class PageSection(Strict):
    id: Ident
    title: str
    body: str
    sources: list[Ident] = []


class Page(Strict):
    id: Ident
    title: str
    summary: str = ""
    reviewer: str = ""
    last_reviewed: dt.date | None = None
    next_review: dt.date | None = None
    sections: list[PageSection] = []
