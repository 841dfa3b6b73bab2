"""What a person reads: question texts for the one answering (themselves or someone else), answers in words,
and the reasons a question is asked."""

from __future__ import annotations

from typing import Any

from symcheck.kb.pack import Pack
from symcheck.kb.schema import Evidence

URGENCY_WORDS = {
    "emergency_ambulance": "emergency care straight away",
    "emergency": "emergency care",
    "consultation_24": "a doctor today",
    "consultation": "a doctor's check",
    "self_care": "no doctor",
}


def question_text(e: Evidence, speaker: str) -> str:
    if speaker == "other" and e.question.other:
        return e.question.other
    return e.question.lay


def pick(self_text: str, other_text: str, speaker: str) -> str:
    return other_text if speaker == "other" and other_text else self_text


def choice_label(e: Evidence) -> str:
    """A short name for a yes/no item inside a list ("tick all that apply")."""
    return e.label or e.question.lay


def answer_text(pack: Pack, ev_id: str, value: Any) -> str:
    """The answer as a person reads it: yes, no, a choice's label, a list of labels, a number."""
    e = pack.evidence[ev_id]
    if value is None or value == "unknown":
        return "don't know"
    if e.type == "yes_no":
        return "yes" if value == "present" else "no"
    labels = {c.id: c.label for c in e.choices}
    if e.type == "many_of":
        return ", ".join(labels[v] for v in value) or "none of these"
    if e.type == "one_of":
        return labels.get(value, str(value))
    return f"{value:g}{' ' + e.unit if e.unit else ''}"


def finding_text(pack: Pack, ev_id: str, value: Any) -> str:
    """A present finding in a clinician's words, for the list under a fired rule."""
    e = pack.evidence[ev_id]
    label = e.question.clinical or e.question.lay
    if e.type == "yes_no":
        return label
    return f"{label}: {answer_text(pack, ev_id, value)}"


def display_name(lay_name: str | None, name: str) -> str:
    """The lay name, with the medical name after it unless the lay name already says it."""
    if not lay_name or name.lower() in lay_name.lower():
        return lay_name or name
    # "Renal or ureteric colic (kidney stone)" after "Kidney stone": drop the name's own lay gloss
    if name.endswith(")") and "(" in name:
        head, gloss = name[:-1].rsplit("(", 1)
        if gloss.strip().lower() in lay_name.lower():
            name = head.strip()
    return f"{lay_name} ({name})"


def names(pack: Pack, condition_ids: list[str]) -> str:
    """Lay names first ("low potassium (hypokalaemia)"), joined for a sentence."""
    parts = [display_name(pack.conditions[cid].lay_name, pack.conditions[cid].name) for cid in condition_ids]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]
