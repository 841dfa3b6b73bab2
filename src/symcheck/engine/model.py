"""The compiled form of a knowledge pack: plain numpy arrays, nothing else.

Every question is broken into *outcomes* (the answers it can get) grouped in *parts* (a complete answer
to one sub-question). A yes/no question has one part with two outcomes (yes, no); a one-of question one part
with one outcome per choice; a many-of question one yes/no part per choice.

Likelihoods are sparse: an outcome has a background probability ``P(o | c)`` for every condition, and
*links* override it for the conditions that the pack says differ. The posterior and the information gain
are computed relative to the background, so a step costs O(links), not O(conditions x outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

YES_NO, ONE_OF, MANY_OF = 0, 1, 2
LEVEL_NAMES: tuple[str, ...] = ("self_care", "consultation", "consultation_24", "emergency", "emergency_ambulance")

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]


@dataclass(frozen=True)
class CompiledModel:
    n_conditions: int
    n_questions: int
    # Priors: log P(c | age band, sex); sex index 0 = female, 1 = male.
    log_prior: F64  # [bands, 2, C]
    band_upper: F64  # [bands] inclusive upper age of each band
    # Questions
    q_kind: I64  # [Q] YES_NO / ONE_OF / MANY_OF
    q_out_start: I64  # [Q+1] outcomes of question q are q_out_start[q]:q_out_start[q+1]
    q_parent: I64  # [Q] parent question or -1
    q_parent_outcome: I64  # [Q] outcome of the parent that must be observed, or -1 for "any non-empty answer"
    q_sex_ok: BOOL  # [Q, 2]
    q_min_age: F64  # [Q]
    q_max_age: F64  # [Q]
    # Outcomes
    out_question: I64  # [O]
    out_part: I64  # [O]
    out_background: F64  # [O]
    out_is_yes: BOOL  # [O] the "present" side of a yes/no part (explanations use it)
    part_question: I64  # [P]
    # Links, sorted by outcome (CSR)
    link_ptr: I64  # [O+1]
    link_cond: I64  # [L]
    link_out: I64  # [L]
    link_p: F64  # [L]
    # Derived per-link terms used by the hot path (see engine.posterior / engine.questions)
    link_llr: F64  # log p - log b
    link_d: F64  # p - b
    link_e: F64  # p log p - b log b
    out_b_logb: F64  # [O] b log b
    # Triage
    cond_urgency: I64  # [C] index into LEVEL_NAMES
    level_threshold: F64  # [5]
    default_level: int

    @property
    def n_outcomes(self) -> int:
        return int(self.out_background.shape[0])

    @property
    def n_links(self) -> int:
        return int(self.link_cond.shape[0])

    def nbytes(self) -> int:
        return int(sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray)))


def build_model(
    *,
    log_prior: F64,
    band_upper: F64,
    q_kind: list[int],
    q_n_outcomes: list[int],
    q_parent: list[int],
    q_parent_outcome: list[int],
    q_sex_ok: list[tuple[bool, bool]],
    q_min_age: list[float],
    q_max_age: list[float],
    out_background: list[float] | F64,
    links: tuple[I64, I64, F64],
    cond_urgency: list[int] | I64,
    level_threshold: list[float],
    default_level: int,
) -> CompiledModel:
    """Assemble the arrays; `links` are (condition, outcome, probability) triples in any order."""
    n_q = len(q_kind)
    starts = np.zeros(n_q + 1, dtype=np.int64)
    starts[1:] = np.cumsum(np.asarray(q_n_outcomes, dtype=np.int64))
    n_out = int(starts[-1])
    out_question = np.repeat(np.arange(n_q, dtype=np.int64), q_n_outcomes)
    out_part = np.empty(n_out, dtype=np.int64)
    out_is_yes = np.zeros(n_out, dtype=bool)
    part_question: list[int] = []
    for q in range(n_q):
        s, e = int(starts[q]), int(starts[q + 1])
        if q_kind[q] == ONE_OF:
            out_part[s:e] = len(part_question)
            part_question.append(q)
        else:  # yes/no and many-of: consecutive (yes, no) pairs
            for k in range(s, e, 2):
                out_part[k : k + 2] = len(part_question)
                out_is_yes[k] = True
                part_question.append(q)
    b = np.asarray(out_background, dtype=np.float64)
    order = np.lexsort((np.asarray(links[0]), np.asarray(links[1])))
    cond: I64 = np.asarray(links[0], dtype=np.int64)[order]
    out: I64 = np.asarray(links[1], dtype=np.int64)[order]
    p: F64 = np.asarray(links[2], dtype=np.float64)[order]
    ptr = np.zeros(n_out + 1, dtype=np.int64)
    np.add.at(ptr, out + 1, 1)
    ptr = np.cumsum(ptr)
    bl = b[out]
    return CompiledModel(
        n_conditions=int(log_prior.shape[-1]),
        n_questions=n_q,
        log_prior=np.ascontiguousarray(log_prior, dtype=np.float64),
        band_upper=np.asarray(band_upper, dtype=np.float64),
        q_kind=np.asarray(q_kind, dtype=np.int64),
        q_out_start=starts,
        q_parent=np.asarray(q_parent, dtype=np.int64),
        q_parent_outcome=np.asarray(q_parent_outcome, dtype=np.int64),
        q_sex_ok=np.asarray(q_sex_ok, dtype=bool).reshape(n_q, 2),
        q_min_age=np.asarray(q_min_age, dtype=np.float64),
        q_max_age=np.asarray(q_max_age, dtype=np.float64),
        out_question=out_question,
        out_part=out_part,
        out_background=b,
        out_is_yes=out_is_yes,
        part_question=np.asarray(part_question, dtype=np.int64),
        link_ptr=ptr,
        link_cond=cond,
        link_out=out,
        link_p=p,
        link_llr=np.log(p) - np.log(bl),
        link_d=p - bl,
        link_e=p * np.log(p) - bl * np.log(bl),
        out_b_logb=b * np.log(b),
        cond_urgency=np.asarray(cond_urgency, dtype=np.int64),
        level_threshold=np.asarray(level_threshold, dtype=np.float64),
        default_level=int(default_level),
    )
