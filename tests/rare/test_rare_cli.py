"""`symcheck rare rank` through the real entry point (python -m symcheck.cli.main)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from symcheck.rare import service

REPO = Path(__file__).resolve().parents[2]
MARFAN = ["HP:0001166", "HP:0001083", "HP:0002616", "HP:0001519"]


@pytest.fixture(scope="module", autouse=True)
def compiled_index() -> None:
    # Build the cache once before the subprocesses need it (each then loads it in ~0.2 s).
    service.load_rare_index()


def symcheck(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"  # keep Rich from wrapping disease names across lines
    return subprocess.run(
        [sys.executable, "-m", "symcheck.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )


def test_rank_json() -> None:
    proc = symcheck(
        "rare", "rank", *MARFAN, "--exclude", "HP:0000365", "--age", "25", "--sex", "female", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["observed"] == sorted(MARFAN)
    assert data["excluded"] == ["HP:0000365"]
    assert data["sex"] == "female" and data["age_years"] == 25
    ids = [d["disease_id"] for d in data["diseases"]]
    assert len(ids) == 10 and "OMIM:154700" in ids[:3]
    first = data["diseases"][0]
    assert {"disease_id", "name", "score_share", "rank", "matches"} <= set(first)
    assert {m["how"] for m in first["matches"]} <= {
        "exact",
        "patient_more_specific",
        "patient_more_general",
        "related",
        "no_match",
        "contradicted",
        "excluded_present",
        "excluded_absent",
    }


def test_rank_table() -> None:
    proc = symcheck("rare", "rank", ",".join(MARFAN), "--top", "3")
    assert proc.returncode == 0, proc.stderr
    assert "Marfan syndrome (OMIM:154700)" in proc.stdout
    assert "Arachnodactyly" in proc.stdout  # explanations name the matching terms
    assert "%" in proc.stdout


def test_lowercase_ids_and_none_of_these() -> None:
    proc = symcheck("rare", "rank", "hp:0001166", "HP:0001083", "--top", "2")
    assert proc.returncode == 0, proc.stderr
    assert "None of these" in proc.stdout and "share" in proc.stdout


def test_alt_id_gives_a_note() -> None:
    proc = symcheck("rare", "rank", "HP:0004715", "HP:0001250", "--top", "1")
    assert proc.returncode == 0, proc.stderr
    assert "HP:0004715" in proc.stdout and "HP:0000003" in proc.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["HP:123"], "observed: malformed HPO id"),
        (["HP:9999999"], "observed: unknown HPO id"),
        (["HP:0001250", "-x", "HP:00012"], "excluded: malformed HPO id"),
        (["HP:0001250", "--age", "-1"], "age:"),
        (["HP:0001250", "--sex", "robot"], "sex:"),
        (["HP:0001250", "--top", "100000"], "top: must be a whole number from 1 to 20"),
        (["HP:0001250", "-x", "hp:0001250"], "excluded: HP:0001250 (Seizure) is given as both observed and excluded"),
        (["HP:0000118"], "observed: no observed term can be ranked on: HP:0000118 (Phenotypic abnormality) is the root"),
        (["HP:0001250", "--sources", "GENBANK"], "sources: unknown disease source"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    proc = symcheck("rare", "rank", *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
