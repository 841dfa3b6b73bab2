"""The service layer: an interview over a pack. The CLI, the HTTP API and the web app all use it.

An Interview holds only demographics and answers; every result is recomputed from them by the pure
engine, so the same answers always give the same output and any worker can serve any step.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcheck import __version__
from symcheck.engine import posterior as post_mod
from symcheck.engine import questions as q_mod
from symcheck.engine import triage as triage_mod
from symcheck.engine.model import F64, LEVEL_NAMES
from symcheck.errors import InputError, NotFound
from symcheck.kb.loader import UNKNOWN, YES, answer_problem, outcome_ids
from symcheck.kb.pack import Pack
from symcheck.kb.schema import StopConfig
from symcheck.results import (
    ACTIONS,
    Assessment,
    Choice,
    ConditionRef,
    Contribution,
    Demographics,
    DifferentialItem,
    InterviewStep,
    Item,
    NextQuestion,
    PackRef,
    Recommendations,
    RuleHit,
    Triage,
)

SEXES = {"female": 0, "male": 1}
MAX_AGE = 120
LN2 = math.log(2.0)
RULE_OUT_MIN_BITS = 0.005  # below this a question says too little about the condition to be worth asking
MAX_FLAG_SUBSETS = 8  # 2^8 posteriors at most; each costs O(links)


@dataclass
class _State:
    post: F64
    observed: np.ndarray
    facts: dict[str, Any]
    fired: list[triage_mod.CompiledRule]


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
        self.pack = pack
        self.speaker = speaker
        self.age = float(age)
        self.sex = sex
        self.pregnant = pregnant
        self.stop = stop or pack.meta.stop
        self.complaint: str | None = None
        self._answers: dict[str, Any] = {}
        self._asked: list[list[str]] = []  # the evidence each answer set, in order, for "back"
        self._cache: _State | None = None
        if complaint is not None:
            try:
                comp = pack.complaint(complaint)
            except NotFound:
                raise InputError("complaint", f"unknown complaint {complaint!r}") from None
            self.complaint = comp.id
            for ev_id, value in comp.answers.items():
                self._set(ev_id, value, field=f"complaint.{ev_id}")
        if pregnant is not None:
            for ev_id in ("pregnant", "pregnancy"):
                if ev_id in pack.evidence and ev_id not in self._answers:
                    self._set(ev_id, "present" if pregnant else "absent", field="pregnant")
        for ev_id, value in (answers or {}).items():
            self.answer(ev_id, value)

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

        A checklist id takes the list of its items that apply; the other open items become "absent".
        """
        if evidence_id in self.pack.checklists:
            self.answer_many(self._expand_checklist(evidence_id, value))
            return
        self.answer_many({evidence_id: value})

    def answer_many(self, answers: dict[str, Any]) -> None:
        """Several answers given as one step (one "back" undoes them all)."""
        for ev_id, value in answers.items():
            self._set(ev_id, value, field=f"answers.{ev_id}")
        keys = list(answers)
        self._asked = [[k for k in step if k not in answers] for step in self._asked]
        self._asked = [step for step in self._asked if step]
        self._asked.append(keys)

    def _expand_checklist(self, checklist_id: str, value: Any) -> dict[str, Any]:
        field = f"answers.{checklist_id}"
        members = self.pack.checklists[checklist_id]
        if isinstance(value, str) and value.lower() in UNKNOWN:
            return {m: "unknown" for m in self._open_members(checklist_id)}
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise InputError(field, "expects a list of the items that apply")
        for item in items:
            if item not in members:
                raise InputError(field, f"{item!r} is not an item of this checklist")
        chosen = set(items)
        open_members = set(self._open_members(checklist_id)) | chosen
        return {m: ("present" if m in chosen else "absent") for m in members if m in open_members}

    def _open_members(self, checklist_id: str) -> list[str]:
        """Checklist items not yet answered that may be asked of this person now."""
        askable = self._askable()
        index = {q: i for i, q in enumerate(self.pack.compiled.question_ids)}
        return [m for m in self.pack.checklists[checklist_id] if m not in self._answers and askable[index[m]]]

    def back(self) -> str | None:
        """Undo the last answer step; returns the evidence id that is open again (first of a checklist)."""
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
    def questions_asked(self) -> int:
        return len(self._asked)

    # ----- engine state --------------------------------------------------------------------------
    def _sex_index(self) -> int | None:
        return SEXES[self.sex] if self.sex else None

    def _outcomes(self, answers: dict[str, Any]) -> np.ndarray:
        idx = self.pack.compiled.outcome_index
        out: list[int] = []
        for ev_id, value in answers.items():
            if value == "unknown":
                continue
            e = self.pack.evidence[ev_id]
            if e.type == "yes_no" or e.type == "one_of":
                out.append(idx[ev_id][value])
            elif e.type == "number":
                out.append(idx[ev_id][f"b{int(np.searchsorted(e.bins, value, side='right'))}"])
            else:
                chosen = set(value)
                for choice in outcome_ids(e):
                    out.append(idx[ev_id][choice if choice in chosen else f"{choice}:absent"])
        return np.asarray(out, dtype=np.int64)

    def facts(self) -> dict[str, Any]:
        """Plain values for rule expressions: True/False/None, a choice, a set of choices, a number."""
        facts: dict[str, Any] = {"age": self.age, "sex": self.sex, "pregnant": self.pregnant}
        for ev_id, value in self._answers.items():
            e = self.pack.evidence[ev_id]
            if value == "unknown":
                facts[ev_id] = None
            elif e.type == "yes_no":
                facts[ev_id] = value == "present"
            elif e.type == "many_of":
                facts[ev_id] = frozenset(value)
            else:
                facts[ev_id] = value
        if self.pregnant is None:
            for ev_id in ("pregnant", "pregnancy"):
                if ev_id in facts:
                    facts["pregnant"] = facts[ev_id]
        return facts

    def _state(self) -> _State:
        if self._cache is None:
            model = self.pack.compiled.model
            observed = self._outcomes(self._answers)
            lp = post_mod.log_posterior(model, self.age, self._sex_index(), observed)
            facts = self.facts()
            fired = triage_mod.fired_rules(self.pack.compiled.rules, facts)
            self._cache = _State(post_mod.normalise(lp), observed, facts, fired)
        return self._cache

    def posterior(self) -> dict[str, float]:
        post = self._state().post
        return {cid: float(p) for cid, p in zip(self.pack.compiled.condition_ids, post, strict=True)}

    def _askable(self) -> np.ndarray:
        model = self.pack.compiled.model
        answered = np.zeros(model.n_questions, dtype=bool)
        q_index = {q: i for i, q in enumerate(self.pack.compiled.question_ids)}
        for ev_id in self._answers:
            answered[q_index[ev_id]] = True
        observed_mask = np.zeros(model.n_outcomes, dtype=bool)
        observed_mask[self._state().observed] = True
        return q_mod.askable(model, answered, observed_mask, self.age, self._sex_index())

    # ----- the interview ---------------------------------------------------------------------------
    def _decide(self) -> tuple[NextQuestion | None, str | None]:
        state = self._state()
        if any(r.scope for r in state.fired):
            return None, "out_of_scope"
        if any(r.level >= triage_mod.EMERGENCY for r in state.fired):
            return None, "red_flag"
        model = self.pack.compiled.model
        askable = self._askable()
        ids = self.pack.compiled.question_ids
        can_ask = {ids[i]: bool(askable[i]) for i in range(len(ids))}
        gains = q_mod.information_gain(model, state.post)
        # For screening, "don't know" counts as "no": it ends that branch of the check instead of walking
        # through every other part of the rule. The rule itself still only fires on certain facts.
        screen_facts = {k: (False if v is None and k in self.pack.evidence else v) for k, v in state.facts.items()}
        screen = triage_mod.screening_evidence(self.pack.compiled.rules, screen_facts, self.complaint, can_ask)
        if screen is not None and self.questions_asked < self.stop.max_questions:
            ev_id, rule = screen
            q = ids.index(ev_id)
            return self._question(q, gains[q], "red_flag_check", rule.id), None
        if self.questions_asked >= self.stop.max_questions:
            return None, "question_budget"
        # Rule out before reassuring: while a condition that needs faster care than the current level is
        # possible but below its triage threshold, ask what best settles that condition.
        for c in self._watch_list(state):
            gains_c = q_mod.condition_gain(model, state.post, c)
            q, gain = q_mod.best_question(gains_c, askable)
            if q >= 0 and gain / LN2 >= RULE_OUT_MIN_BITS:
                return self._question(q, gain, "rule_out", None, rule_out=c), None
        if float(state.post.max()) >= self.stop.probability:
            return None, "confident"
        q, gain = q_mod.best_question(gains, askable)
        # A checklist is worth the summed gain of its open items (they are answered together).
        best_list, list_gain = None, gain
        for cl_id in self.pack.checklists:
            members = self._open_members(cl_id)
            if len(members) >= 2:
                total = float(sum(gains[ids.index(m)] for m in members))
                if total > list_gain:
                    best_list, list_gain = cl_id, total
        if best_list is not None and list_gain / LN2 >= self.stop.min_information_gain:
            return self._checklist_question(best_list, list_gain), None
        if q < 0 or gain / LN2 < self.stop.min_information_gain:
            return None, "no_informative_question"
        return self._question(q, gain, "information_gain", None), None

    def _checklist_question(self, checklist_id: str, gain: float) -> NextQuestion:
        cl = next(c for c in self.pack.meta.checklists if c.id == checklist_id)
        members = self._open_members(checklist_id)
        return NextQuestion(
            evidence_id=checklist_id,
            text=cl.question,
            type="many_of",
            choices=[Choice(id=m, label=self.pack.evidence[m].label or self.pack.evidence[m].question.lay) for m in members],
            reason="information_gain",
            information_gain=round(gain / LN2, 4),
            why="Several of these can cause or worsen the problem; tick all that apply, or none.",
        )

    def _watch_list(self, state: _State) -> list[int]:
        """Conditions needing faster care than the current level, possible (>= watch) but below their
        level's threshold, most probable first."""
        model = self.pack.compiled.model
        level = max(max((r.level for r in state.fired), default=-1), triage_mod.differential_level(model, state.post)[0])
        urgency = model.cond_urgency
        threshold = model.level_threshold[urgency]
        post = state.post
        mask = (urgency >= triage_mod.CONSULTATION_24) & (urgency > level) & (post >= self.stop.safety_watch) & (post < threshold)
        hits = np.nonzero(mask)[0]
        return [int(c) for c in hits[np.argsort(-post[hits], kind="stable")]]

    def _question(self, q: int, gain: float, reason: str, rule_id: str | None, rule_out: int | None = None) -> NextQuestion:
        pack = self.pack
        e = pack.evidence[pack.compiled.question_ids[q]]
        post = self._state().post
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
            why = "We ask this first to rule out a condition that needs urgent care."
        elif rule_out is not None:
            name = pack.conditions[pack.compiled.condition_ids[rule_out]].name
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
            text=e.question.lay,
            clinical_text=e.question.clinical,
            type=e.type,
            choices=choices,
            unit=e.unit,
            reason=reason,  # type: ignore[arg-type]
            red_flag_rule=rule_id,
            information_gain=round(float(gain) / LN2, 4),
            why=why,
            separates=separates,
        )

    def next_question(self) -> NextQuestion | None:
        return self._decide()[0]

    def should_stop(self) -> tuple[bool, str | None]:
        question, reason = self._decide()
        return question is None, reason

    def step(self, top: int = 5) -> InterviewStep:
        question, reason = self._decide()
        return InterviewStep(
            next_question=question,
            should_stop=question is None,
            stop_reason=reason,
            assessment=self._assessment(top, question is None, reason),
        )

    def result(self, top: int = 5) -> Assessment:
        question, reason = self._decide()
        return self._assessment(top, question is None, reason)

    # ----- the result ------------------------------------------------------------------------------
    def _triage(self, state: _State) -> tuple[int, Triage]:
        pack = self.pack
        model = pack.compiled.model
        rule_level = max((r.level for r in state.fired), default=-1)
        diff_level, diff_conds = triage_mod.differential_level(model, state.post)
        # A red-flag finding may only raise urgency, never lower it (it could, through the posterior, by
        # making another condition likelier). So the differential level is the highest over the answers
        # with any subset of the positive red-flag findings left out: adding one can then never lower it.
        # Red-flag findings are the yes/no signs named by non-scope rules; choice answers such as a location
        # are context that the differential needs, so they always stay in.
        flagged = {n for r in pack.compiled.rules if not r.scope for n in r.expression.names
                   if n in pack.evidence and pack.evidence[n].type == "yes_no"}
        positive = [k for k, v in self._answers.items() if k in flagged and v == "present"]
        if len(positive) <= MAX_FLAG_SUBSETS:
            subsets = [s for r in range(1, len(positive) + 1) for s in itertools.combinations(positive, r)]
        else:  # bounded work: each finding alone, and all of them
            subsets = [(k,) for k in positive] + [tuple(positive)]
        for subset in subsets:
            without = {k: v for k, v in self._answers.items() if k not in subset}
            lp = post_mod.log_posterior(model, self.age, self._sex_index(), self._outcomes(without))
            alt_level, alt_conds = triage_mod.differential_level(model, post_mod.normalise(lp))
            if alt_level > diff_level:
                diff_level, diff_conds = alt_level, alt_conds
        level = max(rule_level, diff_level)
        # Uncertainty is not reassurance: self-care needs every red-flag check of the complaint decided.
        # A check left open ("don't know", or never asked, as in an assessment from a file) keeps the
        # person from self-care.
        unsure = [r.id for r in pack.compiled.rules if r.screen and not r.scope
                  and (not r.complaints or self.complaint in r.complaints)
                  and r.expression.evaluate(state.facts) is None]
        unsure_floor = level == triage_mod.SELF_CARE and bool(unsure)
        if unsure_floor:
            level = max(level, model.default_level)
        hits = []
        reasons: list[str] = []
        for r in sorted(state.fired, key=lambda r: -r.level):
            rule = next(x for x in pack.rules if x.id == r.id)
            findings = [
                self._describe(n) for n in r.order if state.facts.get(n) not in (None, False, frozenset())
            ]
            hits.append(RuleHit(id=r.id, level=LEVEL_NAMES[r.level], message=rule.message,
                                while_waiting=rule.while_waiting, findings=findings))
            if r.level == level:
                reasons.append(rule.message)
        from_conditions: list[str] = []
        if diff_level == level and diff_conds:
            from_conditions = [pack.compiled.condition_ids[c] for c in diff_conds[:3]]
            names = ", ".join(pack.conditions[c].name for c in from_conditions)
            if level >= triage_mod.CONSULTATION:
                reasons.append(f"Possible causes that need this level of care: {names}.")
            else:
                reasons.append(f"The likely causes can usually be managed at home: {names}.")
        if unsure_floor:
            reasons.insert(0, "Some safety checks are still open (not asked, or answered \"don't know\"), so a doctor "
                              "should check rather than relying on self-care.")
        if not reasons:
            reasons.append("The answers do not point clearly to one cause, so a doctor should take a look.")
        level_name = LEVEL_NAMES[level]
        return level, Triage(level=level_name, action=ACTIONS[level_name], reasons=reasons, red_flags=hits,
                             from_conditions=from_conditions)

    def answer_text(self, ev_id: str) -> str:
        """The answer as a person reads it: yes, no, a choice's label, a list of labels, a number."""
        e = self.pack.evidence[ev_id]
        value = self._answers.get(ev_id, "unknown")
        if value == "unknown":
            return "don't know"
        if e.type == "yes_no":
            return "yes" if value == "present" else "no"
        labels = {c.id: c.label for c in e.choices}
        if e.type == "many_of":
            return ", ".join(labels[v] for v in value) or "none of these"
        if e.type == "one_of":
            return labels.get(value, str(value))
        return f"{value:g}{' ' + e.unit if e.unit else ''}"

    def _describe(self, ev_id: str) -> str:
        e = self.pack.evidence[ev_id]
        value = self._answers.get(ev_id)
        label = e.question.clinical or e.question.lay
        if e.type == "yes_no":
            return label
        if e.type == "many_of":
            names = {c.id: c.label for c in e.choices}
            return f"{label}: {', '.join(names[v] for v in value)}"
        if e.type == "one_of":
            names = {c.id: c.label for c in e.choices}
            return f"{label}: {names.get(value, value)}"
        return f"{label}: {value:g}{' ' + e.unit if e.unit else ''}"

    def _differential(self, state: _State, top: int) -> list[DifferentialItem]:
        pack = self.pack
        model = pack.compiled.model
        post = state.post
        order = np.argsort(-post, kind="stable")[:top]
        answered = [k for k, v in self._answers.items() if v != "unknown"]
        per_q: list[np.ndarray] = [self._outcomes({k: self._answers[k]}) for k in answered]
        flat = np.concatenate(per_q) if per_q else np.zeros(0, dtype=np.int64)
        llr = post_mod.explain(model, post, flat, order)
        items = []
        for i, c in enumerate(order):
            cid = pack.compiled.condition_ids[c]
            cond = pack.conditions[cid]
            contribs: list[Contribution] = []
            pos = 0
            for ev_id, outs in zip(answered, per_q, strict=True):
                value = float(llr[i, pos : pos + len(outs)].sum())
                pos += len(outs)
                if abs(value) >= 0.05:
                    e = pack.evidence[ev_id]
                    contribs.append(Contribution(evidence_id=ev_id, question=e.question.lay, answer=self._answers[ev_id],
                                                 answer_text=self.answer_text(ev_id), log_likelihood_ratio=round(value, 3)))
            contribs.sort(key=lambda x: -abs(x.log_likelihood_ratio))
            items.append(
                DifferentialItem(
                    condition_id=cid,
                    name=cond.name,
                    lay_name=cond.lay_name,
                    probability=round(float(post[c]), 4),
                    urgency=cond.urgency,
                    icd10=cond.icd10,
                    evidence_for=[x for x in contribs if x.log_likelihood_ratio > 0][:6],
                    evidence_against=[x for x in contribs if x.log_likelihood_ratio < 0][:6],
                )
            )
        return items

    def _recommend(self, state: _State, level: int) -> Recommendations:
        pack = self.pack
        post = state.post
        order = [int(c) for c in np.argsort(-post, kind="stable")[:5] if post[c] >= 0.05] or [int(np.argmax(post))]
        spec_score: dict[str, float] = {}
        test_score: dict[str, float] = {}
        self_care: list[str] = []
        for c in order:
            cond = pack.conditions[pack.compiled.condition_ids[c]]
            for rank, sid in enumerate(cond.specialists):
                spec_score[sid] = spec_score.get(sid, 0.0) + float(post[c]) / (1 + rank)
            for rank, tid in enumerate(cond.tests):
                test_score[tid] = test_score.get(tid, 0.0) + float(post[c]) / (1 + rank)
            if level <= triage_mod.CONSULTATION and cond.urgency == "self_care" and post[c] >= 0.1:
                self_care += [s for s in cond.self_care if s not in self_care]
        specs = sorted(spec_score, key=lambda s: -spec_score[s])[:3]
        tests = sorted(test_score, key=lambda t: -test_score[t])[:5]

        def item(table: dict[str, Any], key: str) -> Item:
            obj = table.get(key)
            return Item(id=key, name=obj.name if obj else key, description=obj.description if obj else "")

        return Recommendations(
            specialists=[item(pack.specialists, s) for s in specs],
            tests=[item(pack.tests, t) for t in tests],
            self_care=self_care[:8],
        )

    def _assessment(self, top: int, should_stop: bool, reason: str | None) -> Assessment:
        pack = self.pack
        state = self._state()
        level, triage = self._triage(state)
        scope_rules = [r for r in state.fired if r.scope]
        out_of_scope = None
        if scope_rules:
            out_of_scope = next(x.message for x in pack.rules if x.id == scope_rules[0].id)
        level_name = LEVEL_NAMES[level]
        safety = [s.text for s in pack.meta.safety_netting if s.level in ("always", level_name)]
        differential = [] if out_of_scope else self._differential(state, top)
        if differential:
            lead = pack.conditions[differential[0].condition_id]
            if lead.when_to_seek_help:
                safety.append(lead.when_to_seek_help)
        return Assessment(
            pack=PackRef(id=pack.id, version=pack.version),
            engine_version=__version__,
            demographics=Demographics(age=self.age, sex=self.sex, pregnant=self.pregnant),  # type: ignore[arg-type]
            complaint=self.complaint,
            answers=self.answers,
            differential=differential,
            triage=triage,
            recommendations=Recommendations() if out_of_scope else self._recommend(state, level),
            safety_netting=safety,
            disclaimer=pack.meta.disclaimer,
            out_of_scope=out_of_scope,
            questions_asked=self.questions_asked,
            should_stop=should_stop,
            stop_reason=reason,
        )


def assess(pack: Pack, case: dict[str, Any]) -> Assessment:
    """Assess a case given as plain data: {age, sex, pregnant?, complaint?, answers: {...}}."""
    if not isinstance(case, dict):
        raise InputError("", "a case must be a JSON object")
    unknown = set(case) - {"age", "sex", "pregnant", "complaint", "answers", "pack"}
    if unknown:
        raise InputError(sorted(unknown)[0], "unknown field")
    if "age" not in case:
        raise InputError("age", "is required")
    answers = case.get("answers") or {}
    if not isinstance(answers, dict):
        raise InputError("answers", "must be an object of evidence id -> answer")
    interview = Interview(pack, age=case["age"], sex=case.get("sex"), pregnant=case.get("pregnant"),
                          complaint=case.get("complaint"), answers=answers)
    return interview.result()
