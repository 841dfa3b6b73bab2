"""Triage on five levels. Red-flag rules always win; the differential can only raise the level."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcheck.engine.model import F64, CompiledModel
from symcheck.engine.rules import Expression

SELF_CARE, CONSULTATION, CONSULTATION_24, EMERGENCY, EMERGENCY_AMBULANCE = range(5)
LEAD_MARGIN = math.log(1.05)  # a fired emergency rule's likeliest cause leads the next one by at least 5%


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
    # condition indices the pattern points to, and the log likelihood ratio a fired rule adds to them
    conditions: tuple[int, ...] = ()
    log_lr: float = 0.0


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


def outcome_rows(model: CompiledModel, outcomes: Sequence[int]) -> F64:
    """Dense log-likelihood-ratio rows [len(outcomes), C] of the given outcomes (0 where no link)."""
    rows = np.zeros((len(outcomes), model.n_conditions))
    for i, o in enumerate(outcomes):
        s, e = int(model.link_ptr[o]), int(model.link_ptr[o + 1])
        rows[i, model.link_cond[s:e]] = model.link_llr[s:e]
    return rows


def rule_rows(model: CompiledModel, rules: Sequence[CompiledRule], log_post: F64 | None = None,
              min_share: float = 0.0) -> F64:
    """A fired urgent rule as evidence: its log likelihood ratio for the conditions it names, 0 for others.
    Rules below consultation_24 are advice patterns, not evidence, and add nothing.

    With `log_post` (the log posterior before the rules) and `min_share` > 0, a fired emergency rule's named
    conditions are also raised, together, to at least `min_share` of the probability (the pack holds that an
    emergency pattern is at least that likely to be one of the causes it names), and enough that the likeliest
    of them leads the list: the differential starts with what the triage says it may be."""
    rows = np.zeros((len(rules), model.n_conditions))
    for i, r in enumerate(rules):
        if r.conditions and r.level >= CONSULTATION_24:
            rows[i, list(r.conditions)] = r.log_lr
    if log_post is None or not 0.0 < min_share < 1.0:
        return rows
    total = log_post + rows.sum(axis=0)
    for i, r in enumerate(rules):
        if not r.conditions or r.level < EMERGENCY:
            continue
        named = list(r.conditions)
        extra = _raise_to_share(total, named, min_share)
        if extra > 0.0:
            rows[i, named] += extra
            total[named] += extra
    return rows


def _raise_to_share(total: F64, named: list[int], min_share: float) -> float:
    """How much to add to the `named` conditions' log terms so that together they hold at least `min_share` of
    the probability and the likeliest of them comes first in the list (ties broken towards them)."""
    share = float(_softmax(total)[named].sum())
    extra = 0.0
    if 0.0 < share < min_share:
        extra = math.log(min_share / (1.0 - min_share)) - math.log(share / (1.0 - share))
    others = np.delete(total, named)
    if len(others) and np.isfinite(total[named]).any():
        extra = max(extra, float(np.max(others)) - float(np.max(total[named])) + LEAD_MARGIN)
    return extra


def rule_rows_for_safety(model: CompiledModel, rules: Sequence[CompiledRule], log_base: F64,
                         min_share: float = 0.0) -> F64:
    """The fired rules' rows as `rule_rows` builds them, but each emergency rule's raise computed on its own
    from `log_base`, the log posterior without the terms of any finding that may be guarded
    (`symcheck.safety.guardable_findings`). A flag then changes no existing row: it adds its own term and
    the rows of the rules it fires, which `level_masses` caps, so the red-flag-safe masses can only grow.
    (`rule_rows` raises each rule from the running total, so a new flag that makes one named cause likelier
    shrinks the raise that another named cause had: that is the display, not the guarantee.)"""
    rows = np.zeros((len(rules), model.n_conditions))
    for i, r in enumerate(rules):
        if r.conditions and r.level >= CONSULTATION_24:
            rows[i, list(r.conditions)] = r.log_lr
    if not 0.0 < min_share < 1.0:
        return rows
    for i, r in enumerate(rules):
        if not r.conditions or r.level < EMERGENCY:
            continue
        named = list(r.conditions)
        extra = _raise_to_share(log_base + rows[i], named, min_share)
        if extra > 0.0:
            rows[i, named] += extra
    return rows


def _softmax(lp: F64) -> F64:
    top = np.max(lp, axis=-1, keepdims=True)
    w: F64 = np.exp(lp - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=-1, keepdims=True)
    out: F64 = w / np.where(total > 0, total, 1.0)
    return out


@dataclass(frozen=True)
class LevelMasses:
    """How strongly the differential calls for each level, guarded so that findings can only raise it.

    `at_least[L]` (L = consultation_24 .. emergency_ambulance) sums, over the conditions that need level L or
    more, a red-flag-safe probability (`safe`): each condition's posterior with every positive flag that
    protects it having its term for any other condition capped at the term it gives this condition. Such a
    flag then never moves odds away from the condition, so each summand, and the sum, can only grow when it
    is added (exact, no subset search). A sign protects every condition; a context finding protects the
    conditions its open or fired urgent rules name (`symcheck.safety.protected_by`).
    `self_care` is the self-care causes' probability with every red-flag sign's term for them lowered to
    the smallest it gives any condition, so that a sign can only lower it.
    """

    at_least: tuple[float, ...]  # index by level; 0 and 1 unused
    self_care: float
    safe: tuple[float, ...] = ()  # per condition: the red-flag-safe probability (0 for non-urgent ones)


def level_masses(model: CompiledModel, lp: F64, urgent_rows: F64, sign_rows: F64,
                 protects: np.ndarray | None = None) -> LevelMasses:
    """`lp`: the log posterior with every answer in. `urgent_rows`: the terms inside `lp` of positive
    findings named by urgent rules and of fired rules; `sign_rows`: those of positive red-flag signs.
    `protects[f, c]`: row f of `urgent_rows` may not lower condition c (None: every row protects every one)."""
    urgency = model.cond_urgency
    urgent = np.nonzero(urgency >= CONSULTATION_24)[0]
    safe = np.zeros(model.n_conditions)
    if len(urgent):
        if len(urgent_rows):
            # gap[c, f, j] = max(0, term_fj - term_fc): what capping j at c's term for flag f removes
            gap = np.maximum(urgent_rows[None, :, :] - urgent_rows.T[urgent][:, :, None], 0.0)
            if protects is not None:
                gap = gap * protects.T[urgent][:, :, None]
            adjusted = lp[None, :] - gap.sum(axis=1)
        else:
            adjusted = np.broadcast_to(lp, (len(urgent), model.n_conditions))
        safe[urgent] = _softmax(adjusted)[np.arange(len(urgent)), urgent]
    at_least = [1.0, 1.0] + [min(1.0, float(safe[urgency >= level].sum()))
                             for level in range(CONSULTATION_24, EMERGENCY_AMBULANCE + 1)]
    self_care = urgency == SELF_CARE
    adjusted_sc = lp
    if len(sign_rows) and self_care.any():
        excess_sc = sign_rows - sign_rows.min(axis=1, keepdims=True)
        excess_sc[:, ~self_care] = 0.0
        adjusted_sc = lp - excess_sc.sum(axis=0)
    sc = float(_softmax(adjusted_sc)[self_care].sum()) if self_care.any() else 0.0
    return LevelMasses(tuple(at_least), sc, tuple(float(x) for x in safe))


def safe_level(masses: LevelMasses, thresholds: Sequence[float], default_level: int) -> int:
    """The most urgent level whose mass passes its threshold; else self-care when the self-care mass passes
    its threshold; else the default level (never self-care). Monotone in the masses."""
    for level in range(EMERGENCY_AMBULANCE, CONSULTATION, -1):
        if masses.at_least[level] >= thresholds[level]:
            return level
    if masses.self_care >= max(float(thresholds[SELF_CARE]), 1e-9):
        return SELF_CARE
    return max(default_level, CONSULTATION)
