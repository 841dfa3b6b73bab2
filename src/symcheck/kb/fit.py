"""Learn a pack's priors and likelihoods from case records (`symcheck kb fit`).

Case records name the pack's conditions and evidences: DDXPlus patient files (CSV, or the released zips,
streamed; English or French names through the pack's code map) or JSON Lines with one case per line,
``{"age": 34, "sex": "female", "condition": "...", "answers": {"fever": "present", ...}}``.

A DDXPlus record is *complete*: an evidence it does not mention is absent (a categorical one takes its
default value), as long as its parent (if any) is present. A JSON Lines record states only what was asked.

Estimates (counts k of n, per condition):
- likelihoods of an evidence a condition lists (a *link*): Beta/Dirichlet smoothing,
  p = (k + a m) / (n + a), where the prior mean m is the pack's own figure when it is sourced
  (`estimate: false`), and otherwise the pooled rate over all conditions that list the evidence -- so where a
  condition has few cases it falls back on what the structure says (it has the evidence, at a typical rate);
- the background of an evidence (every condition that does not list it): the pooled rate over those
  conditions, smoothed towards the pack's background. A condition the pack does not link but whose cases
  show the evidence clearly (>= 3 times, >= 5x the background) gets a link of its own;
- priors: P(condition) with one pseudo-case per condition towards the pack's base rates, and age-band and
  sex multipliers P(band | c) / P(band) smoothed towards the pack's multipliers.
Every probability is kept within [floor, 1 - floor]: an answer can be wrong, and no single answer should
rule a condition out for good.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import resource
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from symcheck.engine.fast import dense_probabilities
from symcheck.engine.model import F64, I64, MANY_OF, ONE_OF, YES_NO, CompiledModel
from symcheck.errors import InputError
from symcheck.kb.loader import NO, UNKNOWN, YES, answer_problem, outcome_ids
from symcheck.kb.pack import Pack, load_pack
from symcheck.kb.schema import Likelihood

SEX_NAMES = {"female": 0, "f": 0, "male": 1, "m": 1}
FIT_FILE = "fit.yaml"
REFERENCE_FILE = "reference_differential.yaml"
REFERENCE_TAU = 0.01  # a condition is in a DDXPlus differential when its probability is above this
CHUNK = 50_000
LINK_MIN_COUNT = 3
LINK_MIN_RATIO = 5.0


@dataclass
class CaseRecord:
    condition: int
    age: float
    sex: int  # 0 female, 1 male
    outcomes: Sequence[int]
    complete: bool
    # conditions a reference differential for this case lists (DDXPlus: probability > 0.01), or None
    listed: Sequence[int] | None = None


@dataclass
class FitOptions:
    strength: float = 2.0  # a: pseudo-cases behind each condition's prior mean (yes/no evidences)
    value_strength: float | None = 20.0  # the same for the values of one-of, number and many-of evidences
    # number evidences: "interval" (uniform over an unknown range of bins), "categorical" (one rate per bin),
    # or "auto": per evidence, whichever predicts held-out cases better (leave-one-out)
    number_model: str = "auto"
    interval_mix: float = 0.05  # interval model: weight of the categorical estimate mixed in
    group_strength: float = 1.0  # pseudo-cases behind the pooled means and the background
    prior_strength: float = 1.0  # pseudo-cases per condition for the base rates
    demographic_strength: float = 2.0  # pseudo-cases behind the age and sex multipliers
    floor: float = 1e-4
    source: str | None = None  # source id for the fitted figures (default: each entry's own)
    skip_unknown: bool = False  # skip cases whose condition the pack lacks instead of failing
    limit: int | None = None  # read at most this many cases per file


@dataclass
class FitReport:
    pack: Path
    cases: int
    files: list[str]
    per_condition: dict[str, int]
    unknown_items: int
    skipped_cases: int
    new_links: int
    seconds: float
    peak_memory_mb: float
    notes: list[str] = field(default_factory=list)


def _fmt(x: float) -> float:
    return float(f"{float(x):.6g}")


# ----- reading cases -------------------------------------------------------------------------------
def _jsonl_outcomes(pack: Pack, answers: dict[str, Any], where: str) -> list[int]:
    idx = pack.compiled.outcome_index
    out: list[int] = []
    for ev_id, value in answers.items():
        e = pack.evidence.get(ev_id)
        if e is None:
            raise InputError("cases", f"{where}: unknown evidence {ev_id!r}")
        problem = answer_problem(e, value)
        if problem:
            raise InputError("cases", f"{where}: {ev_id}: {problem}")
        if isinstance(value, str) and value.lower() in UNKNOWN:
            continue
        if e.type == "yes_no":
            present = value if isinstance(value, bool) else value.lower() in YES
            if not isinstance(value, bool) and value.lower() not in YES | NO:
                continue
            out.append(idx[ev_id]["present" if present else "absent"])
        elif e.type == "one_of":
            out.append(idx[ev_id][value])
        elif e.type == "number":
            out.append(idx[ev_id][f"b{int(np.searchsorted(e.bins, float(value), side='right'))}"])
        else:
            chosen = {value} if isinstance(value, str) else set(value)
            out += [idx[ev_id][c if c in chosen else f"{c}:absent"] for c in outcome_ids(e)]
    return out


def _iter_jsonl(pack: Pack, path: Path, cond_lookup: Callable[[str], int | None], limit: int | None) -> Iterator[CaseRecord | None]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if limit is not None and n > limit:
                return
            if not line.strip():
                continue
            where = f"{path.name}: line {n}"
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError("cases", f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(case, dict):
                raise InputError("cases", f"{where}: expected an object")
            age = case.get("age")
            if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 130:
                raise InputError("cases", f"{where}: age {age!r} is not a number of years")
            sex = SEX_NAMES.get(str(case.get("sex", "")).lower())
            if sex is None:
                raise InputError("cases", f"{where}: sex {case.get('sex')!r} is not female or male")
            cond = cond_lookup(str(case.get("condition", "")))
            if cond is None:
                yield None
                continue
            answers = case.get("answers") or {}
            if not isinstance(answers, dict):
                raise InputError("cases", f"{where}: answers must be an object")
            yield CaseRecord(cond, float(age), sex, _jsonl_outcomes(pack, answers, where), complete=False)


def iter_cases(pack: Pack, path: Path | str, *, skip_unknown: bool = False, limit: int | None = None, stats: dict[str, int] | None = None) -> Iterator[CaseRecord]:
    """Stream the cases of one file in the pack's terms (DDXPlus CSV/zip or JSON Lines)."""
    path = Path(path)
    stats = stats if stats is not None else {}
    stats.setdefault("unknown_items", 0)
    stats.setdefault("skipped_cases", 0)
    if not path.exists():
        raise InputError("cases", f"no such file: {path}")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        names = _condition_names(pack)

        def lookup(name: str) -> int | None:
            if name in names:
                return names[name]
            if skip_unknown:
                return None
            raise InputError("cases", f"{path.name}: condition {name!r} is not in pack {pack.id!r}")

        for rec in _iter_jsonl(pack, path, lookup, limit):
            if rec is None:
                stats["skipped_cases"] += 1
                continue
            yield rec
        return
    from symcheck.ddxplus.codec import PackCodec
    from symcheck.ddxplus.records import is_patient_file, iter_patients, parse_differential

    if not is_patient_file(path):
        raise InputError("cases", f"{path}: not a DDXPlus patient file (CSV or zip) nor JSON Lines (.jsonl)")
    codec = PackCodec(pack)
    cmap = codec.condition_map
    for row in iter_patients(path, limit=limit):
        if skip_unknown and row.pathology not in codec.condition_map:
            stats["skipped_cases"] += 1
            continue
        enc = codec.encode(row)
        stats["unknown_items"] += enc.unknown
        listed = [cmap[name] for name, prob in parse_differential(row.differential) if prob > REFERENCE_TAU and name in cmap]
        yield CaseRecord(enc.condition, float(enc.age), enc.sex, enc.outcomes, complete=True, listed=listed)


def _condition_names(pack: Pack) -> dict[str, int]:
    names: dict[str, int] = {}
    for i, cid in enumerate(pack.compiled.condition_ids):
        cond = pack.conditions[cid]
        for name in (cid, cond.name, *cond.codes.values(), *cond.translations.values()):
            names.setdefault(name, i)
    return names


# ----- counting -------------------------------------------------------------------------------------
class CaseCounts:
    """Sufficient statistics of a stream of cases: demographic counts and outcome counts per condition."""

    def __init__(self, model: CompiledModel, band_upper: F64):
        self.model = model
        self.band_upper = band_upper
        c, o = model.n_conditions, model.n_outcomes
        self.demo = np.zeros((c, len(band_upper), 2))
        self.complete_cases = np.zeros(c)
        self.stated = np.zeros(c * o)  # outcomes stated by complete records
        self.explicit = np.zeros(c * o)  # outcomes of explicit (incomplete) records
        # children whose parent is a one-of/many-of question answered with "anything": counted per record
        self.any_children = [int(q) for q in np.nonzero((model.q_parent >= 0) & (model.q_parent_outcome < 0))[0]]
        self.any_observed = np.zeros((c, model.n_questions))
        self.cases = 0
        self.listed = np.zeros((c, c))  # [cause, listed condition] counts from reference differentials
        self.listed_cases = np.zeros(c)
        self._buf_cond: list[int] = []
        self._buf_age: list[float] = []
        self._buf_sex: list[int] = []
        self._buf_stated: list[int] = []
        self._buf_explicit: list[int] = []
        self._buf_complete: list[int] = []

    def add(self, rec: CaseRecord) -> None:
        n_out = self.model.n_outcomes
        base = rec.condition * n_out
        self._buf_cond.append(rec.condition)
        self._buf_age.append(rec.age)
        self._buf_sex.append(rec.sex)
        if rec.complete:
            self._buf_complete.append(rec.condition)
            self._buf_stated.extend(base + o for o in rec.outcomes)
            if self.any_children:
                self._count_any_children(rec)
        else:
            self._buf_explicit.extend(base + o for o in rec.outcomes)
        if rec.listed is not None:
            self.listed_cases[rec.condition] += 1
            self.listed[rec.condition, list(rec.listed)] += 1
        self.cases += 1
        if len(self._buf_cond) >= CHUNK:
            self.flush()

    def _count_any_children(self, rec: CaseRecord) -> None:
        """A child of "any answer" to a one-of/many-of parent: observed when the parent states a choice
        (many-of: a chosen one; one-of: any, and a top-level one-of is always answered)."""
        m = self.model
        stated = {int(m.out_question[o]) for o in rec.outcomes if m.q_kind[m.out_question[o]] == ONE_OF or m.out_is_yes[o]}
        for q in self.any_children:
            parent = int(m.q_parent[q])
            if parent in stated or (m.q_kind[parent] == ONE_OF and m.q_parent[parent] < 0):
                self.any_observed[rec.condition, q] += 1

    def flush(self) -> None:
        if not self._buf_cond:
            return
        c, o = self.model.n_conditions, self.model.n_outcomes
        cond = np.asarray(self._buf_cond, dtype=np.int64)
        bands = np.minimum(np.searchsorted(self.band_upper, np.asarray(self._buf_age), side="left"), len(self.band_upper) - 1)
        sex = np.asarray(self._buf_sex, dtype=np.int64)
        self.demo += np.bincount((cond * len(self.band_upper) + bands) * 2 + sex, minlength=self.demo.size).reshape(self.demo.shape)
        if self._buf_complete:
            self.complete_cases += np.bincount(np.asarray(self._buf_complete, dtype=np.int64), minlength=c)
        if self._buf_stated:
            self.stated += np.bincount(np.asarray(self._buf_stated, dtype=np.int64), minlength=c * o)
        if self._buf_explicit:
            self.explicit += np.bincount(np.asarray(self._buf_explicit, dtype=np.int64), minlength=c * o)
        for buf in (self._buf_cond, self._buf_age, self._buf_sex, self._buf_stated, self._buf_explicit, self._buf_complete):
            buf.clear()

    def outcome_counts(self, default_outcome: I64) -> F64:
        """[C, O] counts of every outcome, the complete records' unstated answers filled in."""
        self.flush()
        m = self.model
        c, o = m.n_conditions, m.n_outcomes
        stated = self.stated.reshape(c, o).copy()
        counts = stated.copy()
        for q in range(m.n_questions):
            s, e = int(m.q_out_start[q]), int(m.q_out_start[q + 1])
            parent = int(m.q_parent[q])
            if parent < 0:
                observed = self.complete_cases
            elif int(m.q_parent_outcome[q]) >= 0:
                observed = counts[:, int(m.q_parent_outcome[q])]
            else:
                observed = self.any_observed[:, q]
            kind = int(m.q_kind[q])
            if kind in (YES_NO, MANY_OF):
                yes = np.arange(s, e, 2)
                counts[:, yes + 1] = np.maximum(observed[:, None] - stated[:, yes], 0.0)
            else:
                missing = np.maximum(observed - stated[:, s:e].sum(axis=1), 0.0)
                d = int(default_outcome[q]) if q < len(default_outcome) else -1
                if d >= 0:
                    counts[:, d] += missing
        return counts + self.explicit.reshape(c, o)


# ----- estimation ----------------------------------------------------------------------------------
@dataclass
class FittedModel:
    prob: F64  # [O, C] fitted P(o | c) for linked pairs (unlinked columns hold the background)
    background: F64  # [O]
    linked: np.ndarray  # [C, Q] bool
    new_links: int
    base: F64  # [C]
    age_mult: F64  # [C, B]
    sex_mult: F64  # [C, 2]
    number_models: dict[str, str] = field(default_factory=dict)  # evidence id -> model used


def _linked_mask(pack: Pack) -> tuple[np.ndarray, np.ndarray]:
    """[C, Q] whether the pack lists the evidence for the condition, and whether that figure is sourced."""
    comp = pack.compiled
    q_index = {qid: i for i, qid in enumerate(comp.question_ids)}
    linked = np.zeros((len(comp.condition_ids), len(comp.question_ids)), dtype=bool)
    sourced = np.zeros_like(linked)
    for c, cid in enumerate(comp.condition_ids):
        for ev_id, raw in pack.conditions[cid].likelihoods.items():
            q = q_index[ev_id]
            linked[c, q] = True
            # a bare number rests on the condition's likelihood_source: a sourced figure, not an estimate
            sourced[c, q] = not isinstance(raw, Likelihood) or not raw.estimate
    return linked, sourced


def estimate(pack: Pack, counts: CaseCounts, default_outcome: I64, opts: FitOptions) -> FittedModel:
    model = pack.compiled.model
    k = counts.outcome_counts(default_outcome)  # [C, O]
    p0 = dense_probabilities(model).T  # [C, O] the pack's current figures
    b0 = model.out_background
    linked_q, sourced_q = _linked_mask(pack)
    n_c, n_o = k.shape
    prob = np.empty((n_o, n_c))
    background = np.empty(n_o)
    linked_out = linked_q.copy()
    new_links = 0
    chosen_models: dict[str, str] = {}
    a0, floor = opts.group_strength, opts.floor
    part_of = model.out_part
    n_parts = len(model.part_question)
    starts = np.searchsorted(part_of, np.arange(n_parts + 1))
    for part in range(n_parts):
        s, e = int(starts[part]), int(starts[part + 1])
        q = int(model.part_question[part])
        a = opts.strength if model.q_kind[q] == YES_NO or opts.value_strength is None else opts.value_strength
        kk = k[:, s:e]
        n = kk.sum(axis=1)
        lk = linked_q[:, q]
        un = ~lk
        bg = (kk[un].sum(axis=0) + a0 * b0[s:e]) / (n[un].sum() + a0)
        bg = _clip_row(bg, floor)
        # a condition without the link whose own cases show the evidence clearly gets one
        own = (kk + a * bg) / (n[:, None] + a)
        discovered = un & ((kk >= LINK_MIN_COUNT) & (own >= LINK_MIN_RATIO * bg)).any(axis=1)
        if discovered.any():
            new_links += int(discovered.sum())
            linked_out[discovered, q] = True
        lk = lk | discovered
        un = ~lk
        if un.any():
            bg = (kk[un].sum(axis=0) + a0 * b0[s:e]) / (n[un].sum() + a0)
            bg = _clip_row(bg, floor)
        background[s:e] = bg
        if lk.any():
            pooled = (kk[lk].sum(axis=0) + a0 * p0[lk, s:e].mean(axis=0)) / (n[lk].sum() + a0)
            mean = np.where(sourced_q[:, q][:, None], p0[:, s:e], pooled[None, :])
            mean = np.where(discovered[:, None], bg[None, :], mean)
            est = (kk + a * mean) / (n[:, None] + a)
            use_interval = pack.evidence[pack.compiled.question_ids[q]].type == "number" and (
                opts.number_model == "interval"
                or (opts.number_model == "auto" and _interval_wins(kk[lk], mean[lk], a, opts.interval_mix))
            )
            if pack.evidence[pack.compiled.question_ids[q]].type == "number":
                chosen_models[pack.compiled.question_ids[q]] = "interval" if use_interval else "categorical"
            for c in np.nonzero(lk)[0]:
                row = est[c]
                if use_interval and n[c] > 0:
                    row = (1.0 - opts.interval_mix) * interval_predictive(kk[c]) + opts.interval_mix * row
                prob[s:e, c] = _clip_row(row, floor)
        prob[s:e, un] = bg[:, None]

    base, age_mult, sex_mult = _fit_priors(pack, counts, opts)
    return FittedModel(prob, background, linked_out, new_links, base, age_mult, sex_mult, chosen_models)


def _interval_wins(counts: F64, mean: F64, a: float, mix: float) -> bool:
    """Leave-one-out: does the interval model predict each held-out case better than the categorical one?"""
    score = {"interval": 0.0, "categorical": 0.0}
    for row, m in zip(counts, mean, strict=True):
        n = row.sum()
        if n < 2:
            continue
        for v in np.nonzero(row > 0)[0]:
            rest = row.copy()
            rest[v] -= 1
            cat = (rest + a * m) / (n - 1 + a)
            inter = (1.0 - mix) * interval_predictive(rest) + mix * cat if rest.sum() > 0 else cat
            score["categorical"] += row[v] * math.log(max(cat[v], 1e-12))
            score["interval"] += row[v] * math.log(max(inter[v], 1e-12))
    return score["interval"] > score["categorical"]


def interval_predictive(counts: F64) -> F64:
    """Posterior predictive of "uniform over an unknown range [lo, hi] of bins" given counts per bin.

    Every range is a priori equally likely; a range that misses an observed bin is impossible, and one of
    length L explains n observations with likelihood L^-n, so narrow ranges that cover the data win and the
    edges stay uncertain in proportion to how few cases there are."""
    k = len(counts)
    n = float(counts.sum())
    seen = np.nonzero(counts > 0)[0]
    lo_max, hi_min = int(seen[0]), int(seen[-1])
    pred = np.zeros(k)
    weights: list[tuple[int, int, float]] = []
    for lo in range(lo_max + 1):
        for hi in range(hi_min, k):
            length = hi - lo + 1
            weights.append((lo, hi, -n * math.log(length)))
    top = max(w for _, _, w in weights)
    total = 0.0
    for lo, hi, w in weights:
        weight = math.exp(w - top)
        total += weight
        pred[lo : hi + 1] += weight / (hi - lo + 1)
    return pred / total


def _clip_row(row: F64, floor: float) -> F64:
    """Keep a part's probabilities in [floor, 1 - floor]; a distribution (>2 outcomes or one-of) stays normalised."""
    row = np.clip(row, floor, 1.0 - floor)
    return row / row.sum()


def _fit_priors(pack: Pack, counts: CaseCounts, opts: FitOptions) -> tuple[F64, F64, F64]:
    model = pack.compiled.model
    demo = counts.demo  # [C, B, 2]
    n_c = demo.sum(axis=(1, 2))
    total = n_c.sum()
    prior0 = np.exp(model.log_prior)  # [B, 2, C]
    # the pack's structure: base rates and multipliers, recovered from the log prior table
    bands = pack.meta.age_bands
    conds = [pack.conditions[cid] for cid in pack.compiled.condition_ids]
    base0 = np.array([c.prior.base for c in conds], dtype=np.float64)
    base0 = base0 / base0.sum()
    age0 = np.array([[c.prior.age.get(f"{lo}-{hi}", 1.0) for lo, hi in bands] for c in conds])
    sex0 = np.array([[c.prior.sex.get("female", 1.0), c.prior.sex.get("male", 1.0)] for c in conds])
    del prior0
    n_conditions = len(conds)
    a_p = opts.prior_strength * n_conditions
    base = (n_c + a_p * base0) / (total + a_p)
    band_n = demo.sum(axis=2)  # [C, B]
    p_band = (band_n.sum(axis=0) + 1.0) / (total + len(bands))
    p_sex_all = (demo.sum(axis=(0, 1)) + 1.0) / (total + 2.0)
    a_d = opts.demographic_strength
    band_prior = age0 * p_band[None, :]
    band_prior = band_prior / np.maximum(band_prior.sum(axis=1, keepdims=True), 1e-300)
    p_band_c = (band_n + a_d * band_prior) / (n_c[:, None] + a_d)
    age_mult = p_band_c / p_band[None, :]
    sex_n = demo.sum(axis=1)  # [C, 2]
    sex_prior = sex0 * p_sex_all[None, :]
    sex_prior = sex_prior / np.maximum(sex_prior.sum(axis=1, keepdims=True), 1e-300)
    p_sex_c = (sex_n + a_d * sex_prior) / (n_c[:, None] + a_d)
    sex_mult = p_sex_c / p_sex_all[None, :]
    return base, age_mult, sex_mult


# ----- writing --------------------------------------------------------------------------------------
def _likelihood_entry(pack: Pack, qid: str, fitted: FittedModel, c: int, source: str | None, old: Any) -> dict[str, Any]:
    model = pack.compiled.model
    q = pack.compiled.question_ids.index(qid)
    e = pack.evidence[qid]
    s = int(model.q_out_start[q])
    end = int(model.q_out_start[q + 1])
    col = fitted.prob[s:end, c]
    entry: dict[str, Any] = {}
    if e.type == "yes_no":
        entry["p"] = _fmt(col[0])
    elif e.type == "many_of":
        entry["values"] = {cid: _fmt(col[2 * i]) for i, cid in enumerate(outcome_ids(e))}
    else:
        entry["values"] = _distribution(outcome_ids(e), col)
    old_source = old.source if isinstance(old, Likelihood) else None
    src = source or old_source
    if src:
        entry["source"] = src
    entry["estimate"] = True
    return entry


def _distribution(ids: list[str], col: F64) -> dict[str, float]:
    """Rounded so the values never sum above 1 (the validator's rule for one-of answers)."""
    vals = [math.floor(float(x) * 1e6) / 1e6 for x in col]
    return {i: max(v, 1e-6) for i, v in zip(ids, vals, strict=True)}


def _condition_entry(pack: Pack, raw: dict[str, Any], c: int, fitted: FittedModel, source: str | None) -> dict[str, Any]:
    cid = raw["id"]
    cond = pack.conditions[cid]
    bands = pack.meta.age_bands
    prior = dict(raw.get("prior") or {})
    prior["base"] = _fmt(max(fitted.base[c], 1e-9))
    prior["age"] = {f"{lo}-{hi}": _fmt(fitted.age_mult[c, b]) for b, (lo, hi) in enumerate(bands)}
    prior["sex"] = {"female": _fmt(fitted.sex_mult[c, 0]), "male": _fmt(fitted.sex_mult[c, 1])}
    if source:
        prior["source"] = source
    prior["estimate"] = True
    likelihoods: dict[str, Any] = {}
    default_source = source or cond.likelihood_source
    for q, qid in enumerate(pack.compiled.question_ids):
        if not fitted.linked[c, q]:
            continue
        old = cond.likelihoods.get(qid)
        if old is None and default_source is None:
            raise InputError("source", f"{cid}: a new link to {qid} needs a source (give --source)")
        likelihoods[qid] = _likelihood_entry(pack, qid, fitted, c, source, old)
    out = dict(raw)
    out["prior"] = prior
    out["likelihoods"] = likelihoods
    return out


def _background_entry(pack: Pack, qid: str, fitted: FittedModel) -> float | dict[str, float]:
    model = pack.compiled.model
    q = pack.compiled.question_ids.index(qid)
    e = pack.evidence[qid]
    s, end = int(model.q_out_start[q]), int(model.q_out_start[q + 1])
    bg = fitted.background[s:end]
    if e.type == "yes_no":
        return _fmt(bg[0])
    if e.type == "many_of":
        return {cid: _fmt(bg[2 * i]) for i, cid in enumerate(outcome_ids(e))}
    return {k: min(v, 0.999999) for k, v in _distribution(outcome_ids(e), bg).items()}


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _write_yaml(data: Any, path: Path) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)


def write_fitted(pack: Pack, fitted: FittedModel, out: Path, source: str | None, provenance: dict[str, Any]) -> None:
    if out.resolve() != pack.path.resolve():
        if out.exists() and any(out.iterdir()):
            if not (out / "pack.yaml").exists():
                raise InputError("out", f"{out} exists and is not a pack folder; refusing to overwrite it")
            shutil.rmtree(out)
        shutil.copytree(pack.path, out)
    cond_index = {cid: i for i, cid in enumerate(pack.compiled.condition_ids)}
    for rel in sorted(set(pack.condition_files.values())):
        path = out / rel
        raw = _read_yaml(path)
        if isinstance(raw, list):
            new = [_condition_entry(pack, item, cond_index[item["id"]], fitted, source) for item in raw]
        else:
            new = _condition_entry(pack, raw, cond_index[raw["id"]], fitted, source)
        _write_yaml(new, path)
    ev_path = out / "evidence.yaml"
    evidence = _read_yaml(ev_path)
    for item in evidence:
        item["background"] = _background_entry(pack, item["id"], fitted)
    _write_yaml(evidence, ev_path)
    _write_yaml(provenance, out / FIT_FILE)


def reference_shares(counts: CaseCounts, strength: float = 0.5) -> F64 | None:
    """[cause, condition] share of cases whose reference differential lists the condition, smoothed towards
    the overall share; None when no case carried a differential."""
    n = counts.listed_cases
    if n.sum() == 0:
        return None
    overall = counts.listed.sum(axis=0) / n.sum()
    return (counts.listed + strength * overall[None, :]) / (n[:, None] + strength)


def write_reference(pack: Pack, shares: F64, counts: CaseCounts, out: Path) -> None:
    ids = pack.compiled.condition_ids
    listed = {}
    for c, cid in enumerate(ids):
        row = {ids[j]: _fmt(shares[c, j]) for j in np.argsort(-shares[c], kind="stable") if shares[c, j] >= 0.02}
        listed[cid] = row
    _write_yaml(
        {
            "format": "symcheck-reference-differential/1",
            "note": (
                "Share of cases with this cause whose reference differential (in DDXPlus: the rule-based system's "
                f"list, probability > {REFERENCE_TAU}) names each condition; written by `symcheck kb fit`."
            ),
            "cases": int(counts.listed_cases.sum()),
            "listed": listed,
        },
        out / REFERENCE_FILE,
    )


def load_reference(pack: Pack) -> F64 | None:
    """The pack's [cause, condition] reference-differential shares, or None when it has none."""
    path = pack.path / REFERENCE_FILE
    if not path.exists():
        return None
    raw = _read_yaml(path) or {}
    ids = {cid: i for i, cid in enumerate(pack.compiled.condition_ids)}
    shares = np.zeros((len(ids), len(ids)))
    for cause, row in (raw.get("listed") or {}).items():
        if cause not in ids or not isinstance(row, dict):
            raise InputError("pack", f"{REFERENCE_FILE}: {cause!r} is not a condition of the pack")
        for cid, share in row.items():
            if cid not in ids:
                raise InputError("pack", f"{REFERENCE_FILE}: {cause}: {cid!r} is not a condition of the pack")
            shares[ids[cause], ids[cid]] = float(share)
    return shares


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def default_outcomes(pack: Pack) -> I64:
    """For each question, the outcome a complete record implies when silent (-1: none known)."""
    from symcheck.ddxplus.codec import PackCodec

    return PackCodec(pack).default_outcome


def fit_records(
    pack: Pack,
    records: Iterable[CaseRecord],
    out: Path | str,
    *,
    options: FitOptions | None = None,
    files: Sequence[str] = (),
    stats: dict[str, int] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FitReport:
    """Fit `pack` from records already in its terms and write the result to `out`."""
    opts = options or FitOptions()
    started = time.perf_counter()
    stats = stats if stats is not None else {}
    counts = CaseCounts(pack.compiled.model, pack.compiled.model.band_upper)
    for rec in records:
        counts.add(rec)
        if on_progress is not None and counts.cases % 10_000 == 0:
            on_progress(counts.cases)
    counts.flush()
    if counts.cases == 0:
        raise InputError("cases", "no cases read")
    fitted = estimate(pack, counts, default_outcomes(pack), opts)
    per_condition = {cid: int(n) for cid, n in zip(pack.compiled.condition_ids, counts.demo.sum(axis=(1, 2)), strict=True)}
    target = Path(out)
    provenance = {
        "fitted": dt.date.today(),
        "cases": int(counts.cases),
        "files": [Path(f).name for f in files],
        "per_condition": per_condition,
        "options": {
            "strength": opts.strength,
            "value_strength": opts.value_strength,
            "number_model": opts.number_model,
            "group_strength": opts.group_strength,
            "prior_strength": opts.prior_strength,
            "demographic_strength": opts.demographic_strength,
            "floor": opts.floor,
        },
        "unknown_items": int(stats.get("unknown_items", 0)),
        "skipped_cases": int(stats.get("skipped_cases", 0)),
        "new_links": int(fitted.new_links),
        "number_models": fitted.number_models,
    }
    write_fitted(pack, fitted, target, opts.source, provenance)
    shares = reference_shares(counts)
    if shares is not None:
        write_reference(pack, shares, counts, target)
    elif (target / REFERENCE_FILE).exists():
        (target / REFERENCE_FILE).unlink()  # it described the earlier fit
    notes = []
    empty = [cid for cid, n in per_condition.items() if n == 0]
    if empty:
        notes.append(f"{len(empty)} conditions had no cases and keep structure-based figures: {', '.join(empty[:8])}")
    return FitReport(
        pack=target,
        cases=int(counts.cases),
        files=[str(f) for f in files],
        per_condition=per_condition,
        unknown_items=int(stats.get("unknown_items", 0)),
        skipped_cases=int(stats.get("skipped_cases", 0)),
        new_links=int(fitted.new_links),
        seconds=time.perf_counter() - started,
        peak_memory_mb=peak_memory_mb(),
        notes=notes,
    )


def _check_options(opts: FitOptions) -> None:
    if not 0.0 < opts.floor < 0.01:
        raise InputError("floor", f"{opts.floor} must lie in (0, 0.01)")
    for name in ("strength", "group_strength", "prior_strength", "demographic_strength"):
        if not getattr(opts, name) > 0:
            raise InputError(name.replace("_", "-"), "must be > 0")
    if opts.limit is not None and opts.limit < 1:
        raise InputError("limit", "must be >= 1")


def fit_pack(
    pack_path: Path | str,
    case_files: Sequence[Path | str],
    out: Path | str | None = None,
    *,
    options: FitOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> FitReport:
    """Fit priors and likelihoods of the pack at `pack_path` from case files (streamed); write the fitted
    pack to `out` (default: in place) with a `fit.yaml` saying what it was fitted from."""
    opts = options or FitOptions()
    _check_options(opts)
    if not case_files:
        raise InputError("cases", "give at least one case file")
    pack = load_pack(pack_path)
    if opts.source is not None and opts.source not in pack.sources:
        raise InputError("source", f"unknown source {opts.source!r} (not in the pack's sources.yaml)")
    files = [str(p) for p in case_files]
    for f in files:
        if not Path(f).is_file():
            raise InputError("cases", f"no such file: {f}")
    stats: dict[str, int] = {}

    def records() -> Iterator[CaseRecord]:
        for path in files:
            yield from iter_cases(pack, path, skip_unknown=opts.skip_unknown, limit=opts.limit, stats=stats)

    target = Path(out) if out is not None else pack.path
    return fit_records(pack, records(), target, options=opts, files=files, stats=stats, on_progress=on_progress)
