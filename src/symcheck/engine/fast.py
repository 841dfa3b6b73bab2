"""Dense, batched forms of the engine for many patients at once (benchmarks, fitting).

The sparse CompiledModel is the reference; for a pack of tens of conditions a dense [outcomes x
conditions] table fits in cache, and a batch of patients then costs a few matrix products per turn.
Everything here is pure: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from symcheck.engine.model import BOOL, F64, I64, MANY_OF, ONE_OF, CompiledModel


def dense_probabilities(model: CompiledModel) -> F64:
    """P(outcome | condition) as a dense [O, C] table: the background, overridden by the links."""
    table = np.repeat(model.out_background[:, None], model.n_conditions, axis=1)
    table[model.link_out, model.link_cond] = model.link_p
    return table


@dataclass(frozen=True)
class DenseModel:
    """The tables a batched interview needs. Parts are the independent sub-answers of a question."""

    prob: F64  # [O, C] P(o | c)
    log_prob: F64  # [C, O] log P(o | c), condition-major for row gathers
    part_start: I64  # [P+1] outcomes of part k are part_start[k]:part_start[k+1] (parts are contiguous)
    part_question: I64  # [P]
    q_part_start: I64  # [Q+1] parts of question q are q_part_start[q]:q_part_start[q+1]
    cond_entropy: F64  # [C, P] H(part | c)
    # yes/no parts as one column each (P(yes | c)) for the cheap binary-entropy path
    binary_parts: I64  # [Pb] part ids
    binary_yes: I64  # [Pb] the yes outcome of each
    multi_parts: I64  # [Pm] one-of parts
    many_base: F64  # [Q, C] many-of: log-likelihood of "no choice chosen" (0 for other kinds)
    many_delta: F64  # [C, O] many-of yes outcomes: log P(yes|c) - log P(no|c) (0 elsewhere)


def dense_model(model: CompiledModel) -> DenseModel:
    prob = dense_probabilities(model)
    log_prob = np.log(np.clip(prob, 1e-300, None))
    out_part = model.out_part
    n_parts = len(model.part_question)
    part_start = np.zeros(n_parts + 1, dtype=np.int64)
    np.add.at(part_start, out_part + 1, 1)
    part_start = np.cumsum(part_start)
    q_part_start = np.zeros(model.n_questions + 1, dtype=np.int64)
    np.add.at(q_part_start, model.part_question + 1, 1)
    q_part_start = np.cumsum(q_part_start)
    plogp = prob * log_prob
    cond_entropy = -np.add.reduceat(plogp, part_start[:-1], axis=0).T  # [C, P]
    sizes = np.diff(part_start)
    part_kind = model.q_kind[model.part_question]
    binary = np.nonzero((sizes == 2) & (part_kind != ONE_OF))[0]
    multi = np.nonzero(~((sizes == 2) & (part_kind != ONE_OF)))[0]
    many_base = np.zeros((model.n_questions, model.n_conditions))
    many_delta = np.zeros((model.n_conditions, model.n_outcomes))
    for q in np.nonzero(model.q_kind == MANY_OF)[0]:
        s, e = int(model.q_out_start[q]), int(model.q_out_start[q + 1])
        yes = np.arange(s, e, 2)
        many_base[q] = log_prob[yes + 1].sum(axis=0)
        many_delta[:, yes] = (log_prob[yes] - log_prob[yes + 1]).T
    return DenseModel(
        prob=prob,
        log_prob=np.ascontiguousarray(log_prob.T),
        part_start=part_start,
        part_question=model.part_question.copy(),
        q_part_start=q_part_start,
        cond_entropy=np.ascontiguousarray(cond_entropy),
        binary_parts=binary.astype(np.int64),
        binary_yes=part_start[binary],
        multi_parts=multi.astype(np.int64),
        many_base=many_base,
        many_delta=many_delta,
    )


def _xlogx(x: F64) -> F64:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(x)
    out[~(x > 0)] = 0.0
    return out


def batch_information_gain(dense: DenseModel, post: F64) -> F64:
    """Expected entropy reduction of every question for every patient: [n, C] posteriors -> [n, Q].

    Per part: I = H(answer) - sum_c w_c H(answer | c), exact for one part. A many-of question sums its
    choices' gains (an upper bound on the joint gain, as in engine.questions)."""
    n = post.shape[0]
    n_parts = len(dense.part_question)
    gains = np.empty((n, n_parts))
    cond_h = post @ dense.cond_entropy  # [n, P]
    if len(dense.binary_parts):
        p_yes = np.clip(post @ dense.prob[dense.binary_yes].T, 0.0, 1.0)  # [n, Pb]
        h = -(_xlogx(p_yes) + _xlogx(1.0 - p_yes))
        gains[:, dense.binary_parts] = h - cond_h[:, dense.binary_parts]
    if len(dense.multi_parts):
        for part in dense.multi_parts:
            s, e = int(dense.part_start[part]), int(dense.part_start[part + 1])
            p_out = np.clip(post @ dense.prob[s:e].T, 0.0, 1.0)
            gains[:, part] = -_xlogx(p_out).sum(axis=1) - cond_h[:, part]
    np.maximum(gains, 0.0, out=gains)
    return np.add.reduceat(gains, dense.q_part_start[:-1], axis=1)


def normalise_rows(log_p: F64) -> F64:
    """Row-wise softmax of [n, C] log scores."""
    top = log_p.max(axis=1, keepdims=True)
    w = np.exp(log_p - top)
    return np.asarray(w / w.sum(axis=1, keepdims=True), dtype=np.float64)


def askable_batch(model: CompiledModel, age: F64, sex: I64) -> BOOL:
    """[n, Q] questions that fit each patient's age and sex (parents are handled by the caller)."""
    ok = (model.q_min_age[None, :] <= age[:, None]) & (age[:, None] <= model.q_max_age[None, :])
    ok &= model.q_sex_ok.T[sex]
    return ok


def reference_mixture(post: F64, shares: F64, threshold: float, weight: float = 0.5) -> F64:
    """A distribution that keeps the posterior's ranking at the top and spreads `weight` of the mass over
    the conditions a reference differential would list.

    `shares[c, j]` is how often a reference differential lists j when c is the cause; under the posterior,
    j is listed with probability (post @ shares)[j]. The conditions at or above `threshold` share `weight` in
    proportion to that probability; the rest of the mass is the posterior itself."""
    listed = post @ shares
    keep = np.where(listed >= threshold, listed, 0.0)
    total = keep.sum(axis=1, keepdims=True)
    spread = np.divide(keep, total, out=np.array(post, copy=True), where=total > 0)
    return np.asarray((1.0 - weight) * post + weight * spread, dtype=np.float64)
