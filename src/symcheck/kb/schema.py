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


class HandOver(Strict):
    """This complaint belongs to another pack: the interview moves there, keeping what it knows."""

    pack: Ident
    complaint: Ident | None = None


class Complaint(Strict):
    id: Ident
    label: str
    synonyms: list[str] = []
    answers: dict[str, Any] = {}
    # The interview's first question: the immediate life threats for this complaint, asked as one
    # "is any of these happening now?" list of yes/no evidence.
    emergency_gate: list[Ident] = []
    # Then the complaint itself (where, when, what brings it on, how long), in this order.
    describe: list[Ident] = []
    handover: HandOver | None = None


class SafetyNet(Strict):
    level: Literal["always"] | Level = "always"
    text: str
    text_other: str = ""  # the same advice when someone answers for another person


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
    question_other: str = ""  # the same question when someone answers for another person
    evidence: list[Ident] = []
    group: str | None = None  # or: every yes/no evidence of this group


class RedFlagGroup(Strict):
    """Red-flag checks on one theme, asked together ("do you have any of these?")."""

    id: Ident
    question: str
    question_other: str = ""  # the same question when someone answers for another person
    evidence: list[Ident]


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
    emergency_gate_question: str = "Is any of these happening now? Tick all that apply, or none."
    emergency_gate_question_other: str = "Is any of these happening to them now? Tick all that apply, or none."
    red_flag_groups: list[RedFlagGroup] = []
    # Where to go now at each level (a specialist id): emergency care first, the rest as follow-up.
    care_by_level: dict[Level, Ident] = {}
    # A fired red-flag rule is itself evidence for the conditions it names: their odds are multiplied by
    # this likelihood ratio (a rule may set its own), so that triage and the differential tell one story.
    rule_likelihood_ratio: float = Field(10.0, ge=1.0, le=1000.0)
    # ... and a fired emergency rule's named conditions hold at least this share of the probability together
    # (0 turns it off): an emergency pattern is taken to be at least this likely one of the causes it names.
    emergency_rule_min_share: float = Field(0.0, ge=0.0, le=0.9)
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
    # The lay question when someone answers for another person ("Is the person ..."); required by the
    # loader when the lay text speaks to "you".
    other: str = ""


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
    # A warning sign in itself (not context such as exercise, a wound or a medicine). Unset: the evidence
    # of group "red_flags" are signs. A "yes" to a sign can never lower the triage level (symcheck.safety).
    red_flag: bool | None = None
    # Yes/no items a "yes" to this one also answers "yes" (cannot stand up -> muscles are weak): the interview
    # does not ask them again, and a person's own earlier answer is never overwritten. Only "yes" implies.
    implies: list[Ident] = []
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
    self_care_other: list[str] = []  # the same steps, item for item, when someone answers for another person
    treatment: str = ""
    complications: list[str] = []
    when_to_seek_help: str = ""
    when_to_seek_help_other: str = ""  # the same advice when someone answers for another person
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
    # the same texts when someone answers for another person (required when the text speaks to "you")
    message_other: str = ""
    while_waiting_other: str = ""
    source: Ident | None = None
    complaints: list[Ident] = []
    screen: bool | None = None
    scope: bool = False
    # The conditions this pattern points to: the result leads with them and the differential counts the
    # fired rule as evidence for them. Required for rules at consultation_24 and above.
    conditions: list[Ident] = []
    likelihood_ratio: float | None = Field(None, ge=1.0, le=1000.0)


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


class PhraseEntry(Strict):
    """Lay phrases for one evidence answer; `near`: count a match only when one of these is in the same sentence."""

    phrases: list[Annotated[str, Field(min_length=1)]] = []
    near: list[Annotated[str, Field(min_length=1)]] = []


class Slot(Strict):
    """How a number or duration in free text becomes an answer (phrases.yaml `slots:`).

    since: time since onset in days -> a one_of choice; episode: length of one attack in minutes -> a one_of
    choice; since_yes_no: days since onset -> yes/no (present from `present_from` days); frequency: attacks per
    week -> a number; temperature: degrees C -> yes/no (present at or above `present_from`, absent below
    `absent_below`); gestation: weeks pregnant -> yes/no (present from `present_from`).
    """

    kind: Literal["since", "since_yes_no", "episode", "frequency", "temperature", "gestation"]
    choices: dict[Ident, tuple[float, float | None]] = {}  # choice -> [low, high) in the slot's unit; None = open
    present_from: float | None = None
    absent_below: float | None = None


class Phrases(Strict):
    """phrases.yaml: the lay words the free-text parser maps to complaints and answers."""

    # complaint id -> phrases; the reserved id `not_a_complaint` holds look-alikes that name no complaint
    # ("stomach bug" in a story about cramps)
    complaints: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)?$")],
                     list[Annotated[str, Field(min_length=1)]] | PhraseEntry] = {}
    # key: evidence id (yes/no: "present"), "id.choice" for a choice, or "id.absent" for a yes/no stated as absent
    evidence: dict[str, list[Annotated[str, Field(min_length=1)]] | PhraseEntry] = {}
    # A yes/no question that asks about several things at once ("vomiting or diarrhoea"): phrases per part (key
    # "part", or "part.absent" for words that state that part absent). A part said makes the item present; the
    # item is absent only when every part is denied, so "no vomiting" leaves it open for the interview to ask.
    # A part with no phrases is asked by the question but never settled by the text.
    parts: dict[Ident, dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_]+(\.absent)?$")],
                            list[Annotated[str, Field(min_length=1)]] | PhraseEntry]] = {}
    slots: dict[Ident, Slot] = {}
