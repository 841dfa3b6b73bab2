"""Triage on five levels. Red-flag rules always win; the differential can only raise the level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcheck.engine.model import F64, CompiledModel
from symcheck.engine.rules import Expression

SELF_CARE, CONSULTATION, CONSULTATION_24, EMERGENCY, EMERGENCY_AMBULANCE = range(5)


@dataclass(frozen=True)
class CompiledRule:
    id: str
    expression: Expression
    level: int
    screen: bool
    scope: bool
    complaints: frozenset[str]
    # the evidence ids of the expression in order of appearance, for screening questions
    order: tuple[str, ...]


def differential_level(model: CompiledModel, post: F64) -> tuple[int, list[int]]:
    """The level the differential alone supports, and the conditions that set it.

    A condition whose urgency is above self-care raises the level when its probability passes that
    level's threshold. Self-care needs the self-care conditions together to pass theirs; otherwise the
    pack's default level applies (usually "see a doctor"), because uncertainty is not reassurance.
    """
    for level in range(EMERGENCY_AMBULANCE, SELF_CARE, -1):
        hit = np.nonzero((model.cond_urgency == level) & (post >= model.level_threshold[level]))[0]
        if len(hit):
            hit = hit[np.argsort(-post[hit], kind="stable")]
            return level, [int(c) for c in hit]
    self_care = np.nonzero(model.cond_urgency == SELF_CARE)[0]
    if len(self_care) and float(post[self_care].sum()) >= max(model.level_threshold[SELF_CARE], 1e-9):
        return SELF_CARE, [int(c) for c in self_care[np.argsort(-post[self_care], kind="stable")][:3]]
    return model.default_level, []


def fired_rules(rules: Sequence[CompiledRule], facts: Mapping[str, Any]) -> list[CompiledRule]:
    return [r for r in rules if r.expression.evaluate(facts) is True]


def screening_evidence(
    rules: Sequence[CompiledRule],
    facts: Mapping[str, Any],
    complaint: str | None,
    can_ask: Mapping[str, bool],
) -> tuple[str, CompiledRule] | None:
    """The next red-flag question: from the most urgent screening rule for this complaint that is still
    undecided, its first evidence that can be asked. None when screening is complete."""
    def screened(r: CompiledRule) -> bool:
        return r.screen and (not r.complaints or (complaint is not None and complaint in r.complaints))

    def follows_a_finding(r: CompiledRule) -> bool:
        # a rule's first sign (its gate, e.g. a recent wound) answered "yes" opens the rest of its checks
        return r.level >= CONSULTATION_24 and bool(r.order) and facts.get(r.order[0]) is True

    candidates = [r for r in rules if not r.scope and (screened(r) or follows_a_finding(r))]
    candidates.sort(key=lambda r: -r.level)  # stable: file order within a level
    for rule in candidates:
        if rule.expression.evaluate(facts) is not None:
            continue
        for name in rule.order:
            if can_ask.get(name, False):
                return name, rule
    return None
