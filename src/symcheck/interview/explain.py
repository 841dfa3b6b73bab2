"""The differential: the likely causes, each with the answers that pushed it up or down."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from symcheck.engine import posterior as post_mod
from symcheck.interview import wording
from symcheck.interview.facts import outcomes_of
from symcheck.interview.triage import LISTED_MIN
from symcheck.results import Contribution, DifferentialItem

if TYPE_CHECKING:
    from symcheck.interview.session import Interview

MIN_SHOWN_LLR = 0.05


def differential(iv: Interview, top: int, must_list: tuple[int, ...] = (),
                 min_probability: float = LISTED_MIN) -> list[DifferentialItem]:
    """The `top` most probable causes at or above `min_probability`, plus any cause the triage names."""
    pack = iv.pack
    model = pack.compiled.model
    state = iv.state()
    post = state.post
    ranked = [int(c) for c in np.argsort(-post, kind="stable")[:top] if post[c] >= min_probability]
    ranked += [c for c in must_list if c not in ranked]
    ranked.sort(key=lambda c: -float(post[c]))
    order = np.asarray(ranked, dtype=np.int64)
    answers = iv.raw_answers
    answered = [k for k, v in answers.items() if v != "unknown"]
    per_q = [outcomes_of(pack, {k: answers[k]}) for k in answered]
    flat = np.concatenate(per_q) if per_q else np.zeros(0, dtype=np.int64)
    llr = post_mod.explain(model, post, flat, order) if len(order) else np.zeros((0, 0))
    fired = [r for r in state.fired if not r.scope and r.conditions]
    items = []
    for i, c in enumerate(ranked):
        cid = pack.compiled.condition_ids[c]
        cond = pack.conditions[cid]
        contribs: list[Contribution] = []
        pos = 0
        # A fired rule's own findings are part of the pattern that points to this condition: they are not
        # shown as evidence against it (the rule itself is listed as evidence for it).
        own = {n for r in fired if c in r.conditions for n in r.order}
        for ev_id, outs in zip(answered, per_q, strict=True):
            value = float(llr[i, pos : pos + len(outs)].sum())
            pos += len(outs)
            if value < 0 and ev_id in own and answers[ev_id] == "present":
                continue
            if abs(value) >= MIN_SHOWN_LLR:
                e = pack.evidence[ev_id]
                contribs.append(Contribution(evidence_id=ev_id, question=wording.question_text(e, iv.speaker),
                                             answer=answers[ev_id], answer_text=wording.answer_text(pack, ev_id, answers[ev_id]),
                                             log_likelihood_ratio=round(value, 3)))
        for r in fired:
            value = _rule_llr(post, c, r.conditions, r.log_lr)
            if abs(value) >= MIN_SHOWN_LLR:
                rule = pack.rule(r.id)
                message = wording.pick(rule.message, rule.message_other, iv.speaker)
                contribs.append(Contribution(evidence_id=f"rule:{r.id}", question="Warning signs together: "
                                             + message.split(".")[0], answer="present",
                                             answer_text="yes", log_likelihood_ratio=round(value, 3)))
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


def _rule_llr(post: np.ndarray, c: int, conditions: tuple[int, ...], log_lr: float) -> float:
    """log P(rule | c) - log P(rule | not c), with the rule's likelihood ratio for the conditions it names."""
    lr = np.ones(len(post))
    lr[list(conditions)] = np.exp(log_lr)
    rest = 1.0 - post[c]
    if rest <= 1e-12:
        return 0.0
    alt = (float((post * lr).sum()) - post[c] * lr[c]) / rest
    return float(np.log(lr[c]) - np.log(max(alt, 1e-12)))
