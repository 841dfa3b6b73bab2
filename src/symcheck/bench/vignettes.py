"""Lay-language vignettes through the real interview: `symcheck bench vignettes FILE`.

Each case (see ../shared/data/vignettes_dev/README.md) gives age, sex, pregnancy, the complaint, the facts its
text states as evidence answers (`stated`), the gold cause and the gold and acceptable urgency. A virtual
patient answers the interview's questions from the stated facts in one of two modes:

- open: anything the story does not state is "don't know";
- closed: a yes/no symptom or history item the story does not mention is "no" (a person would know and
  would have said so); measured findings, choices and numbers the story does not give stay "don't know", and
  so do the questions of a pack the story was not coded in (`coding_vocabulary`).

The set codes `stated` against an older pack; `vignette_facts.yaml` adds, blind to the answers, what the texts
state in the evidence ids added since (`with_coded_facts`). The case's text is not used here (the free-text parser has its own benchmark); `answers_override` lets a caller
run the same interview from other answers, such as those parsed from the text.
"""

from __future__ import annotations

import contextlib
import json
import statistics
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from symcheck.engine.model import LEVEL_NAMES
from symcheck.errors import InputError, SymcheckError
from symcheck.interview import Interview
from symcheck.interview.facts import implied
from symcheck.kb.pack import Pack, available_packs, load_pack
from symcheck.kb.schema import StopConfig

Mode = Literal["open", "closed"]
MODES: tuple[Mode, ...] = ("open", "closed")
# Evidence groups that describe the complaint itself (where, when, what it feels like, what brings it on).
COMPLAINT_GROUPS = frozenset({"location", "timing", "character", "triggers"})
CONDITION_MAP = Path(__file__).with_name("vignette_conditions.yaml")
CODED_FACTS = Path(__file__).with_name("vignette_facts.yaml")  # facts the set's `stated` predates (see its header)


class Vignette(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str
    text: str = ""
    age: float
    sex: Literal["female", "male"]
    pregnant: bool | None = None
    speaker: Literal["self", "other"] = "self"
    gold_condition: str = ""
    gold_condition_id: str | None = None
    gold_in_pack: bool = False
    acceptable_condition_ids: list[str] = []
    gold_urgency: str
    acceptable_urgency: list[str]
    complaint: str | None = None
    stated: dict[str, Any] = {}
    coded: dict[str, Any] = {}  # ours, from CODED_FACTS, never from the set; `stated` wins over it

    def facts(self) -> dict[str, Any]:
        return {**self.coded, **self.stated}


class CaseOutcome(BaseModel):
    id: str
    mode: Mode
    pack: str
    complaint: str | None
    gold_condition: str
    expected: list[str]
    top3: list[str]
    top1_hit: bool | None
    top3_hit: bool | None
    gold_urgency: str
    acceptable_urgency: list[str]
    triage: str
    exact: bool
    acceptable: bool
    under_triage: bool
    questions: int
    before_complaint: int | None  # questions asked before the first one about the complaint
    asked: list[str]
    ignored_facts: list[str]  # stated facts whose evidence id the pack does not have
    stop_reason: str | None


class ModeSummary(BaseModel):
    mode: Mode
    cases: int
    in_pack: int
    top1: float
    top3: float
    urgency_exact: float
    urgency_acceptable: float
    under_triage: int
    emergencies: int
    emergencies_under_triaged: int
    self_care_cases: int
    self_care_reached: int
    mean_questions: float
    median_before_complaint: float | None


class VignetteReport(BaseModel):
    file: str
    pack: str
    pack_version: str
    domain: str
    modes: list[ModeSummary]
    outcomes: list[CaseOutcome]


def load_vignettes(path: Path) -> list[Vignette]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"not valid UTF-8 JSON ({exc})") from None
    if not isinstance(raw, list):
        raise InputError(str(path), "must be a JSON list of vignettes")
    out = []
    for i, item in enumerate(raw):
        try:
            out.append(Vignette.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise InputError(f"{path.name}: entry {i + 1}: {'.'.join(map(str, err['loc']))}", err["msg"]) from None
    return out


def with_coded_facts(cases: list[Vignette], path: Path = CODED_FACTS) -> list[Vignette]:
    """The cases with the facts our blind coding adds to their `stated` (evidence ids the set predates)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [c.model_copy(update={"coded": dict(raw.get(c.id) or {})}) for c in cases]


def condition_map(pack_id: str, path: Path = CONDITION_MAP) -> dict[str, list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): list(v) for k, v in (raw.get(pack_id) or {}).items()}


def expected_conditions(case: Vignette, pack: Pack, mapping: dict[str, list[str]]) -> list[str]:
    """Pack ids that count as a hit: the set's acceptable ids, plus the mapping file's ids for its gold cause."""
    ids = list(case.acceptable_condition_ids)
    if case.gold_condition_id and case.gold_condition_id not in ids:
        ids.append(case.gold_condition_id)
    ids += [c for c in mapping.get(case.gold_condition, []) if c not in ids]
    return [c for c in ids if c in pack.conditions]


def patient_answer(pack: Pack, facts: dict[str, Any], ev_id: str, mode: Mode,
                   vocabulary: frozenset[str] | None = None) -> Any:
    """What the virtual patient says to one evidence question. Closed mode says "no" only to questions the
    story's coder could have answered (`vocabulary`): a story coded before a pack existed is silent on that
    pack's own questions, not a denial of them."""
    if ev_id in facts:
        return facts[ev_id]
    e = pack.evidence[ev_id]
    if mode == "closed" and e.type == "yes_no" and (vocabulary is None or ev_id in vocabulary):
        return "absent"
    return "unknown"


def coding_vocabulary(facts: dict[str, Any]) -> frozenset[str] | None:
    """The evidence ids the facts were coded from: every built-in pack that has an id of the facts no other
    built-in pack has. None (no limit) when the facts do not tell."""
    packs = []
    for name in available_packs():
        with contextlib.suppress(SymcheckError):
            packs.append(load_pack(name))
    vocab: set[str] = set()
    for p in packs:
        others = [q for q in packs if q is not p]
        if any(k in p.evidence and not any(k in q.evidence for q in others) for k in facts):
            vocab |= set(p.evidence)
    return frozenset(vocab) if vocab else None


def is_complaint_question(pack: Pack, complaint: str | None, ev_id: str) -> bool:
    described: set[str] = set()
    for comp in pack.meta.complaints:
        if complaint is None or comp.id == complaint:
            described.update(comp.describe)
    e = pack.evidence.get(ev_id)
    return ev_id in described or (e is not None and e.group in COMPLAINT_GROUPS)


def complaint_in(pack: Pack, complaint: str | None) -> str | None:
    """The case's complaint in this pack: its own, or the one another built-in pack hands that complaint to."""
    if complaint is None or any(c.id == complaint for c in pack.meta.complaints):
        return complaint
    for name in available_packs():
        if name == pack.id:
            continue
        try:
            other = load_pack(name)
        except SymcheckError:
            continue
        for comp in other.meta.complaints:
            if comp.id == complaint and comp.handover is not None and comp.handover.pack == pack.id:
                return comp.handover.complaint
    return None


def drive(
    pack: Pack, case: Vignette, mode: Mode, answers_override: dict[str, Any] | None = None,
    stop: StopConfig | None = None,
) -> tuple[Interview, list[str], int | None, list[str]]:
    """Run the interview to its end with the virtual patient, following a hand-over to another pack as a person
    would: (interview, asked ids, questions before the first one about the complaint, stated facts that the
    final pack has no evidence for). `stop` replaces the first pack's stopping rule (bench stop-cv)."""
    source = case.facts() if answers_override is None else answers_override
    vocabulary = coding_vocabulary(source)
    interview = Interview(pack, age=case.age, sex=case.sex, pregnant=case.pregnant,
                          complaint=complaint_in(pack, case.complaint), speaker=case.speaker, stop=stop)
    asked: list[str] = []
    before: int | None = None
    for _ in range(200):  # a hard bound on top of the pack's question budget
        question = interview.next_question()
        if question is None and interview.handover() is not None:
            moved = interview.follow_handover()
            if moved is not interview:
                interview = moved
                continue
        if question is None:
            break
        current = interview.pack
        facts = {k: v for k, v in source.items() if k in current.evidence}
        facts.update(implied(current, facts))  # a person who cannot stand does not say their muscles are fine
        complaint = interview.complaint
        asked.append(question.evidence_id)
        if question.type == "many_of" and question.choices and all(c.id in current.evidence for c in question.choices):
            members = [c.id for c in question.choices]  # a list question: each item answered on its own
            if before is None and any(is_complaint_question(current, complaint, m) for m in members):
                before = len(asked) - 1
            interview.answer_many({m: patient_answer(current, facts, m, mode, vocabulary) for m in members})
        else:
            if before is None and is_complaint_question(current, complaint, question.evidence_id):
                before = len(asked) - 1
            interview.answer(question.evidence_id, patient_answer(current, facts, question.evidence_id, mode, vocabulary))
    ignored = sorted(k for k in source if k not in interview.pack.evidence)
    return interview, asked, before, ignored


def interview_for(pack: Pack, case: Vignette, mode: Mode) -> Interview:
    return drive(pack, case, mode)[0]


def run_case(
    pack: Pack,
    case: Vignette,
    mode: Mode,
    mapping: dict[str, list[str]] | None = None,
    answers_override: dict[str, Any] | None = None,
    stop: StopConfig | None = None,
) -> CaseOutcome:
    """One vignette through the real interview with the virtual patient."""
    interview, asked, before, ignored = drive(pack, case, mode, answers_override, stop)
    if interview.pack.id != pack.id:  # handed over: score against the pack the case ended in
        pack, mapping = interview.pack, condition_map(interview.pack.id)
    result = interview.result(top=3)
    top3 = [d.condition_id for d in result.differential[:3]]
    expected = expected_conditions(case, pack, mapping or {})
    level = LEVEL_NAMES.index
    return CaseOutcome(
        id=case.id,
        mode=mode,
        pack=pack.id,
        complaint=interview.complaint,
        gold_condition=case.gold_condition,
        expected=expected,
        top3=top3,
        top1_hit=(bool(top3) and top3[0] in expected) if expected else None,
        top3_hit=any(c in expected for c in top3) if expected else None,
        gold_urgency=case.gold_urgency,
        acceptable_urgency=case.acceptable_urgency,
        triage=result.triage.level,
        exact=result.triage.level == case.gold_urgency,
        acceptable=result.triage.level in case.acceptable_urgency,
        under_triage=level(result.triage.level) < level(case.gold_urgency),
        questions=len(asked),
        before_complaint=before,
        asked=asked,
        ignored_facts=ignored,
        stop_reason=result.stop_reason,
    )


def summarise(mode: Mode, outcomes: list[CaseOutcome]) -> ModeSummary:
    level = LEVEL_NAMES.index
    scored = [o for o in outcomes if o.expected]
    emergencies = [o for o in outcomes if level(o.gold_urgency) >= level("emergency")]
    self_care = [o for o in outcomes if o.gold_urgency == "self_care"]
    before = [o.before_complaint if o.before_complaint is not None else o.questions for o in outcomes]
    n = max(len(outcomes), 1)
    return ModeSummary(
        mode=mode,
        cases=len(outcomes),
        in_pack=len(scored),
        top1=sum(bool(o.top1_hit) for o in scored) / max(len(scored), 1),
        top3=sum(bool(o.top3_hit) for o in scored) / max(len(scored), 1),
        urgency_exact=sum(o.exact for o in outcomes) / n,
        urgency_acceptable=sum(o.acceptable for o in outcomes) / n,
        under_triage=sum(o.under_triage for o in outcomes),
        emergencies=len(emergencies),
        emergencies_under_triaged=sum(o.under_triage for o in emergencies),
        self_care_cases=len(self_care),
        self_care_reached=sum(o.triage == "self_care" for o in self_care),
        mean_questions=sum(o.questions for o in outcomes) / n,
        median_before_complaint=statistics.median(before) if before else None,
    )


def select(cases: Iterable[Vignette], domain: str) -> list[Vignette]:
    """`muscle`: every complaint but belly and period cramps; `abdominal`: those; `all`: every case."""
    if domain == "all":
        return list(cases)
    abdominal = {"abdominal_or_period_cramps"}
    with contextlib.suppress(SymcheckError):  # stories may also name the abdominal pack's own complaints
        abdominal |= {c.id for c in load_pack("abdominal").meta.complaints}
    return [c for c in cases if (c.complaint in abdominal) == (domain == "abdominal")]


def run(
    pack: Pack,
    cases: list[Vignette],
    modes: Iterable[Mode] = MODES,
    file: str = "",
    domain: str = "all",
    progress: Callable[[], None] | None = None,
) -> VignetteReport:
    mapping = condition_map(pack.id)
    outcomes: list[CaseOutcome] = []
    summaries = []
    for mode in modes:
        mode_outcomes = []
        for case in cases:
            mode_outcomes.append(run_case(pack, case, mode, mapping))
            if progress:
                progress()
        outcomes += mode_outcomes
        summaries.append(summarise(mode, mode_outcomes))
    return VignetteReport(file=file, pack=pack.id, pack_version=pack.version, domain=domain, modes=summaries,
                          outcomes=outcomes)
