"""Phenopacket benchmark: scoring rules on crafted ranks, and a smoke run on the first 30 dev cases."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symcheck.bench import phenopackets as bench
from symcheck.rare import service
from symcheck.rare.model import mid_rank

REPO = Path(__file__).resolve().parents[2]
# CI clones the repo with shared/ beside it, as here.
DATA = REPO / ".." / "shared" / "data" / "phenopackets" / "phenopacket_store_0.1.27_dev10.jsonl"
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"phenopacket sample not found at {DATA.resolve()}")


def test_mid_rank_ties() -> None:
    scores = np.array([5.0, 3.0, 3.0, 3.0, 1.0, -np.inf])
    assert mid_rank(scores, 0) == 1.0
    assert mid_rank(scores, 1) == 1 + 1 + 2 / 2  # one better, two tied others
    assert mid_rank(scores, 4) == 5.0
    assert mid_rank(scores, 5) == math.inf  # not a candidate


def test_metrics() -> None:
    m = bench.metrics([1.0, 2.0, 4.0, 12.0, math.inf])
    assert m.n == 5
    assert m.top1 == pytest.approx(0.2)
    assert m.top3 == pytest.approx(0.4)
    assert m.top10 == pytest.approx(0.6)
    assert m.mrr == pytest.approx((1 + 0.5 + 0.25 + 1 / 12) / 5)
    # A tie at the top is not a top-1 hit (mid-rank 1.5).
    assert bench.metrics([1.5]).top1 == 0.0


def test_load_cases_and_age(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "pmid": "PMID:1", "disease_id": "OMIM:1", "observed": ["HP:0001250"], "excluded": [],
         "age": "P2Y", "age_years": 2.0, "sex": "FEMALE", "cohort": "X"},
        {"id": "b", "pmid": "PMID:2", "disease_id": "OMIM:2", "observed": ["HP:0001250"], "excluded": [],
         "age": "GA:30w2d", "age_years": None, "sex": "UNKNOWN_SEX", "cohort": "Y"},
        {"id": "c", "pmid": "PMID:3", "disease_id": "OMIM:3", "observed": ["HP:0001250"], "excluded": [],
         "age": "HP:0003593", "age_years": None, "sex": "MALE", "genes": ["X"]},
    ]  # fmt: skip
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    cases = bench.load_cases(f)
    assert [c.age_years for c in cases] == [2.0, 0.0, None]
    assert [c.sex for c in cases] == ["FEMALE", None, "MALE"]
    assert len(bench.load_cases(f, limit=2)) == 2
    assert {bench.cohort_half(c) for c in cases} <= {"A", "B"}


@needs_data
def test_smoke_first_30_cases() -> None:
    index = service.load_rare_index()
    cases = bench.load_cases(DATA, limit=30)
    seen: list[int] = []
    report = bench.evaluate(index, [("dev", cases)], random_queries=3, progress=seen.append)
    assert seen[-1] == 30
    (s,) = report.sets
    assert s.n_cases == 30 and s.n_candidate + s.n_not_candidate == 30
    by = {(m.model, m.profile, m.excluded_terms): m for m in s.modes}
    assert set(by) == {
        (model_name, profile, exc)
        for profile in ("leave-publication-out", "full")
        for model_name, exc in (("symcheck", True), ("symcheck", False), ("symcheck+corpus-options", True),
                                ("symcheck-independent-terms", True), ("phenomizer", False))
    }
    for m in s.modes:
        for x in (m.all_cases, m.candidate_cases):
            assert 0 <= x.top1 <= x.top3 <= x.top10 <= 1 and 0 <= x.mrr <= 1
        assert m.candidate_cases.n == s.n_candidate
        assert m.ms_per_case_p50 < 100
        # Missing diagnoses are misses: "all" can't beat "candidates".
        assert m.all_cases.top1 <= m.candidate_cases.top1 + 1e-12
    for profile in ("leave-publication-out", "full"):
        base = by[("phenomizer", profile, False)]
        ours = by[("symcheck", profile, True)]
        assert base.vs_baseline is None and ours.vs_baseline is not None
        if base.all_cases.mrr > 0:
            assert ours.vs_baseline.mrr == pytest.approx(ours.all_cases.mrr / base.all_cases.mrr)
    # Recalling the curated case is easier than generalising to it.
    lpo, full = by[("symcheck", "leave-publication-out", True)], by[("symcheck", "full", True)]
    assert lpo.all_cases.mrr <= full.all_cases.mrr
    # A floor well under the measured figures, to catch a broken ranker.
    assert full.all_cases.top10 >= 0.3 and lpo.all_cases.top10 >= 0.2
    assert s.calibration.n == 30 and 0 <= s.calibration.ece <= 1
    assert sum(b.n for b in s.calibration.bins) == 30
    assert all((c.ranks["symcheck/full/excluded"] is None) == (not c.candidate) for c in s.cases)
    assert [r.n_terms for r in report.random_terms] == [5, 200]
    for cal in (s.probability, s.probability_crossfit):
        assert cal.n == 30 and sum(b.n for b in cal.bins) == 30 and 0 <= cal.ece <= 1
    assert all(0 <= c.top1_probability <= 1 and 0 <= c.top1_probability_crossfit <= 1 for c in s.cases)
    assert all(0 <= r.mean_top1_probability <= r.max_top1_probability <= 1 for r in report.random_terms)


def test_reliability_table_by_hand() -> None:
    from symcheck.rare.calibration import reliability

    r = reliability([0.05, 0.05, 0.95, 0.95, 1.0], [False, True, True, True, False])
    assert [b.n for b in r.bins] == [2, 3]
    assert r.bins[0].accuracy == 0.5 and r.bins[1].accuracy == pytest.approx(2 / 3)
    expected = 2 / 5 * abs(0.5 - 0.05) + 3 / 5 * abs(2 / 3 - (0.95 + 0.95 + 1.0) / 3)
    assert r.ece == pytest.approx(expected)


def test_calibration_fit_recovers_a_temperature() -> None:
    """Cases drawn from the model's own posterior at temperature 2: the fit finds about 2, and then the
    top-1 share is calibrated on fresh draws."""
    from dataclasses import replace

    from symcheck.rare import calibration
    from symcheck.rare.model import ScoreParams, calibrated_posterior

    rng = np.random.default_rng(0)
    truth = replace(ScoreParams(), temperature=2.0, unknown_prior=0.1, unknown_log_lr=0.5)

    def draw(n: int) -> list[calibration.ScoredCase]:
        out = []
        for _ in range(n):
            ev = rng.normal(0, 6, size=40)
            lp = np.zeros(40)
            post, unk = calibrated_posterior(ev, lp, 4, truth)
            k = rng.choice(41, p=np.r_[post, unk] / (post.sum() + unk))
            out.append(calibration.ScoredCase(ev, lp, 4, -1 if k == 40 else int(k)))
        return out

    fitted = calibration.fit(draw(1500), ScoreParams(), rounds=2)
    assert 1.5 < fitted.temperature < 2.7
    assert calibration.evaluate(draw(1500), fitted).ece < 0.05


@needs_data
def test_cli_smoke(tmp_path: Path) -> None:
    service.load_rare_index()
    out = tmp_path / "bench.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", "bench", "phenopackets", str(DATA), "--cases", str(DATA),
         "--limit", "10", "--random-queries", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "leave-publication-out" in proc.stdout and "MRR" in proc.stdout and "ECE" in proc.stdout
    assert "phenomizer" in proc.stdout and "Random-term" in proc.stdout
    assert "top-1 probability" in proc.stdout and "out-of-fold" in proc.stdout
    data = json.loads(out.read_text())
    assert len(data["sets"]) == 2 and all(s["n_cases"] == 10 for s in data["sets"])
    m = data["sets"][0]["modes"][0]
    assert set(m["all_cases"]) == {"n", "top1", "top3", "top10", "mrr"}
    assert m["profile"] == "leave-publication-out" and m["model"] == "symcheck" and m["excluded_terms"]


@needs_data
def test_cli_no_case_file_is_an_error() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "symcheck.cli.main", "bench", "phenopackets"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert proc.returncode == 2 and "give at least one case file" in proc.stderr


def test_grouped_ece_interval_brackets_the_estimate() -> None:
    from symcheck.rare.calibration import _ece, grouped_ece_interval, reliability

    rng = np.random.default_rng(3)
    p = rng.uniform(0, 1, 400)
    ok = rng.uniform(0, 1, 400) < p * 0.8  # overconfident by a fifth
    groups = [f"g{i % 40}" for i in range(400)]
    point = reliability(p.tolist(), ok.tolist()).ece
    assert _ece(p, ok.astype(float), 10) == pytest.approx(point)
    lo, hi = grouped_ece_interval(p.tolist(), ok.tolist(), groups, n_boot=300)
    assert lo <= point <= hi and hi - lo > 0.01


def _logistic_cases(rng: np.random.Generator, n: int, groups: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features as calibration.top1_features gives them, labels drawn from a known Top1Model."""
    from symcheck.rare import calibration

    truth = calibration.Top1Model(intercept=0.5, share=0.6, margin=0.8, terms=-1.0)
    x = np.c_[rng.normal(-3, 2, n), np.log1p(rng.exponential(3, n)), np.log1p(rng.integers(1, 40, n))]
    p = np.array([calibration.top1_probability_from_features(truth, row) for row in x])
    return x, rng.uniform(0, 1, n) < p, [f"cohort{i % groups}" for i in range(n)]


def test_top1_model_fit_recovers_known_coefficients() -> None:
    from symcheck.rare import calibration

    x, y, _ = _logistic_cases(np.random.default_rng(5), 20_000, 100)
    m = calibration.fit_top1(x, y)
    assert m.intercept == pytest.approx(0.5, abs=0.2)
    assert m.share == pytest.approx(0.6, abs=0.05)
    assert m.margin == pytest.approx(0.8, abs=0.1)
    assert m.terms == pytest.approx(-1.0, abs=0.1)


def test_crossfit_is_out_of_fold_by_cohort() -> None:
    """Each case's probability comes from a model fitted on the other folds, and a cohort never straddles
    two folds (cases of a cohort share a disease: splitting them would leak)."""
    from symcheck.rare import calibration

    x, y, groups = _logistic_cases(np.random.default_rng(6), 3000, 60)
    oof = calibration.crossfit_top1(x, y, groups)
    fold = np.array([calibration.fold_of(g) for g in groups])
    assert len(set(fold.tolist())) == calibration.CROSSFIT_FOLDS
    for g in set(groups):
        assert len({int(f) for f, h in zip(fold, groups, strict=True) if h == g}) == 1
    for f in range(calibration.CROSSFIT_FOLDS):
        test = fold == f
        m = calibration.fit_top1(x[~test], y[~test])
        expected = [calibration.top1_probability_from_features(m, row) for row in x[test]]
        assert oof[test] == pytest.approx(expected)
    # Drawn from a logistic model, the out-of-fold probabilities are calibrated.
    assert calibration.evaluate_probabilities(oof.tolist(), y.tolist()).ece < 0.04


def test_top1_features_are_bounded() -> None:
    from symcheck.rare import calibration

    for share, margin in ((0.0, math.inf), (1.0, 0.0), (1e-300, math.nan), (0.5, -1.0)):
        x = calibration.top1_features(share, margin, 3)
        assert np.isfinite(x).all()
        assert 0.0 <= calibration.top1_probability(share, margin, 3) <= 1.0
    # One candidate (no second disease): the gap is capped, not infinite.
    assert calibration.score_margin(np.array([2.0, -np.inf])) == math.inf
    assert calibration.score_margin(np.array([2.0, 0.5, -np.inf, 1.0])) == pytest.approx(1.0)
