"""Compile validated pack data into the engine's arrays."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from symcheck.engine.model import LEVEL_NAMES, MANY_OF, ONE_OF, YES_NO, CompiledModel, build_model
from symcheck.engine.rules import parse as parse_rule
from symcheck.engine.triage import EMERGENCY, CompiledRule
from symcheck.kb.loader import PackData, outcome_ids
from symcheck.kb.schema import Evidence, Likelihood

KIND = {"yes_no": YES_NO, "one_of": ONE_OF, "number": ONE_OF, "many_of": MANY_OF}
# One-of probabilities never reach 0: an impossible answer would zero a condition for good, and a
# person's answer can be wrong.
FLOOR = 1e-3


@dataclass(frozen=True)
class Compiled:
    model: CompiledModel
    condition_ids: tuple[str, ...]
    question_ids: tuple[str, ...]
    # question id -> {answer id -> outcome index}; yes/no uses "present"/"absent";
    # many-of uses "<choice>" and "<choice>:absent"
    outcome_index: dict[str, dict[str, int]]
    rules: tuple[CompiledRule, ...]


def _one_of_background(e: Evidence) -> list[float]:
    ids = outcome_ids(e)
    given = e.background if isinstance(e.background, dict) else {}
    rest = [i for i in ids if i not in given]
    left = max(1.0 - sum(given.values()), 0.0)
    probs = [given.get(i, left / len(rest) if rest else 0.0) for i in ids]
    probs = [max(p, FLOOR) for p in probs]
    total = sum(probs)
    return [p / total for p in probs]


def _one_of_row(values: dict[str, float], ids: list[str], background: list[float]) -> list[float]:
    """A condition's full distribution: the listed values, and the rest shared in proportion to background."""
    left = max(1.0 - sum(values.values()), 0.0)
    rest_bg = sum(b for i, b in zip(ids, background, strict=True) if i not in values)
    row = [values[i] if i in values else (left * b / rest_bg if rest_bg > 0 else 0.0) for i, b in zip(ids, background, strict=True)]
    row = [max(p, FLOOR) for p in row]
    total = sum(row)
    return [p / total for p in row]


def compile_pack(data: PackData) -> Compiled:
    meta = data.meta
    assert meta is not None, "compile_pack needs validated data"
    cond_ids = tuple(data.conditions)
    cond_index = {c: i for i, c in enumerate(cond_ids)}
    evidence = list(data.evidence.values())
    q_index = {e.id: i for i, e in enumerate(evidence)}

    # Priors
    bands = meta.age_bands
    log_prior = np.zeros((len(bands), 2, len(cond_ids)))
    for j, cid in enumerate(cond_ids):
        prior = data.conditions[cid].prior
        for b, (lo, hi) in enumerate(bands):
            age_mult = prior.age.get(f"{lo}-{hi}", 1.0)
            for s, sex in enumerate(("female", "male")):
                value = prior.base * age_mult * prior.sex.get(sex, 1.0)  # type: ignore[call-overload]
                log_prior[b, s, j] = math.log(value) if value > 0 else -np.inf

    q_kind, q_n, q_parent, q_parent_out, q_sex, q_min, q_max = [], [], [], [], [], [], []
    backgrounds: list[float] = []
    outcome_index: dict[str, dict[str, int]] = {}
    for e in evidence:
        start = len(backgrounds)
        idx: dict[str, int] = {}
        if e.type == "yes_no":
            b = float(e.background) if isinstance(e.background, float | int) else meta.background_rate
            backgrounds += [b, 1.0 - b]
            idx = {"present": start, "absent": start + 1}
        elif e.type in ("one_of", "number"):
            bg = _one_of_background(e)
            backgrounds += bg
            idx = {oid: start + k for k, oid in enumerate(outcome_ids(e))}
        else:
            for k, choice in enumerate(outcome_ids(e)):
                if isinstance(e.background, dict):
                    b = e.background.get(choice, meta.background_rate)
                elif isinstance(e.background, float | int):
                    b = float(e.background)
                else:
                    b = meta.background_rate
                backgrounds += [b, 1.0 - b]
                idx[choice] = start + 2 * k
                idx[f"{choice}:absent"] = start + 2 * k + 1
        outcome_index[e.id] = idx
        q_kind.append(KIND[e.type])
        q_n.append(len(backgrounds) - start)
        q_sex.append((not e.sexes or "female" in e.sexes, not e.sexes or "male" in e.sexes))
        q_min.append(e.min_age if e.min_age is not None else -np.inf)
        q_max.append(e.max_age if e.max_age is not None else np.inf)
    for e in evidence:
        if e.parent is None:
            q_parent.append(-1)
            q_parent_out.append(-1)
        else:
            q_parent.append(q_index[e.parent])
            parent = data.evidence[e.parent]
            if e.parent_value is not None:
                q_parent_out.append(outcome_index[e.parent][e.parent_value])
            elif parent.type == "yes_no":
                q_parent_out.append(outcome_index[e.parent]["present"])
            else:
                q_parent_out.append(-1)

    link_c: list[int] = []
    link_o: list[int] = []
    link_p: list[float] = []
    for cid in cond_ids:
        c = cond_index[cid]
        for ev_id, raw in data.conditions[cid].likelihoods.items():
            lk = Likelihood(p=float(raw)) if isinstance(raw, int | float) else raw
            e = data.evidence[ev_id]
            idx = outcome_index[ev_id]
            if e.type == "yes_no":
                p = float(lk.p)  # type: ignore[arg-type]
                link_c += [c, c]
                link_o += [idx["present"], idx["absent"]]
                link_p += [p, 1.0 - p]
            elif e.type in ("one_of", "number"):
                ids = outcome_ids(e)
                bg = [backgrounds[idx[i]] for i in ids]
                row = _one_of_row(lk.values or {}, ids, bg)
                for oid, p in zip(ids, row, strict=True):
                    link_c.append(c)
                    link_o.append(idx[oid])
                    link_p.append(p)
            else:
                for choice, p in (lk.values or {}).items():
                    link_c += [c, c]
                    link_o += [idx[choice], idx[f"{choice}:absent"]]
                    link_p += [p, 1.0 - p]

    thresholds = [meta.triage_thresholds.get(level, 0.0) for level in LEVEL_NAMES]  # type: ignore[call-overload]
    model = build_model(
        log_prior=log_prior,
        band_upper=np.array([hi for _, hi in bands], dtype=np.float64),
        q_kind=q_kind,
        q_n_outcomes=q_n,
        q_parent=q_parent,
        q_parent_outcome=q_parent_out,
        q_sex_ok=q_sex,
        q_min_age=q_min,
        q_max_age=q_max,
        out_background=backgrounds,
        links=(np.array(link_c, dtype=np.int64), np.array(link_o, dtype=np.int64), np.array(link_p)),
        cond_urgency=[LEVEL_NAMES.index(data.conditions[c].urgency) for c in cond_ids],
        level_threshold=thresholds,
        default_level=LEVEL_NAMES.index(meta.default_level),
    )
    rules = []
    for r in data.rules:
        expr = parse_rule(r.when)
        order = tuple(dict.fromkeys(n for n in _names_in_order(r.when) if n in data.evidence))
        level = LEVEL_NAMES.index(r.level)
        rules.append(
            CompiledRule(
                id=r.id,
                expression=expr,
                level=level,
                screen=r.screen if r.screen is not None else level >= EMERGENCY,
                scope=r.scope,
                complaints=frozenset(r.complaints),
                order=order,
                conditions=tuple(cond_ids.index(c) for c in r.conditions if c in cond_ids),
                log_lr=math.log(r.likelihood_ratio if r.likelihood_ratio is not None else meta.rule_likelihood_ratio),
            )
        )
    return Compiled(model, cond_ids, tuple(e.id for e in evidence), outcome_index, tuple(rules))


def _names_in_order(text: str) -> list[str]:
    import ast

    return [n.id for n in sorted(
        (n for n in ast.walk(ast.parse(text.strip(), mode="eval")) if isinstance(n, ast.Name)),
        key=lambda n: (n.lineno, n.col_offset),
    )]
