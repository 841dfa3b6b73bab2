"""Which question comes next, and when to stop.

The order a clinician would recognise:
1. the emergency gate: the complaint's immediate life threats, asked as one "is any of these happening now?"
   list (every complaint's, when the complaint is not known yet), then what the problem is if not known;
2. the complaint itself: where, when, what brings it on, how long (the complaint's `describe` list);
3. the red-flag checks relevant to what the person reported, grouped by theme ("any of these?"), the most
   urgent and the most probable first, interleaved with the most informative questions;
4. questions that rule out a condition needing faster care than the current level, then information gain.

The interview never stops on confidence or for want of informative questions while a relevant red-flag
check is open; only an emergency, the question budget or an out-of-scope answer end it earlier.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from symcheck import safety
from symcheck.engine import questions as q_mod
from symcheck.engine import triage as triage_mod
from symcheck.engine.model import LEVEL_NAMES
from symcheck.engine.triage import CompiledRule
from symcheck.interview import wording
from symcheck.results import Choice, ConditionRef, NextQuestion

if TYPE_CHECKING:
    from symcheck.interview.session import Interview

LN2 = math.log(2.0)
RULE_OUT_MIN_BITS = 0.005  # below this a question says too little about the condition to be worth asking
INTERLEAVE_MIN_BITS = 0.25  # an informative question this good may come between two red-flag groups


def decide(iv: Interview) -> tuple[NextQuestion | None, str | None]:
    state = iv.state()
    if iv.handover() is not None:
        return None, "handover"
    if any(r.level >= triage_mod.EMERGENCY for r in state.fired if not r.scope):
        return None, "red_flag"
    if iv.questions_asked >= iv.stop.max_questions:
        return None, "question_budget"
    askable = iv.askable()
    if any(r.scope for r in state.fired):  # no pack covers it: the emergency gate still comes first
        gate = _open(iv, gate_items(iv), askable)
        return (_gate_question(iv, gate), None) if gate else (None, "out_of_scope")
    gains = q_mod.information_gain(iv.pack.compiled.model, state.post)
    index = iv.question_index

    gate = _open(iv, gate_items(iv), askable)
    if gate:
        return _gate_question(iv, gate), None
    if _sign_present(iv):  # a "yes" at the gate is followed up before anything else
        screen = _next_screen(iv, askable)
        if screen is not None:
            return screen, None
    if iv.complaint is None and "presentation" in iv.pack.evidence:
        q = index["presentation"]
        if askable[q]:
            return _question(iv, q, gains[q], "complaint"), None
    floors = _rule_named_for_complaint(iv)
    for ev_id in _describe_items(iv):
        if ev_id in iv.pack.checklists:  # "any of these as well?": worth the summed gain of its open items
            members = iv.open_members(ev_id)
            total = float(sum(gains[index[m]] for m in members))
            if members and total / LN2 >= iv.stop.min_information_gain:
                return _checklist_question(iv, ev_id, total), None
            continue
        q = index.get(ev_id)
        # A describe question a rule of this complaint names is asked even when the leading cause is clear:
        # its answer can set a floor (twitching for more than two weeks means see a GP).
        if q is not None and askable[q] and (gains[q] / LN2 >= iv.stop.min_information_gain or ev_id in floors):
            return _question(iv, q, gains[q], "complaint"), None

    screen = _next_screen(iv, askable)
    informative = _informative(iv, gains, askable)
    if screen is not None:
        # A check already half-positive (a "yes" to one of its signs) is followed up at once; otherwise one
        # very informative question may come between two red-flag groups.
        if informative is not None and not _sign_present(iv) and _last_step_was_screening(iv) \
                and informative.information_gain >= INTERLEAVE_MIN_BITS:
            return informative, None
        return screen, None
    if informative is not None:
        return informative, None
    if _confident(iv):
        return None, "confident"
    return None, "no_informative_question"


def _confident(iv: Interview) -> bool:
    """The leading cause passes the pack's probability, and, when it is a harmless cause, the answers are
    enough to reassure: a leading self-care cause short of the self-care threshold keeps the questions going."""
    post = iv.state().post
    lead = int(np.argmax(post))
    if float(post[lead]) < iv.stop.probability:
        return False
    model = iv.pack.compiled.model
    if model.cond_urgency[lead] != triage_mod.SELF_CARE:
        return True
    self_care = float(post[model.cond_urgency == triage_mod.SELF_CARE].sum())
    return self_care >= float(model.level_threshold[triage_mod.SELF_CARE])


# ----- 1. the emergency gate ------------------------------------------------------------------------------
def gate_items(iv: Interview) -> list[str]:
    items: list[str] = []
    for comp in iv.pack.meta.complaints:
        if iv.complaint is None or comp.id == iv.complaint:
            items += [e for e in comp.emergency_gate if e not in items]
    return items


def _open(iv: Interview, items: list[str], askable: np.ndarray) -> list[str]:
    return [e for e in items if e not in iv.raw_answers and askable[iv.question_index[e]]]


def _gate_question(iv: Interview, items: list[str]) -> NextQuestion:
    meta = iv.pack.meta
    return NextQuestion(
        evidence_id="emergency_gate",
        text=wording.pick(meta.emergency_gate_question, meta.emergency_gate_question_other, iv.speaker),
        type="many_of",
        choices=[Choice(id=e, label=wording.choice_label(iv.pack.evidence[e])) for e in items],
        reason="emergency_gate",
        information_gain=0.0,
        why="Any of these needs emergency help straight away, so we ask about them before anything else.",
    )


_NAMED_FOR: dict[tuple[int, str | None], tuple[object, frozenset[str]]] = {}  # per pack object and complaint


def _rule_named_for_complaint(iv: Interview) -> frozenset[str]:
    """Evidence named by the rules of this complaint (a pack never changes once loaded, so it is kept)."""
    key = (id(iv.pack), iv.complaint)
    hit = _NAMED_FOR.get(key)
    if hit is not None and hit[0] is iv.pack:
        return hit[1]
    named = frozenset(n for r in iv.pack.compiled.rules
                      if not r.scope and (not r.complaints or iv.complaint in r.complaints) for n in r.order)
    _NAMED_FOR[key] = (iv.pack, named)
    return named


def _describe_items(iv: Interview) -> list[str]:
    for comp in iv.pack.meta.complaints:
        if comp.id == iv.complaint:
            return [e for e in comp.describe if e not in iv.raw_answers]
    return []


# ----- 3. red-flag checks -----------------------------------------------------------------------------------
def pending_checks(iv: Interview) -> list[CompiledRule]:
    """Relevant checks still open, most urgent first, then those whose conditions are likelier.

    For choosing questions, "don't know" counts as "no": it ends that branch of a check instead of walking
    through every other part of the rule (the triage still treats it as undecided)."""
    state = iv.state()
    screen_facts = {k: (False if v is None and k in iv.pack.evidence else v) for k, v in state.facts.items()}
    rules = [r for r in safety.relevant_checks(iv.pack, iv.complaint, state.facts)
             if r.expression.evaluate(screen_facts) is None]
    post = state.post

    def weight(r: CompiledRule) -> float:
        return float(post[list(r.conditions)].sum()) if r.conditions else 0.0

    order = {r.id: i for i, r in enumerate(iv.pack.compiled.rules)}
    return sorted(rules, key=lambda r: (-r.level, -weight(r), order[r.id]))


def _next_screen(iv: Interview, askable: np.ndarray) -> NextQuestion | None:
    pending = pending_checks(iv)
    for rule in pending:
        for ev_id in rule.order:
            if ev_id in iv.raw_answers or not askable[iv.question_index[ev_id]]:
                continue
            group = next((g for g in iv.pack.meta.red_flag_groups if ev_id in g.evidence), None)
            if group is None or iv.pack.evidence[ev_id].type != "yes_no":
                return _question(iv, iv.question_index[ev_id], 0.0, "red_flag_check", rule=rule)
            wanted = {n for r in pending for n in r.order}
            members = [m for m in _open(iv, group.evidence, askable) if m in wanted]
            if ev_id not in members:
                members.insert(0, ev_id)
            if len(members) == 1:
                return _question(iv, iv.question_index[ev_id], 0.0, "red_flag_check", rule=rule)
            concern = [r for r in pending if any(m in r.order for m in members)]
            return NextQuestion(
                evidence_id=f"red_flags:{group.id}",
                text=wording.pick(group.question, group.question_other, iv.speaker),
                type="many_of",
                choices=[Choice(id=m, label=wording.choice_label(iv.pack.evidence[m])) for m in members],
                reason="red_flag_check",
                red_flag_rule=rule.id,
                information_gain=0.0,
                why=_screen_why(iv, concern),
            )
    return None


def _screen_why(iv: Interview, rules: list[CompiledRule]) -> str:
    cond_ids: list[str] = []
    for r in rules:
        for c in r.conditions:
            cid = iv.pack.compiled.condition_ids[c]
            if cid not in cond_ids:
                cond_ids.append(cid)
    level = max((r.level for r in rules), default=triage_mod.CONSULTATION_24)
    need = wording.URGENCY_WORDS[LEVEL_NAMES[level]]
    if not cond_ids:
        return f"We ask this to check for a problem that would need {need}."
    return f"We ask this to check for {wording.names(iv.pack, cond_ids[:3])}, which would need {need}."


def _sign_present(iv: Interview) -> bool:
    facts = iv.state().facts
    return any(any(facts.get(n) is True for n in r.order) for r in pending_checks(iv))


def _last_step_was_screening(iv: Interview) -> bool:
    last = iv.last_step()
    if not last:
        return False
    flags = safety.urgent_findings(iv.pack)
    return all(k in flags for k in last)


# ----- 4. rule-out and information gain ---------------------------------------------------------------------
def _informative(iv: Interview, gains: np.ndarray, askable: np.ndarray) -> NextQuestion | None:
    state = iv.state()
    model = iv.pack.compiled.model
    # Rule out before reassuring: while a condition that needs faster care than the current level is
    # possible but below its triage threshold, ask what best settles that condition.
    for c in _watch_list(iv):
        gains_c = q_mod.condition_gain(model, state.post, c)
        q, gain = q_mod.best_question(gains_c, askable)
        if q >= 0 and gain / LN2 >= RULE_OUT_MIN_BITS:
            return _question(iv, q, gain, "rule_out", rule_out=c)
    if _confident(iv):
        return None
    q, gain = q_mod.best_question(gains, askable)
    # A checklist is worth the summed gain of its open items (they are answered together).
    best_list, list_gain = None, gain
    for cl_id in iv.pack.checklists:
        members = iv.open_members(cl_id)
        if len(members) >= 2:
            total = float(sum(gains[iv.question_index[m]] for m in members))
            if total > list_gain:
                best_list, list_gain = cl_id, total
    if best_list is not None and list_gain / LN2 >= iv.stop.min_information_gain:
        return _checklist_question(iv, best_list, list_gain)
    if q < 0 or gain / LN2 < iv.stop.min_information_gain:
        return None
    return _question(iv, q, gain, "information_gain")


def _watch_list(iv: Interview) -> list[int]:
    """Conditions needing faster care than the current level, possible (>= watch) but below their
    level's threshold, most probable first."""
    state = iv.state()
    model = iv.pack.compiled.model
    level = iv.level()
    urgency = model.cond_urgency
    threshold = model.level_threshold[urgency]
    post = state.post
    mask = (urgency >= triage_mod.CONSULTATION_24) & (urgency > level) & (post >= iv.stop.safety_watch) & (post < threshold)
    hits = np.nonzero(mask)[0]
    return [int(c) for c in hits[np.argsort(-post[hits], kind="stable")]]


def _checklist_question(iv: Interview, checklist_id: str, gain: float) -> NextQuestion:
    cl = next(c for c in iv.pack.meta.checklists if c.id == checklist_id)
    members = iv.open_members(checklist_id)
    return NextQuestion(
        evidence_id=checklist_id,
        text=wording.pick(cl.question, cl.question_other, iv.speaker),
        type="many_of",
        choices=[Choice(id=m, label=wording.choice_label(iv.pack.evidence[m])) for m in members],
        reason="information_gain",
        information_gain=round(gain / LN2, 4),
        why="Several of these can cause or worsen the problem; tick all that apply, or none.",
    )


def _question(iv: Interview, q: int, gain: float, reason: str, rule: CompiledRule | None = None,
              rule_out: int | None = None) -> NextQuestion:
    pack = iv.pack
    e = pack.evidence[pack.compiled.question_ids[q]]
    post = iv.state().post
    top = np.argsort(-post, kind="stable")[:8]
    sep = q_mod.separation(pack.compiled.model, post, q, top)
    order = np.argsort(-np.abs(sep), kind="stable")[:3]
    separates = [
        ConditionRef(id=pack.compiled.condition_ids[top[i]], name=pack.conditions[pack.compiled.condition_ids[top[i]]].name,
                     probability=round(float(post[top[i]]), 4))
        for i in order
        if abs(sep[i]) > 0.05
    ]
    if reason == "red_flag_check":
        why = _screen_why(iv, [rule] if rule is not None else [])
    elif reason == "complaint":
        why = "Where and when it happens, what brings it on and how long it has gone on tell the common causes apart."
    elif rule_out is not None:
        name = wording.names(pack, [pack.compiled.condition_ids[rule_out]])
        why = f"We ask this to rule out {name}, which would need prompt care."
    elif separates:
        why = "Your answer helps tell apart " + ", ".join(c.name for c in separates) + "."
    else:
        why = "Your answer helps narrow down the possible causes."
    choices: list[Choice] = []
    if e.type in ("one_of", "many_of"):
        choices = [Choice(id=c.id, label=c.label) for c in e.choices]
    return NextQuestion(
        evidence_id=e.id,
        text=wording.question_text(e, iv.speaker),
        clinical_text=e.question.clinical,
        type=e.type,
        choices=choices,
        unit=e.unit,
        reason=reason,  # type: ignore[arg-type]
        red_flag_rule=rule.id if rule is not None else None,
        information_gain=round(float(gain) / LN2, 4),
        why=why,
        separates=separates,
    )
