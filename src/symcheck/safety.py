"""symcheck's clinical safety invariants, stated once. Every interface (Python API, CLI, HTTP API, web checker)
runs the same service layer, and the property tests in tests/safety check each invariant through each of them.

1. RED FLAGS ONLY RAISE. A "yes" to a red-flag sign (a yes/no question a rule names that the pack marks as a
   warning sign: `red_flag: true`, or group `red_flags`) never lowers the triage level, self-care included.
   (What a sign implies, such as weakness from weakness spreading up the legs, is part of that "yes".)
   A "yes" to any other finding an urgent rule names (context such as hard exercise, a wound or a medicine)
   never lowers the urgency that the conditions of its still open or fired urgent rules call for
   (`protected_by`): while dark urine is not ruled out, hard exercise cannot make rhabdomyolysis look less
   likely by making exercise cramps look likelier. Context is still evidence between other causes (having
   stopped sedatives makes withdrawal likelier than serotonin toxicity), and once every such rule is
   answered "no" it is ordinary evidence and may support a harmless cause. This holds whatever else has been
   answered and however many flags are present: the differential's share of triage is computed so that it
   holds by construction (`symcheck.engine.triage.level_masses`), not by a search over subsets.
2. RULES ARE FLOORS. The level is never below that of any red-flag rule that fires.
3. NO SELF-CARE WITH AN OPEN CHECK. Self-care is advised only when every screening check relevant to what the
   person reported is decided "no": the screening rules of their complaint, and every urgent rule one of
   whose signs they said "yes" to. A check not asked means see a doctor. A check the person could not answer
   ("don't know") stays open while any cause it screens for is still possible given everything else they
   said (probability at least PLAUSIBLE_MIN, the same bar below which a cause is not listed); a check with no
   named causes always stays open.
4. THE COMPLAINT FOLLOWS THE ANSWERS. The complaint is the one the request names, else the one the answers
   imply (the `presentation` answer); when nothing says which, every complaint's screening applies. So the
   same answers give the same safety checks with or without the `complaint` field.
5. EVERY RESULT carries safety-netting advice for its level and says it is not a diagnosis.
6. ONE STORY. The triage names the conditions that set its level, and the differential lists each of them;
   a fired rule counts as evidence for the conditions it names, so an emergency leads with them.

`violations()` checks 2, 3, 5 and 6 on one result; 1 and 4 compare results and live in the property tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from symcheck.engine.model import LEVEL_NAMES
from symcheck.engine.triage import CompiledRule

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from symcheck.interview.session import Interview
    from symcheck.kb.pack import Pack
    from symcheck.results import Assessment

PLAUSIBLE_MIN = 0.01  # a cause below this probability is not listed, and no longer holds a "don't know" check open


def red_flag_signs(pack: Pack) -> frozenset[str]:
    """Yes/no evidence named by a red-flag (non-scope) rule that the pack marks as a warning sign."""
    return frozenset(n for n in _rule_named(pack, 0) if _is_sign(pack, n))


def urgent_findings(pack: Pack) -> frozenset[str]:
    """Every yes/no evidence a "yes" to which may not lower an urgent level: the red-flag signs, and every
    yes/no evidence named by a rule at consultation_24 or above."""
    return _rule_named(pack, LEVEL_NAMES.index("consultation_24")) | red_flag_signs(pack)


def guarded_findings(pack: Pack, facts: Mapping[str, Any]) -> frozenset[str]:
    """The positive findings that may not lower an urgent level now: every present sign, and every present
    context finding one of whose urgent rules is not decided "no" (invariant 1)."""
    signs = red_flag_signs(pack)
    urgent = LEVEL_NAMES.index("consultation_24")
    out = set()
    for n in urgent_findings(pack):
        if facts.get(n) is not True:
            continue
        if n in signs or any(r.expression.evaluate(facts) is not False for r in pack.compiled.rules
                             if not r.scope and r.level >= urgent and n in r.order):
            out.add(n)
    return frozenset(out)


def guardable_findings(pack: Pack) -> frozenset[str]:
    """Every finding that may ever be guarded: the urgent findings and all that any sign implies (fixed per
    pack, so that removing their terms gives a baseline that adding one of them does not move)."""
    return urgent_findings(pack) | implied_by_signs(pack, {n: True for n in red_flag_signs(pack)})


def implied_by_signs(pack: Pack, facts: Mapping[str, Any]) -> frozenset[str]:
    """Everything the present red-flag signs imply, followed through (`implies` in evidence.yaml)."""
    todo = [n for n in red_flag_signs(pack) if facts.get(n) is True]
    seen: set[str] = set()
    while todo:
        for target in pack.evidence[todo.pop()].implies:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)


def protected_by(pack: Pack, facts: Mapping[str, Any], finding: str) -> frozenset[int] | None:
    """The conditions (indices) a guarded finding may not lower: every one for a sign (None); for context,
    those its open or fired urgent rules name (every one again when such a rule names none)."""
    signs = red_flag_signs(pack)
    if finding in signs or finding in implied_by_signs(pack, facts):
        return None  # what a sign implies (weakness, from weakness spreading up the legs) is part of its "yes"
    urgent = LEVEL_NAMES.index("consultation_24")
    out: set[int] = set()
    for r in pack.compiled.rules:
        if r.scope or r.level < urgent or finding not in r.order or r.expression.evaluate(facts) is False:
            continue
        if not r.conditions:
            return None
        out.update(r.conditions)
    return frozenset(out)


def context_floor(before: Interview, finding: str, facts_after: Mapping[str, Any]) -> int:
    """Invariant 1 for context: the level that the conditions `finding` protects call for, from their
    red-flag-safe probabilities before it is added (-1 when they call for no urgent level). Adding the
    finding never leaves the level below this."""
    from symcheck.engine import triage as triage_mod
    from symcheck.interview import triage as triage_svc

    model = before.pack.compiled.model
    safe = np.asarray(triage_svc.decide(before).masses.safe)
    scope = protected_by(before.pack, facts_after, finding)
    if scope is not None:
        keep = np.zeros(len(safe), dtype=bool)
        keep[list(scope)] = True
        safe = np.where(keep, safe, 0.0)
    for level in range(triage_mod.EMERGENCY_AMBULANCE, triage_mod.CONSULTATION, -1):
        if float(safe[model.cond_urgency >= level].sum()) >= float(model.level_threshold[level]):
            return level
    return -1


_NAMED: dict[tuple[int, int], tuple[Pack, frozenset[str]]] = {}  # per pack object: it never changes once loaded


def _rule_named(pack: Pack, min_level: int) -> frozenset[str]:
    hit = _NAMED.get((id(pack), min_level))
    if hit is not None and hit[0] is pack:
        return hit[1]
    named = frozenset(n for r in pack.compiled.rules if not r.scope and r.level >= min_level for n in r.order
                      if pack.evidence[n].type == "yes_no")
    _NAMED[(id(pack), min_level)] = (pack, named)
    return named


def _is_sign(pack: Pack, ev_id: str) -> bool:
    e = pack.evidence[ev_id]
    return e.red_flag if e.red_flag is not None else e.group == "red_flags"


def infer_complaint(pack: Pack, explicit: str | None, answers: Mapping[str, Any]) -> str | None:
    """The complaint the request names, else the first whose defining answers (e.g. presentation) all hold."""
    if explicit is not None:
        return explicit
    for comp in pack.meta.complaints:
        if comp.answers and all(_holds(answers.get(k), v) for k, v in comp.answers.items()):
            return comp.id
    return None


def _holds(given: Any, wanted: Any) -> bool:
    if isinstance(given, list | tuple | set | frozenset) and not isinstance(wanted, list | tuple):
        return wanted in given
    return bool(given == wanted)


def screened_for(rule: CompiledRule, complaint: str | None) -> bool:
    """A screening rule applies to this complaint; with no complaint known, every screening rule applies."""
    return rule.screen and (not rule.complaints or complaint is None or complaint in rule.complaints)


def opened_by_a_sign(rule: CompiledRule, facts: Mapping[str, Any]) -> bool:
    """An urgent rule one of whose signs is present must be checked through, whatever the complaint."""
    return rule.level >= LEVEL_NAMES.index("consultation_24") and any(facts.get(n) is True for n in rule.order)


def relevant_checks(pack: Pack, complaint: str | None, facts: Mapping[str, Any]) -> list[CompiledRule]:
    return [r for r in pack.compiled.rules if not r.scope and (screened_for(r, complaint) or opened_by_a_sign(r, facts))]


def open_checks(pack: Pack, complaint: str | None, facts: Mapping[str, Any],
                post: Sequence[float] | NDArray[np.float64] | None = None) -> list[str]:
    """Relevant checks not yet decided: they keep a person from self-care (invariant 3). Without `post` (the
    condition probabilities given the answers) every "don't know" keeps its check open."""
    out = []
    for r in relevant_checks(pack, complaint, facts):
        if r.expression.evaluate(facts) is not None:
            continue
        if post is not None and r.conditions and _undecided_only_by_dont_know(r, facts) \
                and max(float(post[c]) for c in r.conditions) < PLAUSIBLE_MIN:
            continue
        out.append(r.id)
    return out


def _undecided_only_by_dont_know(rule: CompiledRule, facts: Mapping[str, Any]) -> bool:
    """Every finding the check still needs was asked: reading each "don't know" as "no" decides it."""
    as_no = {k: (False if v is None else v) for k, v in facts.items()}
    return rule.expression.evaluate(as_no) is not None


def violations(pack: Pack, result: Assessment) -> list[str]:
    """Invariants 2, 3, 5 and 6 checked on one result; an empty list when it keeps them all."""
    from symcheck.interview.facts import facts_of
    from symcheck.interview.session import Interview

    out: list[str] = []
    level = LEVEL_NAMES.index(result.triage.level)
    demo = result.demographics
    facts = facts_of(pack, result.answers, demo.age, demo.sex, demo.pregnant)
    fired = [r for r in pack.compiled.rules if not r.scope and r.expression.evaluate(facts) is True]
    if not result.out_of_scope:
        for r in fired:
            if level < r.level:
                out.append(f"rule {r.id} fired at {LEVEL_NAMES[r.level]} but the level is {result.triage.level}")
        if result.triage.level == "self_care":
            post = Interview(pack, age=demo.age, sex=demo.sex, pregnant=demo.pregnant, complaint=result.complaint,
                             answers=dict(result.answers)).state().post
            still_open = open_checks(pack, result.complaint, facts, post)
            if still_open:
                out.append(f"self-care with open checks: {', '.join(still_open)}")
        if level >= LEVEL_NAMES.index("consultation_24") and level > max((r.level for r in fired), default=-1) \
                and not result.triage.from_conditions:
            out.append(f"the differential sets {result.triage.level} but the triage names no cause for it")
        listed = {d.condition_id for d in result.differential}
        for cid in result.triage.from_conditions:
            if cid not in listed:
                out.append(f"triage names {cid} but the differential does not list it")
    if not result.safety_netting:
        out.append("no safety-netting advice")
    if not result.disclaimer:
        out.append("no disclaimer")
    return out
