"""The symptom checker's state, carried entirely in the form: demographics and the answers in the order
they were given. The server keeps nothing between steps; each request rebuilds a symcheck.Interview.

An answer travels as one hidden field `a` = "evidence_id=value" (many-of choices joined by commas, an
empty value for "none of these", "unknown" for "don't know"), so the order of the fields is the order of
the answers and "back" simply drops the last one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from symcheck.errors import InputError
from symcheck.interview import MAX_AGE, Interview
from symcheck.interview.session import GATE_ID, RED_FLAG_GROUP_PREFIX
from symcheck.kb.pack import Pack
from symcheck.kb.schema import Complaint, Evidence
from symcheck.results import NextQuestion

SEX_CHOICES = {"female": "Female", "male": "Male", "unspecified": "Prefer not to say"}
FOR_WHOM = {"self": "Myself", "other": "Someone else"}
YES_NO_LABELS = {"present": "Yes", "absent": "No", "unknown": "Don't know"}
NONE_OF_THESE = "none_of_these"


@dataclass(frozen=True)
class Asked:
    """What one answer answers: a piece of evidence, or a checklist of yes/no items asked together."""

    id: str
    text: str
    type: str  # yes_no | one_of | many_of | number (a checklist is many_of over its items)
    choices: tuple[tuple[str, str], ...]
    unit: str | None
    checklist: bool = False


def asked_item(pack: Pack, item_id: str) -> Asked | None:
    e = pack.evidence.get(item_id)
    if e is not None:
        return Asked(e.id, e.question.lay, e.type, tuple((c.id, c.label) for c in e.choices), e.unit)
    members = list_members(pack, item_id)
    if members is None:
        return None
    if item_id == GATE_ID:
        text = pack.meta.emergency_gate_question
    elif item_id.startswith(RED_FLAG_GROUP_PREFIX):
        text = next(g.question for g in pack.meta.red_flag_groups if g.id == item_id[len(RED_FLAG_GROUP_PREFIX):])
    else:
        text = next(c.question for c in pack.meta.checklists if c.id == item_id)
    labels = tuple((m, pack.evidence[m].label or pack.evidence[m].question.lay) for m in members)
    return Asked(item_id, text, "many_of", labels, None, checklist=True)


def list_members(pack: Pack, item_id: str) -> list[str] | None:
    """The yes/no items of a list question (a checklist, the emergency gate of any complaint, a red-flag
    group), or None when the id is not a list question of this pack."""
    if item_id in pack.checklists:
        return list(pack.checklists[item_id])
    if item_id == GATE_ID:
        gate = [e for comp in pack.meta.complaints for e in comp.emergency_gate]
        return list(dict.fromkeys(gate)) or None
    if item_id.startswith(RED_FLAG_GROUP_PREFIX):
        gid = item_id[len(RED_FLAG_GROUP_PREFIX):]
        return next((list(g.evidence) for g in pack.meta.red_flag_groups if g.id == gid), None)
    return None


@dataclass
class CheckState:
    age: float | None = None
    sex: str = ""  # female | male | unspecified | "" (not given yet)
    pregnant: bool | None = None
    for_whom: str = "self"
    complaint: str | None = None
    answers: list[tuple[str, Any]] = field(default_factory=list)
    pack: str | None = None  # set once the interview has moved to another served pack (hand-over)

    @property
    def engine_sex(self) -> str | None:
        return self.sex if self.sex in ("female", "male") else None

    def answer_dict(self) -> dict[str, Any]:
        return dict(self.answers)

    def hidden_fields(self) -> list[tuple[str, str]]:
        """(name, value) pairs that carry this state through the next form."""
        out = [("for_whom", self.for_whom), ("sex", self.sex)]
        if self.pack:
            out.insert(0, ("pack", self.pack))
        if self.age is not None:
            out.append(("age", f"{self.age:g}"))
        if self.pregnant is not None:
            out.append(("pregnant", "yes" if self.pregnant else "no"))
        if self.complaint:
            out.append(("complaint", self.complaint))
        out += [("a", f"{ev}={encode_value(v)}") for ev, v in self.answers]
        return out

    def interview(self, pack: Pack) -> Interview:
        if self.age is None:
            raise InputError("age", "is required")
        return Interview(
            pack,
            age=self.age,
            sex=self.engine_sex,
            pregnant=self.pregnant,
            complaint=self.complaint,
            answers=self.answer_dict(),
            speaker="other" if self.for_whom == "other" else "self",
        )


def encode_value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def decode_value(e: Asked, raw: str, field_name: str) -> Any:
    raw = raw.strip()
    if raw == "unknown":
        return "unknown"
    if e.type == "many_of":
        return [v for v in raw.split(",") if v]
    if e.type == "number":
        try:
            number = float(raw)
        except ValueError:
            raise InputError(field_name, f"{raw!r} is not a number") from None
        if not math.isfinite(number):
            raise InputError(field_name, f"{raw!r} is not a number")
        return number
    return raw


def parse_age(raw: str | None) -> float:
    text = (raw or "").strip()
    if not text:
        raise InputError("age", "Enter an age in years.")
    try:
        age = float(text)
    except ValueError:
        raise InputError("age", f"“{text}” is not a number of years.") from None
    if not math.isfinite(age) or not 0 <= age <= MAX_AGE:
        raise InputError("age", f"Enter an age from 0 to {MAX_AGE} years.")
    return age


def pregnancy_applies(pack: Pack, age: float | None, sex: str) -> bool:
    """Whether to ask about pregnancy: only for females in the age range of the pack's pregnancy question."""
    if sex != "female" or age is None:
        return False
    for ev_id in ("pregnant", "pregnancy"):
        e = pack.evidence.get(ev_id)
        if e is not None:
            lo = e.min_age if e.min_age is not None else 0
            hi = e.max_age if e.max_age is not None else MAX_AGE
            return lo <= age <= hi
    return 10 <= age <= 60


def read_state(pack: Pack, form: Mapping[str, Any], answers: list[str]) -> CheckState:
    """The carried state from a submitted form (hidden fields). Bad values raise InputError naming the field."""
    state = CheckState()
    if form.get("pack") == pack.id:
        state.pack = pack.id
    for_whom = str(form.get("for_whom") or "self")
    state.for_whom = for_whom if for_whom in FOR_WHOM else "self"
    sex = str(form.get("sex") or "")
    if sex and sex not in SEX_CHOICES:
        raise InputError("sex", f"{sex!r} is not one of {', '.join(SEX_CHOICES)}")
    state.sex = sex
    if form.get("age") not in (None, ""):
        state.age = parse_age(str(form.get("age")))
    preg = str(form.get("pregnant") or "")
    if preg and preg not in ("yes", "no", "unknown"):
        raise InputError("pregnant", f"{preg!r} is not one of yes, no, unknown")
    if preg in ("yes", "no") and pregnancy_applies(pack, state.age, state.sex):
        state.pregnant = preg == "yes"
    complaint = str(form.get("complaint") or "")
    if complaint:
        if not any(c.id == complaint for c in pack.meta.complaints):
            raise InputError("complaint", f"unknown complaint {complaint!r}")
        state.complaint = complaint
    seen: set[str] = set()
    for raw in answers:
        ev_id, sep, value = raw.partition("=")
        item = asked_item(pack, ev_id) if sep else None
        if item is None:
            raise InputError("a", f"{raw!r} is not an answer to a known question")
        if ev_id in seen:
            state.answers = [(k, v) for k, v in state.answers if k != ev_id]
        seen.add(ev_id)
        state.answers.append((ev_id, decode_value(item, value, f"answers.{ev_id}")))
    return state


def parent_satisfied(e: Evidence, given: Mapping[str, Any], pack: Pack) -> bool:
    """Whether an answered question still applies: its parent has the answer it requires (mirrors the
    engine's rule for asking it)."""
    if e.parent is None:
        return True
    value = given.get(e.parent)
    if value is None or value == "unknown":
        return False
    parent = pack.evidence[e.parent]
    if e.parent_value is not None:
        if parent.type == "many_of":
            return e.parent_value in value
        return bool(value == e.parent_value)
    if parent.type == "yes_no":
        return bool(value == "present")
    if parent.type == "many_of":
        return bool(value)
    return True


def demographics_allow(e: Evidence, age: float | None, sex: str | None) -> bool:
    if age is not None and ((e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age)):
        return False
    return not (sex in ("female", "male") and e.sexes and sex not in e.sexes)


def prune_answers(pack: Pack, state: CheckState) -> list[str]:
    """Drop answers that no longer apply after an earlier answer or the person's details changed (a
    follow-up whose parent answer changed, a question for another age or sex). Returns the dropped ids."""
    dropped: list[str] = []
    complaint_answers: dict[str, Any] = {}
    if state.complaint:
        complaint_answers = dict(pack.complaint(state.complaint).answers)
    changed = True
    while changed:
        changed = False
        given = {**complaint_answers, **state.answer_dict()}
        for ev_id, _ in list(state.answers):
            e = pack.evidence.get(ev_id)
            if e is None:
                continue  # a checklist: its items apply to everyone it was asked of
            if not parent_satisfied(e, given, pack) or not demographics_allow(e, state.age, state.engine_sex):
                state.answers = [(k, v) for k, v in state.answers if k != ev_id]
                dropped.append(ev_id)
                changed = True
                break
    return dropped


def read_answer(e: Asked, values: list[str]) -> Any:
    """The answer to one question from the submitted buttons / boxes. Raises InputError with a message
    meant for the person when nothing usable was given."""
    field_name = f"answers.{e.id}"
    values = [v.strip() for v in values]
    if "unknown" in values:
        return "unknown"
    if e.type == "many_of":
        if NONE_OF_THESE in values:
            return []
        chosen = [v for v in values if v]
        if not chosen:
            raise InputError(field_name, "Tick at least one box, or choose “None of these” or “Don't know”.")
        valid = {cid for cid, _ in e.choices}
        bad = [v for v in chosen if v not in valid]
        if bad:
            raise InputError(field_name, f"{bad[0]!r} is not one of the choices")
        return chosen
    given = [v for v in values if v]
    if not given:
        if e.type == "number":
            raise InputError(field_name, "Enter a number, or choose “Don't know”.")
        raise InputError(field_name, "Choose one of the answers.")
    if e.type == "number":
        try:
            number = float(given[0].replace(",", "."))
        except ValueError:
            raise InputError(field_name, f"“{given[0]}” is not a number. Enter a number, or choose “Don't know”.") from None
        if not math.isfinite(number) or number < 0:
            raise InputError(field_name, "Enter a number of zero or more, or choose “Don't know”.")
        return number
    if e.type == "yes_no":
        if given[0] not in ("present", "absent"):
            raise InputError(field_name, f"{given[0]!r} is not yes or no")
        return given[0]
    valid = {cid for cid, _ in e.choices}
    if given[0] not in valid:
        raise InputError(field_name, f"{given[0]!r} is not one of the choices")
    return given[0]


def answer_label(e: Asked | None, value: Any) -> str:
    """An answer in plain words, as the person gave it (as given, for a question this pack lacks)."""
    if value == "unknown":
        return "Don't know"
    if e is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if e.type == "yes_no":
        return YES_NO_LABELS.get(str(value), str(value))
    labels = dict(e.choices)
    if e.type == "many_of":
        return ", ".join(labels.get(v, v) for v in value) if value else "None of these"
    if e.type == "one_of":
        return labels.get(str(value), str(value))
    unit = f" {e.unit}" if e.unit else ""
    return f"{value:g}{unit}" if isinstance(value, float | int) else str(value)


def match_complaint(pack: Pack, text: str) -> list[Complaint]:
    """Complaints matching typed text, typo-tolerant (spelling distance) and by synonyms."""
    if not text.strip():
        return []
    return pack.match_complaints(text)


@dataclass
class QuestionView:
    evidence_id: str
    text: str
    type: str
    choices: list[tuple[str, str]]
    unit: str | None
    why: str
    red_flag_check: bool
    current: Any = None  # the earlier answer when changing it

    def is_current(self, value: str) -> bool:
        if self.current is None:
            return False
        if isinstance(self.current, list):
            return value in self.current or (value == NONE_OF_THESE and self.current == [])
        if isinstance(self.current, float):
            return False
        return bool(self.current == value)


def question_view(e: Asked, why: str, current: Any = None, red_flag: bool = False) -> QuestionView:
    return QuestionView(
        evidence_id=e.id,
        text=e.text,
        type=e.type,
        choices=list(e.choices),
        unit=e.unit,
        why=why,
        red_flag_check=red_flag,
        current=current,
    )


def question_from_next(nq: NextQuestion, current: Any = None) -> QuestionView:
    """The engine's next question (its choices are the ones open now, e.g. a checklist's open items)."""
    return QuestionView(
        evidence_id=nq.evidence_id,
        text=nq.text,
        type=nq.type,
        choices=[(c.id, c.label) for c in nq.choices],
        unit=nq.unit,
        why=nq.why,
        red_flag_check=nq.reason in ("red_flag_check", "rule_out"),
        current=current,
    )
