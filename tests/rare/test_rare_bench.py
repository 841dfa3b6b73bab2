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
    report = bench.evaluate(index, cases, progress=seen.append)
    assert seen[-1] == 30 and report.n_cases == 30
    for mode in (report.full, report.leave_publication_out):
        for m in (mode.all_cases, mode.annotated_cases):
            assert 0 <= m.top1 <= m.top3 <= m.top10 <= 1
            assert 0 <= m.mrr <= 1
        assert mode.annotated_cases.n == report.n_annotated
        assert mode.seconds_per_case < 0.1
    # Recalling the curated case is easier than generalising to it.
    assert report.leave_publication_out.all_cases.mrr <= report.full.all_cases.mrr
    # A floor well under the measured figures (~50 % / ~30 % top-1), to catch a broken ranker.
    assert report.full.all_cases.top10 >= 0.3
    assert report.leave_publication_out.all_cases.top10 >= 0.2
    # Missing diagnoses are misses: "all" can't beat "annotated".
    assert report.full.all_cases.top1 <= report.full.annotated_cases.top1 + 1e-12
    by_id = {c.id: c for c in report.cases}
    assert all((c.rank is None) == (not c.annotated) for c in by_id.values())


@needs_data
def test_cli_smoke(tmp_path: Path) -> None:
    service.load_rare_index()
    out = tmp_path / "bench.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", "bench", "phenopackets", str(DATA), "--limit", "10",
         "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=env, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "leave-publication-out" in proc.stdout and "MRR" in proc.stdout
    data = json.loads(out.read_text())
    assert data["n_cases"] == 10 and len(data["cases"]) == 10
    assert set(data["leave_publication_out"]["all_cases"]) == {"n", "top1", "top3", "top10", "mrr"}
