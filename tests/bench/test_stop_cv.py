"""The cross-validated choice of the interview's stopping rule (`symcheck bench stop-cv`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symcheck import load_pack
from symcheck.bench import stop_cv
from tests.conftest import SHARED
from tests.core.test_cli import run

VIGNETTES = SHARED / "data" / "vignettes_dev" / "vignettes_dev.json"


def _runs(top1: list[bool], questions: int, under: int = 0) -> list[stop_cv.Run]:
    return [stop_cv.Run(f"vignette:{i // 2}", hit, hit, questions, i < under) for i, hit in enumerate(top1)]


GRID = [stop_cv.Setting(probability=0.85, max_questions=m, min_information_gain=0.02) for m in (10, 20, 30)]


def test_the_choice_puts_safety_first_then_the_question_budget_then_top1():
    table = [
        _runs([True] * 4 + [False] * 6, questions=8),  # within budget, top-1 40%
        _runs([True] * 8 + [False] * 2, questions=11),  # within budget, top-1 80%
        _runs([True] * 10, questions=15),  # best top-1, over the budget
    ]
    rows = list(range(10))
    assert stop_cv.choose(GRID, table, rows, budget=12) == 1
    assert stop_cv.choose(GRID, table, rows, budget=20) == 2
    assert stop_cv.choose(GRID, table, rows, budget=5) == 0  # none within: the fewest questions
    table[1] = _runs([True] * 8 + [False] * 2, questions=11, under=1)  # an under-triaged run rules it out
    assert stop_cv.choose(GRID, table, rows, budget=12) == 0


def test_cross_validation_scores_each_choice_on_cases_it_did_not_see():
    table = [_runs([True] * 4 + [False] * 6, 8), _runs([True] * 8 + [False] * 2, 11), _runs([True] * 10, 15)]
    report = stop_cv.cross_validate(load_pack("spasm"), GRID, table, budget=12, folds=5, seed=0)
    assert report.chosen == GRID[1] and report.runs == 10
    assert report.all_data_with_current is None  # the pack's own setting is not in this grid
    assert len(report.folds) == 5 and all(f.runs == 2 for f in report.folds)  # both runs of a case in one fold
    assert report.held_out_mean_questions == 11 and report.held_out_top1 == pytest.approx(0.8)


def test_the_grid_keeps_the_packs_own_setting():
    pack = load_pack("spasm")
    assert stop_cv.current_setting(pack) in stop_cv.settings(pack)


def test_a_missing_file_or_domain_is_a_clear_error(tmp_path: Path):
    missing = run("bench", "stop-cv", "--vignettes", str(tmp_path / "none.json"))
    assert missing.returncode != 0 and "--vignettes" in missing.stderr and "Traceback" not in missing.stderr
    wrong = run("bench", "stop-cv", "--domain", "feet")
    assert wrong.returncode != 0 and "--domain" in wrong.stderr and "Traceback" not in wrong.stderr


@pytest.mark.skipif(not VIGNETTES.exists(), reason=f"the shared vignettes are not at {VIGNETTES}")
def test_real_runs_under_two_settings(tmp_path: Path):
    cases = json.loads(VIGNETTES.read_text())
    cases = cases["cases"] if isinstance(cases, dict) else cases
    small = tmp_path / "two.json"
    small.write_text(json.dumps([c for c in cases if c["id"] in ("DEV-001", "DEV-043")]))
    pack = load_pack("spasm")
    grid = [stop_cv.current_setting(pack), stop_cv.Setting(probability=0.85, max_questions=3,
                                                          min_information_gain=0.02)]
    table = stop_cv.collect(pack, small, "all", grid)
    assert len(table) == 2 and len(table[0]) == len(table[1]) >= 4
    assert all(r.questions <= 3 for r in table[1])  # the setting is what the interview ran under
    assert max(r.questions for r in table[0]) > 3
