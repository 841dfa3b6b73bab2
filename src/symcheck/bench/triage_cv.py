"""Triage thresholds chosen by cross-validation: `symcheck bench triage-cv`.

Every case (the pack's scenarios, and the shared vignettes of the pack's domain in open and closed mode) is
run once through the real interview with the pack's current thresholds. What triage needs from the final
answers is kept: the red-flag-safe masses, the fired rules' level and whether a safety check is open. The
level under other thresholds is then exact for those answers (the questions asked can depend a little on
the thresholds through the rule-out step; that second-order effect is ignored, and a re-run of the
benchmarks after changing the pack shows it).

A grid search picks the thresholds with the least harm-weighted loss on k-1 folds (folds by case, so the two
modes of one story stay together) and scores them on the held-out fold. Loss per case: 0 when the level is
acceptable; 10 per level under the gold level (and 20 more when the gold level is an emergency); 1 per level
above the most urgent acceptable level.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from symcheck.bench import scenarios as scen_bench
from symcheck.bench import vignettes as vig_bench
from symcheck.engine import triage as triage_mod
from symcheck.engine.model import LEVEL_NAMES
from symcheck.interview import Interview
from symcheck.interview import triage as triage_svc
from symcheck.kb.pack import Pack

GRID = {
    "emergency_ambulance": (0.02, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.35, 0.5),
    "emergency": (0.02, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.35, 0.5),
    "consultation_24": (0.05, 0.08, 0.1, 0.12, 0.15, 0.18, 0.2, 0.25, 0.35, 0.5, 0.65),
    "self_care": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
}
EMERGENCY = LEVEL_NAMES.index("emergency")


@dataclass
class Sample:
    group: str  # folds keep a group together
    masses: tuple[float, float, float]  # at least consultation_24, emergency, emergency_ambulance
    self_care: float
    rule_level: int
    open_check: bool
    gold: int
    acceptable: frozenset[int]


class FoldResult(BaseModel):
    fold: int
    thresholds: dict[str, float]
    cases: int
    acceptable: float
    exact: float
    under_triage: int
    emergencies_under_triaged: int


class TriageCV(BaseModel):
    pack: str
    samples: int
    folds: list[FoldResult]
    held_out_acceptable: float
    held_out_exact: float
    held_out_under_triage: int
    held_out_emergencies_under_triaged: int
    chosen: dict[str, float]
    current: dict[str, float]
    all_data_with_chosen: FoldResult
    all_data_with_current: FoldResult


def _sample(pack: Pack, iv: Interview, group: str, gold: str, acceptable: list[str]) -> Sample:
    d = triage_svc.decide(iv)
    at = d.masses.at_least
    return Sample(group, (at[2], at[3], at[4]), d.masses.self_care, d.rule_level, bool(d.open_checks),
                  LEVEL_NAMES.index(gold), frozenset(LEVEL_NAMES.index(a) for a in acceptable))


def collect(pack: Pack, vignette_file: Path | None, domain: str,
            progress: Callable[[], None] | None = None, sparse: bool = True) -> list[Sample]:
    """Every scenario, and every vignette in both patient modes. With `sparse`, each vignette also runs from the
    set's own `stated` alone (without our coding of the evidence added since), so that the thresholds also hold
    when a story is coded with fewer facts; all runs of a case stay in one fold."""
    samples: list[Sample] = []
    scenario_file = pack.path / "scenarios.yaml"
    if scenario_file.exists():
        for sc in scen_bench.load_scenarios(scenario_file, pack):
            iv = scen_bench.interview_for(pack, sc)
            samples.append(_sample(pack, iv, f"scenario:{sc.id}", sc.expect.triage, [sc.expect.triage]))
            if progress:
                progress()
    if vignette_file is not None and vignette_file.exists():
        for case in vig_bench.select(vig_bench.with_coded_facts(vig_bench.load_vignettes(vignette_file)), domain):
            codings = [case] + ([case.model_copy(update={"coded": {}})] if sparse and case.coded else [])
            for coding in codings:
                for mode in vig_bench.MODES:
                    iv = vig_bench.interview_for(pack, coding, mode)
                    samples.append(_sample(pack, iv, f"vignette:{case.id}", case.gold_urgency,
                                           case.acceptable_urgency))
                    if progress:
                        progress()
    return samples


def _levels(samples: list[Sample], grid: np.ndarray) -> np.ndarray:
    """[combos, samples] levels for each threshold combination (columns: amb, em, c24, sc)."""
    masses = np.array([s.masses for s in samples])  # [S, 3]
    sc = np.array([s.self_care for s in samples])
    rule = np.array([s.rule_level for s in samples])
    open_check = np.array([s.open_check for s in samples])
    amb = masses[None, :, 2] >= grid[:, 0:1]
    em = masses[None, :, 1] >= grid[:, 1:2]
    c24 = masses[None, :, 0] >= grid[:, 2:3]
    self_care = (sc[None, :] >= grid[:, 3:4]) & ~open_check[None, :]
    level = np.where(amb, 4, np.where(em, 3, np.where(c24, 2, np.where(self_care, 0, 1))))
    level = np.maximum(level, rule[None, :])
    # the open-check floor applies whatever raised nothing above self-care
    return np.where((level == 0) & open_check[None, :], 1, level)


def _loss(levels: np.ndarray, samples: list[Sample]) -> np.ndarray:
    gold = np.array([s.gold for s in samples])
    top_ok = np.array([max(s.acceptable) for s in samples])
    ok = np.array([[lv in s.acceptable for lv, s in zip(row, samples, strict=True)] for row in levels])
    under = np.maximum(gold[None, :] - levels, 0)
    over = np.maximum(levels - top_ok[None, :], 0)
    loss = 10.0 * under + 20.0 * ((under > 0) & (gold[None, :] >= EMERGENCY)) + over
    return np.where(ok, 0.0, loss).sum(axis=1)


def _grid() -> np.ndarray:
    return np.array(list(itertools.product(GRID["emergency_ambulance"], GRID["emergency"], GRID["consultation_24"],
                                           GRID["self_care"])))


def _choose(samples: list[Sample], grid: np.ndarray) -> np.ndarray:
    loss = _loss(_levels(samples, grid), samples)
    # ties go to the safer choice: lower urgent thresholds, then a higher self-care threshold
    order = np.lexsort((-grid[:, 3], grid[:, 2], grid[:, 1], grid[:, 0], loss))
    chosen: np.ndarray = grid[order[0]]
    return chosen


def _score(fold: int, thresholds: np.ndarray, samples: list[Sample]) -> FoldResult:
    levels = _levels(samples, thresholds[None, :])[0]
    n = max(len(samples), 1)
    under = [lv < s.gold for lv, s in zip(levels, samples, strict=True)]
    return FoldResult(
        fold=fold,
        thresholds=_named(thresholds),
        cases=len(samples),
        acceptable=sum(int(lv) in s.acceptable for lv, s in zip(levels, samples, strict=True)) / n,
        exact=sum(int(lv) == s.gold for lv, s in zip(levels, samples, strict=True)) / n,
        under_triage=sum(under),
        emergencies_under_triaged=sum(u and s.gold >= EMERGENCY for u, s in zip(under, samples, strict=True)),
    )


def _named(t: np.ndarray) -> dict[str, float]:
    return {"emergency_ambulance": float(t[0]), "emergency": float(t[1]), "consultation_24": float(t[2]),
            "self_care": float(t[3])}


def fold_by_group(groups: list[str], folds: int, seed: int) -> dict[str, int]:
    """Each group's fold: groups (cases) shuffled by `seed`, then dealt round the folds, so the runs of one
    case always share a fold."""
    rng = np.random.default_rng(seed)
    return {g: i % folds for i, g in enumerate(rng.permutation(sorted(set(groups))))}


def cross_validate(pack: Pack, samples: list[Sample], folds: int = 5, seed: int = 0) -> TriageCV:
    grid = _grid()
    fold_of = fold_by_group([s.group for s in samples], folds, seed)
    results = []
    held: list[tuple[int, Sample]] = []
    for k in range(folds):
        train = [s for s in samples if fold_of[s.group] != k]
        test = [s for s in samples if fold_of[s.group] == k]
        if not test or not train:
            continue
        t = _choose(train, grid)
        results.append(_score(k, t, test))
        levels = _levels(test, t[None, :])[0]
        held += [(int(lv), s) for lv, s in zip(levels, test, strict=True)]
    n = max(len(held), 1)
    chosen = _choose(samples, grid)
    thr = pack.compiled.model.level_threshold
    current = np.array([thr[4], thr[3], thr[2], thr[0]])
    return TriageCV(
        pack=pack.id,
        samples=len(samples),
        folds=results,
        held_out_acceptable=sum(lv in s.acceptable for lv, s in held) / n,
        held_out_exact=sum(lv == s.gold for lv, s in held) / n,
        held_out_under_triage=sum(lv < s.gold for lv, s in held),
        held_out_emergencies_under_triaged=sum(lv < s.gold and s.gold >= EMERGENCY for lv, s in held),
        chosen=_named(chosen),
        current=_named(current),
        all_data_with_chosen=_score(-1, chosen, samples),
        all_data_with_current=_score(-1, current, samples),
    )


def levels_with(samples: list[Sample], thresholds: dict[str, float]) -> list[int]:
    t = np.array([thresholds["emergency_ambulance"], thresholds["emergency"], thresholds["consultation_24"],
                  thresholds["self_care"]])
    return [int(x) for x in _levels(samples, t[None, :])[0]]


__all__ = ["TriageCV", "collect", "cross_validate", "fold_by_group", "levels_with", "triage_mod"]
