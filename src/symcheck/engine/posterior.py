"""Posterior over conditions and per-answer explanations, in log space."""

from __future__ import annotations

import numpy as np

from symcheck.engine.model import F64, I64, CompiledModel


def band_index(model: CompiledModel, age: float) -> int:
    idx = int(np.searchsorted(model.band_upper, age, side="left"))
    return min(idx, len(model.band_upper) - 1)


def log_prior(model: CompiledModel, age: float, sex: int | None) -> F64:
    """log P(c | age, sex); an unknown sex averages the two."""
    table = model.log_prior[band_index(model, age)]
    result: F64 = (np.logaddexp(table[0], table[1]) - np.log(2.0)) if sex is None else table[sex].copy()
    return result


def link_slices(model: CompiledModel, outcomes: I64) -> I64:
    """Indices of all links of the given outcomes."""
    if len(outcomes) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = model.link_ptr[outcomes]
    ends = model.link_ptr[outcomes + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def log_posterior(model: CompiledModel, age: float, sex: int | None, observed: I64) -> F64:
    """Unnormalised log posterior. Each observed outcome adds log P(o|c) - log P(o|background) to the
    conditions it links; for the others the term is the same constant for every condition and cancels."""
    lp = log_prior(model, age, sex)
    idx = link_slices(model, np.asarray(observed, dtype=np.int64))
    if len(idx):
        lp += np.bincount(model.link_cond[idx], weights=model.link_llr[idx], minlength=model.n_conditions)
    return lp


def normalise(log_p: F64) -> F64:
    """Softmax that survives -inf entries; all -inf gives a uniform distribution."""
    top = np.max(log_p)
    if not np.isfinite(top):
        return np.full(log_p.shape, 1.0 / len(log_p))
    w: F64 = np.exp(log_p - top)
    normalised: F64 = w / w.sum()
    return normalised


def outcome_probability(model: CompiledModel, outcome: int, condition: int) -> float:
    s, e = int(model.link_ptr[outcome]), int(model.link_ptr[outcome + 1])
    hit = np.searchsorted(model.link_cond[s:e], condition)
    if hit < e - s and model.link_cond[s + hit] == condition:
        return float(model.link_p[s + hit])
    return float(model.out_background[outcome])


def explain(model: CompiledModel, post: F64, observed: I64, conditions: I64) -> F64:
    """Log likelihood ratio of each observed outcome for each condition against its alternatives.

    Returns [len(conditions), len(observed)]: log P(o | c) - log P(o | not c), where "not c" is the
    other conditions weighted by the current posterior. Positive speaks for c, negative against it.
    """
    observed = np.asarray(observed, dtype=np.int64)
    conditions = np.asarray(conditions, dtype=np.int64)
    n_obs = len(observed)
    b = model.out_background[observed]
    # P(o | c) for the listed conditions: background, overridden by their links
    p_c = np.broadcast_to(b, (len(conditions), n_obs)).copy()
    idx = link_slices(model, observed)
    column = np.repeat(np.arange(n_obs), model.link_ptr[observed + 1] - model.link_ptr[observed])
    row_of = np.full(model.n_conditions, -1, dtype=np.int64)
    row_of[conditions] = np.arange(len(conditions))
    rows = row_of[model.link_cond[idx]]
    mine = rows >= 0
    p_c[rows[mine], column[mine]] = model.link_p[idx][mine]
    # P(o) under the whole posterior, then without the condition itself
    p_all = b + np.bincount(column, weights=post[model.link_cond[idx]] * model.link_d[idx], minlength=n_obs)
    w = post[conditions][:, None]
    rest = 1.0 - w
    safe_rest = np.where(rest > 1e-12, rest, 1.0)
    p_alt = np.where(rest > 1e-12, (p_all[None, :] - w * p_c) / safe_rest, b[None, :])
    p_alt = np.clip(p_alt, 1e-12, 1.0)
    result: F64 = np.log(p_c) - np.log(p_alt)
    return result
