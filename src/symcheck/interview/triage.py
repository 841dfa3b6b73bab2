"""Triage: how urgently to act, and why, as one story with the differential.

- Red-flag rules are floors: the level is at least that of every rule that fires, and the result leads
  with the conditions the rule names.
- The differential sets a level from the probability that the person needs at least that level of care
  (the summed probability of the conditions that need it), computed so that a red-flag finding can only
  raise it (`engine.triage.level_masses`). Thresholds are the pack's (`triage_thresholds`), chosen by
  cross-validation (docs/pack-format.md says how).
- Self-care needs the self-care causes to dominate and every relevant safety check decided "no"
  (`symcheck.safety`); otherwise the advice is to see a doctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from symcheck import safety
from symcheck.engine import triage as triage_mod
from symcheck.engine.model import LEVEL_NAMES
from symcheck.interview import wording
from symcheck.results import ACTIONS, RuleHit, Triage

if TYPE_CHECKING:
    from symcheck.interview.session import Interview

LISTED_MIN = safety.PLAUSIBLE_MIN  # causes below this probability are not named or listed


@dataclass(frozen=True)
class Decision:
    level: int
    rule_level: int
    diff_level: int
    masses: triage_mod.LevelMasses
    open_checks: tuple[str, ...]
    from_conditions: tuple[int, ...]  # condition indices that set the level, most probable first


def decide(iv: Interview, thresholds: np.ndarray | None = None) -> Decision:
    state = iv.state()
    model = iv.pack.compiled.model
    fired = [r for r in state.fired if not r.scope]
    rule_level = max((r.level for r in fired), default=-1)
    # the level from the rows that make the guarantee (see State); the differential shown uses log_post
    masses = triage_mod.level_masses(model, state.log_post_safe, state.urgent_rows_safe, state.sign_rows_safe,
                                     state.urgent_protects)
    diff_level = triage_mod.safe_level(masses, model.level_threshold if thresholds is None else thresholds,
                                       model.default_level)
    level = max(rule_level, diff_level)
    still_open = tuple(safety.open_checks(iv.pack, iv.complaint, state.facts, state.post))
    if level == triage_mod.SELF_CARE and still_open:
        level = max(model.default_level, triage_mod.CONSULTATION)
    post = state.post
    if rule_level == level and rule_level >= 0:
        conds = [c for r in fired if r.level == level for c in r.conditions]
    elif level >= triage_mod.CONSULTATION_24:
        # the causes whose red-flag-safe probability set the level, including any kept possible only
        # because a warning sign may not count against them
        safe = masses.safe
        needing = np.nonzero(model.cond_urgency >= level)[0]
        by_mass = sorted((int(c) for c in needing), key=lambda c: -max(safe[c], float(post[c])))
        conds = [c for c in by_mass if max(safe[c], post[c]) >= LISTED_MIN]
        # none is 1% likely on its own, yet together they pass the threshold: name the likeliest few
        conds = conds or [c for c in by_mass if safe[c] > 0][:3]
    elif level >= triage_mod.CONSULTATION:
        needing = np.nonzero(model.cond_urgency >= max(level, triage_mod.CONSULTATION))[0]
        conds = [int(c) for c in needing if post[c] >= LISTED_MIN]
    else:
        self_care = np.nonzero(model.cond_urgency == triage_mod.SELF_CARE)[0]
        conds = [int(c) for c in self_care if post[c] >= 0.1]
    ranked = tuple(list(dict.fromkeys(conds))[:3]) if level >= triage_mod.CONSULTATION_24 and rule_level != level \
        else tuple(sorted(dict.fromkeys(conds), key=lambda c: -float(post[c]))[:3])
    return Decision(level, rule_level, diff_level, masses, still_open, ranked)


def _still_unknown(iv: Interview, conditions: list[int]) -> list[str]:
    """What the open urgent checks about these conditions still need: the questions that could rule them out."""
    facts = iv.state().facts
    out: list[str] = []
    for r in iv.pack.compiled.rules:
        if r.scope or r.level < triage_mod.CONSULTATION_24 or not set(r.conditions) & set(conditions) \
                or r.expression.evaluate(facts) is not None or not any(facts.get(n) is True for n in r.order):
            continue
        for n in r.order:
            e = iv.pack.evidence[n]
            label = e.label or wording.pick(e.question.lay, e.question.other, iv.speaker)
            if facts.get(n) is None and label not in out:
                out.append(label)
    return out[:4]


def triage(iv: Interview, decision: Decision) -> Triage:
    pack = iv.pack
    state = iv.state()
    level = decision.level
    names = [pack.compiled.condition_ids[c] for c in decision.from_conditions]
    hits: list[RuleHit] = []
    reasons: list[str] = []
    for r in sorted((r for r in state.fired if not r.scope), key=lambda r: -r.level):
        rule = pack.rule(r.id)
        findings = [wording.finding_text(pack, n, iv.raw_answers.get(n)) for n in r.order
                    if state.facts.get(n) not in (None, False, frozenset())]
        message = wording.pick(rule.message, rule.message_other, iv.speaker)
        hits.append(RuleHit(id=r.id, level=LEVEL_NAMES[r.level], message=message,
                            while_waiting=wording.pick(rule.while_waiting, rule.while_waiting_other, iv.speaker),
                            findings=findings, conditions=[pack.compiled.condition_ids[c] for c in r.conditions]))
        if r.level == level:
            reasons.append(message)
    if names:
        if decision.rule_level == level:
            # "This may be" only when the differential agrees (an emergency rule's causes always lead it);
            # a lower rule's pattern names what a doctor should rule out, which need not be the likeliest
            lead = int(np.argmax(state.post))
            if lead in decision.from_conditions:
                reasons.insert(0, f"This may be {wording.names(pack, names)}.")
            else:
                reasons.insert(0, f"A doctor should check for {wording.names(pack, names)}.")
        elif level >= triage_mod.CONSULTATION_24:
            post = state.post
            safe = decision.masses.safe
            pairs = list(zip(names, decision.from_conditions, strict=True))
            probable = [n for n, c in pairs if post[c] >= LISTED_MIN]
            guarded = [n for n, c in pairs if post[c] < LISTED_MIN <= safe[c]]
            together = [n for n in names if n not in probable and n not in guarded]
            if probable:
                reasons.append(f"Possible causes that need this level of care: {wording.names(pack, probable)}.")
            if together:
                reasons.append(f"Each is unlikely, but together the causes that need this level of care are about "
                               f"{decision.masses.at_least[level]:.0%} likely, for example "
                               f"{wording.names(pack, together)}.")
            if guarded:
                unknown = _still_unknown(iv, [pack.compiled.condition_ids.index(n) for n in guarded])
                reasons.append(f"{wording.names(pack, guarded)} cannot be ruled out yet with the warning signs in "
                               "the answers, and would need this level of care.")
                if unknown:
                    reasons.append("What could rule it out: " + " ".join(
                        u if u.endswith("?") else f"{u}?" for u in unknown))
        elif level == triage_mod.CONSULTATION:
            reasons.append(f"Possible causes a doctor should check: {wording.names(pack, names)}.")
        else:
            reasons.append(f"The likely causes can usually be managed at home: {wording.names(pack, names)}.")
    if decision.open_checks and level > triage_mod.SELF_CARE and decision.diff_level == triage_mod.SELF_CARE \
            and decision.rule_level < level:
        reasons.insert(0, "Some safety checks are still open (not asked, or answered \"don't know\"), so a doctor "
                          "should check rather than relying on self-care.")
    if not reasons:
        reasons.append("The answers do not point clearly to one cause, so a doctor should take a look.")
    level_name = LEVEL_NAMES[level]
    return Triage(level=level_name, action=ACTIONS[level_name], reasons=reasons, red_flags=hits,
                  from_conditions=names,
                  need_at_least={LEVEL_NAMES[i]: round(decision.masses.at_least[i], 4)
                                 for i in range(triage_mod.CONSULTATION_24, len(LEVEL_NAMES))},
                  open_checks=list(decision.open_checks))
