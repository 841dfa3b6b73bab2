"""Counts that describe a pack: its size and how much of it is sourced and reviewed."""

from __future__ import annotations

from typing import Any

from symcheck.kb.pack import Pack
from symcheck.kb.schema import Likelihood


def pack_stats(pack: Pack) -> dict[str, Any]:
    n_links = 0
    sourced = 0
    estimates = 0
    for cond in pack.conditions.values():
        for raw in cond.likelihoods.values():
            n_links += 1
            lk = raw if isinstance(raw, Likelihood) else Likelihood(p=float(raw))
            if lk.source or cond.likelihood_source:
                sourced += 1
            if lk.estimate:
                estimates += 1
    reviewed = sum(1 for c in pack.conditions.values() if c.review is not None)
    rules_sourced = sum(1 for r in pack.rules if r.source)
    model = pack.compiled.model
    return {
        "pack": pack.id,
        "version": pack.version,
        "conditions": len(pack.conditions),
        "evidence": len(pack.evidence),
        "evidence_by_type": {t: sum(1 for e in pack.evidence.values() if e.type == t)
                             for t in ("yes_no", "one_of", "many_of", "number")},
        "links": n_links,
        "links_sourced_share": round(sourced / n_links, 4) if n_links else 1.0,
        "links_estimated_share": round(estimates / n_links, 4) if n_links else 0.0,
        "rules": len(pack.rules),
        "rules_sourced_share": round(rules_sourced / len(pack.rules), 4) if pack.rules else 1.0,
        "complaints": len(pack.meta.complaints),
        "sources": len(pack.sources),
        "conditions_reviewed_share": round(reviewed / len(pack.conditions), 4) if pack.conditions else 0.0,
        "specialists": len(pack.specialists),
        "tests": len(pack.tests),
        "compiled_outcomes": model.n_outcomes,
        "compiled_links": model.n_links,
        "compiled_bytes": model.nbytes(),
    }
