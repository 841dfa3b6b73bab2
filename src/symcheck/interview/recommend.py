"""Whom to see, which tests to expect and what to do meanwhile, following the triage level: at an emergency
level, emergency care comes first and the specialists of the conditions behind it are the follow-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from symcheck.engine import triage as triage_mod
from symcheck.engine.model import LEVEL_NAMES
from symcheck.results import Item, Recommendations

if TYPE_CHECKING:
    from symcheck.interview.session import Interview
    from symcheck.interview.triage import Decision


def recommend(iv: Interview, decision: Decision) -> Recommendations:
    pack = iv.pack
    post = iv.state().post
    level = decision.level
    top = [int(c) for c in np.argsort(-post, kind="stable")[:5] if post[c] >= 0.05] or [int(np.argmax(post))]
    # The conditions that set an urgent level decide the specialists and tests; otherwise the likely causes.
    basis = list(decision.from_conditions) if level >= triage_mod.CONSULTATION_24 and decision.from_conditions else top
    spec_score: dict[str, float] = {}
    test_score: dict[str, float] = {}
    for c in basis:
        cond = pack.conditions[pack.compiled.condition_ids[c]]
        weight = max(float(post[c]), 1e-6)
        for rank, sid in enumerate(cond.specialists):
            spec_score[sid] = spec_score.get(sid, 0.0) + weight / (1 + rank)
        for rank, tid in enumerate(cond.tests):
            test_score[tid] = test_score.get(tid, 0.0) + weight / (1 + rank)
    self_care: list[str] = []
    if level == triage_mod.SELF_CARE:
        for c in top:
            cond = pack.conditions[pack.compiled.condition_ids[c]]
            if cond.urgency == "self_care" and post[c] >= 0.1:
                steps = cond.self_care_other if iv.speaker == "other" and cond.self_care_other else cond.self_care
                self_care += [s for s in steps if s not in self_care]
    care = pack.meta.care_by_level  # where to go now, by level (pack data)
    now = care.get(LEVEL_NAMES[level])
    ranked_specs = sorted(spec_score, key=lambda s: -spec_score[s])
    if now is not None and now in pack.specialists:
        specialists = [now]
        follow_up = [s for s in ranked_specs if s not in care.values()][:3]
        if level <= triage_mod.CONSULTATION:
            specialists = [now] + follow_up[:2]
            follow_up = []
    else:
        specialists, follow_up = ranked_specs[:3], []
    tests = sorted(test_score, key=lambda t: -test_score[t])[:5]

    def item(table: dict[str, Any], key: str) -> Item:
        obj = table.get(key)
        return Item(id=key, name=obj.name if obj else key, description=obj.description if obj else "")

    return Recommendations(
        specialists=[item(pack.specialists, s) for s in specialists],
        follow_up=[item(pack.specialists, s) for s in follow_up],
        tests=[item(pack.tests, t) for t in tests],
        self_care=self_care[:8],
    )
