"""Answers as the engine and the rules see them: outcome indices, and plain facts for rule expressions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from symcheck.kb.loader import outcome_ids
from symcheck.kb.pack import Pack


def outcomes_of(pack: Pack, answers: Mapping[str, Any]) -> np.ndarray:
    """The observed outcome indices of normalised answers ("unknown" observes nothing)."""
    idx = pack.compiled.outcome_index
    out: list[int] = []
    for ev_id, value in answers.items():
        if value == "unknown":
            continue
        e = pack.evidence[ev_id]
        if e.type == "yes_no" or e.type == "one_of":
            out.append(idx[ev_id][value])
        elif e.type == "number":
            out.append(idx[ev_id][f"b{int(np.searchsorted(e.bins, value, side='right'))}"])
        else:
            chosen = set(value)
            for choice in outcome_ids(e):
                out.append(idx[ev_id][choice if choice in chosen else f"{choice}:absent"])
    return np.asarray(out, dtype=np.int64)


def implied(pack: Pack, answers: Mapping[str, Any]) -> dict[str, str]:
    """The "yes" answers that the "yes" answers given imply (an evidence's `implies`, followed through), for
    items not answered at all. Only "yes" implies, so an implied answer can never hide a warning sign."""
    out: dict[str, str] = {}
    todo = [k for k, v in answers.items() if v == "present"]
    while todo:
        e = pack.evidence.get(todo.pop())
        for target in e.implies if e is not None else ():
            if target not in answers and target not in out:
                out[target] = "present"
                todo.append(target)
    return out


def facts_of(pack: Pack, answers: Mapping[str, Any], age: float, sex: str | None, pregnant: bool | None) -> dict[str, Any]:
    """Plain values for rule expressions: True/False/None, a choice, a set of choices, a number."""
    facts: dict[str, Any] = {"age": age, "sex": sex, "pregnant": pregnant}
    for ev_id, value in answers.items():
        e = pack.evidence.get(ev_id)
        if e is None:
            continue
        if value == "unknown":
            facts[ev_id] = None
        elif e.type == "yes_no":
            facts[ev_id] = value == "present"
        elif e.type == "many_of":
            facts[ev_id] = frozenset(value)
        else:
            facts[ev_id] = value
    # A yes/no question this person is never asked (outside its ages or sexes) is "no" for them: a children's
    # check does not stay open for an adult, nor a pregnancy check for a man.
    for ev_id, e in pack.evidence.items():
        if ev_id in facts or e.type != "yes_no":
            continue
        if (e.min_age is not None and age < e.min_age) or (e.max_age is not None and age > e.max_age) or (
                e.sexes and sex is not None and sex not in e.sexes):
            facts[ev_id] = False
    if pregnant is None:
        for ev_id in ("pregnant", "pregnancy"):
            if ev_id in facts:
                facts["pregnant"] = facts[ev_id]
    return facts
