"""Calibration of the rare-disease posterior: fitting its three constants, and measuring how well it is calibrated.

The posterior (model.calibrated_posterior) has three global constants: a temperature T on the summed log-LRs,
the prior u of "none of these" and the log-LR per observed feature of that unknown disease. They are fitted by
minimising the log loss of the true answer (the diagnosis, or "none of these" when it is not a candidate: a
proper score of the whole distribution of shares) on tuning cases, by coordinate search over bounded
intervals, and checked on other cases with a reliability table and
the expected calibration error (ECE) of the top-1 probability (Guo et al., "On calibration of modern neural
networks", ICML 2017: equal-width bins, ECE = sum over bins of n_bin / n * |accuracy - mean confidence|).

Those shares alone miss the target on held-out cases, so a small post-hoc model (`Top1Model`, Platt-style
logistic regression: Platt, "Probabilistic outputs for support vector machines", 1999) turns three features of
a ranking into the probability that its first disease is the diagnosis: the top share, the score gap to the
second disease and the number of observed terms. It is fitted with cohort-grouped cross-fitting
(`crossfit_top1`), so every ECE reported for it is out-of-fold: each case's probability comes from a fit that
saw none of its cohort.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel

from symcheck.rare.model import FloatArray, ScoreParams, calibrated_posterior


@dataclass(frozen=True)
class ScoredCase:
    """What calibration needs of one ranked case: the candidates' evidence (log-LRs without the prior, -inf for
    non-candidates), their log prior, the number of observed terms and the true disease (-1: not a candidate)."""

    evidence: FloatArray
    log_prior: FloatArray
    n_observed: int
    gold: int


class ReliabilityBin(BaseModel):
    lo: float
    hi: float
    n: int
    mean_share: float
    accuracy: float


class CalibrationReport(BaseModel):
    n: int
    ece: float
    mean_top1_share: float
    top1_accuracy: float
    mean_unknown_share: float
    # 95 % interval of the ECE from a bootstrap over groups of cases (cohorts: cases of one cohort share a
    # disease and often a paper, so they are not independent); None without groups.
    ece_ci95: tuple[float, float] | None = None
    bins: list[ReliabilityBin]


def top1(case: ScoredCase, params: ScoreParams) -> tuple[float, bool, float]:
    """(posterior share of the top-ranked disease, whether it is the true one, share of none of these)."""
    post, unknown = calibrated_posterior(case.evidence, case.log_prior, case.n_observed, params)
    best = int(np.argmax(case.evidence + case.log_prior))
    return float(post[best]), best == case.gold, unknown


def reliability(
    probs: Sequence[float], correct: Sequence[bool], unknown: Sequence[float] = (), n_bins: int = 10
) -> CalibrationReport:
    p = np.asarray(probs, dtype=float)
    c = np.asarray(correct, dtype=float)
    n = len(p)
    bins: list[ReliabilityBin] = []
    ece = 0.0
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bin k holds lo < p <= hi (the first bin also p = 0), so a probability of exactly 1 lands in the last.
    which = np.clip(np.ceil(p * n_bins).astype(int) - 1, 0, n_bins - 1)
    for k in range(n_bins):
        sel = which == k
        m = int(sel.sum())
        if m == 0:
            continue
        conf, acc = float(p[sel].mean()), float(c[sel].mean())
        ece += m / n * abs(acc - conf)
        bins.append(ReliabilityBin(lo=float(edges[k]), hi=float(edges[k + 1]), n=m, mean_share=conf,
                                   accuracy=acc))
    return CalibrationReport(
        n=n,
        ece=ece,
        mean_top1_share=float(p.mean()) if n else 0.0,
        top1_accuracy=float(c.mean()) if n else 0.0,
        mean_unknown_share=float(np.mean(unknown)) if len(unknown) else 0.0,
        bins=bins,
    )


def _ece(p: np.ndarray, c: np.ndarray, n_bins: int) -> float:
    which = np.clip(np.ceil(p * n_bins).astype(int) - 1, 0, n_bins - 1)
    n = np.bincount(which, minlength=n_bins)
    gap = np.abs(np.bincount(which, weights=c, minlength=n_bins) - np.bincount(which, weights=p, minlength=n_bins))
    return float(gap.sum() / max(len(p), 1)) if n.sum() else 0.0


def grouped_ece_interval(
    probs: Sequence[float], correct: Sequence[bool], groups: Sequence[str], n_bins: int = 10, n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """2.5th and 97.5th percentiles of the ECE over bootstrap resamples of whole groups."""
    p = np.asarray(probs, dtype=float)
    c = np.asarray(correct, dtype=float)
    names, g = np.unique(np.asarray(groups), return_inverse=True)
    members = [np.flatnonzero(g == k) for k in range(len(names))]
    rng = np.random.default_rng(seed)
    eces = []
    for _ in range(n_boot):
        pick = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
        eces.append(_ece(p[pick], c[pick], n_bins))
    lo, hi = np.percentile(eces, [2.5, 97.5])
    return float(lo), float(hi)


def evaluate(
    cases: Sequence[ScoredCase], params: ScoreParams, n_bins: int = 10, groups: Sequence[str] | None = None
) -> CalibrationReport:
    rows = [top1(c, params) for c in cases]
    report = reliability([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], n_bins)
    if groups is not None and len(rows) > 1:
        report.ece_ci95 = grouped_ece_interval([r[0] for r in rows], [r[1] for r in rows], groups, n_bins)
    return report


def evaluate_probabilities(
    probs: Sequence[float], correct: Sequence[bool], groups: Sequence[str] | None = None, n_bins: int = 10
) -> CalibrationReport:
    """Reliability of given top-1 probabilities (e.g. a `Top1Model`'s), with a cohort-bootstrap interval."""
    report = reliability(probs, correct, (), n_bins)
    if groups is not None and len(probs) > 1:
        report.ece_ci95 = grouped_ece_interval(probs, correct, groups, n_bins)
    return report


def log_loss(cases: Sequence[ScoredCase], params: ScoreParams) -> float:
    """Mean -log P(true answer): the true disease, or "none of these" when it is not a candidate."""
    total = 0.0
    for c in cases:
        post, unknown = calibrated_posterior(c.evidence, c.log_prior, c.n_observed, params)
        p = unknown if c.gold < 0 else float(post[c.gold])
        total -= math.log(max(p, 1e-300))
    return total / max(len(cases), 1)


def top1_log_loss(cases: Sequence[ScoredCase], params: ScoreParams) -> float:
    """Mean binary log loss of the top-1 probability against whether the top disease is the true one: the
    quantity whose calibration the ECE measures (the full log loss above is dominated by cases whose diagnosis
    ranks far down, and fitting it leaves the top-1 figure underconfident)."""
    total = 0.0
    for c in cases:
        p, ok, _ = top1(c, params)
        p = min(max(p, 1e-12), 1.0 - 1e-12)
        total -= math.log(p) if ok else math.log1p(-p)
    return total / max(len(cases), 1)


# Search intervals: wide enough to hold any sensible value, bounded so that a degenerate set can't run away.
BOUNDS: dict[str, tuple[float, float]] = {
    "temperature": (0.5, 20.0),
    "unknown_prior": (0.001, 0.95),
    "unknown_log_lr": (-2.0, 5.0),
}
LINEAR = ("unknown_log_lr",)


def fit(
    cases: Sequence[ScoredCase],
    params: ScoreParams,
    rounds: int = 4,
    objective: Callable[[Sequence[ScoredCase], ScoreParams], float] | None = None,
) -> ScoreParams:
    """The three calibration constants that minimise `objective` on `cases` (golden-section search on each in
    turn; the loss is smooth and, in practice, unimodal along each axis).

    The default objective is the full log loss. Fitting the top-1 log loss instead made the shares of the top
    disease better calibrated but could drive "none of these" to explain features worse than any disease
    (random terms then went to the diseases); the top-1 figure has its own model now (`Top1Model`)."""
    objective = objective or log_loss
    best = params
    for _ in range(rounds):
        for name, (lo, hi) in BOUNDS.items():
            # Search temperature and the prior on a log scale, the log-LR on a linear one.
            log_scale = name not in LINEAR
            a, b = (math.log(lo), math.log(hi)) if log_scale else (lo, hi)

            def loss(x: float, name: str = name, log_scale: bool = log_scale, base: ScoreParams = best) -> float:
                return objective(cases, replace(base, **{name: math.exp(x) if log_scale else x}))

            g = (math.sqrt(5) - 1) / 2
            c, d = b - g * (b - a), a + g * (b - a)
            fc, fd = loss(c), loss(d)
            for _ in range(20):
                if fc < fd:
                    b, d, fd = d, c, fc
                    c = b - g * (b - a)
                    fc = loss(c)
                else:
                    a, c, fc = c, d, fd
                    d = a + g * (b - a)
                    fd = loss(d)
            x = (a + b) / 2
            best = replace(best, **{name: math.exp(x) if log_scale else x})
    return best


# ----------------------------------------------------------------------------------------------------------
# Probability that the first-ranked disease is the diagnosis


@dataclass(frozen=True)
class Top1Model:
    """P(top disease is the diagnosis) = sigmoid(intercept + share * logit(top share)
    + margin * log(1 + score gap to the second disease) + terms * log(1 + number of observed terms)).

    The shares come from summed log-LRs of correlated features, discounted for dependence by one global
    exponent, which cannot be right for every query; the gap says how clearly the first disease leads. The default coefficients were fitted on
    all 1,038 cases of the phenopacket dev sample (leave-publication-out, excluded terms used) by
    `symcheck bench phenopackets --fit-calibration`; its out-of-fold ECE is what the bench reports.
    """

    intercept: float = -0.6148
    share: float = 0.6217
    margin: float = 1.018
    terms: float = 0.02314


DEFAULT_TOP1 = Top1Model()
# Logits of shares are clipped here: a share of 1e-300 and one of 1e-9 say the same (no chance).
_SHARE_CLIP = 1e-9
_MARGIN_CAP = 1e3  # a single candidate has no second disease: an infinite gap, capped
CROSSFIT_FOLDS = 5


def top1_features(share: float, margin: float, n_observed: int) -> FloatArray:
    s = min(max(share, _SHARE_CLIP), 1.0 - _SHARE_CLIP)
    gap = 0.0 if math.isnan(margin) else min(max(margin, 0.0), _MARGIN_CAP)
    return np.array([math.log(s / (1.0 - s)), math.log1p(gap), math.log1p(max(n_observed, 0))])


def top1_probability(share: float, margin: float, n_observed: int, m: Top1Model = DEFAULT_TOP1) -> float:
    return top1_probability_from_features(m, top1_features(share, margin, n_observed))


def score_margin(log_score: FloatArray) -> float:
    """The gap between the best and the second-best finite score (inf with a single candidate)."""
    finite = log_score[np.isfinite(log_score)]
    if len(finite) < 2:
        return math.inf
    two = np.partition(-finite, 1)[:2]
    return float(two[1] - two[0])


def case_top1(case: ScoredCase, params: ScoreParams) -> tuple[FloatArray, bool]:
    """A scored case's features for `Top1Model` and whether its top disease is the diagnosis."""
    share, ok, _ = top1(case, params)
    return top1_features(share, score_margin(case.evidence + case.log_prior), case.n_observed), ok


def fit_top1(features: FloatArray, correct: Sequence[bool], l2: float = 0.01) -> Top1Model:
    """Logistic regression by Newton's method, with a small ridge on the slopes (a fold with few correct cases
    would otherwise run away)."""
    x = np.c_[np.ones(len(features)), np.asarray(features, dtype=float).reshape(len(features), -1)]
    y = np.asarray(correct, dtype=float)
    w = np.zeros(x.shape[1])
    ridge = l2 * np.diag(np.r_[0.0, np.ones(x.shape[1] - 1)])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -50, 50)))
        grad = x.T @ (p - y) + ridge @ w
        hess = (x * (p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(w)), grad)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Top1Model(*(float(v) for v in w))


def fold_of(group: str, k: int = CROSSFIT_FOLDS) -> int:
    """A fixed fold per group (cohort), from a hash, so reruns and other machines agree."""
    return int(hashlib.md5(group.encode("utf-8")).hexdigest(), 16) % k


def crossfit_top1(
    features: FloatArray, correct: Sequence[bool], groups: Sequence[str], k: int = CROSSFIT_FOLDS
) -> FloatArray:
    """Out-of-fold probabilities: each case's from a `Top1Model` fitted on the other folds' cohorts."""
    x = np.asarray(features, dtype=float)
    y = np.asarray(correct, dtype=bool)
    fold = np.array([fold_of(g, k) for g in groups])
    out = np.zeros(len(y))
    for f in range(k):
        test = fold == f
        if not test.any():
            continue
        train = ~test
        if train.sum() == 0 or y[train].all() or not y[train].any():
            out[test] = float(y[train].mean()) if train.any() else 0.5  # nothing to fit: the base rate
            continue
        m = fit_top1(x[train], y[train])
        out[test] = [top1_probability_from_features(m, row) for row in x[test]]
    return out


def top1_probability_from_features(m: Top1Model, x: FloatArray) -> float:
    z = m.intercept + m.share * float(x[0]) + m.margin * float(x[1]) + m.terms * float(x[2])
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
