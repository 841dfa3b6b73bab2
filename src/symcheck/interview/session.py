"""The Interview: demographics and answers, and everything recomputed from them by the pure engine, so the
same answers always give the same output and any worker can serve any step. Question policy, triage,
explanation and recommendations live in their own modules of this package."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcheck import __version__, safety
from symcheck.engine import posterior as post_mod
from symcheck.engine import questions as q_mod
from symcheck.engine import triage as triage_mod
from symcheck.engine.model import F64, LEVEL_NAMES
from symcheck.errors import InputError, NotFound
from symcheck.interview import explain, policy, recommend, wording
from symcheck.interview import handover as handover_mod
from symcheck.interview import triage as triage_svc
from symcheck.interview.facts import facts_of, implied, outcomes_of
from symcheck.kb.loader import UNKNOWN, YES, answer_problem, outcome_ids
from symcheck.kb.pack import Pack
from symcheck.kb.schema import HandOver, StopConfig
from symcheck.results import (
    Assessment,
    Demographics,
    HandOverRef,
    InterviewStep,
    NextQuestion,
    PackRef,
    Recommendations,
)

SEXES = {"female": 0, "male": 1}
SPEAKERS = ("self", "other")
MAX_AGE = 120
GATE_ID = "emergency_gate"
RED_FLAG_GROUP_PREFIX = "red_flags:"


@dataclass
class State:
    log_post: F64  # with fired rules counted as evidence
    post: F64
    observed: np.ndarray
    facts: dict[str, Any]
    fired: list[triage_mod.CompiledRule]
    # the terms inside log_post of positive findings that may not lower urgency (see symcheck.safety),
    # fired rules included: those of urgent-rule findings and signs, and those of signs alone
    urgent_rows: F64
    urgent_protects: np.ndarray  # [row, condition]: which conditions each urgent row may not lower
    sign_rows: F64
    # the same for the level: fired rules' rows raised each from a baseline no flag moves (the guarantee;
    # `triage_mod.rule_rows_for_safety`), with the urgent and sign rows that go with it
    log_post_safe: F64
    urgent_rows_safe: F64
    sign_rows_safe: F64


class Interview:
    def __init__(
        self,
        pack: Pack,
        *,
        age: float,
        sex: str | None,
        pregnant: bool | None = None,
        complaint: str | None = None,
        answers: dict[str, Any] | None = None,
        stop: StopConfig | None = None,
        speaker: str = "self",
    ):
        from symcheck.validation import validate_case  # the rules the CLI and HTTP API apply; first, so a

        validate_case(pack, age, sex, pregnant, answers)  # wrong type never reaches the code below
        if isinstance(age, bool) or not isinstance(age, int | float) or not math.isfinite(age):
            raise InputError("age", f"{age!r} is not a number of years")
        if not 0 <= age <= MAX_AGE:
            raise InputError("age", f"{age} is out of range (0 to {MAX_AGE} years)")
        if sex is not None and sex not in SEXES:
            raise InputError("sex", f"{sex!r} is not one of female, male")
        if pregnant and sex == "male":
            raise InputError("pregnant", "pregnancy was given for a male")
        if speaker not in SPEAKERS:
            raise InputError("speaker", f"{speaker!r} is not one of self, other")
        self.pack = pack
        self.speaker = speaker
        self.age = float(age)
        self.sex = sex
        self.pregnant = pregnant
        self.stop = stop or pack.meta.stop
        self._complaint: str | None = None
        self._answers: dict[str, Any] = {}
        self._asked: list[list[str]] = []  # the evidence each answer set, in order, for "back"
        self._cache: State | None = None
        self.handed_over_from: PackRef | None = None  # set by handover.follow
        self.handover_unavailable = False  # the complaint's pack could not be loaded: stay here
        self.question_index = {q: i for i, q in enumerate(pack.compiled.question_ids)}
        if complaint is not None:
            try:
                comp = pack.complaint(complaint)
            except NotFound:
                raise InputError("complaint", f"unknown complaint {complaint!r}") from None
            self._complaint = comp.id
            for ev_id, value in comp.answers.items():
                self._set(ev_id, value, field=f"complaint.{ev_id}")
        if pregnant is not None:
            for ev_id in ("pregnant", "pregnancy"):
                if ev_id in pack.evidence and ev_id not in self._answers:
                    self._set(ev_id, "present" if pregnant else "absent", field="pregnant")
        for ev_id, value in (answers or {}).items():
            self.answer(ev_id, value)

    @property
    def complaint(self) -> str | None:
        """The complaint named at the start, else the one the answers imply (safety invariant 4)."""
        return safety.infer_complaint(self.pack, self._complaint, self._answers)

    # ----- answers -------------------------------------------------------------------------------
    def _normalise(self, ev_id: str, value: Any, field: str) -> Any:
        if ev_id not in self.pack.evidence:
            raise InputError(field, f"unknown evidence id {ev_id!r}")
        e = self.pack.evidence[ev_id]
        problem = answer_problem(e, value)
        if problem:
            raise InputError(field, problem)
        if isinstance(value, str) and value.lower() in UNKNOWN:
            return "unknown"
        if e.type == "yes_no":
            if isinstance(value, bool):
                return "present" if value else "absent"
            return "present" if value.lower() in YES else "absent"
        if e.type == "many_of":
            items = [value] if isinstance(value, str) else list(value)
            order = outcome_ids(e)
            return sorted(set(items), key=order.index)
        if e.type == "number":
            return float(value)
        return value

    def _set(self, ev_id: str, value: Any, field: str) -> None:
        self._answers[ev_id] = self._normalise(ev_id, value, field)
        self._cache = None

    def answer(self, evidence_id: str, value: Any) -> None:
        """Record an answer ("unknown" for don't know). Re-answering replaces the earlier answer.

        A list question (a checklist, the emergency gate or a red-flag group: its id is the question's
        `evidence_id`) takes the list of its items that apply; its other open items become "absent".
        """
        items = self._list_items(evidence_id)
        if items is not None:
            self.answer_many(self._expand_list(evidence_id, items, value))
            return
        self.answer_many({evidence_id: value})

    def answer_many(self, answers: dict[str, Any]) -> None:
        """Several answers given as one step (one "back" undoes them all)."""
        for ev_id, value in answers.items():
            self._set(ev_id, value, field=f"answers.{ev_id}")
        also = implied(self.pack, self._answers)
        for ev_id, value in also.items():  # answered with the step that implies them, so "back" undoes both
            self._set(ev_id, value, field=f"answers.{ev_id}")
        answers = {**answers, **also}
        keys = list(answers)
        self._asked = [[k for k in step if k not in answers] for step in self._asked]
        self._asked = [step for step in self._asked if step]
        self._asked.append(keys)

    def _list_items(self, list_id: str) -> list[str] | None:
        """The yes/no items of a list question, or None when the id is a single question."""
        if list_id in self.pack.checklists:
            return self.pack.checklists[list_id]
        if list_id == GATE_ID:
            return policy.gate_items(self)
        if list_id.startswith(RED_FLAG_GROUP_PREFIX):
            gid = list_id[len(RED_FLAG_GROUP_PREFIX):]
            for g in self.pack.meta.red_flag_groups:
                if g.id == gid:
                    return list(g.evidence)
            raise InputError(f"answers.{list_id}", "unknown red-flag group")
        return None

    def _expand_list(self, list_id: str, members: list[str], value: Any) -> dict[str, Any]:
        field = f"answers.{list_id}"
        askable = self.askable()
        open_members = [m for m in members if m not in self._answers and askable[self.question_index[m]]]
        if isinstance(value, str) and value.lower() in UNKNOWN:
            return {m: "unknown" for m in open_members}
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise InputError(field, "expects a list of the items that apply")
        for item in items:
            if item not in members:
                raise InputError(field, f"{item!r} is not an item of this list")
        chosen = set(items)
        asked = set(open_members) | chosen
        return {m: ("present" if m in chosen else "absent") for m in members if m in asked}

    def open_members(self, checklist_id: str) -> list[str]:
        """Checklist items not yet answered that may be asked of this person now."""
        askable = self.askable()
        return [m for m in self.pack.checklists[checklist_id]
                if m not in self._answers and askable[self.question_index[m]]]

    def back(self) -> str | None:
        """Undo the last answer step; returns the evidence id that is open again (first of a list)."""
        if not self._asked:
            return None
        keys = self._asked.pop()
        for ev_id in keys:
            self._answers.pop(ev_id, None)
        self._cache = None
        return keys[0]

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self._answers)

    @property
    def raw_answers(self) -> dict[str, Any]:
        """The answers without a copy, for the modules of this package (read only)."""
        return self._answers

    @property
    def questions_asked(self) -> int:
        return len(self._asked)

    def last_step(self) -> list[str]:
        return self._asked[-1] if self._asked else []

    # ----- engine state --------------------------------------------------------------------------
    def _sex_index(self) -> int | None:
        return SEXES[self.sex] if self.sex else None

    def facts(self) -> dict[str, Any]:
        return facts_of(self.pack, self._answers, self.age, self.sex, self.pregnant)

    def state(self) -> State:
        if self._cache is None:
            pack = self.pack
            model = pack.compiled.model
            observed = outcomes_of(pack, self._answers)
            lp = post_mod.log_posterior(model, self.age, self._sex_index(), observed)
            lp0 = lp
            facts = self.facts()
            fired = triage_mod.fired_rules(pack.compiled.rules, facts)
            # A fired rule is evidence for the conditions it names (one story: triage and differential).
            rule_rows = triage_mod.rule_rows(model, [r for r in fired if not r.scope], lp,
                                             pack.meta.emergency_rule_min_share)
            if len(rule_rows):
                lp = lp + rule_rows.sum(axis=0)
            idx = pack.compiled.outcome_index
            present_guardable = [idx[k]["present"] for k in sorted(safety.guardable_findings(pack))
                                 if self._answers.get(k) == "present" and k in idx]
            base = lp0 - triage_mod.outcome_rows(model, present_guardable).sum(axis=0)
            safe_rule_rows = triage_mod.rule_rows_for_safety(model, [r for r in fired if not r.scope], base,
                                                             pack.meta.emergency_rule_min_share)
            lp_safe = lp0 + safe_rule_rows.sum(axis=0) if len(safe_rule_rows) else lp0
            guarded = sorted(safety.guarded_findings(pack, facts), key=lambda k: idx[k]["present"])
            signs = [idx[k]["present"] for k in safety.red_flag_signs(pack) if self._answers.get(k) == "present"]
            # ... and what they imply, part of their "yes" (only what is in the posterior as an answer)
            signs += [idx[k]["present"] for k in sorted(safety.implied_by_signs(pack, facts))
                      if self._answers.get(k) == "present" and k in idx and idx[k]["present"] not in signs]
            urgent_rows = np.vstack([triage_mod.outcome_rows(model, [idx[k]["present"] for k in guarded]),
                                     rule_rows])
            protects = np.ones(urgent_rows.shape, dtype=bool)  # fired rules' rows protect every condition
            for i, k in enumerate(guarded):
                scope = safety.protected_by(pack, facts, k)
                if scope is not None:
                    protects[i] = False
                    protects[i, list(scope)] = True
            sign_rows = np.vstack([triage_mod.outcome_rows(model, sorted(signs)), rule_rows])
            n_guarded = len(guarded)
            urgent_rows_safe = np.vstack([urgent_rows[:n_guarded], safe_rule_rows])
            sign_rows_safe = np.vstack([sign_rows[: len(sign_rows) - len(rule_rows)], safe_rule_rows])
            self._cache = State(lp, post_mod.normalise(lp), observed, facts, fired, urgent_rows, protects,
                                sign_rows, lp_safe, urgent_rows_safe, sign_rows_safe)
        return self._cache

    def posterior(self) -> dict[str, float]:
        post = self.state().post
        return {cid: float(p) for cid, p in zip(self.pack.compiled.condition_ids, post, strict=True)}

    def askable(self) -> np.ndarray:
        model = self.pack.compiled.model
        answered = np.zeros(model.n_questions, dtype=bool)
        for ev_id in self._answers:
            answered[self.question_index[ev_id]] = True
        observed_mask = np.zeros(model.n_outcomes, dtype=bool)
        observed_mask[self.state().observed] = True
        return q_mod.askable(model, answered, observed_mask, self.age, self._sex_index())

    def level(self) -> int:
        return triage_svc.decide(self).level

    def handover(self) -> HandOver | None:
        """The pack this complaint belongs to, when it is another's."""
        return handover_mod.target(self)

    def follow_handover(self, load: Callable[[str], Pack] | None = None) -> Interview:
        """The interview moved to the pack the complaint belongs to (itself when there is none)."""
        return handover_mod.follow(self) if load is None else handover_mod.follow(self, load)

    # ----- the interview ---------------------------------------------------------------------------
    def next_question(self) -> NextQuestion | None:
        return policy.decide(self)[0]

    def should_stop(self) -> tuple[bool, str | None]:
        question, reason = policy.decide(self)
        return question is None, reason

    def step(self, top: int = 5) -> InterviewStep:
        question, reason = policy.decide(self)
        return InterviewStep(
            next_question=question,
            should_stop=question is None,
            stop_reason=reason,
            assessment=self._assessment(top, question is None, reason),
            handed_over_from=self.handed_over_from,
        )

    def result(self, top: int = 5, *, all_causes: bool = False) -> Assessment:
        """The assessment now. `all_causes` lists causes under 1% too (for explaining any one of them)."""
        question, reason = policy.decide(self)
        return self._assessment(top, question is None, reason, all_causes)

    def answer_text(self, ev_id: str) -> str:
        """The answer as a person reads it: yes, no, a choice's label, a list of labels, a number."""
        return wording.answer_text(self.pack, ev_id, self._answers.get(ev_id, "unknown"))

    # ----- the result ------------------------------------------------------------------------------
    def _assessment(self, top: int, should_stop: bool, reason: str | None, all_causes: bool = False) -> Assessment:
        pack = self.pack
        state = self.state()
        decision = triage_svc.decide(self)
        triage = triage_svc.triage(self, decision)
        to = self.handover()
        scope_rules = [r for r in state.fired if r.scope]
        scope_rule = pack.rule(scope_rules[0].id) if scope_rules and to is None else None
        out_of_scope = wording.pick(scope_rule.message, scope_rule.message_other, self.speaker) if scope_rule else None
        level_name = LEVEL_NAMES[decision.level]
        safety_net = [wording.pick(s.text, s.text_other, self.speaker) for s in pack.meta.safety_netting
                      if s.level in ("always", level_name)]
        elsewhere = out_of_scope is not None or to is not None  # this pack has nothing to say about it
        differential = [] if elsewhere else explain.differential(self, top, decision.from_conditions,
                                                                    0.0 if all_causes else triage_svc.LISTED_MIN)
        if differential and decision.level < triage_mod.EMERGENCY:
            lead = pack.conditions[differential[0].condition_id]
            if lead.when_to_seek_help:
                safety_net.append(wording.pick(lead.when_to_seek_help, lead.when_to_seek_help_other, self.speaker))
        return Assessment(
            pack=PackRef(id=pack.id, version=pack.version),
            engine_version=__version__,
            demographics=Demographics(age=self.age, sex=self.sex, pregnant=self.pregnant),  # type: ignore[arg-type]
            complaint=self.complaint,
            answers=self.answers,
            differential=differential,
            triage=triage,
            recommendations=Recommendations() if elsewhere else recommend.recommend(self, decision),
            safety_netting=safety_net,
            disclaimer=pack.meta.disclaimer,
            out_of_scope=out_of_scope,
            questions_asked=self.questions_asked,
            should_stop=should_stop,
            stop_reason=reason,
            handover=HandOverRef(pack=to.pack, complaint=to.complaint) if to is not None else None,
            handed_over_from=self.handed_over_from,
        )


def assess(pack: Pack, case: dict[str, Any]) -> Assessment:
    """Assess a case given as plain data: {age, sex, pregnant?, complaint?, speaker?, answers: {...}}."""
    if not isinstance(case, dict):
        raise InputError("", "a case must be a JSON object")
    unknown = set(case) - {"age", "sex", "pregnant", "complaint", "answers", "pack", "speaker"}
    if unknown:
        raise InputError(sorted(unknown)[0], "unknown field")
    if "age" not in case:
        raise InputError("age", "is required")
    answers = case.get("answers")
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise InputError("answers", "must be an object of evidence id -> answer")
    interview = Interview(pack, age=case["age"], sex=case.get("sex"), pregnant=case.get("pregnant"),
                          complaint=case.get("complaint"), answers=answers, speaker=case.get("speaker", "self"))
    return interview.follow_handover().result()
