"""Benchmark of the rare-disease ranker on phenopacket-store cases (JSON lines, see shared/data/phenopackets).

Scoring follows the data set's README exactly, so dev and held-out figures compare:
* every candidate disease is ranked from phenotypes, excluded phenotypes, age and sex only (never genes);
* ties take the mid-rank 1 + #better + #tied-others / 2; top-k counts rank <= k; MRR averages 1 / rank;
* accuracy is given over all cases (a diagnosis absent from the annotations is a miss) and over the cases
  whose diagnosis is annotated;
* leave-publication-out (the headline): for each case, the target disease's annotation rows whose only
  reference is the case's PMID are dropped before scoring.

The dev file is tuning data (the other 90 % is held back). The model's few global hyperparameters
(rare.model.ScoreParams / ProfileParams) were tuned on the cohorts of `--split A` and checked on `--split B`
and vice versa; splitting by cohort keeps a disease and its publication on one side.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from symcheck.errors import InputError
from symcheck.rare import service
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


class CaseResult(BaseModel):
    id: str
    disease_id: str
    annotated: bool
    rank: float | None  # None: the diagnosis is not among the candidates (JSON has no infinity)
    rank_lpo: float | None


class ModeReport(BaseModel):
    all_cases: Metrics
    annotated_cases: Metrics
    seconds_per_case: float  # wall clock, one process, one case at a time
    cpu_seconds_per_case: float  # the same in CPU time (steadier on a busy machine)


class BenchReport(BaseModel):
    file: str
    n_cases: int
    n_annotated: int
    hpo_version: str
    hpoa_version: str
    params: dict[str, float]
    full: ModeReport
    leave_publication_out: ModeReport
    cases: list[CaseResult]


def _rank_case(
    index: RareIndex,
    case: Case,
    candidates: np.ndarray,
    params: ScoreParams,
    lpo: bool,
) -> float:
    prepared = service.prepare_query(
        index, case.observed, case.excluded, case.age_years, case.sex, strict=False
    )
    out = service.score(
        index,
        prepared,
        candidates,
        params,
        exclude_references=[case.pmid] if lpo and case.pmid else (),
        exclude_for=[case.disease_id] if lpo else None,
    )
    target = index.disease_index.get(case.disease_id)
    return math.inf if target is None else mid_rank(out.log_score, target)


def evaluate(
    index: RareIndex,
    cases: Sequence[Case],
    params: ScoreParams = service.DEFAULT_PARAMS,
    sources: Sequence[str] = service.DEFAULT_SOURCES,
    file: str = "",
    progress: Callable[[int], None] | None = None,
) -> BenchReport:
    candidates = service.candidate_mask(index, sources)
    ranks: list[float] = []
    ranks_lpo: list[float] = []
    service.null_for(index, params)  # a one-off cost per parameter set, not per case
    t_full = t_lpo = c_full = c_lpo = 0.0
    for i, case in enumerate(cases):
        t0, c0 = time.perf_counter(), time.process_time()
        ranks.append(_rank_case(index, case, candidates, params, lpo=False))
        t1, c1 = time.perf_counter(), time.process_time()
        ranks_lpo.append(_rank_case(index, case, candidates, params, lpo=True))
        t2, c2 = time.perf_counter(), time.process_time()
        t_full += t1 - t0
        t_lpo += t2 - t1
        c_full += c1 - c0
        c_lpo += c2 - c1
        if progress is not None:
            progress(i + 1)
    annotated = [
        case.disease_id in index.disease_index and bool(candidates[index.disease_index[case.disease_id]])
        for case in cases
    ]
    n = max(len(cases), 1)

    def mode(rs: list[float], seconds: float, cpu: float) -> ModeReport:
        return ModeReport(
            all_cases=metrics(rs),
            annotated_cases=metrics([r for r, a in zip(rs, annotated, strict=True) if a]),
            seconds_per_case=seconds / n,
            cpu_seconds_per_case=cpu / n,
        )

    return BenchReport(
        file=file,
        n_cases=len(cases),
        n_annotated=sum(annotated),
        hpo_version=index.hpo_version,
        hpoa_version=index.hpoa_version,
        params={k: float(v) for k, v in params.__dict__.items()},
        full=mode(ranks, t_full, c_full),
        leave_publication_out=mode(ranks_lpo, t_lpo, c_lpo),
        cases=[
            CaseResult(
                id=c.id,
                disease_id=c.disease_id,
                annotated=a,
                rank=r if math.isfinite(r) else None,
                rank_lpo=rl if math.isfinite(rl) else None,
            )
            for c, a, r, rl in zip(cases, annotated, ranks, ranks_lpo, strict=True)
        ],
    )
