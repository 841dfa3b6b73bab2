"""The interview's stopping rule chosen by cross-validation: `symcheck bench stop-cv`.

The pack's `stop` settings (stop when the leading cause reaches `probability`, when no question is worth
`min_information_gain` bits, or after `max_questions`) trade how often the top cause is right against how many
questions a person answers. Every vignette of the domain runs through the real interview in both patient
modes under each setting of a small grid. A setting is chosen on k-1 folds (folds by case, so the two modes of
one story stay together) and scored on the held-out fold.

Choice on the training folds, in this order: the fewest under-triaged runs (safety first); among the settings
within the question budget (mean questions per run, the vignette goal), the highest top-1 rate, then the
highest top-3 rate, then the fewest questions. When no setting keeps to the budget, the one with the fewest
questions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from symcheck.bench import vignettes as vig_bench
from symcheck.bench.triage_cv import fold_by_group
from symcheck.kb.pack import Pack

GRID = {
    "probability": (0.8, 0.85, 0.9, 0.95),
    "max_questions": (15, 20, 25, 30),
    "min_information_gain": (0.01, 0.02, 0.03, 0.05, 0.08),
}


@dataclass(frozen=True)
class Run:
    group: str  # the case: both modes of a story stay in one fold
    top1: bool | None  # None: the gold cause is outside the pack
    top3: bool | None
    questions: int
    under_triage: bool


class Setting(BaseModel):
    probability: float
    max_questions: int
    min_information_gain: float


class Score(BaseModel):
    fold: int  # -1: all runs
    setting: Setting
    runs: int
    top1: float
    top3: float
    mean_questions: float
    under_triage: int


class StopCV(BaseModel):
    pack: str
    runs: int
    question_budget: float
    folds: list[Score]
    held_out_top1: float
    held_out_top3: float
    held_out_mean_questions: float
    held_out_under_triage: int
    chosen: Setting
    all_data_with_chosen: Score
    all_data_with_current: Score | None  # None when the grid lacks the pack's setting


def settings(pack: Pack) -> list[Setting]:
    """The grid, with the pack's current setting in it so it can always be kept."""
    grid = [Setting(probability=p, max_questions=m, min_information_gain=g)
            for p, m, g in itertools.product(*GRID.values())]
    current = current_setting(pack)
    return grid if current in grid else [current, *grid]


def current_setting(pack: Pack) -> Setting:
    s = pack.meta.stop
    return Setting(probability=s.probability, max_questions=s.max_questions,
                   min_information_gain=s.min_information_gain)


def collect(pack: Pack, vignette_file: Path, domain: str, grid: list[Setting],
            progress: Callable[[], None] | None = None, sparse: bool = True) -> list[list[Run]]:
    """runs[setting][run]: every vignette in both modes under each setting, in one fixed order. With `sparse`,
    each vignette also runs from the set's own `stated` alone, as in triage-cv, so that the question budget
    also holds when a story is coded with fewer facts."""
    cases = vig_bench.select(vig_bench.with_coded_facts(vig_bench.load_vignettes(vignette_file)), domain)
    mapping = vig_bench.condition_map(pack.id)
    table: list[list[Run]] = []
    for setting in grid:
        stop = pack.meta.stop.model_copy(update=setting.model_dump())
        runs = []
        for case in cases:
            codings = [case] + ([case.model_copy(update={"coded": {}})] if sparse and case.coded else [])
            for coding, mode in itertools.product(codings, vig_bench.MODES):
                o = vig_bench.run_case(pack, coding, mode, mapping, stop=stop)
                runs.append(Run(f"vignette:{case.id}", o.top1_hit, o.top3_hit, o.questions, o.under_triage))
        table.append(runs)
        if progress:
            progress()
    return table


def _score(fold: int, setting: Setting, runs: list[Run]) -> Score:
    scored = [r for r in runs if r.top1 is not None]
    n = max(len(scored), 1)
    return Score(fold=fold, setting=setting, runs=len(runs), top1=sum(bool(r.top1) for r in scored) / n,
                 top3=sum(bool(r.top3) for r in scored) / n,
                 mean_questions=sum(r.questions for r in runs) / max(len(runs), 1),
                 under_triage=sum(r.under_triage for r in runs))


def choose(grid: list[Setting], table: list[list[Run]], rows: list[int], budget: float) -> int:
    """The index of the setting chosen on the runs `rows` (see the module's docstring for the order)."""
    scores = [_score(-1, s, [table[i][r] for r in rows]) for i, s in enumerate(grid)]
    safest = min(s.under_triage for s in scores)
    safe = [i for i, s in enumerate(scores) if s.under_triage == safest]
    within = [i for i in safe if scores[i].mean_questions <= budget]
    if not within:
        return min(safe, key=lambda i: scores[i].mean_questions)
    return min(within, key=lambda i: (-scores[i].top1, -scores[i].top3, scores[i].mean_questions))


def cross_validate(pack: Pack, grid: list[Setting], table: list[list[Run]], budget: float = 12.0,
                   folds: int = 5, seed: int = 0) -> StopCV:
    runs = table[0]
    fold_of = fold_by_group([r.group for r in runs], folds, seed)
    results: list[Score] = []
    held: list[Run] = []
    for k in range(folds):
        train = [j for j, r in enumerate(runs) if fold_of[r.group] != k]
        test = [j for j, r in enumerate(runs) if fold_of[r.group] == k]
        if not train or not test:
            continue
        i = choose(grid, table, train, budget)
        results.append(_score(k, grid[i], [table[i][j] for j in test]))
        held += [table[i][j] for j in test]
    everything = list(range(len(runs)))
    chosen = choose(grid, table, everything, budget)
    current = grid.index(current_setting(pack)) if current_setting(pack) in grid else None
    pooled = _score(-1, grid[chosen], held)
    return StopCV(
        pack=pack.id, runs=len(runs), question_budget=budget, folds=results,
        held_out_top1=pooled.top1, held_out_top3=pooled.top3, held_out_mean_questions=pooled.mean_questions,
        held_out_under_triage=pooled.under_triage, chosen=grid[chosen],
        all_data_with_chosen=_score(-1, grid[chosen], table[chosen]),
        all_data_with_current=None if current is None else _score(-1, grid[current], table[current]),
    )
