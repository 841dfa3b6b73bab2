"""The DDXPlus benchmark protocol on a pack (`symcheck bench ddxplus`).

Each patient gives age, sex and the initial evidence; the engine then asks one evidence per turn (a
categorical or multi-choice evidence is answered with all its values at once), at most `max_turns`; the
patient answers from the record, where an evidence it does not mention is absent (a categorical or
multi-choice one takes its default value). The engine stops when its leading condition reaches the stop
probability, when no question is left that could change anything, or at the turn limit; its posterior is
the predicted distribution the metrics score.

It runs on the compiled arrays, many patients at once: every answer a patient would give is turned into a
log-likelihood vector before the interview starts, so a turn is one batched information-gain computation,
an argmax and a gather. No per-step objects, no I/O.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from symcheck.ddxplus.codec import PackCodec
from symcheck.ddxplus.metrics import compute_metrics, pathology_accuracy
from symcheck.ddxplus.records import PatientRow, iter_patients, parse_differential
from symcheck.engine.fast import (
    DenseModel,
    askable_batch,
    batch_information_gain,
    dense_model,
    normalise_rows,
    reference_mixture,
)
from symcheck.engine.model import F64, I64, MANY_OF, ONE_OF, YES_NO
from symcheck.errors import InputError
from symcheck.kb.fit import REFERENCE_TAU, CaseRecord, FitOptions, fit_records, load_reference, peak_memory_mb
from symcheck.kb.pack import Pack, load_pack

Progress = Callable[[int], None]  # called with the number of patients just finished
CHUNK = 1024


@dataclass(frozen=True)
class Policy:
    """When to stop and what to ask. Tuned by cross-validation on training folds only."""

    max_turns: int = 30
    stop_probability: float = 0.9997  # stop once the leading condition is at least this likely
    min_gain: float = 1e-4  # nats: a question that cannot move the posterior more is not worth a turn
    lookahead: bool = True  # a parent question also counts what its follow-ups could tell (x P(present))
    # Output: with a pack that has reference-differential shares (fitted from DDXPlus records), list a
    # condition when the chance that the reference would list it reaches this; None: the posterior alone.
    list_threshold: float | None = 0.4
    list_weight: float = 0.5


@dataclass
class PatientTable:
    """Patients in the pack's terms, as flat arrays (outcomes in CSR form)."""

    condition: I64
    age: F64
    sex: I64
    initial: I64  # question of the initial evidence (-1 when the pack lacks it)
    out_ptr: I64
    out_flat: I64
    gt: F64  # [N, C] the record's differential (probabilities), in pack condition order
    unknown_items: int = 0

    def __len__(self) -> int:
        return len(self.condition)

    def subset(self, idx: I64) -> PatientTable:
        idx = np.asarray(idx, dtype=np.int64)
        lengths = self.out_ptr[idx + 1] - self.out_ptr[idx]
        ptr = np.zeros(len(idx) + 1, dtype=np.int64)
        ptr[1:] = np.cumsum(lengths)
        flat = np.concatenate([self.out_flat[self.out_ptr[i] : self.out_ptr[i + 1]] for i in idx]) if len(idx) else np.zeros(0, np.int64)
        return PatientTable(self.condition[idx], self.age[idx], self.sex[idx], self.initial[idx], ptr, flat.astype(np.int64), self.gt[idx], 0)


def encode_patients(codec: PackCodec, rows: Iterable[PatientRow], on_progress: Progress | None = None) -> PatientTable:
    cond: list[int] = []
    age: list[float] = []
    sex: list[int] = []
    initial: list[int] = []
    ptr = [0]
    flat: list[int] = []
    gt_rows: list[int] = []
    gt_cols: list[int] = []
    gt_vals: list[float] = []
    unknown = 0
    for n, row in enumerate(rows):
        enc = codec.encode(row)
        cond.append(enc.condition)
        age.append(enc.age)
        sex.append(enc.sex)
        initial.append(enc.initial)
        flat.extend(enc.outcomes)
        ptr.append(len(flat))
        unknown += enc.unknown
        for name, prob in parse_differential(row.differential):
            gt_rows.append(n)
            gt_cols.append(codec.condition_of(name))
            gt_vals.append(prob)
        if on_progress is not None and (n + 1) % 10_000 == 0:
            on_progress(10_000)
    n_pat = len(cond)
    gt = np.zeros((n_pat, len(codec.condition_ids)))
    if gt_rows:
        gt[np.asarray(gt_rows), np.asarray(gt_cols)] = np.asarray(gt_vals)
    return PatientTable(
        np.asarray(cond, dtype=np.int64),
        np.asarray(age, dtype=np.float64),
        np.asarray(sex, dtype=np.int64),
        np.asarray(initial, dtype=np.int64),
        np.asarray(ptr, dtype=np.int64),
        np.asarray(flat, dtype=np.int64),
        gt,
        unknown,
    )


@dataclass
class ChunkAnswers:
    """What a chunk of patients would answer to every question, ready for the interview loop."""

    answer_ll: F64  # [n, Q, C] log P(answer | c)
    known: np.ndarray  # [n, Q] the record gives an answer (else asking teaches nothing)
    gate_ok: np.ndarray  # [n, Q] the answer to this question's parent opens it
    present: np.ndarray  # [n, Q] the record has a non-default value (DDXPlus "present evidence")


class BatchInterviewer:
    """The pack's engine, specialised for running many scripted interviews at once."""

    def __init__(self, pack: Pack, codec: PackCodec | None = None):
        self.pack = pack
        self.codec = codec or PackCodec(pack)
        self.model = pack.compiled.model
        self.dense: DenseModel = dense_model(self.model)
        m = self.model
        self.n_q = m.n_questions
        self.parent_ext = np.where(m.q_parent >= 0, m.q_parent, self.n_q)  # column n_q is always "asked"
        self.default_outcome = self.codec.default_outcome
        self.log_prob_oc = np.ascontiguousarray(self.dense.log_prob.T)  # [O, C]
        self.many_questions = [int(q) for q in np.nonzero(m.q_kind == MANY_OF)[0]]
        self.depth = self._max_depth()
        # parent -> children, for the one-step lookahead through follow-up questions
        kids = np.nonzero(m.q_parent >= 0)[0]
        self.child_q = kids.astype(np.int64)
        self.child_parent = m.q_parent[kids].astype(np.int64)
        self.child_gate_out = np.where(m.q_parent_outcome[kids] >= 0, m.q_parent_outcome[kids], m.q_out_start[m.q_parent[kids]])

    def _max_depth(self) -> int:
        m = self.model
        depth = 0
        for q in range(self.n_q):
            d, p = 0, int(m.q_parent[q])
            while p >= 0 and d <= self.n_q:
                d, p = d + 1, int(m.q_parent[p])
            depth = max(depth, d)
        return depth

    def answers(self, table: PatientTable) -> ChunkAnswers:
        m = self.model
        n = len(table)
        counts = np.diff(table.out_ptr)
        rows = np.repeat(np.arange(n), counts)
        outs = table.out_flat
        qs = m.out_question[outs]
        single = m.q_kind[qs] != MANY_OF
        ans1 = np.repeat(self.default_outcome[None, :], n, axis=0)  # many-of questions hold -1
        ans1[rows[single], qs[single]] = outs[single]
        chosen = np.zeros((n, m.n_outcomes), dtype=bool)
        chosen[rows[~single], outs[~single]] = True
        known = ans1 >= 0
        ll = self.log_prob_oc[np.maximum(ans1, 0)]  # [n, Q, C]
        ll[~known] = 0.0
        for q in self.many_questions:
            s, e = int(m.q_out_start[q]), int(m.q_out_start[q + 1])
            ll[:, q, :] = self.dense.many_base[q][None, :] + chosen[:, s:e].astype(np.float64) @ self.dense.many_delta[:, s:e].T
            known[:, q] = True
        present = np.zeros((n, self.n_q), dtype=bool)
        for q in range(self.n_q):
            kind = int(m.q_kind[q])
            s, e = int(m.q_out_start[q]), int(m.q_out_start[q + 1])
            if kind == YES_NO:
                present[:, q] = ans1[:, q] == s
            elif kind == ONE_OF:
                d = int(self.default_outcome[q])
                present[:, q] = (ans1[:, q] >= 0) & (ans1[:, q] != d)
            else:
                present[:, q] = chosen[:, s:e:2].any(axis=1)
        gate = np.ones((n, self.n_q), dtype=bool)
        for q in np.nonzero(m.q_parent >= 0)[0]:
            p, need = int(m.q_parent[q]), int(m.q_parent_outcome[q])
            if need >= 0:
                gate[:, q] = chosen[:, need] if m.q_kind[p] == MANY_OF else ans1[:, p] == need
            else:
                gate[:, q] = present[:, p] if m.q_kind[p] == MANY_OF else ans1[:, p] >= 0
        return ChunkAnswers(ll, known, gate, present)

    def _with_lookahead(self, gains: F64, post: F64, open_: np.ndarray) -> F64:
        """Add to each parent the best gain among its still-open follow-ups, weighted by the chance the
        parent's answer opens them: asking "any pain?" is worth what the pain questions can then tell."""
        child_gain = np.where(open_[:, self.child_q], gains[:, self.child_q], 0.0)  # [n, K]
        p_open = post @ self.dense.prob[self.child_gate_out].T  # [n, K]
        bonus = np.zeros_like(gains)
        np.maximum.at(bonus.T, self.child_parent, (p_open * child_gain).T)
        return gains + bonus

    def log_prior(self, table: PatientTable) -> F64:
        m = self.model
        bands = np.minimum(np.searchsorted(m.band_upper, table.age, side="left"), len(m.band_upper) - 1)
        return m.log_prior[bands, table.sex].copy()

    def observable(self, table: PatientTable, ans: ChunkAnswers) -> np.ndarray:
        """[n, Q] questions that the record answers in full: applicable to age and sex, parent chain open."""
        static = askable_batch(self.model, table.age, table.sex) & ans.gate_ok
        obs = static.copy()
        for _ in range(self.depth):
            ext = np.concatenate([obs, np.ones((len(table), 1), dtype=bool)], axis=1)
            obs = static & ext[:, self.parent_ext]
        return obs

    def full_evidence(self, table: PatientTable, ans: ChunkAnswers | None = None) -> F64:
        """The posterior given every answer of the record (no interview)."""
        ans = ans or self.answers(table)
        obs = self.observable(table, ans)
        lp = self.log_prior(table) + np.einsum("nq,nqc->nc", obs.astype(np.float64), ans.answer_ll)
        return normalise_rows(lp)

    def interview(self, table: PatientTable, policy: Policy, ans: ChunkAnswers | None = None) -> tuple[F64, I64, np.ndarray]:
        """Run the scripted interviews. Returns (final posterior [n, C], questions asked [n], inquired [n, Q]
        with the initial evidence counted as inquired, as the official environment does)."""
        ans = ans or self.answers(table)
        n = len(table)
        rows = np.arange(n)
        lp = self.log_prior(table)
        asked = np.zeros((n, self.n_q + 1), dtype=bool)
        asked[:, self.n_q] = True
        has_init = table.initial >= 0
        init_rows, init_q = rows[has_init], table.initial[has_init]
        lp[init_rows] += ans.answer_ll[init_rows, init_q]
        asked[init_rows, init_q] = True
        static = askable_batch(self.model, table.age, table.sex) & ans.gate_ok
        n_asked = np.zeros(n, dtype=np.int64)
        active = np.ones(n, dtype=bool)
        for _turn in range(policy.max_turns):
            act = np.nonzero(active)[0]
            if not len(act):
                break
            post = normalise_rows(lp[act])
            done = post.max(axis=1) >= policy.stop_probability
            can = static[act] & ~asked[act, : self.n_q] & asked[act][:, self.parent_ext]
            gains = batch_information_gain(self.dense, post)
            if policy.lookahead and len(self.child_q):
                gains = self._with_lookahead(gains, post, static[act] & ~asked[act, : self.n_q])
            gains[~can] = -1.0
            q = np.argmax(gains, axis=1)
            done |= gains[np.arange(len(act)), q] <= policy.min_gain
            active[act[done]] = False
            go, qg = act[~done], q[~done]
            lp[go] += ans.answer_ll[go, qg]
            asked[go, qg] = True
            n_asked[go] += 1
        return normalise_rows(lp), n_asked, asked[:, : self.n_q]


@dataclass
class RunResult:
    metrics: dict[str, float]  # the run's output distribution, scored
    posterior_metrics: dict[str, float]  # the posterior alone (differs when a reference differential is used)
    full_evidence: dict[str, float] | None
    output: str  # "reference" or "posterior"
    patients: int
    seconds: float  # interview loop (answers prepared + turns), all chunks
    patients_per_second: float
    peak_memory_mb: float
    unknown_items: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def _masks(pack: Pack) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    comp = pack.compiled
    symptom = np.array([pack.evidence[q].kind != "risk_factor" for q in comp.question_ids])
    severe = []
    for cid in comp.condition_ids:
        cond = pack.conditions[cid]
        sev = cond.codes.get("ddxplus_severity")
        severe.append(int(sev) < 3 if sev and sev.isdigit() else cond.urgency in ("emergency", "emergency_ambulance"))
    return symptom, ~symptom, np.array(severe, dtype=bool)


EVIDENCE_KEYS = ("IL", "PER", "PEP", "PEF1", "PSR", "PSP", "PSF1", "PAR", "PAP", "PAF1")


def evaluate(
    pack: Pack,
    table: PatientTable,
    policy: Policy,
    *,
    full_evidence: bool = False,
    on_progress: Progress | None = None,
    chunk: int = CHUNK,
) -> RunResult:
    """Interview every patient of the table and score the run with the official metrics."""
    if len(table) == 0:
        raise InputError("patients", "no patients to evaluate")
    if policy.max_turns < 0:
        raise InputError("max-turns", "must be >= 0")
    runner = BatchInterviewer(pack)
    shares = load_reference(pack) if policy.list_threshold is not None else None
    n = len(table)
    c = runner.model.n_conditions
    post = np.empty((n, c))
    asked_n = np.empty(n, dtype=np.int64)
    inquired = np.empty((n, runner.n_q), dtype=bool)
    present = np.empty((n, runner.n_q), dtype=bool)
    full = np.empty((n, c)) if full_evidence else None
    seconds = 0.0
    for start in range(0, n, chunk):
        idx = np.arange(start, min(n, start + chunk))
        part = table.subset(idx)
        t0 = time.perf_counter()
        ans = runner.answers(part)
        post[idx], asked_n[idx], inquired[idx] = runner.interview(part, policy, ans)
        seconds += time.perf_counter() - t0
        present[idx] = ans.present
        if full is not None:
            full[idx] = runner.full_evidence(part, ans)
        if on_progress is not None:
            on_progress(len(idx))

    def output(dist: F64) -> F64:
        if shares is None or policy.list_threshold is None:
            return dist
        return reference_mixture(dist, shares, policy.list_threshold, policy.list_weight)

    symptom, antecedent, severe = _masks(pack)

    def score(dist: F64, asked: I64, inq: np.ndarray) -> dict[str, float]:
        return compute_metrics(
            gt=table.gt,
            disease=table.condition,
            final=dist,
            questions_asked=asked,
            present=present,
            inquired=inq,
            symptom=symptom,
            antecedent=antecedent,
            severe=severe,
        )

    metrics = score(output(post), asked_n, inquired)
    posterior_metrics = score(post, asked_n, inquired) if shares is not None else dict(metrics)
    full_metrics = None
    if full is not None:
        full_metrics = score(output(full), np.zeros(n, dtype=np.int64), present)
        for key in EVIDENCE_KEYS:
            full_metrics.pop(key)
    return RunResult(
        metrics=metrics,
        posterior_metrics=posterior_metrics,
        full_evidence=full_metrics,
        output="reference" if shares is not None else "posterior",
        patients=n,
        seconds=seconds,
        patients_per_second=n / seconds if seconds > 0 else float("inf"),
        peak_memory_mb=peak_memory_mb(),
        unknown_items=table.unknown_items,
    )


def read_table(pack: Pack, path: Path | str, *, limit: int | None = None, on_progress: Progress | None = None) -> PatientTable:
    codec = PackCodec(pack)
    return encode_patients(codec, iter_patients(path, limit=limit), on_progress)


# ----- cross-validation -----------------------------------------------------------------------------
def fold_assignment(n: int, folds: int, seed: int) -> I64:
    """Fold of each patient: a seeded permutation cut into `folds` nearly equal parts."""
    if folds < 2:
        raise InputError("folds", "needs at least 2 folds")
    if n < folds:
        raise InputError("folds", f"{n} patients cannot be split into {folds} folds")
    order = np.random.default_rng(seed).permutation(n)
    fold = np.empty(n, dtype=np.int64)
    for f, part in enumerate(np.array_split(order, folds)):
        fold[part] = f
    return fold


def _records(codec: PackCodec, rows: Sequence[PatientRow]) -> Iterable[CaseRecord]:
    cmap = codec.condition_map
    for row in rows:
        enc = codec.encode(row)
        listed = [cmap[name] for name, prob in parse_differential(row.differential) if prob > REFERENCE_TAU and name in cmap]
        yield CaseRecord(enc.condition, float(enc.age), enc.sex, enc.outcomes, complete=True, listed=listed)


@dataclass
class CrossValidation:
    folds: list[RunResult]
    mean: dict[str, float]
    posterior_mean: dict[str, float]
    full_mean: dict[str, float] | None
    patients: int
    seconds: float
    patients_per_second: float
    peak_memory_mb: float
    fit_seconds: float


def _mean(dicts: list[dict[str, float]], weights: list[int]) -> dict[str, float]:
    """Fold means (plain means over the folds, as 'report the means' asks)."""
    del weights
    return {k: float(np.mean([d[k] for d in dicts])) for k in dicts[0]}


def cross_validate(
    structure_pack: Path | str,
    patients: Path | str,
    policy: Policy,
    *,
    folds: int = 5,
    seed: int = 0,
    fit_options: FitOptions | None = None,
    full_evidence: bool = False,
    limit: int | None = None,
    on_progress: Progress | None = None,
    on_fold: Callable[[int, RunResult], None] | None = None,
) -> CrossValidation:
    """Fit on folds-1 parts of the patients, test on the remaining part, for every part; seeded."""
    base = load_pack(structure_pack)
    codec = PackCodec(base)
    rows = list(iter_patients(patients, limit=limit))
    fold_of = fold_assignment(len(rows), folds, seed)
    results: list[RunResult] = []
    fit_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="symcheck-ddxplus-cv-") as tmp:
        for f in range(folds):
            train = [r for r, k in zip(rows, fold_of, strict=True) if k != f]
            test = [r for r, k in zip(rows, fold_of, strict=True) if k == f]
            t0 = time.perf_counter()
            out = Path(tmp) / f"fold{f}"
            fit_records(base, _records(codec, train), out, options=fit_options, files=[str(patients)])
            fitted = load_pack(out)
            fit_seconds += time.perf_counter() - t0
            table = encode_patients(PackCodec(fitted), test)
            res = evaluate(fitted, table, policy, full_evidence=full_evidence, on_progress=on_progress)
            results.append(res)
            if on_fold is not None:
                on_fold(f, res)
    weights = [r.patients for r in results]
    seconds = sum(r.seconds for r in results)
    total = sum(weights)
    full_mean = _mean([r.full_evidence for r in results if r.full_evidence is not None], weights) if full_evidence else None
    return CrossValidation(
        folds=results,
        mean=_mean([r.metrics for r in results], weights),
        posterior_mean=_mean([r.posterior_metrics for r in results], weights),
        full_mean=full_mean,
        patients=total,
        seconds=seconds,
        patients_per_second=total / seconds if seconds > 0 else float("inf"),
        peak_memory_mb=peak_memory_mb(),
        fit_seconds=fit_seconds,
    )


__all__ = [
    "BatchInterviewer",
    "CrossValidation",
    "Policy",
    "PatientTable",
    "RunResult",
    "cross_validate",
    "evaluate",
    "fold_assignment",
    "pathology_accuracy",
    "read_table",
]
