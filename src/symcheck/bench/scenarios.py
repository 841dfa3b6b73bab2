"""Clinical scenarios run through the real interview: the engine picks the questions, a virtual patient
answers from the scenario's facts ("don't know" for anything else), and the result is scored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from symcheck.engine.model import LEVEL_NAMES
from symcheck.errors import InputError
from symcheck.interview import Interview
from symcheck.kb.pack import Pack


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conditions: list[str] = []
    triage: Literal["self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance"]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str = ""
    age: float = Field(ge=0, le=120)
    sex: Literal["female", "male"]
    pregnant: bool | None = None
    complaint: str | None = None
    facts: dict[str, Any] = {}
    expect: Expectation


class ScenarioOutcome(BaseModel):
    id: str
    expected_conditions: list[str]
    top3: list[str]
    top1_hit: bool | None
    top3_hit: bool | None
    expected_triage: str
    triage: str
    questions: int
    asked: list[str]
    stop_reason: str | None


class ScenarioSummary(BaseModel):
    scenarios: int
    with_expected_condition: int
    top1: float
    top3: float
    triage_exact: float
    under_triage: int
    over_triage: int
    emergencies: int
    emergencies_reached: int
    mean_questions: float
    outcomes: list[ScenarioOutcome]


def load_scenarios(path: Path, pack: Pack) -> list[Scenario]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"not valid YAML ({exc})") from None
    if not isinstance(raw, list):
        raise InputError(str(path), "must be a list of scenarios")
    out = []
    for i, item in enumerate(raw):
        label = item.get("id", f"entry {i + 1}") if isinstance(item, dict) else f"entry {i + 1}"
        try:
            sc = Scenario.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(f"{path.name}: {label}: {'.'.join(map(str, err['loc']))}", err["msg"]) from None
        for cid in sc.expect.conditions:
            if cid not in pack.conditions:
                raise InputError(f"{path.name}: {sc.id}: expect.conditions", f"unknown condition {cid!r}")
        for ev in sc.facts:
            if ev not in pack.evidence:
                raise InputError(f"{path.name}: {sc.id}: facts.{ev}", "unknown evidence id")
        out.append(sc)
    return out


def drive(pack: Pack, sc: Scenario) -> tuple[Interview, list[str]]:
    """The interview run to its end, the virtual patient answering from the facts ("unknown" otherwise)."""
    interview = Interview(pack, age=sc.age, sex=sc.sex, pregnant=sc.pregnant, complaint=sc.complaint)
    asked: list[str] = []
    for _ in range(200):  # a hard bound on top of the pack's question budget
        question = interview.next_question()
        if question is None:
            break
        asked.append(question.evidence_id)
        if question.type == "many_of" and question.choices and all(c.id in pack.evidence for c in question.choices):
            interview.answer_many({c.id: sc.facts.get(c.id, "unknown") for c in question.choices})
        else:
            interview.answer(question.evidence_id, sc.facts.get(question.evidence_id, "unknown"))
    return interview, asked


def interview_for(pack: Pack, sc: Scenario) -> Interview:
    return drive(pack, sc)[0]


def run_scenario(pack: Pack, sc: Scenario) -> ScenarioOutcome:
    interview, asked = drive(pack, sc)
    result = interview.result(top=3)
    top3 = [d.condition_id for d in result.differential[:3]]
    expected = sc.expect.conditions
    return ScenarioOutcome(
        id=sc.id,
        expected_conditions=expected,
        top3=top3,
        top1_hit=(top3[:1] != [] and top3[0] in expected) if expected else None,
        top3_hit=any(c in expected for c in top3) if expected else None,
        expected_triage=sc.expect.triage,
        triage=result.triage.level,
        questions=interview.questions_asked,
        asked=asked,
        stop_reason=result.stop_reason,
    )


def run(pack: Pack, scenarios: list[Scenario], progress: Callable[[], None] | None = None) -> ScenarioSummary:
    outcomes = []
    for sc in scenarios:
        outcomes.append(run_scenario(pack, sc))
        if progress:
            progress()
    scored = [o for o in outcomes if o.expected_conditions]
    level = LEVEL_NAMES.index
    emergencies = [o for o in outcomes if level(o.expected_triage) >= level("emergency")]
    n = max(len(outcomes), 1)
    return ScenarioSummary(
        scenarios=len(outcomes),
        with_expected_condition=len(scored),
        top1=sum(bool(o.top1_hit) for o in scored) / max(len(scored), 1),
        top3=sum(bool(o.top3_hit) for o in scored) / max(len(scored), 1),
        triage_exact=sum(o.triage == o.expected_triage for o in outcomes) / n,
        under_triage=sum(level(o.triage) < level(o.expected_triage) for o in outcomes),
        over_triage=sum(level(o.triage) > level(o.expected_triage) for o in outcomes),
        emergencies=len(emergencies),
        emergencies_reached=sum(level(o.triage) >= level(o.expected_triage) for o in emergencies),
        mean_questions=sum(o.questions for o in outcomes) / n,
        outcomes=outcomes,
    )
