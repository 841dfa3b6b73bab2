"""Benchmark of the rare-disease ranker on phenopacket-store cases (JSON lines, see shared/data/phenopackets).

Scoring follows the data set's README exactly, so dev and held-out figures compare:
* every candidate disease is ranked from phenotypes, excluded phenotypes, age and sex only (never genes);
* ties take the mid-rank 1 + #better + #tied-others / 2; top-k counts rank <= k; MRR averages 1 / rank;
* accuracy is given over all cases (a diagnosis absent from the candidates is a miss) and over the cases
  whose diagnosis is a candidate;
* leave-publication-out (the headline): for each case, the target disease's annotation rows whose only
  reference is the case's PMID are dropped before scoring.

Every figure comes beside a Phenomizer-style baseline (Resnik best-match average) computed in the same run on
the same candidates and the same leave-publication-out profiles, and with its ratio to it. The default model
runs with and without the cases' excluded terms; the corpus-specific options (excluded-term ascertainment,
publication prior) run apart. Calibration of the top-1 score share (the model posterior of the top disease) is
measured on the same cases, and so is that of the top-1 probability (calibration.Top1Model), out-of-fold by
cohort-grouped cross-fitting; random-term queries show how much of either noise gets.

The dev file is tuning data (the other 90 % is held back). The model's global hyperparameters were tuned on
the cohorts of `--split A` only; `--split B` is the held-out half (splitting by cohort keeps a disease and its
publication on one side).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from symcheck.errors import InputError
from symcheck.rare import calibration, model, service
from symcheck.rare.calibration import CalibrationReport, ScoredCase
from symcheck.rare.compile import RareIndex
from symcheck.rare.model import ScoreParams, mid_rank


@dataclass(frozen=True)
class Case:
    id: str
    pmid: str
    disease_id: str
    observed: list[str]
    excluded: list[str]
    age_years: float | None
    sex: str | None
    cohort: str = ""


def _age(record: dict[str, object]) -> float | None:
    years = record.get("age_years")
    if isinstance(years, int | float):
        return max(float(years), 0.0)
    age = record.get("age")
    if isinstance(age, str) and age.startswith("GA:"):
        return 0.0  # gestational age: not yet born
    return None  # absent, or an HPO onset class (too coarse to use as an age)


def load_cases(path: Path, limit: int | None = None) -> list[Case]:
    if not path.exists():
        raise InputError("file", f"no such file: {path}")
    cases: list[Case] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                sex = r.get("sex")
                cases.append(
                    Case(
                        id=str(r["id"]),
                        pmid=str(r.get("pmid") or ""),
                        disease_id=str(r["disease_id"]),
                        observed=list(r.get("observed") or []),
                        excluded=list(r.get("excluded") or []),
                        age_years=_age(r),
                        sex=sex if sex in ("MALE", "FEMALE") else None,
                        cohort=str(r.get("cohort") or ""),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError("file", f"{path}:{lineno}: not a phenopacket case record ({exc})") from exc
            if limit is not None and len(cases) >= limit:
                break
    return cases


def cohort_half(case: Case) -> str:
    """A fixed split of the sample into halves A / B by cohort (not by case: cases of one cohort share a
    disease and often a publication, so a case split would leak between the tuning and checking halves)."""
    digest = hashlib.md5((case.cohort or case.disease_id).encode("utf-8")).digest()
    return "A" if digest[0] % 2 == 0 else "B"


class Metrics(BaseModel):
    n: int
    top1: float
    top3: float
    top10: float
    mrr: float


def metrics(ranks: Sequence[float]) -> Metrics:
    r = np.asarray(ranks, dtype=float)
    if len(r) == 0:
        return Metrics(n=0, top1=0.0, top3=0.0, top10=0.0, mrr=0.0)
    rr = np.where(np.isfinite(r), 1.0 / r, 0.0)
    return Metrics(
        n=len(r),
        top1=float(np.mean(r <= 1)),
        top3=float(np.mean(r <= 3)),
        top10=float(np.mean(r <= 10)),
        mrr=float(rr.mean()),
    )


# Corpus-specific options, reported apart from the default: what the previous default did.
CORPUS_OPTIONS = {"excluded_ascertainment": 8.0, "prior_exponent": 0.5}
BASELINE = "phenomizer"
INDEPENDENT = "symcheck-independent-terms"
RANDOM_TERM_COUNTS = (5, 200)


class Ratios(BaseModel):
    """The model's figure divided by the baseline's (None where the baseline's is 0)."""

    top1: float | None
    top3: float | None
    top10: float | None
    mrr: float | None


class ModeReport(BaseModel):
    model: str  # "symcheck", "symcheck+corpus-options", "symcheck-independent-terms" or "phenomizer"
    profile: str  # "leave-publication-out" or "full"
    excluded_terms: bool
    all_cases: Metrics
    candidate_cases: Metrics  # the cases whose diagnosis is among the candidates
    vs_baseline: Ratios | None  # None for the baseline itself
    ms_per_case_p50: float  # wall clock, one process, one case at a time
    ms_per_case_mean: float
    cpu_ms_per_case_p50: float  # the same in CPU time (steadier on a busy machine)
    cpu_ms_per_case_mean: float


class CaseResult(BaseModel):
    id: str
    disease_id: str
    candidate: bool
    # None: the diagnosis is not among the candidates (JSON has no infinity). Keys: "<model>/<profile>/<exc>".
    ranks: dict[str, float | None]
    top1_share: float  # default model, leave-publication-out, excluded terms used
    unknown_share: float
    top1_probability: float  # the same case through the shipped Top1Model
    top1_probability_crossfit: float  # through a Top1Model fitted on the other folds' cohorts of this file


class SetReport(BaseModel):
    file: str
    split: str
    n_cases: int
    n_candidate: int
    n_not_candidate: int  # cases whose diagnosis is not among the candidates: misses in "all"
    modes: list[ModeReport]
    calibration: CalibrationReport  # default model, leave-publication-out, excluded terms used
    calibration_full: CalibrationReport  # the same with full annotations
    # The probability that the top disease is the diagnosis (calibration.Top1Model), leave-publication-out:
    # out-of-fold, by a model refitted on the other cohorts of this file (5 folds by cohort); and with the
    # shipped coefficients (fitted on the whole dev sample, so in-sample there).
    probability_crossfit: CalibrationReport
    probability: CalibrationReport
    cases: list[CaseResult]


class RandomTermsReport(BaseModel):
    n_terms: int
    n_queries: int
    mean_top1_share: float
    max_top1_share: float
    mean_unknown_share: float
    mean_top1_probability: float
    max_top1_probability: float


class BenchReport(BaseModel):
    hpo_version: str
    hpoa_version: str
    sources: list[str]
    params: dict[str, float]
    corpus_options: dict[str, float]
    sets: list[SetReport]
    random_terms: list[RandomTermsReport]
    fitted_calibration: dict[str, float] | None = None  # --fit-calibration: fitted on these cases


def _key(model_name: str, profile: str, excluded: bool) -> str:
    return f"{model_name}/{profile}/{'excluded' if excluded else 'no-excluded'}"


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


@dataclass
class _Run:
    """One way of scoring every case: its ranks and per-case timings."""

    model_name: str
    profile: str
    excluded: bool
    ranks: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _scored_case(out: model.RankOutput, n_observed: int, target: int | None) -> ScoredCase:
    return ScoredCase(
        evidence=out.log_score - out.prior,
        log_prior=out.prior,
        n_observed=n_observed,
        gold=-1 if target is None else target,
    )


def evaluate_set(
    index: RareIndex,
    cases: Sequence[Case],
    params: ScoreParams = service.DEFAULT_PARAMS,
    sources: Sequence[str] = service.DEFAULT_SOURCES,
    file: str = "",
    split: str = "all",
    progress: Callable[[int], None] | None = None,
    keep_scored: list[ScoredCase] | None = None,
) -> SetReport:
    candidates = service.candidate_mask(index, sources)
    corpus = replace(params, **CORPUS_OPTIONS)
    # Null calibrations are a one-off cost per parameter set, not per case.
    service.null_for(index, params)
    service.null_for(index, corpus)
    no_exc = replace(params, excluded_weight=0.0)
    service.null_for(index, no_exc)
    # The same model with its terms taken as independent evidence (dependence 0, naive Bayes as in LIRICAL).
    independent = replace(params, dependence=0.0, excluded_dependence=0.0)
    service.null_for(index, independent)
    runs: dict[str, _Run] = {}
    scored: list[ScoredCase] = []
    scored_full: list[ScoredCase] = []
    per_case_top1: list[tuple[float, float]] = []
    for i, case in enumerate(cases):
        target = index.disease_index.get(case.disease_id)
        if target is not None and not candidates[target]:
            target = None
        # Reading the ids is part of the time per case: timed once per query and added to every run using it.
        t0, c0 = time.perf_counter(), time.process_time()
        prepared = service.prepare_query(index, case.observed, case.excluded, case.age_years, case.sex, strict=False)
        t1, c1 = time.perf_counter(), time.process_time()
        # The same query without its excluded terms (normalisation may differ: resolve it apart).
        bare = service.prepare_query(index, case.observed, (), case.age_years, case.sex, strict=False)
        t2, c2 = time.perf_counter(), time.process_time()
        prep_cost = {id(prepared): (t1 - t0, c1 - c0), id(bare): (t2 - t1, c2 - c1)}
        n_obs = len(prepared.query.observed)
        for profile in ("leave-publication-out", "full"):
            lpo = profile == "leave-publication-out"
            refs = [case.pmid] if lpo and case.pmid else []
            only = [case.disease_id] if lpo else None
            for name, p, q, exc in (
                ("symcheck", params, prepared, True),
                ("symcheck", no_exc, bare, False),
                ("symcheck+corpus-options", corpus, prepared, True),
                (INDEPENDENT, independent, prepared, True),
            ):
                run = runs.setdefault(_key(name, profile, exc), _Run(name, profile, exc))
                t0, c0 = time.perf_counter(), time.process_time()
                out = service.score(index, q, candidates, p, exclude_references=refs, exclude_for=only)
                run.wall.append(time.perf_counter() - t0 + prep_cost[id(q)][0])
                run.cpu.append(time.process_time() - c0 + prep_cost[id(q)][1])
                run.ranks.append(math.inf if target is None else mid_rank(out.log_score, target))
                if name == "symcheck" and exc:
                    sc = _scored_case(out, n_obs, target)
                    (scored if lpo else scored_full).append(sc)
                    if lpo:
                        top_p, _, unknown = calibration.top1(sc, params)
                        per_case_top1.append((top_p, unknown))
            run = runs.setdefault(_key(BASELINE, profile, False), _Run(BASELINE, profile, False))
            t0, c0 = time.perf_counter(), time.process_time()
            base = service.baseline_scores(index, bare, candidates, exclude_references=refs, exclude_for=only)
            run.wall.append(time.perf_counter() - t0 + prep_cost[id(bare)][0])
            run.cpu.append(time.process_time() - c0 + prep_cost[id(bare)][1])
            run.ranks.append(math.inf if target is None else mid_rank(base, target))
        if progress is not None:
            progress(i + 1)
    is_candidate = [
        case.disease_id in index.disease_index and bool(candidates[index.disease_index[case.disease_id]])
        for case in cases
    ]
    if keep_scored is not None:
        keep_scored.extend(scored)

    def metrics_of(run: _Run) -> tuple[Metrics, Metrics]:
        return metrics(run.ranks), metrics([r for r, a in zip(run.ranks, is_candidate, strict=True) if a])

    modes: list[ModeReport] = []
    for run in runs.values():
        all_m, cand_m = metrics_of(run)
        ratios = None
        if run.model_name != BASELINE:
            b, _ = metrics_of(runs[_key(BASELINE, run.profile, False)])
            ratios = Ratios(
                top1=_ratio(all_m.top1, b.top1),
                top3=_ratio(all_m.top3, b.top3),
                top10=_ratio(all_m.top10, b.top10),
                mrr=_ratio(all_m.mrr, b.mrr),
            )
        modes.append(
            ModeReport(
                model=run.model_name,
                profile=run.profile,
                excluded_terms=run.excluded,
                all_cases=all_m,
                candidate_cases=cand_m,
                vs_baseline=ratios,
                ms_per_case_p50=float(np.median(run.wall)) * 1000 if run.wall else 0.0,
                ms_per_case_mean=float(np.mean(run.wall)) * 1000 if run.wall else 0.0,
                cpu_ms_per_case_p50=float(np.median(run.cpu)) * 1000 if run.cpu else 0.0,
                cpu_ms_per_case_mean=float(np.mean(run.cpu)) * 1000 if run.cpu else 0.0,
            )
        )
    order = {"leave-publication-out": 0, "full": 1}
    modes.sort(key=lambda m: (order[m.profile], m.model == BASELINE, m.model != "symcheck", not m.excluded_terms))
    keys = list(runs)
    groups = [c.cohort or c.disease_id for c in cases]
    feats = [calibration.case_top1(sc, params) for sc in scored]
    x = np.array([f for f, _ in feats]).reshape(len(feats), 3)
    ok = [o for _, o in feats]
    shipped = [calibration.top1_probability_from_features(calibration.DEFAULT_TOP1, row) for row in x]
    oof = calibration.crossfit_top1(x, ok, groups).tolist()
    return SetReport(
        file=file,
        split=split,
        n_cases=len(cases),
        n_candidate=sum(is_candidate),
        n_not_candidate=len(cases) - sum(is_candidate),
        modes=modes,
        calibration=calibration.evaluate(scored, params, groups=groups),
        calibration_full=calibration.evaluate(scored_full, params, groups=groups),
        probability_crossfit=calibration.evaluate_probabilities(oof, ok, groups),
        probability=calibration.evaluate_probabilities(shipped, ok, groups),
        cases=[
            CaseResult(
                id=c.id,
                disease_id=c.disease_id,
                candidate=a,
                ranks={k: (runs[k].ranks[j] if math.isfinite(runs[k].ranks[j]) else None) for k in keys},
                top1_share=per_case_top1[j][0],
                unknown_share=per_case_top1[j][1],
                top1_probability=shipped[j],
                top1_probability_crossfit=oof[j],
            )
            for j, (c, a) in enumerate(zip(cases, is_candidate, strict=True))
        ],
    )


def random_term_queries(
    index: RareIndex,
    n_terms: int,
    n_queries: int = 100,
    params: ScoreParams = service.DEFAULT_PARAMS,
    sources: Sequence[str] = service.DEFAULT_SOURCES,
    seed: int = 17,
) -> RandomTermsReport:
    """Queries of `n_terms` phenotypic-abnormality terms drawn uniformly at random (fixed seed): no disease
    explains them, so no disease should get much of the posterior."""
    rng = np.random.default_rng(seed + n_terms)
    pool = np.flatnonzero(index.graph.is_phenotype)
    candidates = service.candidate_mask(index, sources)
    top: list[float] = []
    unknown: list[float] = []
    prob: list[float] = []
    for _ in range(n_queries):
        terms = [index.term_ids[t] for t in rng.choice(pool, size=n_terms, replace=False)]
        prepared = service.prepare_query(index, terms)
        out = service.score(index, prepared, candidates, params)
        top.append(float(out.posterior.max()))
        unknown.append(out.unknown)
        prob.append(service.top1_probability(out, len(prepared.query.observed)))
    return RandomTermsReport(
        n_terms=n_terms,
        n_queries=n_queries,
        mean_top1_share=float(np.mean(top)),
        max_top1_share=float(np.max(top)),
        mean_unknown_share=float(np.mean(unknown)),
        mean_top1_probability=float(np.mean(prob)),
        max_top1_probability=float(np.max(prob)),
    )


def evaluate(
    index: RareIndex,
    case_sets: Sequence[tuple[str, Sequence[Case]]],
    params: ScoreParams = service.DEFAULT_PARAMS,
    sources: Sequence[str] = service.DEFAULT_SOURCES,
    split: str = "all",
    random_queries: int = 100,
    fit_calibration: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BenchReport:
    """Every case set, then the random-term queries. `fit_calibration` also fits the calibration constants on
    the cases (leave-publication-out, excluded terms used) and reports them: for tuning on a split that is
    then not reported as held out."""
    done = 0

    def tick(_: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done)

    scored: list[ScoredCase] = []
    sets = [
        evaluate_set(index, cases, params, sources, file=name, split=split, progress=tick, keep_scored=scored)
        for name, cases in case_sets
    ]
    fitted = None
    if fit_calibration and scored:
        best = calibration.fit(scored, params)
        fitted = {k: float(getattr(best, k)) for k in calibration.BOUNDS}
        # The top-1 probability model on the shipped shares (the fitted constants above are not applied: fit
        # them first, ship them, then refit this).
        feats = [calibration.case_top1(sc, params) for sc in scored]
        top1_model = calibration.fit_top1(np.array([f for f, _ in feats]), [o for _, o in feats])
        fitted.update({f"top1_{k}": float(v) for k, v in top1_model.__dict__.items()})
    return BenchReport(
        hpo_version=index.hpo_version,
        hpoa_version=index.hpoa_version,
        sources=[s.upper() for s in sources],
        params={k: float(v) for k, v in params.__dict__.items()},
        corpus_options=dict(CORPUS_OPTIONS),
        sets=sets,
        random_terms=[
            random_term_queries(index, n, random_queries, params, sources) for n in RANDOM_TERM_COUNTS
        ]
        if random_queries > 0
        else [],
        fitted_calibration=fitted,
    )
