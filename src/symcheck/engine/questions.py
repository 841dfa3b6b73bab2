"""Expected information gain of every question, vectorised over the sparse links.

For outcome o with posterior w: P(o) = sum_c w_c P(o|c) and T(o) = sum_c w_c P(o|c) log(w_c P(o|c)).
The expected entropy after a part (one complete sub-answer) is sum_o [P(o) log P(o) - T(o)]. Both sums
split into a background term that needs only sum_c w_c and sum_c w_c log w_c, plus corrections at the
links, so one step costs two gathers and two bincounts over the links.
"""

from __future__ import annotations

import numpy as np

from symcheck.engine.model import BOOL, F64, I64, CompiledModel


def _xlogx(x: F64) -> F64:
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out


def entropy(post: F64) -> float:
    return float(-_xlogx(post).sum())


def information_gain(model: CompiledModel, post: F64) -> F64:
    """Expected reduction of entropy (nats) for every question; a many-of question sums its parts."""
    plp = _xlogx(post)
    s1 = float(plp.sum())
    w = post[model.link_cond]
    wl = plp[model.link_cond]
    n_out = model.n_outcomes
    p_out = model.out_background + np.bincount(model.link_out, weights=w * model.link_d, minlength=n_out)
    t_out = (
        model.out_background * s1
        + model.out_b_logb
        + np.bincount(model.link_out, weights=model.link_d * wl + w * model.link_e, minlength=n_out)
    )
    np.clip(p_out, 0.0, 1.0, out=p_out)
    term = _xlogx(p_out) - t_out
    n_parts = len(model.part_question)
    expected_h = np.bincount(model.out_part, weights=term, minlength=n_parts)
    gain_parts = np.maximum(-s1 - expected_h, 0.0)
    gains: F64 = np.bincount(model.part_question, weights=gain_parts, minlength=model.n_questions).astype(np.float64)
    return gains


def askable(
    model: CompiledModel,
    answered: BOOL,
    observed_mask: BOOL,
    age: float,
    sex: int | None,
) -> BOOL:
    """Questions that may be asked now: unanswered, applicable to the age and sex, and whose parent
    (if any) was answered with the outcome it requires (or, for "any", with something present)."""
    ok = ~answered & (model.q_min_age <= age) & (age <= model.q_max_age)
    if sex is not None:
        ok &= model.q_sex_ok[:, sex]
    has_parent = model.q_parent >= 0
    if has_parent.any():
        parents = model.q_parent[has_parent]
        needed = model.q_parent_outcome[has_parent]
        specific = needed >= 0
        parent_ok = np.zeros(len(parents), dtype=bool)
        parent_ok[specific] = observed_mask[needed[specific]]
        # "any": the parent's first outcome (yes) for yes/no, or any observed choice otherwise
        anyq = parents[~specific]
        any_ok = np.zeros(len(anyq), dtype=bool)
        for i, q in enumerate(anyq):
            s, e = model.q_out_start[q], model.q_out_start[q + 1]
            outs = observed_mask[s:e]
            any_ok[i] = bool(outs[0]) if model.q_kind[q] == 0 else bool(outs[model.out_is_yes[s:e] | (model.q_kind[q] == 1)].any())
        parent_ok[~specific] = any_ok
        ok[has_parent] &= parent_ok
    return ok


def best_question(gains: F64, allowed: BOOL) -> tuple[int, float]:
    """The allowed question with the largest gain (lowest index on ties, so results are deterministic)."""
    if not allowed.any():
        return -1, 0.0
    masked = np.where(allowed, gains, -np.inf)
    q = int(np.argmax(masked))
    return q, float(masked[q])


def separation(model: CompiledModel, post: F64, question: int, top: I64) -> F64:
    """How strongly the question's first outcome tells each of `top` apart: P(o|c) - P(o)."""
    s = int(model.q_out_start[question])
    lo, hi = int(model.link_ptr[s]), int(model.link_ptr[s + 1])
    p = np.full(model.n_conditions, model.out_background[s])
    p[model.link_cond[lo:hi]] = model.link_p[lo:hi]
    mean = float(np.dot(post, p))
    return np.asarray(p[top] - mean, dtype=np.float64)


def _binary_entropy(p: F64) -> F64:
    q = np.clip(p, 0.0, 1.0)
    return -(_xlogx(q) + _xlogx(1.0 - q))


def condition_gain(model: CompiledModel, post: F64, condition: int) -> F64:
    """Expected information (nats) every question gives about one condition: "is it c or not?".

    Used to rule a dangerous condition in or out: the question that best settles it, whatever it does to
    the rest of the differential.
    """
    n_out = model.n_outcomes
    p_all = model.out_background + np.bincount(model.link_out, weights=post[model.link_cond] * model.link_d, minlength=n_out)
    np.clip(p_all, 1e-300, 1.0, out=p_all)
    p_c = model.out_background.copy()
    own = model.link_cond == condition
    p_c[model.link_out[own]] = model.link_p[own]
    prior = float(post[condition])
    after = prior * p_c / p_all
    term = p_all * _binary_entropy(after)
    n_parts = len(model.part_question)
    expected = np.bincount(model.out_part, weights=term, minlength=n_parts)
    h0 = float(_binary_entropy(np.array([prior]))[0])
    gain_parts = np.maximum(h0 - expected, 0.0)
    gains: F64 = np.bincount(model.part_question, weights=gain_parts, minlength=model.n_questions).astype(np.float64)
    return gains
