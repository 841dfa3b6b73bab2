"""Likelihood-ratio ranking of rare diseases from HPO phenotypes, in the spirit of LIRICAL.

Pure functions: numpy arrays in, numpy arrays out, no I/O. `compile.py` builds the arrays, `service.py` adds ids
and names.

For a disease d and an observed patient term q the likelihood ratio is LR = P(q | d) / P(q | background):

* d is annotated with q, or with a descendant of q (the patient's term is then more general and is implied by
  the annotation): P(q | d) is the annotation frequency, P(q | background) the mean of that over diseases.
* d is annotated with an ancestor a of q (the patient's term is more specific): if the patient's feature was
  drawn like the background's, P(q | d) = p(a | d) * bg(q) / bg(a), so LR = p(a | d) / bg(a): the evidence
  is that of the general term, discounted by `specific_weight` and by (bg(q) / bg(a)) ** `ic_discount`.
* d is annotated with a different descendant of a common ancestor a (a sibling): the same, with the smaller
  `related_weight`.
* otherwise the feature is unexplained: a constant `nomatch_lr` (< 1), because curated profiles list most of
  a disease's frequent features, yet patients carry unrelated findings and curation is incomplete.

An excluded term x has LR = k (1 - p(x | d) + slack) / (1 - bg(x)): slack because an "obligate" annotation
from a handful of cases is no proof, and k (`excluded_ascertainment`) because clinicians record pertinent
negatives for the diseases they suspect, so the absence of a feature is recorded more often when the
disease usually has it. Age (the patient is younger than the disease's
earliest typical onset) and sex (X-linked recessive or sex-limited diseases) add a factor each. With a
uniform prior the posterior is the softmax of the summed log-LRs over the candidate diseases. The observed
terms' log-LRs are summed as one block and the excluded terms' as another, each divided by (block size) **
`dependence`, because the terms of a block are not independent evidence.

Matching is vectorised over diseases with term-major sparse columns: for each ancestor of a patient term the
column lists the diseases whose annotation closure contains it, with the direct frequency (`self`) and the
frequency implied through descendants (`clos`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int32]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Row aspects kept by the compiler.
ASPECT_PHENOTYPE = 0
ASPECT_ONSET = 1
ASPECT_INHERITANCE = 2

# Inheritance bits derived from aspect-I rows.
INH_AD = 1
INH_AR = 2
INH_XL = 4
INH_XLR = 8
INH_XLD = 16
INH_Y = 32
INH_MT = 64
INH_MALE_LIMITED = 128
INH_FEMALE_LIMITED = 256
INH_OTHER = 512  # semidominant, pseudoautosomal, digenic...: anything that lets females be affected

# Match kinds reported per patient term (explanations).
KIND_NONE = 0  # unexplained observed feature
KIND_EXACT = 1
KIND_MORE_GENERAL = 2  # patient term is an ancestor of the disease's annotated term
KIND_MORE_SPECIFIC = 3  # patient term is a descendant of the disease's annotated term
KIND_RELATED = 4  # only a common ancestor
KIND_CONTRADICTED = 5  # the disease is annotated NOT having this feature
KIND_EXCLUDED_PRESENT = 6  # an excluded term that the disease has
KIND_EXCLUDED_ABSENT = 7  # an excluded term that the disease does not have

KIND_NAMES: dict[int, str] = {
    KIND_NONE: "no_match",
    KIND_EXACT: "exact",
    KIND_MORE_GENERAL: "patient_more_general",
    KIND_MORE_SPECIFIC: "patient_more_specific",
    KIND_RELATED: "related",
    KIND_CONTRADICTED: "contradicted",
    KIND_EXCLUDED_PRESENT: "excluded_present",
    KIND_EXCLUDED_ABSENT: "excluded_absent",
}

SEX_UNKNOWN = 0
SEX_MALE = 1
SEX_FEMALE = 2


@dataclass(frozen=True)
class ProfileParams:
    """How annotation rows become per-disease term probabilities (fixed at compile time, part of the cache)."""

    default_frequency: float = 0.5  # rows without a frequency (about a fifth)
    # Pseudo-count pulling small n/m frequencies (1/1, 2/2 from a single report) toward default_frequency:
    # (n + k f0) / (m + k). Frequency classes ("Obligate", "Very frequent") are left as they are.
    shrinkage: float = 2.0
    combine: Literal["max", "noisy_or"] = "max"  # how descendants' frequencies imply an ancestor's


@dataclass(frozen=True)
class ScoreParams:
    """Global hyperparameters of the query-time model. There are no per-disease or per-case settings.

    The default is the principled model: an excluded feature counts against the diseases that have it, at
    the frequency their annotation gives, and every candidate has the same prior (no source of disease
    prevalence covering HPO's diseases ships with symcheck; a prior from publication counts would encode
    which diseases the benchmark corpus describes, since HPO annotations are partly curated from it).
    Two corpus-specific options stay available, off by default, and `bench phenopackets` reports them
    apart: `excluded_ascertainment` > 1 and `prior_exponent` > 0.

    The observed-term weights were tuned by coordinate search on the cohorts of split A of the phenopacket
    dev sample with excluded terms ignored (that corpus's pertinent negatives are largely its diagnoses'
    own feature checklists, so tuning on them would learn its curation); the excluded-term slack is fixed
    a priori, and so is `dependence`; `excluded_dependence` was chosen on split A. The calibration (temperature, unknown-disease alternative) was fitted on
    split A's leave-publication-out scores by maximum likelihood; split B is the held-out check.
    """

    nomatch_lr: float = 0.2  # an observed feature the disease does not explain
    specific_weight: float = 0.1  # patient term more specific than an annotated term
    related_weight: float = 0.1  # patient term only shares an ancestor with an annotated term
    ic_discount: float = 0.25  # exponent on bg(q) / bg(a): the further below the match, the weaker
    # Ancestors annotated in more than this fraction of diseases never count as a match: they say nothing.
    max_ancestor_background: float = 0.5
    contradicted_lr: float = 0.01  # an observed feature the disease is annotated NOT to have
    # P(feature absent | disease has it at frequency p) = 1 - (1 - slack) p: curated frequencies from a few
    # cases overstate, so even an "obligate" feature is sometimes absent (LR at least `slack`).
    excluded_slack: float = 0.1
    excluded_weight: float = 1.0  # exponent on excluded-term LRs (0 ignores excluded terms)
    # Corpus option, 1 = off: pertinent negatives are recorded for the features of the diseases one
    # suspects, so an excluded term is this many times likelier to be recorded for a disease that has it.
    # In phenopacket-store this learns how the corpus was curated; it is not a property of patients.
    excluded_ascertainment: float = 1.0
    young_for_onset_lr: float = 0.3  # the largest penalty for a patient younger than the typical onset
    onset_margin_years: float = 1.0
    onset_ramp_fraction: float = 0.5  # the penalty reaches its bound this fraction of the onset age early
    xlr_female_lr: float = 0.3  # X-linked recessive disease in a female
    sex_limited_lr: float = 0.05  # Y-linked or sex-limited disease in the other sex
    background_floor: float = 0.5  # in units of 1/N diseases
    # Diseases with long profiles "explain" any feature. Each observed term's log-LR is measured against
    # what the disease scores for a random feature (the mean log-LR of annotated features drawn across
    # diseases): score = sum(log LR(q, d) - null_calibration * null(d)). 0 = LIRICAL's behaviour.
    null_calibration: float = 1.0
    # Corpus option, 0 = off: prior ~ (1 + number of publications) ** prior_exponent.
    prior_exponent: float = 0.0
    # Dependence between the terms of one block (the observed terms; the excluded terms): a block of n terms
    # counts as sum(log LR) / n ** dependence. Features of one syndrome co-occur and negatives are checked
    # together, so summing their log-LRs as if independent overstates a long list against a short one and
    # against age and sex. 0 = independent terms (naive Bayes, as LIRICAL). 0.5 (effective size sqrt(n)) is
    # the conventional middle, fixed beforehand; each term's LR, excluded ones included, is unchanged.
    dependence: float = 0.5
    # The same for the excluded block. Pertinent negatives are not sampled like findings: they are checked as
    # a list (often one differential's features), so they stand or fall together, and 1 (the list weighs as
    # its mean log-LR, whatever its length) is the model. A single negative keeps its full LR. Chosen from
    # {0.5, 0.75, 1} on split A only (see the README); `None` = the same as `dependence`.
    excluded_dependence: float | None = 1.0
    # Calibration. Summed log-LRs of correlated features overstate the evidence: the posterior uses them
    # divided by `temperature`. Beside the candidates stands one more hypothesis, "none of these": a
    # disease that is not annotated (or not among the candidates), with prior `unknown_prior`, which
    # explains each observed feature with log-LR `unknown_log_lr` (the patient's features are features
    # of their disease, but we don't know its profile). Random features then go to it, not to whichever
    # disease happens to match them best.
    temperature: float = 1.355
    unknown_prior: float = 0.2111
    unknown_log_lr: float = 0.566


@dataclass(frozen=True)
class TermGraph:
    """The ontology as arrays; term indices are positions in the compiler's sorted term table."""

    n_terms: int
    anc_ptr: IntArray  # CSR over terms: ancestors including the term itself
    anc_idx: IntArray
    par_ptr: IntArray  # CSR over terms: direct is_a parents
    par_idx: IntArray
    is_phenotype: BoolArray  # under HP:0000118 Phenotypic abnormality
    onset_lo: FloatArray  # for onset classes: the earliest age in years (NaN elsewhere)
    inheritance_bits: IntArray  # for inheritance terms: INH_* bits (0 elsewhere)

    def ancestors(self, term: int) -> IntArray:
        return self.anc_idx[self.anc_ptr[term] : self.anc_ptr[term + 1]]

    def parents(self, term: int) -> IntArray:
        return self.par_idx[self.par_ptr[term] : self.par_ptr[term + 1]]


@dataclass(frozen=True)
class Annotations:
    """Annotation rows (aspects P, C, I), sorted by disease, each with its own references."""

    n_diseases: int
    disease_row_ptr: IntArray  # CSR: the rows of disease d are disease_row_ptr[d]:disease_row_ptr[d+1]
    row_disease: IntArray
    row_term: IntArray
    row_aspect: NDArray[np.int8]
    row_negated: BoolArray
    row_freq: FloatArray  # NaN when the row has no frequency
    row_den: IntArray  # m of an n/m frequency, 0 otherwise
    row_onset: IntArray  # onset-class term of a phenotype row, -1 if none
    row_ref_ptr: IntArray  # CSR over rows: reference ids
    row_ref_idx: IntArray
    ref_row_ptr: IntArray  # CSR over references: rows that cite it (the inverse, for cheap look-up)
    ref_row_idx: IntArray
    in_background: BoolArray  # diseases whose profiles define the background frequencies


@dataclass(frozen=True)
class Profiles:
    """Per-disease probabilities of every term in the annotation closure, in two sparse orientations."""

    n_diseases: int
    n_terms: int
    dptr: IntArray  # disease-major CSR
    dterm: IntArray
    dself: FloatArray  # frequency of a direct annotation with this term (0 if only implied)
    dclos: FloatArray  # probability implied by the term or any annotated descendant
    cptr: IntArray  # term-major CSC of the same entries
    cdis: IntArray
    cself: FloatArray
    cclos: FloatArray
    not_cptr: IntArray  # term-major: diseases annotated NOT having the term (direct only)
    not_cdis: IntArray
    onset_lo: FloatArray  # per disease: earliest typical onset in years (NaN if unknown)
    inheritance: IntArray  # per disease: INH_* bits
    n_refs: FloatArray  # per disease: distinct references of its phenotype rows (how much it is published)
    bg: FloatArray  # per term: background probability (frequency-weighted mean over background diseases)


@dataclass(frozen=True)
class Query:
    observed: IntArray  # phenotype terms, most specific only
    excluded: IntArray
    age_years: float | None = None
    sex: int = SEX_UNKNOWN

    def _replace_excluded(self) -> Query:
        return replace(self, excluded=np.zeros(0, dtype=np.int32))


@dataclass(frozen=True)
class TermScores:
    """Per-term, per-disease LRs; `source`/`kind` only when explanations were asked for."""

    observed_lr: FloatArray  # (n_observed, n_diseases)
    excluded_lr: FloatArray  # (n_excluded, n_diseases)
    observed_source: IntArray | None = None  # the disease-side term that gave the best match, -1 if none
    observed_kind: NDArray[np.int8] | None = None
    excluded_kind: NDArray[np.int8] | None = None


@dataclass(frozen=True)
class RankOutput:
    log_score: FloatArray  # per disease: summed log-LR (-inf for non-candidates)
    posterior: FloatArray  # per disease; with `unknown` it sums to 1 over the candidates
    unknown: float  # probability of "none of these": a disease that is not among the candidates
    age_log_lr: FloatArray
    sex_log_lr: FloatArray
    calibration: FloatArray  # -null_calibration * n_observed * null(d)
    prior: FloatArray  # log prior (up to a constant)
    # Diseases whose profile was rebuilt without some references, with the rebuilt single-disease profiles.
    rebuilt: dict[int, Profiles] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------------
# Building profiles from rows


def _csr_gather(ptr: IntArray, idx: IntArray, items: IntArray) -> tuple[IntArray, IntArray]:
    """For each item, its CSR slice; returns (flattened values, index of the item each value came from)."""
    starts = ptr[items].astype(np.int64)
    lens = (ptr[items + 1] - ptr[items]).astype(np.int64)
    total = int(lens.sum())
    owner = np.repeat(np.arange(len(items), dtype=np.int64), lens)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    return idx[np.repeat(starts, lens) + offsets].astype(np.int32), owner.astype(np.int32)


def none_reported(ann: Annotations, rows: IntArray) -> BoolArray:
    """Rows whose frequency is a count of none, "0/m"."""
    out: BoolArray = (ann.row_freq[rows] == 0.0) & (ann.row_den[rows] > 0)
    return out


def row_frequencies(ann: Annotations, rows: IntArray, params: ProfileParams) -> FloatArray:
    freq = ann.row_freq[rows]
    den = ann.row_den[rows].astype(np.float64)
    f = np.where(np.isnan(freq), params.default_frequency, freq)
    if params.shrinkage > 0:
        # Bayesian shrinkage of n/m toward the default: (n + k f0) / (m + k); rows without m are unchanged.
        shrunk = (f * den + params.shrinkage * params.default_frequency) / (den + params.shrinkage)
        f = np.where(den > 0, shrunk, f)
    return f


def _disease_traits(
    graph: TermGraph, ann: Annotations, rows: IntArray, n_diseases: int, disease_of_row: IntArray
) -> tuple[FloatArray, IntArray]:
    """Earliest onset (years) and inheritance bits per disease from onset rows, phenotype onsets, I rows."""
    onset = np.full(n_diseases, np.inf)
    aspect = ann.row_aspect[rows]
    terms = ann.row_term[rows]
    c = aspect == ASPECT_ONSET
    lo = graph.onset_lo[terms[c]]
    ok = ~np.isnan(lo)
    np.minimum.at(onset, disease_of_row[c][ok], lo[ok])
    p_onset = ann.row_onset[rows]
    has = (aspect == ASPECT_PHENOTYPE) & (p_onset >= 0)
    lo = graph.onset_lo[p_onset[has]]
    ok = ~np.isnan(lo)
    np.minimum.at(onset, disease_of_row[has][ok], lo[ok])
    onset[np.isinf(onset)] = np.nan
    inh = np.zeros(n_diseases, dtype=np.int32)
    i = (aspect == ASPECT_INHERITANCE) & ~ann.row_negated[rows]
    np.bitwise_or.at(inh, disease_of_row[i], graph.inheritance_bits[terms[i]])
    return onset, inh


def _distinct_refs(ann: Annotations, rows: IntArray, disease_of_row: IntArray, n_diseases: int) -> FloatArray:
    refs, owner = _csr_gather(ann.row_ref_ptr, ann.row_ref_idx, rows)
    if len(refs) == 0:
        return np.zeros(n_diseases)
    pairs = np.unique(disease_of_row[owner].astype(np.int64) * (int(refs.max()) + 1) + refs)
    return np.bincount(pairs // (int(refs.max()) + 1), minlength=n_diseases).astype(np.float64)



def _row_pointers(keys: np.ndarray, n: int) -> np.ndarray:
    """CSR row pointers (int32, length n + 1) for entries sorted by `keys` in 0..n-1."""
    ptr = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr

def build_profiles(
    graph: TermGraph,
    ann: Annotations,
    params: ProfileParams,
    rows: IntArray | None = None,
    disease_of_row: IntArray | None = None,
    n_diseases: int | None = None,
    bg: FloatArray | None = None,
) -> Profiles:
    """Profiles of all diseases (default), or of the diseases behind a subset of rows.

    `disease_of_row` renumbers diseases (a single rebuilt disease becomes disease 0); `bg` reuses the full
    index's background so that a rebuilt profile is scored on the same scale as every other disease.
    """
    T = graph.n_terms
    if rows is None:
        rows = np.arange(len(ann.row_disease), dtype=np.int32)
    if disease_of_row is None:
        disease_of_row = ann.row_disease[rows]
    D = ann.n_diseases if n_diseases is None else n_diseases
    onset_lo, inheritance = _disease_traits(graph, ann, rows, D, disease_of_row)

    pheno = ann.row_aspect[rows] == ASPECT_PHENOTYPE
    freqs = row_frequencies(ann, rows, params)
    # "Excluded (0%)" frequencies say the same as a NOT qualifier. A count of none ("0/m": looked for in m
    # patients and not found) is neither: shrinkage would turn it into a small positive frequency, and the
    # disease would then "explain" a feature its own patients lacked (LR up to hundreds for a rare term). It
    # counts as not annotated: an observed feature it does not explain, no firm exclusion.
    none_of_m = pheno & none_reported(ann, rows)
    negated = ann.row_negated[rows] | (pheno & (freqs <= 0.0) & ~none_of_m)
    pos = pheno & ~negated & ~none_of_m
    d = disease_of_row[pos].astype(np.int64)
    t = ann.row_term[rows][pos].astype(np.int64)
    f = freqs[pos]

    # One value per (disease, term): the largest frequency among its rows.
    key = d * T + t
    order = np.lexsort((f, key))
    key, f = key[order], f[order]
    last = np.ones(len(key), dtype=bool)
    last[:-1] = key[1:] != key[:-1]
    key, f = key[last], f[last]
    d, t = key // T, key % T

    # Expand every annotated term to its ancestors.
    anc, owner = _csr_gather(graph.anc_ptr, graph.anc_idx, t.astype(np.int32))
    e_d = d[owner]
    e_f = f[owner]
    e_self = np.where(anc == t[owner], e_f, 0.0)
    key2 = e_d * T + anc
    order = np.argsort(key2, kind="stable")
    key2, e_f, e_self = key2[order], e_f[order], e_self[order]
    if len(key2):
        starts = np.flatnonzero(np.r_[True, key2[1:] != key2[:-1]])
        ukey = key2[starts]
        dself = np.maximum.reduceat(e_self, starts)
        if params.combine == "noisy_or":
            logs = np.add.reduceat(np.log1p(-np.minimum(e_f, 0.999)), starts)
            dclos = np.maximum(1.0 - np.exp(logs), np.maximum.reduceat(e_f, starts))
        else:
            dclos = np.maximum.reduceat(e_f, starts)
    else:
        ukey = np.zeros(0, dtype=np.int64)
        dself = np.zeros(0)
        dclos = np.zeros(0)
    pd = (ukey // T).astype(np.int32)
    pt = (ukey % T).astype(np.int32)
    dptr = _row_pointers(pd, D)

    corder = np.lexsort((pd, pt))
    cptr = _row_pointers(pt, T)

    nd = disease_of_row[pheno & negated]
    nt = ann.row_term[rows][pheno & negated]
    norder = np.lexsort((nd, nt))
    not_cptr = _row_pointers(nt, T)

    if bg is None:
        in_bg = ann.in_background if n_diseases is None else np.ones(D, dtype=bool)
        n_bg = max(int(in_bg.sum()), 1)
        weights = np.where(in_bg[pd], dclos, 0.0)
        bg = np.bincount(pt, weights=weights, minlength=T) / n_bg
    return Profiles(
        n_diseases=D,
        n_terms=T,
        dptr=dptr,
        dterm=pt,
        dself=dself,
        dclos=dclos,
        cptr=cptr,
        cdis=pd[corder],
        cself=dself[corder],
        cclos=dclos[corder],
        not_cptr=not_cptr,
        not_cdis=nd[norder].astype(np.int32),
        onset_lo=onset_lo,
        inheritance=inheritance,
        n_refs=_distinct_refs(ann, rows[pos], disease_of_row[pos], D),
        bg=bg,
    )


def subset_profiles(prof: Profiles, diseases: IntArray) -> Profiles:
    """The profiles of a few diseases, renumbered 0..k-1 in the given order (for explanations)."""
    k = len(diseases)
    T = prof.n_terms
    pos, owner = _csr_gather(prof.dptr, np.arange(len(prof.dterm), dtype=np.int32), diseases)
    pt = prof.dterm[pos]
    dptr = _row_pointers(owner, k)
    corder = np.lexsort((owner, pt))
    cptr = _row_pointers(pt, T)
    # NOT annotations: keep the entries of the chosen diseases, renumbered.
    remap = np.full(prof.n_diseases, -1, dtype=np.int32)
    remap[diseases] = np.arange(k, dtype=np.int32)
    nt = np.repeat(np.arange(T, dtype=np.int32), np.diff(prof.not_cptr))
    nd = remap[prof.not_cdis]
    keep = nd >= 0
    nt, nd = nt[keep], nd[keep]
    norder = np.lexsort((nd, nt))
    not_cptr = _row_pointers(nt, T)
    return Profiles(
        n_diseases=k,
        n_terms=T,
        dptr=dptr,
        dterm=pt,
        dself=prof.dself[pos],
        dclos=prof.dclos[pos],
        cptr=cptr,
        cdis=owner[corder],
        cself=prof.dself[pos][corder],
        cclos=prof.dclos[pos][corder],
        not_cptr=not_cptr,
        not_cdis=nd[norder],
        onset_lo=prof.onset_lo[diseases],
        inheritance=prof.inheritance[diseases],
        n_refs=prof.n_refs[diseases],
        bg=prof.bg,
    )


def concat_profiles(parts: list[Profiles]) -> Profiles:
    """Stack single- or few-disease profiles (diseases numbered in order) sharing one background."""
    T = parts[0].n_terms
    offsets = np.cumsum([0] + [p.n_diseases for p in parts])
    pd = np.concatenate(
        [
            np.repeat(np.arange(p.n_diseases, dtype=np.int32) + o, np.diff(p.dptr))
            for p, o in zip(parts, offsets[:-1], strict=True)
        ]
    )
    pt = np.concatenate([p.dterm for p in parts])
    dself = np.concatenate([p.dself for p in parts])
    dclos = np.concatenate([p.dclos for p in parts])
    D = int(offsets[-1])
    dptr = _row_pointers(pd, D)
    corder = np.lexsort((pd, pt))
    cptr = _row_pointers(pt, T)
    nt = np.concatenate([np.repeat(np.arange(T, dtype=np.int32), np.diff(p.not_cptr)) for p in parts])
    nd = np.concatenate([p.not_cdis + o for p, o in zip(parts, offsets[:-1], strict=True)]).astype(np.int32)
    norder = np.lexsort((nd, nt))
    not_cptr = _row_pointers(nt, T)
    return Profiles(
        n_diseases=D,
        n_terms=T,
        dptr=dptr,
        dterm=pt,
        dself=dself,
        dclos=dclos,
        cptr=cptr,
        cdis=pd[corder],
        cself=dself[corder],
        cclos=dclos[corder],
        not_cptr=not_cptr,
        not_cdis=nd[norder],
        onset_lo=np.concatenate([p.onset_lo for p in parts]),
        inheritance=np.concatenate([p.inheritance for p in parts]),
        n_refs=np.concatenate([p.n_refs for p in parts]),
        bg=parts[0].bg,
    )


def finalize_background(bg_raw: FloatArray, n_background: int, params: ScoreParams) -> FloatArray:
    """Floor the background so unseen terms don't give infinite LRs; cap below 1 for excluded terms."""
    floor = params.background_floor / max(n_background, 1)
    return np.clip(bg_raw, floor, 0.999)


# ----------------------------------------------------------------------------------------------------------
# Queries


def normalise_query(
    graph: TermGraph, observed: IntArray, excluded: IntArray, age_years: float | None, sex: int
) -> Query:
    """Keep phenotype terms only; drop observed terms implied by a more specific observed term, excluded
    terms implied by a more general excluded one, and excluded terms that contradict an observed one."""
    obs = np.unique(observed[graph.is_phenotype[observed]]).astype(np.int32)
    exc = np.unique(excluded[graph.is_phenotype[excluded]]).astype(np.int32)
    implied = set()
    for q in obs:
        for a in graph.ancestors(int(q)):
            if a != q:
                implied.add(int(a))
    obs = np.array([q for q in obs if int(q) not in implied], dtype=np.int32)
    obs_set = set(int(q) for q in obs)
    exc_set = set(int(x) for x in exc)
    keep: list[int] = []
    for x in exc:
        xi = int(x)
        if xi in implied or xi in obs_set:
            continue  # the patient has this feature (or a more specific one): the exclusion is moot
        if any(int(a) in exc_set and int(a) != xi for a in graph.ancestors(xi)):
            continue  # already implied by the excluded ancestor
        keep.append(xi)
    return Query(observed=obs, excluded=np.array(keep, dtype=np.int32), age_years=age_years, sex=sex)


def term_scores(
    graph: TermGraph, prof: Profiles, bg: FloatArray, query: Query, params: ScoreParams, explain: bool = False
) -> TermScores:
    D = prof.n_diseases
    n_obs = len(query.observed)
    obs_lr = np.full((n_obs, D), params.nomatch_lr)
    src = np.full((n_obs, D), -1, dtype=np.int32) if explain else None
    kind = np.zeros((n_obs, D), dtype=np.int8) if explain else None
    top_weight = max(params.specific_weight, params.related_weight)  # frequencies are at most 1
    for i, q in enumerate(query.observed.tolist()):
        row = obs_lr[i]
        for a in graph.ancestors(q).tolist():
            s, e = prof.cptr[a], prof.cptr[a + 1]
            if s == e:
                continue
            dis = prof.cdis[s:e]
            if a == q:
                vals = prof.cclos[s:e] / bg[a]
            else:
                # Sharing only "Phenotypic abnormality" (or a very common ancestor) is no evidence.
                if bg[a] > params.max_ancestor_background or not graph.is_phenotype[a]:
                    continue
                scale = (bg[q] / bg[a]) ** params.ic_discount / bg[a] if params.ic_discount else 1.0 / bg[a]
                if top_weight * scale <= params.nomatch_lr:
                    continue  # no entry of this column can beat an unexplained feature: skip it (speed)
                spec = params.specific_weight * prof.cself[s:e]
                rel = params.related_weight * prof.cclos[s:e]
                vals = np.maximum(spec, rel) * scale
            cur = row[dis]
            if not explain:
                # A disease appears once per column, so gather-max-scatter is exact (and the hot path).
                row[dis] = np.maximum(cur, vals)
                continue
            better = vals > cur
            if explain:
                assert src is not None and kind is not None
                hit = dis[better]
                src[i, hit] = a
                if a == q:
                    kind[i, hit] = np.where(prof.cself[s:e][better] > 0, KIND_EXACT, KIND_MORE_GENERAL)
                else:
                    kind[i, hit] = np.where(
                        params.specific_weight * prof.cself[s:e][better]
                        >= params.related_weight * prof.cclos[s:e][better],
                        KIND_MORE_SPECIFIC,
                        KIND_RELATED,
                    )
            row[dis] = np.where(better, vals, cur)
        # An explicit NOT annotation on the term or an ancestor overrides any match.
        for a in graph.ancestors(q).tolist():
            s, e = prof.not_cptr[a], prof.not_cptr[a + 1]
            if s == e:
                continue
            dis = prof.not_cdis[s:e]
            row[dis] = params.contradicted_lr
            if explain:
                assert src is not None and kind is not None
                src[i, dis] = a
                kind[i, dis] = KIND_CONTRADICTED

    n_exc = len(query.excluded)
    exc_lr = np.empty((n_exc, D))
    exc_kind = np.full((n_exc, D), KIND_EXCLUDED_ABSENT, dtype=np.int8) if explain else None
    for i, x in enumerate(query.excluded.tolist()):
        absent_bg = 1.0 - bg[x]
        exc_lr[i] = 1.0 / absent_bg
        s, e = prof.cptr[x], prof.cptr[x + 1]
        if s < e:
            dis = prof.cdis[s:e]
            exc_lr[i, dis] = (
                params.excluded_ascertainment * (1.0 - (1.0 - params.excluded_slack) * prof.cclos[s:e]) / absent_bg
            )
            if explain:
                assert exc_kind is not None
                exc_kind[i, dis] = KIND_EXCLUDED_PRESENT
    if params.excluded_weight != 1.0:
        exc_lr = exc_lr**params.excluded_weight
    return TermScores(
        observed_lr=obs_lr,
        excluded_lr=exc_lr,
        observed_source=src,
        observed_kind=kind,
        excluded_kind=exc_kind,
    )


def excluded_log_lr_sum(prof: Profiles, bg: FloatArray, excluded: IntArray, params: ScoreParams) -> FloatArray:
    """The summed log-LR of the excluded terms per disease, as `term_scores` gives them, without building the
    (terms x diseases) matrix: most diseases lack a given feature and share one value (speed; tests compare)."""
    out = np.zeros(prof.n_diseases)
    if len(excluded) == 0 or params.excluded_weight == 0:
        return out
    w = params.excluded_weight
    out += -w * float(np.log1p(-bg[excluded]).sum())
    for x in excluded.tolist():
        s, e = prof.cptr[x], prof.cptr[x + 1]
        if s < e:
            out[prof.cdis[s:e]] += w * np.log(
                params.excluded_ascertainment * (1.0 - (1.0 - params.excluded_slack) * prof.cclos[s:e])
            )
    return out


def age_log_lr(prof: Profiles, age_years: float | None, params: ScoreParams) -> FloatArray:
    """A patient younger than the disease's earliest typical onset: a penalty that grows with the gap and is
    bounded by `young_for_onset_lr`, never an exclusion. HPO's onset classes are population ranges (a
    "Middle age onset" disease is met at 35 too), so the ramp widens with the onset age."""
    out = np.zeros(prof.n_diseases)
    if age_years is None:
        return out
    lo = prof.onset_lo
    known = ~np.isnan(lo)
    gap = np.where(known, lo - age_years - params.onset_margin_years, 0.0)
    width = np.maximum(params.onset_ramp_fraction * np.where(known, lo, 0.0), 1.0)
    out[:] = math.log(params.young_for_onset_lr) * np.clip(gap / width, 0.0, 1.0)
    return out


def sex_log_lr(prof: Profiles, sex: int, params: ScoreParams) -> FloatArray:
    out = np.zeros(prof.n_diseases)
    inh = prof.inheritance
    if sex == SEX_FEMALE:
        females_affected = INH_AD | INH_AR | INH_XLD | INH_MT | INH_OTHER
        xlr_only = ((inh & INH_XLR) != 0) & ((inh & females_affected) == 0)
        out[xlr_only] = math.log(params.xlr_female_lr)
        out[(inh & (INH_Y | INH_MALE_LIMITED)) != 0] = math.log(params.sex_limited_lr)
    elif sex == SEX_MALE:
        out[(inh & INH_FEMALE_LIMITED) != 0] = math.log(params.sex_limited_lr)
    return out


def total_log_lr(
    graph: TermGraph, prof: Profiles, bg: FloatArray, query: Query, params: ScoreParams
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Summed log-LR per disease of `prof`, and its age and sex parts."""
    ts = term_scores(graph, prof, bg, query._replace_excluded() if len(query.excluded) else query, params)
    total = np.log(ts.observed_lr).sum(axis=0) * block_weight(len(query.observed), params) + excluded_log_lr_sum(
        prof, bg, query.excluded, params
    ) * block_weight(len(query.excluded), params, excluded=True)
    a = age_log_lr(prof, query.age_years, params)
    s = sex_log_lr(prof, query.sex, params)
    return total + a + s, a, s


def block_weight(n_terms: int, params: ScoreParams, excluded: bool = False) -> float:
    """The weight of each log-LR in a block of `n_terms` terms: 1 / n ** dependence (1 for an empty block);
    the excluded block uses `excluded_dependence` when it is set."""
    dep = params.excluded_dependence if excluded and params.excluded_dependence is not None else params.dependence
    return float(n_terms) ** -dep if n_terms > 1 and dep else 1.0


def rows_without_references(ann: Annotations, disease: int, refs: IntArray) -> IntArray:
    """The rows of `disease` to keep when every row whose references all lie in `refs` is dropped."""
    rows = np.arange(ann.disease_row_ptr[disease], ann.disease_row_ptr[disease + 1], dtype=np.int32)
    if len(refs) == 0 or len(rows) == 0:
        return rows
    ref_of, owner = _csr_gather(ann.row_ref_ptr, ann.row_ref_idx, rows)
    outside = ~np.isin(ref_of, refs)
    # A row survives if it has at least one reference outside `refs` (or no reference at all).
    n_outside = np.bincount(owner[outside], minlength=len(rows))
    n_refs = ann.row_ref_ptr[rows + 1] - ann.row_ref_ptr[rows]
    return rows[(n_outside > 0) | (n_refs == 0)]


def diseases_citing_only(ann: Annotations, refs: IntArray) -> IntArray:
    """Diseases that have at least one row cited by nothing but `refs` (these need rebuilt profiles)."""
    if len(refs) == 0:
        return np.zeros(0, dtype=np.int32)
    rows, _ = _csr_gather(ann.ref_row_ptr, ann.ref_row_idx, refs.astype(np.int32))
    rows = np.unique(rows)
    ref_of, owner = _csr_gather(ann.row_ref_ptr, ann.row_ref_idx, rows)
    outside = np.bincount(owner[~np.isin(ref_of, refs)], minlength=len(rows))
    return np.unique(ann.row_disease[rows[outside == 0]]).astype(np.int32)


def rebuild_profile(
    graph: TermGraph,
    ann: Annotations,
    disease: int,
    keep_rows: IntArray,
    prof: Profiles,
    params: ProfileParams,
) -> Profiles:
    """One disease's profile from a subset of its rows, on the full index's background."""
    return build_profiles(
        graph,
        ann,
        params,
        rows=keep_rows,
        disease_of_row=np.zeros(len(keep_rows), dtype=np.int32),
        n_diseases=1,
        bg=prof.bg,
    )


def null_terms(graph: TermGraph, ann: Annotations, n: int = 1000) -> IntArray:
    """A fixed, systematic sample of annotated features: every k-th phenotype row of the background diseases.

    Rows are sorted by disease, so the sample spreads over diseases the way annotations do.
    """
    rows = np.flatnonzero(
        (ann.row_aspect == ASPECT_PHENOTYPE)
        & ~ann.row_negated
        & ~(ann.row_freq == 0.0)  # "0/m" or "Excluded": not a feature of the disease
        & ann.in_background[ann.row_disease]
        & graph.is_phenotype[ann.row_term]
    )
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int32)
    pick = np.unique(np.linspace(0, len(rows) - 1, min(n, len(rows))).round().astype(np.int64))
    return ann.row_term[rows[pick]].astype(np.int32)


def null_log_lr(
    graph: TermGraph, prof: Profiles, bg: FloatArray, terms: IntArray, params: ScoreParams
) -> FloatArray:
    """Per disease, the mean log-LR of a random annotated feature (`terms`) as an observed term."""
    acc = np.zeros(prof.n_diseases)
    if len(terms) == 0:
        return acc
    if prof.n_diseases <= 4:
        for d in range(prof.n_diseases):
            acc[d] = np.log(observed_lr_one(graph, prof, d, bg, terms, params)).sum()
        return acc / len(terms)
    empty = np.zeros(0, dtype=np.int32)
    for k in range(0, len(terms), 256):
        q = Query(observed=terms[k : k + 256], excluded=empty)
        acc += np.log(term_scores(graph, prof, bg, q, params).observed_lr).sum(axis=0)
    return acc / len(terms)


def observed_lr_one(
    graph: TermGraph, prof: Profiles, disease: int, bg: FloatArray, terms: IntArray, params: ScoreParams
) -> FloatArray:
    """The observed-term LRs of one disease for many terms: `term_scores` vectorised the other way round
    (over terms instead of diseases), for rebuilt single-disease profiles. Tests check both agree."""
    T = graph.n_terms
    s, e = prof.dptr[disease], prof.dptr[disease + 1]
    dense_self = np.zeros(T)
    dense_clos = np.zeros(T)
    dense_self[prof.dterm[s:e]] = prof.dself[s:e]
    dense_clos[prof.dterm[s:e]] = prof.dclos[s:e]
    anc, owner = _csr_gather(graph.anc_ptr, graph.anc_idx, terms)
    qq = terms[owner]
    clos = dense_clos[anc]
    bga = bg[anc]
    exact = clos / bga
    scale = (bg[qq] / bga) ** params.ic_discount / bga if params.ic_discount else 1.0 / bga
    related = np.maximum(params.specific_weight * dense_self[anc], params.related_weight * clos) * scale
    allowed = graph.is_phenotype[anc] & (bga <= params.max_ancestor_background)
    vals = np.where(anc == qq, exact, np.where(allowed, related, 0.0))
    lens = graph.anc_ptr[terms + 1] - graph.anc_ptr[terms]
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    out = np.maximum(params.nomatch_lr, np.maximum.reduceat(vals, starts))
    # NOT annotations of this disease (term-major lists hold every disease's; pick this one's).
    not_terms = np.repeat(np.arange(T, dtype=np.int32), np.diff(prof.not_cptr))[prof.not_cdis == disease]
    if len(not_terms):
        dense_not = np.zeros(T, dtype=np.int32)
        dense_not[not_terms] = 1
        hit = np.add.reduceat(dense_not[anc], starts) > 0
        out[hit] = params.contradicted_lr
    return out


def rank(
    graph: TermGraph,
    ann: Annotations,
    prof: Profiles,
    query: Query,
    candidates: BoolArray,
    params: ScoreParams,
    profile_params: ProfileParams,
    exclude_references: IntArray | None = None,
    exclude_for: IntArray | None = None,
    null: FloatArray | None = None,
    null_sample: IntArray | None = None,
) -> RankOutput:
    """Score every candidate disease; the posterior is their softmax.

    `exclude_references`: drop annotation rows whose only references are these (leave-publication-out), for
    the diseases in `exclude_for` (default: every disease with such a row). Only those diseases' profiles are
    rebuilt, so this costs about a millisecond.
    `null` / `null_sample`: `null_log_lr` of `prof` for these params, and the terms it used (computed here
    when absent, which takes about a second: callers cache them).
    """
    bg = finalize_background(prof.bg, int(ann.in_background.sum()), params)
    total, a, s = total_log_lr(graph, prof, bg, query, params)
    calibrate = params.null_calibration != 0 and len(query.observed) > 0
    if calibrate:
        if null_sample is None:
            null_sample = null_terms(graph, ann)
        if null is None:
            null = null_log_lr(graph, prof, bg, null_sample, params)
        cal = -params.null_calibration * len(query.observed) * block_weight(len(query.observed), params) * null
    else:
        cal = np.zeros(prof.n_diseases)
    rebuilt: dict[int, Profiles] = {}
    if exclude_references is not None and len(exclude_references):
        refs = np.asarray(exclude_references, dtype=np.int32)
        affected = diseases_citing_only(ann, refs)
        if exclude_for is not None:
            affected = np.intersect1d(affected, np.asarray(exclude_for, dtype=np.int32))
        for d in affected.tolist():
            keep = rows_without_references(ann, d, refs)
            rebuilt[d] = rebuild_profile(graph, ann, d, keep, prof, profile_params)
        if rebuilt:
            ids = np.array(list(rebuilt), dtype=np.int32)
            stacked = concat_profiles(list(rebuilt.values()))
            t2, a2, s2 = total_log_lr(graph, stacked, bg, query, params)
            total[ids], a[ids], s[ids] = t2, a2, s2
            if calibrate:
                assert null_sample is not None
                cal = cal.copy()
                cal[ids] = (
                    -params.null_calibration
                    * len(query.observed)
                    * block_weight(len(query.observed), params)
                    * null_log_lr(graph, stacked, bg, null_sample, params)
                )
    prior = np.zeros(prof.n_diseases)
    if params.prior_exponent:
        # Corpus option: diseases described in more publications are seen more often.
        prior = params.prior_exponent * np.log1p(_n_refs_with(prof.n_refs, rebuilt))
    log_score = np.where(candidates, total + cal + prior, -np.inf)
    posterior, unknown = calibrated_posterior(log_score - prior, prior, len(query.observed), params)
    return RankOutput(
        log_score=log_score,
        posterior=posterior,
        unknown=unknown,
        age_log_lr=a,
        sex_log_lr=s,
        calibration=cal,
        prior=prior,
        rebuilt=rebuilt,
    )


def _n_refs_with(n_refs: FloatArray, rebuilt: dict[int, Profiles]) -> FloatArray:
    if not rebuilt:
        return n_refs
    out = n_refs.copy()
    for d, p in rebuilt.items():
        out[d] = p.n_refs[0]
    return out


def calibrated_posterior(
    evidence: FloatArray, log_prior: FloatArray, n_observed: int, params: ScoreParams
) -> tuple[FloatArray, float]:
    """P(disease) for every candidate (finite `evidence`) and P(none of these), summing to 1.

    logit(d) = evidence(d) / T + log((1 - u) prior(d)),
    logit(none) = n_observed * block_weight(n_observed) * unknown_log_lr / T + log u,
    with prior(d) the candidates' prior normalised over them (uniform unless a prior option is on); the unknown
    disease's block of observed terms is discounted for dependence like any disease's.
    """
    finite = np.isfinite(evidence)
    out = np.zeros_like(evidence)
    if not finite.any():
        return out, 1.0
    lp = log_prior[finite]
    lp = lp - (lp.max() + np.log(np.exp(lp - lp.max()).sum()))  # normalise over the candidates
    u = min(max(params.unknown_prior, 1e-12), 1.0 - 1e-12)
    t = params.temperature
    z = evidence[finite] / t + lp + math.log1p(-u)
    z0 = n_observed * block_weight(n_observed, params) * params.unknown_log_lr / t + math.log(u)
    m = max(float(z.max()), z0)
    ex = np.exp(z - m)
    ex0 = math.exp(z0 - m)
    total = float(ex.sum()) + ex0
    out[finite] = ex / total
    return out, ex0 / total


def softmax(log_score: FloatArray) -> FloatArray:
    finite = np.isfinite(log_score)
    out = np.zeros_like(log_score)
    if not finite.any():
        return out
    m = log_score[finite].max()
    ex = np.exp(log_score[finite] - m)
    out[finite] = ex / ex.sum()
    return out


def top_diseases(log_score: FloatArray, k: int) -> IntArray:
    """Indices of the k best finite scores, best first; ties broken by index for stable output."""
    finite = np.flatnonzero(np.isfinite(log_score))
    k = min(k, len(finite))
    if k == 0:
        return np.zeros(0, dtype=np.int32)
    part = finite[np.argpartition(-log_score[finite], k - 1)[:k]] if k < len(finite) else finite
    order = np.lexsort((part, -log_score[part]))
    return part[order].astype(np.int32)


def mid_rank(log_score: FloatArray, target: int) -> float:
    """1 + (#strictly better) + (#tied others) / 2; inf when the target is not a candidate."""
    s = log_score[target]
    if not np.isfinite(s):
        return math.inf
    better = int(np.count_nonzero(log_score > s))
    tied = int(np.count_nonzero(log_score == s)) - 1
    return 1.0 + better + tied / 2.0


def explain(
    graph: TermGraph,
    prof: Profiles,
    diseases: IntArray,
    rebuilt: dict[int, Profiles],
    query: Query,
    params: ScoreParams,
    n_background: int,
) -> TermScores:
    """Per-term LRs with the matching disease term and match kind, for a few diseases (columns in order)."""
    parts = [
        rebuilt[d] if d in rebuilt else subset_profiles(prof, np.array([d], dtype=np.int32))
        for d in diseases.tolist()
    ]
    small = concat_profiles(parts) if parts else subset_profiles(prof, diseases)
    bg = finalize_background(prof.bg, n_background, params)
    return term_scores(graph, small, bg, query, params, explain=True)


def resnik_scores(graph: TermGraph, prof: Profiles, ic: FloatArray, observed: IntArray) -> FloatArray:
    """Phenomizer-style baseline (Koehler et al., AJHG 2009): per disease, the mean over the patient's terms
    of the best Resnik similarity to an annotated term, i.e. the information content of the most informative
    common ancestor. One-sided (patient to disease), no frequencies, no excluded terms, age or sex.

    A disease's annotation closure holds exactly the ancestors it shares with anything, so the best match
    of q is the largest IC among q's ancestors that lie in the disease's closure.
    """
    D = prof.n_diseases
    if len(observed) == 0:
        return np.zeros(D)
    total = np.zeros(D)
    for q in observed.tolist():
        best = np.zeros(D)
        for a in graph.ancestors(q).tolist():
            s, e = prof.cptr[a], prof.cptr[a + 1]
            if s == e:
                continue
            dis = prof.cdis[s:e]
            best[dis] = np.maximum(best[dis], ic[a])
        total += best
    return total / len(observed)


def with_params(params: ScoreParams, **changes: float) -> ScoreParams:
    return replace(params, **changes)
