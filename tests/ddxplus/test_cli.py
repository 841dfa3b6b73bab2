"""The commands through the real entry point: import, fit, bench (plain and cross-validated), errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from symcheck import load_pack
from tests.ddxplus.conftest import DATA, REPO, SAMPLE, need


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", *args],
        capture_output=True, text=True, timeout=300,
        env={"COLUMNS": "160", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip


def test_import_fit_and_bench_end_to_end(tmp_path: Path) -> None:
    need(DATA / "release_conditions.json", DATA / "release_evidences.json", SAMPLE)
    pack = tmp_path / "ddxplus"
    proc = run("kb", "import-ddxplus", "--conditions", str(DATA / "release_conditions.json"),
               "--evidences", str(DATA / "release_evidences.json"), "--out", str(pack))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "49 conditions, 223 evidences" in proc.stdout
    fitted = tmp_path / "fitted"
    proc = run("kb", "fit", str(pack), "--cases", str(SAMPLE), "--out", str(fitted))
    assert proc.returncode == 0, proc.stderr
    assert "1,305" in proc.stdout
    load_pack(fitted)
    out = tmp_path / "bench.json"
    proc = run("bench", "ddxplus", "--pack", str(fitted), "--patients", str(SAMPLE), "--limit", "100",
               "--full-evidence", "--json", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "GTPA@1" in proc.stdout and "AARLC" in proc.stdout and "patients/s" in proc.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["patients"] == 100 and report["protocol"]["max_turns"] == 30
    inter = report["interactive"]
    assert {"IL", "GTPA@1", "GTPA@3", "GTPA@5", "GTPA", "DDR", "DDP", "DDF1", "PER", "PEP", "PEF1", "DSP", "DSR", "DSF1"} <= set(inter)
    assert 1.0 <= inter["IL"] <= 31.0
    assert inter["GTPA@1"] > 90.0  # in-sample: fitted on these patients
    assert report["full_evidence"]["GTPA@1"] > 90.0 and "IL" not in report["full_evidence"]
    assert report["patients_per_second"] > 0 and report["peak_memory_mb"] > 0


def test_cross_validation_reports_fold_means(tmp_path: Path) -> None:
    need(DATA / "release_conditions.json", DATA / "release_evidences.json", SAMPLE)
    pack = tmp_path / "ddxplus"
    assert run("kb", "import-ddxplus", "--conditions", str(DATA / "release_conditions.json"),
               "--evidences", str(DATA / "release_evidences.json"), "--out", str(pack)).returncode == 0  # fmt: skip
    out = tmp_path / "cv.json"
    proc = run("bench", "ddxplus", "--pack", str(pack), "--patients", str(SAMPLE), "--folds", "2", "--limit", "300",
               "--max-turns", "10", "--json", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["cross_validation"]["folds"] == 2 and len(report["folds"]) == 2
    assert sum(f["patients"] for f in report["folds"]) == 300
    mean_il = sum(f["interactive"]["IL"] for f in report["folds"]) / 2
    assert abs(report["interactive"]["IL"] - mean_il) < 1e-9
    assert report["interactive"]["IL"] <= 11.0


def test_errors_are_one_line(tmp_path: Path) -> None:
    proc = run("bench", "ddxplus", "--pack", "nonexistent_pack_xyz", "--patients", str(tmp_path / "none.csv"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    (tmp_path / "p.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    proc = run("kb", "fit", str(REPO / "tests" / "packs" / "mini"), "--cases", str(tmp_path / "p.csv"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "not a DDXPlus patient file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("kb", "import-ddxplus", "--conditions", str(tmp_path / "no.json"), "--evidences", str(tmp_path / "no.json"),
               "--out", str(tmp_path / "x"))  # fmt: skip
    assert proc.returncode == 2 and "no such file" in proc.stderr
